"""The work of a run estimated before it starts (issue 7, item 7): hand-derived counts on one-loop
micro-scenarios, the estimate against the events SimPy counts, and refusal beyond the limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from micro import build, jis_loop, kanban_loop

import sim.workload as workload
from sim.model import run_replication
from sim.runner import run
from sim.scenario import load_scenario
from sim.workload import BASE_BYTES, WorkLimitError, check_work, estimate_work

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
GOLDEN = Path(__file__).resolve().parent / "data" / "golden.yaml"


def test_kanban_loop_counts_cards_and_trips():
    """1 day around the clock at 60 s takt: 1,440 cars. Packs of 4 at 1 unit a car: 360 cards, each a
    one-pack truck (360 trips; partial loads could add at most 86,400 / 1,800 = 48, but every trip is
    full already). One working interval. Events = 1 + 360 x 1 + 360 x 3 = 1,441. Memory: the base,
    1,440 + 2 stations cars of sequence (1 byte each, the usage is the same for every model) and
    100 bytes per event."""
    work = estimate_work(build(kanban_loop(cards=3, pack=4, per_truck=1, days=1.0)))
    assert work.cars == 1440.0
    assert work.events == 1441.0
    assert work.memory_bytes == BASE_BYTES + 1442 + 1441 * 100
    assert (work.replications, work.total_events) == (1, 1441.0)


def test_partial_loads_bound_the_trips():
    """Four packs a truck: 90 full loads, and at most one partial load per 30 min wait (48 a day):
    138 trips. Events = 1 + 360 + 138 x 3 = 775."""
    assert estimate_work(build(kanban_loop(cards=3, pack=4, per_truck=4, days=1.0))).events == 775.0


def test_a_jis_build_slower_than_the_takt_walks_car_by_car():
    """Racks of 4 at 1 unit a car: 360 racks and 360 one-rack trips (1 + 360 + 1,080 = 1,441 events).
    A build of 90 s > 60 s takt makes the supplier walk its racks car by car: + 1,440."""
    assert estimate_work(build(jis_loop(rack=4, per_truck=1, build_s=30.0, days=1.0))).events == 1441.0
    assert estimate_work(build(jis_loop(rack=4, per_truck=1, build_s=90.0, days=1.0))).events == 1441.0 + 1440.0


def test_breakdowns_and_replications_add_work():
    """A line breakdown every 60 running minutes: 1,440 / 60 = 24 failures and 24 repairs; a supplier
    breakdown every 2 h: 12 windows, 24 boundaries. Three replications triple the total."""
    data = kanban_loop(cards=3, pack=4, per_truck=1, days=1.0)
    data["line"]["breakdowns"] = {"mtbf_min": 60, "mttr_min": 5}
    data["suppliers"][0]["breakdowns"] = {"mtbf_h": 2, "mttr_min": 10}
    work = estimate_work(build(data, replications=3))
    assert work.events == 1441.0 + 48 + 24
    assert work.total_events == 3 * (1441.0 + 72)


@pytest.mark.parametrize("path", [GOLDEN, SCENARIOS / "nanshan.yaml"], ids=["golden", "nanshan"])
def test_the_estimate_follows_the_events_simpy_counts(path):
    """The estimate is meant to be of the same size as the run, a little above it (the trips are an
    upper bound): between 1 and 3 times the events counted on these scenarios (1.2 and 1.9 seen)."""
    sc = load_scenario(path, ["horizon.days=3", "horizon.warmup_days=0", "replications=1"])
    ratio = estimate_work(sc).events / run_replication(sc, 0).events
    assert 1.0 <= ratio <= 3.0


@pytest.mark.parametrize("sets, words", [
    (["replications=10000"], "the run would take about 2,"),
    (["horizon.days=3660", "line.takt_s=10"], "one replication would hold about "),
], ids=["replications", "cars"])
def test_a_run_beyond_the_limits_is_refused_unless_forced(sets, words):
    sc = load_scenario(SCENARIOS / "nanshan.yaml", sets)
    with pytest.raises(WorkLimitError) as info:
        check_work(sc)
    assert str(info.value).startswith(f"nanshan: {words}")
    assert str(info.value).endswith("shorten horizon.days or replications, or give --force to run it anyway")
    assert check_work(sc, force=True) is None  # nothing estimated


def test_shipped_scenarios_as_written_are_within_the_limits():
    for path in sorted(SCENARIOS.glob("*.yaml")):
        assert check_work(load_scenario(path)) is not None


def test_the_runner_checks_before_any_replication(monkeypatch):
    sc = build(kanban_loop(days=1.0), replications=2)
    monkeypatch.setattr(workload, "MAX_EVENTS", 100)
    calls = []
    with pytest.raises(WorkLimitError):
        run(sc, workers=1, progress=lambda done, n: calls.append(done))
    assert calls == []
    assert run(sc, workers=1, force=True).summary.kpis["cars_built"].n == 2
