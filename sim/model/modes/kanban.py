"""Kanban loops: ``cards`` containers of ``pack_size`` units circulate between line and supplier.

Line-side stock starts full (``cards * pack_size``). When the line empties a container, its card
goes to the supplier at once (e-kanban); the supplier ships from finished stock, which is there
whenever the supplier is up. The loop wakes once per container: it knows from the usage profile at
which cycle the next container empties.
"""

from __future__ import annotations

from sim.model.context import PartContext
from sim.model.loop import mode
from sim.scenario.schema import KanbanPart, Scenario


@mode(KanbanPart)
class KanbanLoop:
    """One kanban part: card release at the line, delivery of packs by truck."""

    @classmethod
    def build(cls, ctx: PartContext, part: KanbanPart, scenario: Scenario) -> "KanbanLoop":
        return cls(ctx, part.pack_size, part.cards)

    @staticmethod
    def cars_ahead(scenario: Scenario, part: KanbanPart) -> int:
        return 0  # packs serve whichever cars come: the sequence beyond the line is never read

    @staticmethod
    def nominal_extra_s(part: KanbanPart) -> float:
        return 0.0  # packs ship from finished stock

    @staticmethod
    def walks_cars(scenario: Scenario, part: KanbanPart) -> bool:
        return False  # one wake per container

    def __init__(self, ctx: PartContext, pack_size: int, cards: int):
        self.ctx, self.pack = ctx, pack_size
        line, profile = ctx.line, ctx.profile
        self.consumed_before = profile.cum(ctx.offset)  # units used by cars past the station at t=0
        self.delivered = self.consumed_before + cards * pack_size
        self.released = 0
        self.index = line.add_part(self._limit())
        ctx.rec.initial_stock.append(cards * pack_size)
        self._schedule_release()

    def first_car(self, item: int) -> int:
        return -1  # a pack serves whichever cars come; only JIS items belong to cars

    def _limit(self) -> int:
        return self.ctx.profile.served(self.delivered) - self.ctx.offset

    def _schedule_release(self) -> None:
        last_unit = self.consumed_before + (self.released + 1) * self.pack - 1
        car = self.ctx.profile.car_of_unit(last_unit)
        self.ctx.line.at_cycle(car - self.ctx.offset, self._release)

    def _release(self, cycle: int, now: float) -> None:
        """The container holding ``last_unit`` was emptied at the start of ``cycle``."""
        self.released += 1
        self.ctx.rec.releases.extend((self.index, now, cycle, self.pack))
        self.ctx.shipper.add(self.ctx.supplier.up.next_up(now), self.released - 1, now)
        self._schedule_release()

    def deliver(self, items: list[int], trip) -> None:
        """Packs unloaded: line-side at once."""
        units = len(items) * self.pack
        self.delivered += units
        self.ctx.line.raise_limit(self.index, self._limit())
        trip.line_side(self.ctx.line.env.now, units)
