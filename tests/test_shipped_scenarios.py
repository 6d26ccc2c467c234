"""Every shipped scenario (``scenarios/*.yaml`` and ``scenarios/sweeps/*.yaml``) loads and runs for
two days, one replication, and its figures pass checks any planner can do by hand. A new file in
those folders is picked up without touching this test.

Each scenario runs twice: as shipped (its declared disruptions mostly fall after day 2), and with
every declared disruption moved into the measured window, so each kind of disruption runs on a real
plant.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.metrics import Frame
from sim.plots.supply import stock_points
from sim.runner import run
from sim.scenario import load_scenario
from sim.scenario.schema import KanbanPart

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))
SHORT = ["horizon.days=2", "horizon.warmup_days=0.5", "replications=1"]


def test_the_shipped_scenarios_are_found():
    assert {p.name for p in SHIPPED} >= {"nanshan.yaml", "nanshan-detour.yaml", "seat-distance.yaml"}


def _into_window(path: Path) -> list[str]:
    """Overrides that start declared disruption i at 0.6 + 0.1 i days (inside [0.5, 2))."""
    n = len(load_scenario(path, SHORT).disruptions)
    return [f"disruptions.{i}.start_day={0.6 + 0.1 * i:.1f}" for i in range(n)]


CASES = [(path, moved) for path in SHIPPED for moved in (False, True)]
IDS = [f"{p.relative_to(ROOT / 'scenarios')}-{'disruptions-in-window' if moved else 'as-shipped'}" for p, moved in CASES]
_runs: dict = {}


def short_run(path: Path, moved: bool):
    """(scenario, result) of the two-day run, computed once for all the tests of this module."""
    if (path, moved) not in _runs:
        overrides = SHORT + (_into_window(path) if moved else [])
        if moved and len(overrides) == len(SHORT):
            pytest.skip("the scenario declares no disruptions")
        scenario = load_scenario(path, overrides)
        _runs[path, moved] = scenario, run(scenario, workers=1)
    return _runs[path, moved]


@pytest.mark.parametrize("path, moved", CASES, ids=IDS)
def test_a_short_run_of_a_shipped_scenario_adds_up(path, moved):
    scenario, result = short_run(path, moved)
    frame = Frame.of(scenario)
    m = result.per_replication[0]
    k = m.kpis
    takt, working_min = scenario.line.takt_s, frame.working_s / 60.0

    # time: no more is lost than was worked, and every lost minute is a car not built (one cycle
    # may straddle each edge of the window)
    assert 0 <= k["stoppage_min"] and 0 <= k["breakdown_min"]
    assert k["stoppage_min"] + k["breakdown_min"] <= working_min
    assert k["cars_planned"] == pytest.approx(working_min * 60.0 / takt)
    assert k["cars_built"] <= k["cars_planned"] + 1
    lost = (k["stoppage_min"] + k["breakdown_min"]) * 60.0 / takt
    assert abs(k["cars_planned"] - k["cars_built"] - lost) <= 2

    # shares
    shares = {name: v for name, v in k.items() if name.endswith(("availability", "_ratio"))}
    assert shares and all(0.0 <= v <= 1.0 for v in shares.values()), shares

    # every stoppage minute is some part's, some supplier's and some cause's
    for table in ("by_part", "by_supplier", "by_disruption"):
        assert math.fsum(r["stoppage_min"] for r in m.table(table).values()) == pytest.approx(k["stoppage_min"], abs=1e-6)
    labels = {d.name or f"{d.kind}@{d.start_day:g}" for d in scenario.disruptions}
    labels |= {f"breakdown:{s.name}" for s in scenario.suppliers} | {"none"}
    assert set(m.by_disruption) <= labels

    # each trip is two one-way distances of its supplier
    for s in scenario.suppliers:
        row = m.by_supplier[s.name]
        assert row["truck_km"] == pytest.approx(row["trips"] * 2 * s.one_way_km)

    # the shifts of the window (the run's shifts table) hold every car built
    shifts = result.tables.columns("shifts", 0)
    assert int(shifts["built"].sum()) == k["cars_built"]
    assert shifts["planned"].sum() == pytest.approx(k["cars_planned"])


@pytest.mark.parametrize("path, moved", [pytest.param(p, moved, id=i) for (p, moved), i in zip(CASES, IDS)])
def test_a_short_run_of_a_shipped_scenario_never_has_negative_stock(path, moved):
    """Line-side stock, as the deliveries table stores it (``stock_before`` and ``stock_after``, just
    before and after each delivery) and as the summary gives it, is never negative; a kanban loop
    never holds more than its cards."""
    scenario, result = short_run(path, moved)
    m = result.per_replication[0]
    for _, part in scenario.parts:
        if isinstance(part, KanbanPart):
            assert m.by_part[part.name]["stock_peak"] <= part.cards * part.pack_size
    stock = stock_points(result.tables.columns("deliveries", 0))
    before, after = np.asarray(stock["before"], dtype=float), np.asarray(stock["after"], dtype=float)
    assert len(before) > 0
    assert (after >= before).all()
    assert (before >= 0).all() and all(m.by_part[p.name]["stock_min"] >= 0 for _, p in scenario.parts)
