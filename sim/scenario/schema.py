"""The scenario schema: frozen pydantic models whose fields carry the units of SCENARIO.md.

Defaults live here and nowhere else. Checks that span several parts of a file (stations in range,
names that must exist) live in ``checks.py`` so that their messages can name the key path.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Slug = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=80)]
# Strict(): `trucks: true` or `takt_s: "90"` is an error, not 1 or 90 (ints are still fine as floats)
PosFloat = Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
PosInt = Annotated[int, Strict(), Field(ge=1)]
NonNegInt = Annotated[int, Strict(), Field(ge=0)]

# Bounds. Every number has one, so that a value that validates cannot hang a run or fill memory; the
# README's "Bounds" table gives the same reasons. The work of a whole run (days x cars x replications)
# is bounded separately, before it starts (sim/workload.py).
MAX_DAYS = 3660  # ten years of simulated time: beyond any planning question
MAX_REPLICATIONS = 10_000  # an interval 100x narrower than one replication's spread
MAX_SEED = 2**63 - 1  # fits a signed 64-bit integer in every table and tool
MIN_TAKT_S, MAX_TAKT_S = 10, 86_400  # car lines run at about a minute; one car a day
MAX_STATIONS = 1000  # a long final-assembly line has a few hundred
MAX_MODELS = 100  # the car sequence stores a model in one byte
MAX_SHARE = 1e6  # model shares are normalised; any scale works below this
MAX_CARS_AHEAD = 10_000  # a call-off a week ahead at 60 s takt
MAX_UNITS = 10_000  # units of a part per car, units per rack, racks or packs per truck
MAX_PACK = 1_000_000  # units per kanban container (small screws come by the 10,000)
MAX_CARDS = 100_000  # kanban cards in one loop
MAX_FLEET = 1000  # trucks of one supplier, docks of the plant
MAX_KM, MIN_KMH, MAX_KMH = 20_000.0, 1.0, 300.0  # half the earth's circumference; walking to rail speed
MAX_CV = 10.0  # travel-time coefficient of variation (0.1-0.5 is usual)
MAX_MINUTES = 10_080.0  # a week: loading, unloading, repairs, waits and delays in minutes
MAX_BUILD_S = 86_400.0  # a day per unit
MIN_LINE_MTBF_MIN = 1.0  # at most one line breakdown per running minute
MIN_SUPPLIER_MTBF_H = 0.1  # at most one supplier breakdown per 6 minutes
MAX_SHIFTS = MAX_BREAKS = 24  # shifts in a calendar, breaks in a shift: far beyond any plant
MAX_SUPPLIERS = 10_000
MAX_PARTS = 1000  # parts of one supplier
MAX_LEGS = 100
MAX_DISRUPTIONS = 1000  # each trip checks the road windows of its route
MAX_TEXT = 10_000  # characters of a description

_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


Day = Annotated[NonNegFloat, Field(le=MAX_DAYS)]  # a day number of the run
Hours = Annotated[PosFloat, Field(le=MAX_DAYS * 24)]
Minutes = Annotated[PosFloat, Field(le=MAX_MINUTES)]
NonNegMinutes = Annotated[NonNegFloat, Field(le=MAX_MINUTES)]
Km = Annotated[PosFloat, Field(le=MAX_KM)]
Kmh = Annotated[PosFloat, Field(ge=MIN_KMH, le=MAX_KMH)]
Units = Annotated[PosInt, Field(le=MAX_UNITS)]
CarsAhead = Annotated[NonNegInt, Field(le=MAX_CARS_AHEAD)]
Fleet = Annotated[PosInt, Field(le=MAX_FLEET)]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


def clock_minutes(text: str) -> int:
    """Minutes after midnight of an "HH:MM" string ("24:00" allowed)."""
    match = _CLOCK.match(text)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"'{text}' is not a time of day as \"HH:MM\" (00:00 to 24:00)")
    return int(match.group(1)) * 60 + int(match.group(2))


def _checked_clock(text: str) -> str:
    clock_minutes(text)
    return text


ClockTime = Annotated[str, AfterValidator(_checked_clock)]


class Break(Frozen):
    start: ClockTime
    end: ClockTime


class Shift(Frozen):
    name: Annotated[str, Field(max_length=80)]
    start: ClockTime
    end: ClockTime  # before start: the shift crosses midnight
    breaks: tuple[Break, ...] = Field(default=(), max_length=MAX_BREAKS)


class Calendar(Frozen):
    """Working time. The default is around the clock, every day."""

    workdays: tuple[Weekday, ...] = WEEKDAYS
    shifts: tuple[Shift, ...] = Field(default=(Shift(name="all-day", start="00:00", end="24:00"),),
                                      max_length=MAX_SHIFTS)
    holidays: tuple[Annotated[NonNegInt, Field(le=MAX_DAYS)], ...] = Field(default=(), max_length=MAX_DAYS)  # day 0 = first Monday


class LineBreakdowns(Frozen):
    mtbf_min: Annotated[PosFloat, Field(ge=MIN_LINE_MTBF_MIN)]  # mean running time between failures, minutes
    mttr_min: Minutes  # mean repair time, minutes of working time


class SupplierBreakdowns(Frozen):
    mtbf_h: Annotated[PosFloat, Field(ge=MIN_SUPPLIER_MTBF_H)]  # mean time between failures, hours
    mttr_min: Minutes  # mean repair time, minutes


MAX_CHANGE_SHARE = 0.5  # a sequence where half the cars leave or enter out of plan is no longer a plan


class SequenceChanges(Frozen):
    """Cars that leave the planned sequence after painting and come back later, and cars that
    enter without a normal call-off (see README, "Sequence changes and rush orders")."""

    leave_share: Annotated[NonNegFloat, Field(le=MAX_CHANGE_SHARE)] = 0.0  # share of planned cars that leave
    return_delay_min: NonNegMinutes = 180.0  # a car that left comes back this much later
    unplanned_share: Annotated[NonNegFloat, Field(le=MAX_CHANGE_SHARE)] = 0.0  # unplanned entries per car slot
    stretch_cars: Annotated[PosInt, Field(le=MAX_CARS_AHEAD)]  # leave/return/entry points: 0..stretch-1 cars before station 1


class LineSpec(Frozen):
    takt_s: Annotated[PosFloat, Field(ge=MIN_TAKT_S, le=MAX_TAKT_S)]
    stations: Annotated[PosInt, Field(le=MAX_STATIONS)]
    models: dict[Annotated[str, Field(max_length=80)], Annotated[PosFloat, Field(le=MAX_SHARE)]] = Field(
        min_length=1, max_length=MAX_MODELS)
    broadcast_cars: CarsAhead
    breakdowns: LineBreakdowns | None = None
    sequence_changes: SequenceChanges | None = None  # None: the sequence is frozen from the call-off on


class PlantSpec(Frozen):
    docks: Fleet
    unload_min: NonNegMinutes


class Leg(Frozen):
    km: Km
    speed_kmh: Kmh


PerCar = Annotated[NonNegInt, Field(le=MAX_UNITS)]
Usage = Union[PerCar, dict[str, PerCar]]


class _PartBase(Frozen):
    name: Slug
    station: Annotated[PosInt, Field(le=MAX_STATIONS)]
    usage: Usage = 1
    dispatch_max_wait_min: NonNegMinutes = 30.0

    def usage_of(self, model: str) -> int:
        return self.usage if isinstance(self.usage, int) else self.usage.get(model, 0)


class JisPart(_PartBase):
    """A part built in the car sequence, shipped in racks of ``rack_size`` units."""

    mode: Literal["jis"]
    rack_size: Units
    racks_per_truck: Units
    build_s: Annotated[PosFloat, Field(le=MAX_BUILD_S)]
    broadcast_cars: CarsAhead | None = None  # default: line.broadcast_cars
    # when-ready: a rack ships as soon as it is built (and goes line-side on arrival); on-time: a
    # load is shipped so that it reaches line side window_min before its first car needs it
    ship: Literal["when-ready", "on-time"] = "when-ready"
    window_min: Annotated[PosFloat, Field(le=MAX_MINUTES)] = 15.0  # half-width of the delivery slot
    lineside_racks: Annotated[PosInt, Field(le=MAX_UNITS)] | None = None  # None: unlimited space
    buffer_units: Annotated[NonNegInt, Field(le=MAX_UNITS)] = 0  # sequencing buffer serving rush orders

    @property
    def per_truck(self) -> int:
        return self.racks_per_truck

    @property
    def yard(self) -> bool:
        """Whether loads can wait in the plant's yard before going line-side."""
        return self.ship == "on-time" or self.lineside_racks is not None

    @property
    def load_size(self) -> int:
        """Units in one load (a rack)."""
        return self.rack_size


