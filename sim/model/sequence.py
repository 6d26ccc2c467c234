"""Sequence changes after the call-off and the rush orders they cause (``line.sequence_changes``).

Cars leave the planned sequence after painting (a repair, a quality hold) and come back later, and
some cars enter without a normal call-off. The line keeps its planned slots ("phantom slots"): a
car that left leaves a gap, and its called-off JIS units are set aside; returning and unplanned cars
fill gaps. The regular call-offs, racks and usage are therefore those of the planned sequence; what
changes adds is the rush orders below. An approximation: a real line closes the gap and shifts the
cars behind it.

Draws, per replication, outside the event loop, from the stream "sequence-changes": each planned
car ``k`` leaves with probability ``leave_share`` at ``d`` cars before station 1 (``d`` uniform in
``0..stretch_cars-1``) and comes back ``R = round(return_delay_min * 60 / takt)`` cars later at
``d'`` cars before station 1, so that it enters station 1 in slot ``k - d + R + d'``; each slot
``k`` gets an unplanned car (of the slot's model) with probability ``unplanned_share``, inserted
``d''`` cars before station 1. Car (slot) ``e`` enters station 1 in cycle ``e - (S - 1)``, so a car
inserted ``d`` cars before station 1 is inserted at the start of cycle ``e - (S - 1) - d``.

Per JIS part with call-off lead ``b`` (its broadcast cars) and a car that uses it: a car leaving at
``d < b`` has its units set aside; a car returning at ``d' < b`` takes its aside units if it left at
``d < b``, else it needs a rush order, and so does an unplanned car inserted at ``d'' < b``. A
change at ``b`` or more cars before station 1 needs nothing: the call-off sees it. A rush order is
issued when its car is inserted and is needed when the car reaches the part's station (cycle
``e - offset``). The sequencing buffer (``buffer_units``) serves it at once when it holds the units,
and the supplier replenishes the buffer after build + load + nominal travel + unload; otherwise the
supplier builds the units out of sequence on a separate rework build (``units × build_s`` of its
up-time) and an express trip (its own vehicle, no fleet, no dock queue, no travel noise; road
windows apply) brings them: load, drive at the express speed, unload. The line does not start the
needing cycle before the rush units are line-side: the part's limit is the earlier of its regular
limit and the first need cycle of a rush order not yet arrived.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Express, JisPart, Scenario
from sim.streams import stream

INF = math.inf
LEAVE, RETURN, UNPLANNED = 0, 1, 2


@dataclass(frozen=True)
class ChangeEvents:
    """One replication's sequence changes, by planned slot (the car's number in the sequence).

    ``leave_car``/``leave_d``/``return_d``: each car that leaves, where it leaves and where it comes
    back (cars before station 1); ``return_cars``: R; ``unplanned_car``/``unplanned_d``: each slot
    that gets an unplanned car and where it is inserted. Tests may build one with fixed arrays."""

    leave_car: np.ndarray
    leave_d: np.ndarray
    return_d: np.ndarray
    return_cars: int
    unplanned_car: np.ndarray
    unplanned_d: np.ndarray

    @classmethod
    def fixed(cls, leaves=(), return_cars: int = 0, unplanned=()) -> "ChangeEvents":
        """Explicit changes: ``leaves`` as (car, d, d') and ``unplanned`` as (car, d'')."""
        lv = np.asarray(list(leaves), dtype=np.int64).reshape(-1, 3)
        un = np.asarray(list(unplanned), dtype=np.int64).reshape(-1, 2)
        return cls(lv[:, 0], lv[:, 1], lv[:, 2], int(return_cars), un[:, 0], un[:, 1])


def draw_changes(scenario: Scenario, replication: int, cars: int) -> ChangeEvents | None:
    """The changes of one replication over ``cars`` planned slots; None when the scenario has none."""
    spec = scenario.line.sequence_changes
    if spec is None:
        return None
    rng = stream(scenario.seed, replication, "sequence-changes")
    leave_car = np.flatnonzero(rng.random(cars) < spec.leave_share)
    leave_d = rng.integers(0, spec.stretch_cars, size=len(leave_car))
    return_d = rng.integers(0, spec.stretch_cars, size=len(leave_car))
    unplanned_car = np.flatnonzero(rng.random(cars) < spec.unplanned_share)
    unplanned_d = rng.integers(0, spec.stretch_cars, size=len(unplanned_car))
    return_cars = round(spec.return_delay_min * 60.0 / scenario.line.takt_s)
    return ChangeEvents(leave_car, leave_d, return_d, return_cars, unplanned_car, unplanned_d)


class RushOrders:
    """One JIS part's rush orders: issued at line call-backs, one express trip or buffer draw each.

    Work per rush order, never per car: the orders are computed in numpy when the loop is built."""

    def __init__(self, ctx, part: JisPart, scenario: Scenario, changes: ChangeEvents):
        line, profile, seq = ctx.line, ctx.profile, ctx.rec.sequence
        self.ctx = ctx
        self.on_arrive = lambda: None  # the loop connects its limit here
        b, first = scenario.broadcast_of(part), ctx.line_stations - 1  # car e enters station 1 in cycle e - first
        usage = np.asarray(profile.per_model, dtype=np.int64)
        cars = len(seq)

        def units(car: np.ndarray) -> np.ndarray:
            return usage[seq[np.minimum(car, cars - 1)].astype(np.int64)]

        # cars that left after the call-off: their units wait aside
        lc, ld = changes.leave_car, changes.leave_d
        aside = (ld < b) & (units(lc) > 0) & (lc - first - ld >= 0)
        rows = np.column_stack([np.full(aside.sum(), ctx.index), (lc - first - ld)[aside], units(lc)[aside]])
        ctx.rec.aside.frombytes(rows.astype(np.float64).tobytes())
        # rush orders: returns after the call-off of cars that left before it, unplanned entries after it
        back = lc - ld + changes.return_cars + changes.return_d  # the slot the returning car enters
        rush_return = (changes.return_d < b) & (ld >= b)
        car = np.concatenate([back[rush_return], changes.unplanned_car[changes.unplanned_d < b]])
        d = np.concatenate([changes.return_d[rush_return], changes.unplanned_d[changes.unplanned_d < b]])
        need_units = np.concatenate([units(lc)[rush_return],
                                     units(changes.unplanned_car)[changes.unplanned_d < b]])
        issue = car - first - d
        keep = (need_units > 0) & (issue >= 0) & (car < cars)
        order = np.lexsort((car[keep], issue[keep]))
        self.car = car[keep][order].tolist()
        self.issue = issue[keep][order].tolist()
        self.need = (car[keep][order] - ctx.offset).tolist()
        self.units = need_units[keep][order].tolist()
        self._pending = [(c, i) for i, c in enumerate(self.need)]  # (need cycle, order) not yet line-side
        heapq.heapify(self._pending)
        self._arrived = [False] * len(self.need)
        self._next = 0  # the next order to issue
        # the supplier's side
        supplier = scenario.suppliers[ctx.supplier.index]
        express = supplier.express or Express()
        s = ctx.supplier
        self.build_s, self.stock = part.build_s, part.buffer_units
        self.express_load_s = express.load_min * 60.0
        self.express_unload_s = s.unload_s if express.unload_min is None else express.unload_min * 60.0
        self.express_travel_s = (s.one_way_s if express.speed_kmh is None
                                 else s.one_way_km / express.speed_kmh * 3600.0)
        self.refill_s = s.load_s + s.one_way_s + s.unload_s  # after the build: normal load, nominal travel, unload
        if self.issue:
            line.at_cycle(self.issue[0], self._issue_due)

    @classmethod
    def of(cls, ctx, part: JisPart, scenario: Scenario) -> "RushOrders | None":
        """The part's rush orders, or None when the replication has no sequence changes."""
        return None if ctx.changes is None else cls(ctx, part, scenario, ctx.changes)

    @property
    def limit(self) -> float:
        """The first cycle the line cannot start: the need of the first rush order not line-side."""
        pending, arrived = self._pending, self._arrived
        while pending and arrived[pending[0][1]]:
            heapq.heappop(pending)
        return pending[0][0] if pending else INF

    def guard(self, regular_blocks, regular_stopped):
        """The loop's ``on_stop``: the line stopped at ``cycle``. Issue an order whose car is
        inserted right at its station (issued at its need cycle, before that cycle could start);
        the loop's own handler (it may ship a rack early) runs only when its regular limit blocks."""
        def stopped(cycle: int) -> None:
            self._issue_upto(cycle, self.ctx.line.env.now)
            if regular_blocks(cycle):
                regular_stopped(cycle)
        return stopped

    def _issue_due(self, cycle: int, now: float) -> None:
        """Line call-back: issue every order whose car is inserted by the start of ``cycle``; ask
        for the next."""
        self._issue_upto(cycle, now)
        if self._next < len(self.issue):
            self.ctx.line.at_cycle(self.issue[self._next], self._issue_due)

    def _issue_upto(self, cycle: int, now: float) -> None:
        issue = self.issue
        while self._next < len(issue) and issue[self._next] <= cycle:
            self._order(self._next, now)
            self._next += 1

    def _order(self, i: int, now: float) -> None:
        ctx, units = self.ctx, self.units[i]
        env, s = ctx.line.env, ctx.supplier
        if self.stock >= units:  # the sequencing buffer serves it at once, the supplier refills it
            self.stock -= units
            ready = arrive = now
            km, from_buffer = 0.0, 1
            refill = s.up.clock_end(s.up.work(now) + units * self.build_s) + self.refill_s
            if refill < INF:
                env.timeout(refill - now).callbacks.append(lambda _, u=units: self._refilled(u))
        else:  # built out of sequence, brought by an express trip
            ready = s.up.clock_end(s.up.work(now) + units * self.build_s)
            set_off, extra = s.roads.set_off(ready + self.express_load_s) if ready < INF else (INF, 0.0)
            arrive = set_off + self.express_travel_s + extra + self.express_unload_s
            km, from_buffer = 2.0 * s.one_way_km, 0
        ctx.rec.rush.extend((ctx.index, self.car[i], now, self.need[i], ready, arrive, km, from_buffer))
        if arrive <= now:
            self._arrive(i)
        elif arrive < INF:
            env.timeout(arrive - now).callbacks.append(lambda _, i=i: self._arrive(i))

    def _arrive(self, i: int) -> None:
        self._arrived[i] = True
        self.on_arrive()

    def _refilled(self, units: int) -> None:
        self.stock += units
