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

_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


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
    name: str
    start: ClockTime
    end: ClockTime  # before start: the shift crosses midnight
    breaks: tuple[Break, ...] = ()


class Calendar(Frozen):
    """Working time. The default is around the clock, every day."""

    workdays: tuple[Weekday, ...] = WEEKDAYS
    shifts: tuple[Shift, ...] = (Shift(name="all-day", start="00:00", end="24:00"),)
    holidays: tuple[NonNegInt, ...] = ()  # day numbers, day 0 = first Monday


class LineBreakdowns(Frozen):
    mtbf_min: PosFloat  # mean running time between failures, minutes
    mttr_min: PosFloat  # mean repair time, minutes of working time


class SupplierBreakdowns(Frozen):
    mtbf_h: PosFloat  # mean time between failures, hours
    mttr_min: PosFloat  # mean repair time, minutes


class Line(Frozen):
    takt_s: PosFloat
    stations: PosInt
    models: dict[str, PosFloat] = Field(min_length=1)
    broadcast_cars: NonNegInt
    breakdowns: LineBreakdowns | None = None


class Plant(Frozen):
    docks: PosInt
    unload_min: NonNegFloat


class Leg(Frozen):
    km: PosFloat
    speed_kmh: PosFloat


Usage = Union[NonNegInt, dict[str, NonNegInt]]


class _PartBase(Frozen):
    name: Slug
    station: PosInt
    usage: Usage = 1
    dispatch_max_wait_min: NonNegFloat = 30.0

    def usage_of(self, model: str) -> int:
        return self.usage if isinstance(self.usage, int) else self.usage.get(model, 0)


class JisPart(_PartBase):
    """A part built in the car sequence, shipped in racks of ``rack_size`` units."""

    mode: Literal["jis"]
    rack_size: PosInt
    racks_per_truck: PosInt
    build_s: PosFloat
    broadcast_cars: NonNegInt | None = None  # default: line.broadcast_cars

    @property
    def per_truck(self) -> int:
        return self.racks_per_truck


class KanbanPart(_PartBase):
    """A part pulled by ``cards`` kanban cards, one per container of ``pack_size`` units."""

    mode: Literal["kanban"]
    pack_size: PosInt
    cards: PosInt
    packs_per_truck: PosInt

    @property
    def per_truck(self) -> int:
        return self.packs_per_truck


Part = Annotated[Union[JisPart, KanbanPart], Field(discriminator="mode")]


class Supplier(Frozen):
    name: Slug
    distance_km: PosFloat | None = None
    speed_kmh: PosFloat | None = None
    legs: tuple[Leg, ...] | None = None
    bearing_deg: Annotated[float, Strict(), Field(ge=0, lt=360)] | None = None
    travel_cv: NonNegFloat = 0.0
    trucks: PosInt
    load_min: NonNegFloat
    unload_min: NonNegFloat | None = None  # default: plant.unload_min
    route: str | None = None
    breakdowns: SupplierBreakdowns | None = None
    calendar: Calendar | None = None  # default: around the clock
    parts: tuple[Part, ...] = Field(min_length=1)

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
    name: str | None = None
    route: str | None = None  # None: every road
    start_day: NonNegFloat
    duration_h: PosFloat
    extra_min: PosFloat


class RoadClosed(Frozen):
    """Trucks that would set off on ``route`` inside the window wait until it ends."""

    kind: Literal["road_closed"]
    name: str | None = None
    route: str | None = None
    start_day: NonNegFloat
    duration_h: PosFloat


class SupplierDown(Frozen):
    """The supplier neither produces nor dispatches inside the window."""

    kind: Literal["supplier_down"]
    name: str | None = None
    supplier: str
    start_day: NonNegFloat
    duration_h: PosFloat


Disruption = Annotated[Union[RoadDisruption, RoadClosed, SupplierDown], Field(discriminator="kind")]


def disruption_label(d: RoadDisruption | RoadClosed | SupplierDown) -> str:
    """The name a disruption goes by in results: its ``name``, or kind@start_day."""
    return d.name or f"{d.kind}@{d.start_day:g}"


class Horizon(Frozen):
    days: PosFloat  # total simulated length, warm-up included
    warmup_days: NonNegFloat = 0.0  # must be < days (checks.py)


class Scenario(Frozen):
    name: Slug
    description: str = ""
    seed: NonNegInt = 0
    horizon: Horizon
    replications: PosInt = 1
    calendar: Calendar = Calendar()
    line: Line
    plant: Plant
    suppliers: tuple[Supplier, ...] = Field(min_length=1)
    disruptions: tuple[Disruption, ...] = ()

    @property
    def parts(self) -> list[tuple[Supplier, JisPart | KanbanPart]]:
        return [(s, p) for s in self.suppliers for p in s.parts]

    def broadcast_of(self, part: JisPart) -> int:
        return self.line.broadcast_cars if part.broadcast_cars is None else part.broadcast_cars
