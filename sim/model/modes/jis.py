"""JIS loops: units built in the car sequence, shipped in racks, installed car by car.

The call-off of car ``k`` goes out when car ``k - broadcast`` enters station 1. A rack closes when
the call-off of its ``rack_size``-th unit has gone out; the loop wakes once per rack, then, and
computes when the supplier finishes it: units are built one at a time, ``build_s`` each, in the
supplier's up-time (its calendar minus down windows). A car can be served once every rack up to its
units has arrived: racks that overtake each other on the road wait line-side for the ones before.

When the line stops for a unit of the rack still being filled (a rare model whose next cars are
beyond the call-off window: the call-offs that would fill the rack wait for the line, and the line
waits for the rack), the supplier closes that rack with the units called off so far and ships it at
once: a *partial rack* (in deliveries.csv, a load with fewer units than racks × rack_size).

Each rack is *due* line-side ``window_min`` before its first car is predicted to reach the station
(the line running at takt from the close). ``ship: when-ready`` ships a rack as soon as it is built;
``ship: on-time`` holds a built load at the supplier until its planned departure, its first rack's
due time less the nominal trip (load, drive, unload); the truck leaves then with the racks ready,
and a rack built later ships at once. A load
that arrives before its due time, or finds no free rack place line-side (``lineside_racks``), waits
in the plant's yard; loads go line-side in sequence, and a load the line is waiting for goes at
once. A rack place frees when the line starts the cycle before the rack's last car.
"""

from __future__ import annotations

import math
from array import array
from collections import deque

from sim.model.context import PartContext
from sim.model.loop import mode
from sim.model.sequence import RushOrders
from sim.scenario.schema import JisPart, Scenario


