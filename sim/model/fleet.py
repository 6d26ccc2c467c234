"""Trucks and trips: the dispatch rule, loading, travel, the shared docks, unloading, the way back.

A :class:`Shipper` holds one part's loads waiting at its supplier (racks or packs, each with the
time it is ready). A truck leaves when one is free and ``per_truck`` loads are ready, or when the
oldest ready load has waited ``max_wait_s`` (with what is ready). Trucks belong to the supplier and
serve all its parts, one part's load per trip; docks are shared by the whole plant.

Trips are chains of timeouts whose callbacks are the trip's stages (:class:`Trip`), not SimPy
processes: a trip is the most frequent thing in a run, and a generator process would add an
initialisation event and a resume per stage. Each stage still waits on an event; nothing polls.
"""

from __future__ import annotations

import math
from collections import deque

from sim.model.context import PartContext
from sim.model.loop import SupplyLoop
from sim.model.pool import Pool

INF = math.inf


class Shipper:
    """The loads of one part waiting at its supplier, and the dispatch rule that sends trucks."""

    def __init__(self, ctx: PartContext, docks: Pool, per_truck: int, max_wait_s: float, loop: SupplyLoop):
        self.ctx, self.docks, self.per_truck, self.max_wait_s = ctx, docks, per_truck, max_wait_s
        self.env = ctx.line.env
        self.waiting: deque[tuple[float, int, float]] = deque()  # (ready, item, released)
        self.deliver: Callable[[list[int], Trip], None] = loop.deliver  # a load unloaded at the plant
        self.first_car: Callable[[int], int] = loop.first_car  # first car an item serves (JIS), or -1
        self._timer_at = INF  # when the pending dispatch timer fires
        self._asking = False  # a truck has been asked for and not yet loaded
        self._urgent: int | None = None  # an item the line is waiting for: ship as soon as it is ready

    def add(self, ready: float, item: int, released: float, urgent: bool = False) -> None:
        """A load (rack or pack) ready at ``ready``; loads are added in the order they are ready.
        An urgent load leaves on the first free truck once it is ready, without waiting to fill it."""
        waiting = self.waiting
        waiting.append((ready, item, released))
        if urgent:
            self._urgent = item
        elif len(waiting) != 1 and len(waiting) != self.per_truck and self._urgent is None:
            return  # the dispatch time depends only on the first and the per_truck-th load
        self._plan()

    def due(self) -> float:
        """When the dispatch rule sends the next truck, as far as the loads known now tell."""
        if not self.waiting:
            return INF
        first = self.waiting[0][0]
        if self._urgent is not None:
            return first
        full = self.waiting[self.per_truck - 1][0] if len(self.waiting) >= self.per_truck else INF
        return max(first, min(full, first + self.max_wait_s))

    def _plan(self) -> None:
        if self._asking:
            return  # the truck, when it comes, takes what is ready then
        due, now = self.due(), self.env.now
        if due <= now:
            self._asking = True
            self.ctx.supplier.fleet.acquire(self._dispatch)
        elif due < self._timer_at:
            self._timer_at = due
            self.env.timeout(due - now).callbacks.append(lambda _, at=due: self._timer(at))

    def _timer(self, at: float) -> None:
        if at == self._timer_at:  # a timer superseded by an earlier one is ignored
            self._timer_at = INF
            self._plan()

    def _dispatch(self, truck: int) -> None:
        """A truck is ours: load it when the supplier is up (it neither ships nor loads when down)."""
        now = self.env.now
        up = self.ctx.supplier.up.next_up(now)
        if up == INF:
            return
        if up > now:
            self.env.timeout(up - now).callbacks.append(lambda _: self._load(truck))
        else:
            self._load(truck)

    def _load(self, truck: int) -> None:
        self._asking = False  # only now: a second truck asked for while the supplier is down would come empty
        now, load = self.env.now, []
        while self.waiting and len(load) < self.per_truck and self.waiting[0][0] <= now:
            load.append(self.waiting.popleft())
        if self._urgent is not None and any(item == self._urgent for _, item, _ in load):
            self._urgent = None
        Trip(self, truck, load)
        self._plan()


class Trip:
    """One truck load: load, drive, queue for a dock, unload (line-side), drive back."""

    __slots__ = ("shipper", "truck", "load", "number", "dispatched", "set_off", "extra", "arrive", "dock", "docked",
                 "unloaded", "back", "back_extra", "back_off")

    def __init__(self, shipper: Shipper, truck: int, load: list[tuple[float, int, float]]):
        self.shipper, self.truck, self.load = shipper, truck, load
        env, s = shipper.env, shipper.ctx.supplier
        self.number = s.trips  # the supplier's n-th trip draws travel noise 2n (out) and 2n + 1 (back)
        s.trips += 1
        self.dispatched = env.now
        self.set_off, self.extra = s.roads.set_off(env.now + s.load_s)
        self.arrive = self.set_off + s.one_way_s * s.travel.at(2 * self.number) + self.extra
        env.timeout(self.arrive - env.now).callbacks.append(self._at_plant)

    def _at_plant(self, _event) -> None:
        self.shipper.docks.acquire(self._docked)

    def _docked(self, dock: int) -> None:
        env = self.shipper.env
        self.dock, self.docked = dock, env.now
        env.timeout(self.shipper.ctx.supplier.unload_s).callbacks.append(self._unloaded)

    def _unloaded(self, _event) -> None:
        shipper, env = self.shipper, self.shipper.env
        s = shipper.ctx.supplier
        shipper.docks.release(self.dock)
        self.unloaded = env.now
        self.back_off, self.back_extra = s.roads.set_off(env.now)
        self.back = self.back_off + s.one_way_s * s.travel.at(2 * self.number + 1) + self.back_extra
        shipper.deliver([item for _, item, _ in self.load], self)
        env.timeout(self.back - env.now).callbacks.append(self._returned)

    def line_side(self, now: float, units: int, due: float = math.nan) -> None:
        """The loop put this load's ``units`` line-side at ``now`` (at its unload, or later from the
        yard); ``due``: when a JIS load was due at the plant. Records the trip."""
        shipper, s, ctx, load = self.shipper, self.shipper.ctx.supplier, self.shipper.ctx, self.load
        held = (self.set_off - self.dispatched - s.load_s) + (self.back_off - self.unloaded)
        ctx.rec.trips.extend((
            s.index, ctx.index, self.truck, len(load), units, shipper.first_car(load[0][1]),
            min(r for _, _, r in load), load[0][0], self.set_off, self.arrive, self.docked, self.unloaded, self.back,
            held + self.extra + self.back_extra, 2.0 * s.one_way_km, due, now,
        ))

    def _returned(self, _event) -> None:
        self.shipper.ctx.supplier.fleet.release(self.truck)