class KanbanPart(_PartBase):
    """A part pulled by ``cards`` kanban cards, one per container of ``pack_size`` units."""

    mode: Literal["kanban"]
    pack_size: Annotated[PosInt, Field(le=MAX_PACK)]
    cards: Annotated[PosInt, Field(le=MAX_CARDS)]
    packs_per_truck: Units

    @property
    def per_truck(self) -> int:
        return self.packs_per_truck

    @property
    def load_size(self) -> int:
        """Units in one load (a pack)."""
        return self.pack_size


Part = Annotated[Union[JisPart, KanbanPart], Field(discriminator="mode")]


class Express(Frozen):
    """A supplier's express trips for rush orders: its own vehicle, one rush order per trip."""

    speed_kmh: Kmh | None = None  # default: the supplier's nominal travel time
    load_min: NonNegMinutes = 5.0
    unload_min: NonNegMinutes | None = None  # default: the supplier's unload time


class Supplier(Frozen):
    name: Slug
    distance_km: Km | None = None
    speed_kmh: Kmh | None = None
    legs: Annotated[tuple[Leg, ...], Field(max_length=MAX_LEGS)] | None = None
    bearing_deg: Annotated[float, Strict(), Field(ge=0, lt=360)] | None = None
    travel_cv: Annotated[NonNegFloat, Field(le=MAX_CV)] = 0.0
    trucks: Fleet
    load_min: NonNegMinutes
    unload_min: NonNegMinutes | None = None  # default: plant.unload_min
    route: Annotated[str, Field(max_length=80)] | None = None
    breakdowns: SupplierBreakdowns | None = None
    calendar: Calendar | None = None  # default: around the clock
    express: Express | None = None  # rush orders: see Express
    parts: tuple[Part, ...] = Field(min_length=1, max_length=MAX_PARTS)

    @model_validator(mode="after")
    def _one_way(self) -> "Supplier":
        simple = self.distance_km is not None or self.speed_kmh is not None
        if self.legs is not None and simple:
            raise ValueError("give either distance_km and speed_kmh, or legs, not both")
        if self.legs is None and (self.distance_km is None or self.speed_kmh is None):
            raise ValueError("give distance_km and speed_kmh, or legs")
        if self.legs is not None and not self.legs:
            raise ValueError("legs must list at least one leg")
        return self

    @property
    def one_way_km(self) -> float:
        return self.distance_km if self.legs is None else sum(leg.km for leg in self.legs)

    @property
    def one_way_h(self) -> float:
        """Nominal one-way driving time in hours (before lognormal noise and disruptions)."""
        if self.legs is None:
            return self.distance_km / self.speed_kmh
        return math.fsum(leg.km / leg.speed_kmh for leg in self.legs)


