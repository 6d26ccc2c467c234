"""One replication: build the line, the supply loops, fleets and docks, start them, run, freeze.

Every process is started in :meth:`Plant.start`. Randomness comes from named streams
(:mod:`sim.streams`): the car sequence, line breakdowns, each supplier's travel and breakdowns.
"""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from sim.calendar import DAY_S, WorkTime
from sim.model.context import PartContext, SupplierContext
from sim.disruptions import Roads, declared_windows, supplier_downtime
from sim.model.fleet import Shipper
from sim.model.pool import Pool
from sim.model.line import Line, LineFailures
from sim.model.sequence import ChangeEvents, draw_changes
from sim.model.loop import SupplyLoop, loop_class
from sim.model.usage import UsageProfile, draw_sequence
from sim.recorder import Recorder, Tables
from sim.scenario.schema import Scenario
from sim.streams import LognormalFactor, stream


@dataclass(frozen=True)
class Replication:
    """What one replication leaves behind: its tables and the facts metrics need to read them."""

    replication: int
    tables: Tables
    events: int  # SimPy events processed


class Plant:
    """The model of one replication on its own SimPy environment."""

    def __init__(self, scenario: Scenario, replication: int = 0, changes: ChangeEvents | None = None):
        """``changes``: fixed sequence changes (tests); by default drawn when the scenario has them."""
        self.scenario, self.replication = scenario, replication
        self.horizon_s = scenario.horizon.days * DAY_S
        self.env = simpy.Environment()
        self.rec = Recorder()
        self.worktime = WorkTime.of(scenario.calendar, self.horizon_s)
        self.line = self._build_line()
        self.sequence = self.rec.sequence = self._draw_sequence()
        self.changes = changes if changes is not None else draw_changes(scenario, replication, len(self.sequence))
        self.windows = declared_windows(scenario)
        self.docks = Pool(scenario.plant.docks)
        self.suppliers = [self._build_supplier(i, s) for i, s in enumerate(scenario.suppliers)]
        self.shippers: list[Shipper] = []
        self.loops: list[SupplyLoop] = []
        self._profiles: dict[tuple[int, ...], UsageProfile] = {}
        for supplier_ctx, (supplier, part) in zip(self._supplier_of_parts(), scenario.parts):
            self._build_loop(supplier_ctx, part)

    def _build_line(self) -> Line:
        s = self.scenario
        failures = None
        if s.line.breakdowns is not None:
            rng = stream(s.seed, self.replication, "line-breakdowns")
            failures = LineFailures(rng, s.line.breakdowns.mtbf_min * 60.0, s.line.breakdowns.mttr_min * 60.0)
        return Line(self.env, self.worktime, s.line.takt_s, self.rec, failures)

    def _draw_sequence(self):
        s = self.scenario
        longest_lead = max((loop_class(p).cars_ahead(s, p) for _, p in s.parts), default=0)
        cars = int(self.worktime.total // s.line.takt_s) + s.line.stations + longest_lead + 2
        rng = stream(s.seed, self.replication, "sequence")
        return draw_sequence(rng, list(s.line.models.values()), cars)

    def _build_supplier(self, index: int, supplier) -> SupplierContext:
        s, rep = self.scenario, self.replication
        declared, sampled = supplier_downtime(s, supplier, self.windows, rep, self.horizon_s)
        for a, b in sampled:
            self.rec.supplier_down.extend((index, a, b))
        up = WorkTime.of(supplier.calendar, self.horizon_s, declared + sampled)
        unload = s.plant.unload_min if supplier.unload_min is None else supplier.unload_min
        return SupplierContext(
            index=index, name=supplier.name, up=up, fleet=Pool(supplier.trucks),
            roads=Roads([w for w in self.windows if w.affects(supplier)]),
            travel=LognormalFactor(stream(s.seed, rep, f"travel:{supplier.name}"), supplier.travel_cv),
            one_way_s=supplier.one_way_h * 3600.0, one_way_km=supplier.one_way_km,
            load_s=supplier.load_min * 60.0, unload_s=unload * 60.0,
        )

    def _supplier_of_parts(self) -> list[SupplierContext]:
        return [ctx for ctx, supplier in zip(self.suppliers, self.scenario.suppliers) for _ in supplier.parts]

    def _profile(self, part) -> UsageProfile:
        key = tuple(part.usage_of(m) for m in self.scenario.line.models)
        if key not in self._profiles:
            self._profiles[key] = UsageProfile(key, self.sequence)
        return self._profiles[key]

    def _build_loop(self, supplier_ctx: SupplierContext, part) -> None:
        s = self.scenario
        ctx = PartContext(
            index=len(self.loops), line=self.line, rec=self.rec, profile=self._profile(part),
            offset=s.line.stations - part.station, line_stations=s.line.stations, takt_s=s.line.takt_s,
            supplier=supplier_ctx, changes=self.changes,
        )
        loop = loop_class(part).build(ctx, part, s)
        # the loop ships only once the line runs, so its shipper can come after it, built with its callbacks
        ctx.shipper = Shipper(ctx, self.docks, part.per_truck, part.dispatch_max_wait_min * 60.0, loop)
        self.shippers.append(ctx.shipper)
        self.loops.append(loop)

    def start(self) -> None:
        """The line is the only process; supply loops and trucks act through its call-backs and
        their own timeouts."""
        self.env.process(self.line.run())

    def run(self) -> Replication:
        """Run to the horizon and freeze what was recorded."""
        self.start()
        self.env.run(until=self.horizon_s)
        self.line.close(self.horizon_s)
        return Replication(
            replication=self.replication, tables=self.rec.freeze(), events=self.events_processed(),
        )


    def events_processed(self) -> int:
        """Events SimPy has processed: scheduled so far minus those still queued (SimPy keeps the
        count in an ``itertools.count``; there is no public counter and wrapping ``step`` would slow
        every event)."""
        scheduled = int(repr(self.env._eid)[len("count("):-1])
        return scheduled - len(self.env._queue)


def run_replication(scenario: Scenario, replication: int = 0) -> Replication:
    return Plant(scenario, replication).run()

