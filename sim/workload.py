"""The work of a run, estimated from its scenario before any replication starts.

A run costs in proportion to its SimPy events (a kanban card or JIS rack, a truck trip, a
breakdown) and holds in memory its car sequence and its event tables. :func:`estimate_work`
counts them from the scenario alone: cars = working time / takt; items (cards, racks) = cars x mean
usage / pack or rack; trips at most one per item, at least one per full load. :func:`check_work`
refuses a run beyond :data:`MAX_EVENTS` or :data:`MAX_MEMORY_BYTES` unless forced. The factors are
measured on the shipped scenarios (about 0.9 events per item and 2.3 per trip), rounded up; with
the trips' upper bound the estimate is about twice the events SimPy counts on those scenarios.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.calendar import DAY_S, WorkTime
from sim.errors import SimError
from sim.model.loop import loop_class
from sim.scenario.schema import Scenario

MAX_EVENTS = 100_000_000  # estimated, per run: about 20 minutes of one core (a year of nanshan x 10 is 27 million)
MAX_MEMORY_BYTES = 2_000_000_000  # one replication (each worker process holds one)
EVENTS_PER_ITEM = 1.0  # a card release or rack close and its line call-back
EVENTS_PER_TRIP = 3.0  # load, arrival, unloading and return
BYTES_PER_EVENT = 100  # table rows: ~140 bytes per counted event measured (182 days of nanshan: 185 MB)
BYTES_PER_CAR = 1  # the car sequence; a part whose usage differs by model adds a cumulative table
BYTES_PER_CAR_PROFILE = 8
BASE_BYTES = 100_000_000  # Python, numpy and SimPy themselves


class WorkLimitError(SimError):
    """A run whose estimated work is beyond the documented limits (``--force`` runs it anyway)."""


@dataclass(frozen=True)
class Work:
    """Estimated work of one replication, and how many replications the run has."""

    cars: float  # cars planned (working time / takt)
    events: float  # SimPy events and comparable steps (calendar intervals, per-car JIS build steps)
    memory_bytes: float  # peak memory of one replication
    replications: int

    @property
    def total_events(self) -> float:
        return self.events * self.replications


def _mean_usage(scenario: Scenario, part) -> float:
    shares = scenario.line.models
    return math.fsum(share * part.usage_of(m) for m, share in shares.items()) / math.fsum(shares.values())


def _part_events(scenario: Scenario, part, cars: float, horizon_s: float) -> float:
    """Items and trips of one part over one replication (the trips an upper bound: partial loads
    leave at most once per ``dispatch_max_wait_min``)."""
    mode = loop_class(part)
    items = cars * _mean_usage(scenario, part) / part.load_size
    wait_s = part.dispatch_max_wait_min * 60.0
    partial = horizon_s / wait_s if wait_s > 0 else math.inf
    trips = min(items, items / part.per_truck + partial)
    return EVENTS_PER_ITEM * items + EVENTS_PER_TRIP * trips + (cars if mode.walks_cars(scenario, part) else 0.0)


def estimate_work(scenario: Scenario) -> Work:
    """The estimated work of one replication of ``scenario`` (nothing is run)."""
    horizon_s = scenario.horizon.days * DAY_S
    worktime = WorkTime.of(scenario.calendar, horizon_s)
    cars = worktime.total / scenario.line.takt_s
    events = float(len(worktime.intervals))
    for _, part in scenario.parts:
        events += _part_events(scenario, part, cars, horizon_s)
    if scenario.line.breakdowns is not None:
        events += 2 * worktime.total / 60.0 / scenario.line.breakdowns.mtbf_min
    for supplier in scenario.suppliers:
        if supplier.breakdowns is not None:
            events += 2 * horizon_s / 3600.0 / supplier.breakdowns.mtbf_h
    per_model = {tuple(p.usage_of(m) for m in scenario.line.models) for _, p in scenario.parts}
    profiles = sum(1 for usage in per_model if len(set(usage)) > 1)
    sequence = cars + scenario.line.stations + max([scenario.line.broadcast_cars] + [
        loop_class(p).cars_ahead(scenario, p) for _, p in scenario.parts])
    memory = BASE_BYTES + sequence * (BYTES_PER_CAR + BYTES_PER_CAR_PROFILE * profiles) + events * BYTES_PER_EVENT
    return Work(cars, events, memory, scenario.replications)


def _millions(x: float) -> str:
    return f"{x / 1e6:,.1f} million" if x >= 1e6 else f"{x:,.0f}"


def check_work(scenario: Scenario, force: bool = False) -> Work | None:
    """Raise :class:`WorkLimitError` when a run of ``scenario`` is estimated beyond MAX_EVENTS (all
    replications) or MAX_MEMORY_BYTES (one replication); with ``force`` nothing is estimated."""
    if force:
        return None
    work = estimate_work(scenario)
    advice = "shorten horizon.days or replications, or give --force to run it anyway"
    if work.memory_bytes > MAX_MEMORY_BYTES:
        raise WorkLimitError(
            f"{scenario.name}: one replication would hold about {work.memory_bytes / 1e9:,.1f} GB "
            f"({_millions(work.cars)} cars, {_millions(work.events)} events; the limit is "
            f"{MAX_MEMORY_BYTES / 1e9:g} GB): {advice}")
    if work.total_events > MAX_EVENTS:
        raise WorkLimitError(
            f"{scenario.name}: the run would take about {_millions(work.total_events)} events "
            f"({work.replications:,} replications x {_millions(work.events)}; the limit is "
            f"{_millions(MAX_EVENTS)}, about 20 minutes of one core): {advice}")
    return work