class RoadDisruption(Frozen):
    """Each one-way trip setting off on ``route`` inside the window takes ``extra_min`` longer."""

    kind: Literal["road"]
    name: Annotated[str, Field(max_length=80)] | None = None
    route: Annotated[str, Field(max_length=80)] | None = None  # None: every road
    start_day: Day
    duration_h: Hours
    extra_min: Minutes


class RoadClosed(Frozen):
    """Trucks that would set off on ``route`` inside the window wait until it ends."""

    kind: Literal["road_closed"]
    name: Annotated[str, Field(max_length=80)] | None = None
    route: Annotated[str, Field(max_length=80)] | None = None
    start_day: Day
    duration_h: Hours


class SupplierDown(Frozen):
    """The supplier neither produces nor dispatches inside the window."""

    kind: Literal["supplier_down"]
    name: Annotated[str, Field(max_length=80)] | None = None
    supplier: str
    start_day: Day
    duration_h: Hours


Disruption = Annotated[Union[RoadDisruption, RoadClosed, SupplierDown], Field(discriminator="kind")]


def disruption_label(d: RoadDisruption | RoadClosed | SupplierDown) -> str:
    """The name a disruption goes by in results: its ``name``, or kind@start_day."""
    return d.name or f"{d.kind}@{d.start_day:g}"


class Horizon(Frozen):
    days: Annotated[PosFloat, Field(le=MAX_DAYS)]  # total simulated length, warm-up included
    warmup_days: Day = 0.0  # must be < days (checks.py)


class Scenario(Frozen):
    name: Slug
    description: Annotated[str, Field(max_length=MAX_TEXT)] = ""
    seed: Annotated[NonNegInt, Field(le=MAX_SEED)] = 0
    horizon: Horizon
    replications: Annotated[PosInt, Field(le=MAX_REPLICATIONS)] = 1
    calendar: Calendar = Calendar()
    line: LineSpec
    plant: PlantSpec
    suppliers: tuple[Supplier, ...] = Field(min_length=1, max_length=MAX_SUPPLIERS)
    disruptions: tuple[Disruption, ...] = Field(default=(), max_length=MAX_DISRUPTIONS)

    @property
    def parts(self) -> list[tuple[Supplier, JisPart | KanbanPart]]:
        return [(s, p) for s in self.suppliers for p in s.parts]

    def broadcast_of(self, part: JisPart) -> int:
        return self.line.broadcast_cars if part.broadcast_cars is None else part.broadcast_cars
