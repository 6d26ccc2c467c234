"""JIS loops: units built in the car sequence, shipped in racks, installed car by car.

The call-off of car ``k`` goes out when car ``k - broadcast`` enters station 1. The loop wakes once
per rack, when the call-off of the rack's last unit has gone out, and computes when the supplier
finishes the rack: units are built one at a time, ``build_s`` each, in the supplier's up-time
(its calendar minus down windows). A car can be served once every rack up to its units has arrived:
racks that overtake each other on the road wait line-side for the ones before them.
"""

from __future__ import annotations

import math

from sim.model.context import PartContext


class JisLoop:
    """One JIS part: call-off by rack, sequenced build, in-order availability at the line."""

    def __init__(self, ctx: PartContext, rack_size: int, build_s: float, broadcast: int):
        self.ctx, self.rack, self.build_s = ctx, rack_size, build_s
        # car k is called off at the start of cycle k - lead
        self.lead = ctx.line_stations - 1 + broadcast
        called = ctx.profile.cum(self.lead)  # units called off before t = 0: already line-side
        self.next_rack = math.ceil(called / rack_size)
        self.in_order = self.next_rack  # racks 0..in_order-1 have all arrived
        self._early: set[int] = set()  # racks that arrived before an earlier one
        self.free_at = 0.0  # supplier up-time at which the builder is free
        self._fast = ctx.profile.max_per_car * build_s <= ctx.takt_s
        self.index = ctx.line.add_part(self._limit())
        self._schedule_calloff()

    def first_car(self, rack: int) -> int:
        return self.ctx.profile.car_of_unit(rack * self.rack)

    def _limit(self) -> int:
        return self.ctx.profile.served(self.in_order * self.rack) - self.ctx.offset

    def _schedule_calloff(self) -> None:
        last_car = self.ctx.profile.car_of_unit((self.next_rack + 1) * self.rack - 1)
        self.ctx.line.at_cycle(last_car - self.lead, self._rack_called_off)

    def _rack_called_off(self, cycle: int, now: float) -> None:
        rack = self.next_rack
        self.next_rack += 1
        self.ctx.rec.releases.append((self.index, now, cycle))
        ready = self._build(rack, cycle, now)
        self.ctx.shipper.add(ready, rack, now)
        self._schedule_calloff()

    def _build(self, rack: int, last_cycle: int, now: float) -> float:
        """Clock time at which the supplier finishes ``rack``, whose last call-off is at ``now``."""
        up, line = self.ctx.supplier.up, self.ctx.line
        first_car = self.first_car(rack)
        first_called = line.cycle_start(first_car - self.lead)
        p_first, p_last = up.work(first_called), up.work(now)
        last_car = last_cycle + self.lead
        last_units = (rack + 1) * self.rack - max(rack * self.rack, self.ctx.profile.cum(last_car))
        if self._fast and abs((p_last - p_first) - (now - first_called)) < 1e-6:
            # call-offs at least a takt apart, no idle supplier time in between: the last unit decides
            finish = max(self.free_at + self.rack * self.build_s, p_last + last_units * self.build_s)
        else:
            finish = self._build_car_by_car(rack, first_car, last_car)
        self.free_at = finish
        return up.clock_end(finish)

    def _build_car_by_car(self, rack: int, first_car: int, last_car: int) -> float:
        up, line, profile = self.ctx.supplier.up, self.ctx.line, self.ctx.profile
        finish = self.free_at
        lo, hi = rack * self.rack, (rack + 1) * self.rack
        for car in range(first_car, last_car + 1):
            units = min(hi, profile.cum(car + 1)) - max(lo, profile.cum(car))
            if units > 0:
                called = up.work(line.cycle_start(car - self.lead))
                finish = max(finish, called) + units * self.build_s
        return finish

    def deliver(self, items: list[int]) -> int:
        """Racks arrived line-side; returns the units delivered."""
        self._early.update(items)
        while self.in_order in self._early:
            self._early.discard(self.in_order)
            self.in_order += 1
        self.ctx.line.raise_limit(self.index, self._limit())
        return len(items) * self.rack