@mode(JisPart)
class JisLoop:
    """One JIS part: call-off by rack, sequenced build, in-order availability at the line."""

    @classmethod
    def build(cls, ctx: PartContext, part: JisPart, scenario: Scenario) -> "JisLoop":
        return cls(ctx, part.rack_size, part.build_s, scenario.broadcast_of(part), Timing.of(ctx, part),
                   rush=RushOrders.of(ctx, part, scenario))

    @staticmethod
    def cars_ahead(scenario: Scenario, part: JisPart) -> int:
        """Car ``k`` is called off ``broadcast`` cars before it enters station 1."""
        return scenario.broadcast_of(part)

    @staticmethod
    def nominal_extra_s(part: JisPart) -> float:
        """Building a whole rack, one unit after the other."""
        return part.rack_size * part.build_s

    @staticmethod
    def walks_cars(scenario: Scenario, part: JisPart) -> bool:
        """A build slower than takt for some car is computed car by car (see ``_build``)."""
        return max(part.usage_of(m) for m in scenario.line.models) * part.build_s > scenario.line.takt_s

    def __init__(self, ctx: PartContext, rack_size: int, build_s: float, broadcast: int, timing: "Timing | None" = None,
                 rush: RushOrders | None = None):
        self.ctx, self.rack, self.build_s = ctx, rack_size, build_s
        self.timing = timing = timing or Timing()
        self.rush = rush  # rush orders of sequence changes (sim.model.sequence), None without them
        self.lead = ctx.line_stations - 1 + broadcast  # car k is called off at the start of cycle k - lead
        self.prebuilt = ctx.profile.cum(self.lead)  # units called off before t = 0: built by then
        used = ctx.profile.cum(ctx.offset)  # units installed before t = 0 in the cars past the station
        # line-side at t = 0: the whole racks the call-offs before t = 0 completed, never a rack still
        # being filled; at least what the cars past the station used (when a rack spans more cars
        # than the call-off window, those came in a partial rack shipped when the line waited)
        self.open_start = max(self.prebuilt // rack_size * rack_size, used)  # first unit of the rack being filled
        self.in_order = self.open_start  # units 0..in_order-1 are line-side, in sequence
        # first unit and end unit of rack id i, and when it is due line-side (clock s): flat arrays
        # (a year has hundreds of thousands of racks)
        self.starts, self.ends, self.dues = array("q"), array("q"), array("d")
        self._arrived: set[int] = set()
        self._next_in_order = 0  # the rack id the line waits for next
        self.free_at = 0.0  # supplier up-time at which the builder is free
        self._fast = ctx.profile.max_per_car * build_s <= ctx.takt_s
        # the yard: loads unloaded but not line-side, by first rack; rack places taken line-side as
        # (the cycle at which the place frees, racks); a pending wake-up for a due time or a place
        self._yard: dict[int, tuple[list[int], object]] = {}
        self._placed: deque[tuple[int, int]] = deque()
        self._due_wake, self._place_wake = math.inf, False
        self._unshipped = 0  # racks built before t = 0 not yet handed to the shipper (shipping on time)
        if timing.on_time:
            self._start_on_time(used)
        if timing.places is not None:
            self._place_initial(used)
        on_stop = self._line_stopped
        if rush is not None:
            rush.on_arrive = lambda: ctx.line.raise_limit(self.index, self._limit())
            on_stop = rush.guard(lambda c: ctx.profile.served(self.in_order) - ctx.offset <= c, self._line_stopped)
        self.index = ctx.line.add_part(self._limit(), on_stop=on_stop)
        ctx.rec.initial_stock.append(self.in_order - ctx.profile.cum(ctx.offset))
        self._schedule_close()

    # -- when racks are due ------------------------------------------------------------------------
    def _need_at_start(self, unit: int) -> float:
        """Clock time at which the line, running at takt from t = 0, reaches the car of ``unit``."""
        cycle = self.ctx.profile.car_of_unit(unit) - self.ctx.offset
        return _clock(self.ctx.line.worktime, max(cycle, 0) * self.ctx.takt_s)

    def _start_on_time(self, used: int) -> None:
        """Shipping on time, the line starts with the whole racks line-side that no truck could bring
        by their due time; the later racks called off before t = 0 wait built at the supplier and
        ship on time (rack ids 0, 1, ... before any rack closed in the run)."""
        rack, timing = self.rack, self.timing
        whole = self.prebuilt // rack * rack
        cut = -(-used // rack) * rack  # the first rack boundary not used by the cars past the station
        while cut < whole and self._need_at_start(cut) - timing.window_s <= timing.transit_s:
            cut += rack
        if cut >= whole:
            return
        self.in_order = cut
        for start in range(cut, whole, rack):
            self.starts.append(start)
            self.ends.append(start + rack)
            self.dues.append(self._need_at_start(start) - timing.window_s)
        self._unshipped = len(self.starts)
        self.ctx.line.at_cycle(-1, lambda cycle, now: self._ship_initial())  # before any rack closes

    def _ship_initial(self) -> None:
        """Hand the racks built before t = 0 to the shipper (at the first cycle, or when the line
        stops before it)."""
        for rack in range(self._unshipped):
            self.ctx.shipper.add(self._ready(rack, 0.0), rack, 0.0, urgent=True)
        self._unshipped = 0

    def _place_initial(self, used: int) -> None:
        """The units line-side at t = 0 take rack places (one per rack of them, whatever the space)."""
        for start in range(used, self.in_order, self.rack):
            self._placed.append((self._frees_at(min(start + self.rack, self.in_order) - 1), 1))

    def _frees_at(self, last_unit: int) -> int:
        """The line cycle from whose start a rack whose last unit is ``last_unit`` leaves its place free."""
        return self.ctx.profile.car_of_unit(last_unit) - self.ctx.offset - 1

    def _due(self, start: int, cycle: int, now: float) -> float:
        """When the rack starting at unit ``start`` is due line-side: ``window`` before its first
        car reaches the station, the line (at cycle ``cycle`` now) running at takt from now."""
        line = self.ctx.line
        ahead = self.ctx.profile.car_of_unit(start) - self.ctx.offset - cycle
        return _clock(line.worktime, line.worktime.work(now) + max(ahead, 0) * self.ctx.takt_s) - self.timing.window_s

    def _ready(self, rack: int, built: float) -> float:
        """When the supplier lets rack ``rack``, built at ``built``, go: at once when shipping when
        ready; on time, at the planned departure of its truck load (the loads of ``per_truck`` racks
        counted from rack 0), due time less the nominal trip."""
        timing = self.timing
        if not timing.on_time:
            return built
        return max(built, self.dues[rack - rack % timing.per_truck] - timing.transit_s)

    def first_car(self, rack: int) -> int:
        return self.ctx.profile.car_of_unit(self.starts[rack])

    def _limit(self) -> int:
        regular = self.ctx.profile.served(self.in_order) - self.ctx.offset
        return regular if self.rush is None else min(regular, self.rush.limit)

    def _schedule_close(self) -> None:
        start = self.open_start
        last_car = self.ctx.profile.car_of_unit(start + self.rack - 1)
        self.ctx.line.at_cycle(last_car - self.lead, lambda cycle, now: self._full(start, cycle, now))

    def _full(self, start: int, cycle: int, now: float) -> None:
        if start == self.open_start:  # else the rack was already closed early
            self._close(start + self.rack, cycle, now, urgent=False)

    def _line_stopped(self, cycle: int) -> None:
        """The line stopped for this part at ``cycle``: put the next load in the yard line-side, or
        ship the open rack if the missing unit is in it."""
        if self._unshipped:
            self._ship_initial()
        if self._next_in_order in self._yard:
            self._to_line(force=True)
            return
        if self.in_order < self.open_start:
            return  # the missing unit is in a rack already closed: being built or on its way
        called = self.ctx.profile.cum(cycle + self.lead)
        if called > self.open_start:
            self._close(called, cycle, self.ctx.line.env.now, urgent=True)

    def _close(self, end: int, cycle: int, now: float, urgent: bool) -> None:
        rack, start = len(self.starts), self.open_start
        self.starts.append(start)
        self.ends.append(end)
        self.dues.append(self._due(start, cycle, now))
        self.open_start = end
        self.ctx.rec.releases.extend((self.index, now, cycle, end - start))
        built = self._build(start, end)
        # shipping on time, a truck leaves at the load's planned departure with the racks ready then
        self.ctx.shipper.add(built if urgent else self._ready(rack, built), rack, now, urgent or self.timing.on_time)
        self._schedule_close()

    def _build(self, start: int, end: int) -> float:
        """Clock time at which the supplier finishes units ``start..end-1``, all called off by now
        (0 when all of them were called off, hence built, before t = 0)."""
        start = max(start, self.prebuilt)
        if start >= end:
            return 0.0
        up, line, profile = self.ctx.supplier.up, self.ctx.line, self.ctx.profile
        first_car, last_car = profile.car_of_unit(start), profile.car_of_unit(end - 1)
        first_called, last_called = line.cycle_start(first_car - self.lead), line.cycle_start(last_car - self.lead)
        p_first, p_last = up.work(first_called), up.work(last_called)
        if self._fast and abs((p_last - p_first) - (last_called - first_called)) < 1e-6:
            # call-offs at least a takt apart and no idle supplier time between them: the last car decides
            last_units = end - max(start, profile.cum(last_car))
            finish = max(self.free_at + (end - start) * self.build_s, p_last + last_units * self.build_s)
        else:
            finish = self.free_at
            for car in range(first_car, last_car + 1):
                units = min(end, profile.cum(car + 1)) - max(start, profile.cum(car))
                if units > 0:
                    finish = max(finish, up.work(line.cycle_start(car - self.lead))) + units * self.build_s
        self.free_at = finish
        return up.clock_end(finish)

    def deliver(self, items: list[int], trip) -> None:
        """Racks unloaded at the plant: line-side at once when there is no yard (racks that overtook
        others on the road wait line-side for them), else through the yard."""
        if self.timing.yard:
            self._yard[items[0]] = (items, trip)
            self._to_line()
            return
        self._arrived.update(items)
        while self._next_in_order in self._arrived:
            self._arrived.discard(self._next_in_order)
            self.in_order = self.ends[self._next_in_order]
            self._next_in_order += 1
        self.ctx.line.raise_limit(self.index, self._limit())
        trip.line_side(self.ctx.line.env.now, sum(self.ends[i] - self.starts[i] for i in items), self.dues[items[0]])

    # -- the yard --------------------------------------------------------------------------------
    def _to_line(self, force: bool = False) -> None:
        """Put loads from the yard line-side, in sequence, as long as the next one is due and has
        rack places (``force``: the line waits for the next one: it goes now)."""
        now, timing, line = self.ctx.line.env.now, self.timing, self.ctx.line
        while self._next_in_order in self._yard:
            items, trip = self._yard[self._next_in_order]
            due = self.dues[items[0]]
            if not force:
                if timing.on_time and now < due:
                    if due < self._due_wake:
                        self._due_wake = due
                        line.env.timeout(due - now).callbacks.append(lambda _, at=due: self._due_reached(at))
                    return
                if timing.places is not None and not self._room_for(len(items)):
                    return
            force = False
            del self._yard[self._next_in_order]
            self.in_order = self.ends[items[-1]]
            self._next_in_order = items[-1] + 1
            if timing.places is not None:
                self._placed.append((self._frees_at(self.in_order - 1), len(items)))
            line.raise_limit(self.index, self._limit())
            trip.line_side(now, sum(self.ends[i] - self.starts[i] for i in items), due)

    def _due_reached(self, at: float) -> None:
        if at == self._due_wake:
            self._due_wake = math.inf
            self._to_line()

    def _room_for(self, racks: int) -> bool:
        """Whether ``racks`` more racks fit line-side now; if not, wake when the oldest place frees."""
        placed, line = self._placed, self.ctx.line
        while placed and placed[0][0] < line.cycle:
            placed.popleft()
        if sum(n for _, n in placed) + racks <= self.timing.places:
            return True
        if not self._place_wake:
            self._place_wake = True
            line.at_cycle(placed[0][0], self._place_freed)
        return False

    def _place_freed(self, cycle: int, now: float) -> None:
        self._place_wake = False
        self._to_line()


def _clock(worktime, w: float) -> float:
    """The clock time of working instant ``w``; past the calendar's end (a car needed after the run),
    as if the line worked on from its last working moment, so that loads due inside the run ship."""
    if w < worktime.total or not worktime.ends:
        return worktime.clock(w)
    return worktime.ends[-1] + (w - worktime.total)


class Timing:
    """How a JIS part's loads are timed: shipped when ready or on time, the window, the rack places."""

    __slots__ = ("on_time", "window_s", "transit_s", "per_truck", "places", "yard")

    def __init__(self, on_time: bool = False, window_s: float = 900.0, transit_s: float = 0.0, per_truck: int = 1,
                 places: int | None = None):
        self.on_time, self.window_s, self.transit_s, self.per_truck, self.places = (
            on_time, window_s, transit_s, per_truck, places)
        self.yard = on_time or places is not None

    @classmethod
    def of(cls, ctx: PartContext, part: JisPart) -> "Timing":
        s = ctx.supplier
        return cls(part.ship == "on-time", part.window_min * 60.0, s.load_s + s.one_way_s + s.unload_s,
                   part.racks_per_truck, part.lineside_racks)
