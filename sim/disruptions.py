"""Disruption windows: what delays a trip setting off at ``t`` on a route, and when a supplier is down.

Declared disruptions come from the scenario; supplier breakdowns are sampled up front for the whole
horizon (exponential up and down times) from the supplier's own stream, so that a supplier's
up-time is a plain :class:`~sim.calendar.WorkTime` the build and dispatch logic can query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sim.calendar import DAY_S
from sim.scenario.schema import RoadClosed, RoadDisruption, Scenario, Supplier, SupplierDown, disruption_label
from sim.streams import alternating_windows, stream


@dataclass(frozen=True)
class Window:
    """One declared disruption as a clock-time window (seconds); each kind answers for itself which
    suppliers it affects and what it does to them. A window does nothing unless a subclass says so."""

    label: str
    start: float
    end: float

    holds_trips: ClassVar[bool] = False  # trucks that would set off inside wait until the end
    delays_trips: ClassVar[bool] = False  # trips setting off inside take ``extra_s`` longer
    extra_s: ClassVar[float] = 0.0

    def affects(self, supplier: Supplier) -> bool:
        """Whether the window touches ``supplier`` (its roads or its plant)."""
        raise NotImplementedError

    def downs_supplier(self, name: str) -> bool:
        """Whether supplier ``name`` neither produces nor dispatches inside the window."""
        return False


@dataclass(frozen=True)
class _RoadWindow(Window):
    route: str | None = None  # None: every road

    def affects(self, supplier: Supplier) -> bool:
        return self.route is None or self.route == supplier.route


@dataclass(frozen=True)
class SlowRoadWindow(_RoadWindow):
    """A :class:`~sim.scenario.schema.RoadDisruption`."""

    extra_s: float = 0.0
    delays_trips: ClassVar[bool] = True

    @classmethod
    def of(cls, d: RoadDisruption, start: float, end: float) -> "SlowRoadWindow":
        return cls(disruption_label(d), start, end, route=d.route, extra_s=d.extra_min * 60.0)


@dataclass(frozen=True)
class ClosedRoadWindow(_RoadWindow):
    """A :class:`~sim.scenario.schema.RoadClosed`."""

    holds_trips: ClassVar[bool] = True

    @classmethod
    def of(cls, d: RoadClosed, start: float, end: float) -> "ClosedRoadWindow":
        return cls(disruption_label(d), start, end, route=d.route)


@dataclass(frozen=True)
class SupplierDownWindow(Window):
    """A :class:`~sim.scenario.schema.SupplierDown`: touches its supplier, never the roads."""

    supplier: str = ""

    @classmethod
    def of(cls, d: SupplierDown, start: float, end: float) -> "SupplierDownWindow":
        return cls(disruption_label(d), start, end, supplier=d.supplier)

    def affects(self, supplier: Supplier) -> bool:
        return self.supplier == supplier.name

    def downs_supplier(self, name: str) -> bool:
        return self.supplier == name


WINDOWS: dict[type, type] = {RoadDisruption: SlowRoadWindow, RoadClosed: ClosedRoadWindow,
                             SupplierDown: SupplierDownWindow}  # schema class -> window class


def declared_windows(scenario: Scenario) -> list[Window]:
    """The scenario's disruptions as windows, in declaration order."""
    out = []
    for d in scenario.disruptions:
        start = d.start_day * DAY_S
        out.append(WINDOWS[type(d)].of(d, start, start + d.duration_h * 3600.0))
    return out


class Roads:
    """The road windows that apply to one supplier's route (others given are ignored)."""

    def __init__(self, windows: list[Window]):
        self.closed = [w for w in windows if w.holds_trips]
        self.slow = [w for w in windows if w.delays_trips]

    def set_off(self, t: float) -> tuple[float, float]:
        """(time the truck actually sets off, extra driving seconds) for a truck ready at ``t``."""
        if not self.closed and not self.slow:
            return t, 0.0
        held = True
        while held:
            held = False
            for w in self.closed:
                if w.start <= t < w.end:
                    t, held = w.end, True
        return t, sum(w.extra_s for w in self.slow if w.start <= t < w.end)


def supplier_downtime(scenario: Scenario, supplier: Supplier, windows: list[Window], replication: int,
                      horizon_s: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(declared down windows, sampled breakdown windows) of one supplier."""
    declared = [(w.start, w.end) for w in windows if w.downs_supplier(supplier.name)]
    sampled = []
    if supplier.breakdowns is not None:
        rng = stream(scenario.seed, replication, f"breakdowns:{supplier.name}")
        b = supplier.breakdowns
        sampled = alternating_windows(rng, b.mtbf_h * 3600.0, b.mttr_min * 60.0, horizon_s)
    return declared, sampled
