"""Disruption windows: what delays a trip setting off at ``t`` on a route, and when a supplier is down.

Declared disruptions come from the scenario; supplier breakdowns are sampled up front for the whole
horizon (exponential up and down times) from the supplier's own stream, so that a supplier's
up-time is a plain :class:`~sim.calendar.WorkTime` the build and dispatch logic can query.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.calendar import DAY_S
from sim.scenario.schema import RoadClosed, RoadDisruption, Scenario, Supplier, SupplierDown, disruption_label
from sim.streams import alternating_windows, stream


@dataclass(frozen=True)
class Window:
    """One declared disruption as a clock-time window (seconds)."""

    label: str
    kind: str
    start: float
    end: float
    route: str | None = None
    supplier: str | None = None
    extra_s: float = 0.0

    def affects(self, supplier: Supplier) -> bool:
        if self.kind == "supplier_down":
            return self.supplier == supplier.name
        return self.route is None or self.route == supplier.route


def declared_windows(scenario: Scenario) -> list[Window]:
    out = []
    for d in scenario.disruptions:
        start = d.start_day * DAY_S
        common = dict(label=disruption_label(d), kind=d.kind, start=start, end=start + d.duration_h * 3600.0)
        if isinstance(d, RoadDisruption):
            out.append(Window(**common, route=d.route, extra_s=d.extra_min * 60.0))
        elif isinstance(d, RoadClosed):
            out.append(Window(**common, route=d.route))
        elif isinstance(d, SupplierDown):
            out.append(Window(**common, supplier=d.supplier))
    return out


class Roads:
    """The road windows that apply to one supplier's route."""

    def __init__(self, windows: list[Window]):
        self.closed = [w for w in windows if w.kind == "road_closed"]
        self.slow = [w for w in windows if w.kind == "road"]

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
    declared = [(w.start, w.end) for w in windows if w.kind == "supplier_down" and w.supplier == supplier.name]
    sampled = []
    if supplier.breakdowns is not None:
        rng = stream(scenario.seed, replication, f"breakdowns:{supplier.name}")
        b = supplier.breakdowns
        sampled = alternating_windows(rng, b.mtbf_h * 3600.0, b.mttr_min * 60.0, horizon_s)
    return declared, sampled
