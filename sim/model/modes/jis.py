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
"""

from __future__ import annotations

from array import array

from sim.model.context import PartContext
from sim.model.loop import mode
from sim.model.sequence import RushOrders
from sim.scenario.schema import JisPart, Scenario


@mode(JisPart)
class JisLoop:
    """One JIS part: call-off by rack, sequenced build, in-order availability at the line."""

    @classmethod
    def build(cls, ctx: PartContext, part: JisPart, scenario: Scenario) -> "JisLoop":
        return cls(ctx, part.rack_size, part.build_s, scenario.broadcast_of(part),
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

    def __init__(self, ctx: PartContext, rack_size: int, build_s: float, broadcast: int,
                 rush: RushOrders | None = None):
        self.ctx, self.rack, self.build_s = ctx, rack_size, build_s
        self.rush = rush  # rush orders of sequence changes (sim.model.sequence), None without them
        self.lead = ctx.line_stations - 1 + broadcast  # car k is called off at the start of cycle k - lead
        self.prebuilt = ctx.profile.cum(self.lead)  # units called off before t = 0: built by then
        used = ctx.profile.cum(ctx.offset)  # units installed before t = 0 in the cars past the station
        # line-side at t = 0: the whole racks the call-offs before t = 0 completed, never a rack still
        # being filled; at least what the cars past the station used (when a rack spans more cars
        # than the call-off window, those came in a partial rack shipped when the line waited)
        self.open_start = max(self.prebuilt // rack_size * rack_size, used)  # first unit of the rack being filled
        self.in_order = self.open_start  # units 0..in_order-1 are line-side, in sequence
        # first unit and end unit of rack id i: flat integer arrays (a year has hundreds of thousands of racks)
        self.starts, self.ends = array("q"), array("q")
        self._arrived: set[int] = set()
        self._next_in_order = 0  # the rack id the line waits for next
        self.free_at = 0.0  # supplier up-time at which the builder is free
        self._fast = ctx.profile.max_per_car * build_s <= ctx.takt_s
        on_stop = self._line_stopped
        if rush is not None:
            rush.on_arrive = lambda: ctx.line.raise_limit(self.index, self._limit())
            on_stop = rush.guard(lambda c: ctx.profile.served(self.in_order) - ctx.offset <= c, self._line_stopped)
        self.index = ctx.line.add_part(self._limit(), on_stop=on_stop)
        ctx.rec.initial_stock.append(self.in_order - ctx.profile.cum(ctx.offset))
        self._schedule_close()

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
        """The line stopped for this part at ``cycle``: ship the open rack if the missing unit is in it."""
        if self.in_order < self.open_start:
            return  # the missing unit is in a rack already closed: being built or on its way
        called = self.ctx.profile.cum(cycle + self.lead)
        if called > self.open_start:
            self._close(called, cycle, self.ctx.line.env.now, urgent=True)

    def _close(self, end: int, cycle: int, now: float, urgent: bool) -> None:
        rack, start = len(self.starts), self.open_start
        self.starts.append(start)
        self.ends.append(end)
        self.open_start = end
        self.ctx.rec.releases.extend((self.index, now, cycle, end - start))
        self.ctx.shipper.add(self._build(start, end), rack, now, urgent)
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

    def deliver(self, items: list[int]) -> int:
        """Racks arrived line-side; returns the units delivered."""
        self._arrived.update(items)
        while self._next_in_order in self._arrived:
            self._arrived.discard(self._next_in_order)
            self.in_order = self.ends[self._next_in_order]
            self._next_in_order += 1
        self.ctx.line.raise_limit(self.index, self._limit())
        return sum(self.ends[i] - self.starts[i] for i in items)
