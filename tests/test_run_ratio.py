"""Two ratios that must not be confused: supply_availability (supply stops only) and run_ratio (cars
built / cars planned, which line breakdowns lower too); and a causes table whose minutes add up."""

from __future__ import annotations

import pytest
from micro import build, kanban_loop

from sim.cli import causes_table
from sim.metrics import Frame, measure
from sim.model import run_replication
from sim.results import RunSummary, json_ready


class OneBreakdown:
    """Line failures with a known history: one breakdown after 600 s of running, repaired in 300 s."""

    def __init__(self, *_):
        self._next = [600.0]

    def time_to_failure(self) -> float:
        return self._next.pop() if self._next else float("inf")

    def repair(self) -> float:
        return 300.0


def test_a_breakdown_lowers_run_ratio_but_not_supply_availability(monkeypatch):
    """A well-supplied kanban loop (40 cards of 50) on a 24/7 line at takt 60 s for one day: 1,440
    cars planned. One breakdown strikes 600 s into the running time, i.e. at the start of cycle 10
    (t = 600), and takes 300 s: cycle 10 ends at 960 instead of 660, and every later cycle ends
    300 s later. Cycle c >= 10 ends at 60 (c + 1) + 300 <= 86,400 for c <= 1,434: 1,435 cars built,
    5 = 300 / 60 lost. No supply stop: supply_availability 1, run_ratio 1,435 / 1,440."""
    monkeypatch.setattr("sim.model.plant.LineFailures", OneBreakdown)
    data = kanban_loop(cards=40, pack=50)
    data["line"]["breakdowns"] = {"mtbf_min": 10, "mttr_min": 5}  # replaced by OneBreakdown
    sc = build(data)
    tables = run_replication(sc).tables
    assert tables.breakdowns[["cycle", "start", "end"]].tolist() == [(10, 600.0, 900.0)]
    k = measure(Frame.of(sc), tables).kpis
    assert k["stoppages"] == 0 and k["supply_availability"] == 1.0
    assert k["breakdown_min"] == 5.0
    assert k["cars_planned"] == 1440 and k["cars_built"] == 1435
    assert k["run_ratio"] == 1435 / 1440


def test_run_ratio_counts_supply_stops_too():
    """2 cards of 10 and one truck with a 750 s round trip starve the line: run_ratio equals
    cars built / planned and lies below supply_availability by less than one car (the cycle still
    running at the end of the day)."""
    sc = build(kanban_loop(cards=2, pack=10, trucks=1))
    k = measure(Frame.of(sc), run_replication(sc).tables).kpis
    assert k["supply_availability"] < 0.95
    assert k["run_ratio"] == k["cars_built"] / 1440
    assert k["supply_availability"] - 1 / 1440 < k["run_ratio"] <= k["supply_availability"]


def _minutes(table, kind: str) -> list[float]:
    kinds, values = table.columns[0]._cells, table.columns[2]._cells
    return [float(v.replace(",", "")) for k, v in zip(kinds, values) if k == kind]


def test_causes_table_minutes_add_up_for_every_kind():
    """Three starved suppliers 5, 6 and 7 km away with noisy travel, none near a disruption; two of
    them stop the line. With top = 1, per kind the row shown, a "1 others" row and the "none" row
    add up to the run's stoppage minutes."""
    data = kanban_loop(cards=2, pack=10, trucks=1)
    sup = data["suppliers"][0]
    data["suppliers"] = [dict(sup, name=f"s{i}", distance_km=5 + i, travel_cv=0.4,
                              parts=[dict(sup["parts"][0], name=f"p{i}")]) for i in range(3)]
    sc = build(data)
    summary = RunSummary.of(sc, [measure(Frame.of(sc), run_replication(sc).tables)])
    total = summary.kpis["stoppage_min"].mean
    assert sum(row["stoppage_min"].mean > 0 for row in summary.by_supplier.values()) == 2
    table = causes_table(summary, top=1)
    names = table.columns[1]._cells
    assert names.count("1 others") == 2 and "none (no disruption in reach)" in names
    for kind in ("supplier", "part", "disruption"):
        assert sum(_minutes(table, kind)) == pytest.approx(total, abs=0.1)  # rows are rounded to 0.1


def _saved(tmp_path, name: str, **changes):
    from sim.runner import run
    from sim.store import write_run
    return write_run(run(build(kanban_loop(cards=2, pack=10, trucks=1, days=0.5), replications=2, **changes),
                         workers=1), out=tmp_path / name)


def test_compare_and_reports_show_both_ratios(tmp_path):
    from sim.compare import comparison
    from sim.report import cause_rows, kpi_rows
    from sim.store import RunRecord
    runs = [RunRecord.open(_saved(tmp_path, "a")), RunRecord.open(_saved(tmp_path, "b", seed=2))]
    result = comparison(runs)
    for r, run in zip(result.runs, runs):
        per_rep = [x.kpis["cars_built"] / x.kpis["cars_planned"] for x in run.summary.per_replication]
        assert r.kpis["run_ratio"].mean == pytest.approx(sum(per_rep) / 2)
        assert "supply_availability" in r.kpis and "availability" not in r.kpis
    assert "run_ratio" in result.differences[0].kpis
    doc = result.to_json()  # compare.json
    assert "run_ratio" in doc["runs"][0]["kpis"] and "supply_availability" in doc["runs"][0]["kpis"]
    assert "run_ratio" in doc["differences"][0]["kpis"]
    # the report's KPI table names each KPI with its unit (a ratio has none)
    assert [row[0] for row in kpi_rows(runs[0].summary)][2:6] == ["run_ratio", "stoppages [stops]",
                                                                  "stoppage_min [min]", "supply_availability"]
    assert ["disruption", "none (no disruption in reach)"] == cause_rows(runs[0].summary)[-1][:2]


def test_a_run_folder_from_before_the_rename_still_reads(tmp_path):
    """summary.json of an older sim: ``availability`` and no ``run_ratio``; plots, compare and sweep
    caches read it as supply_availability with run_ratio = built / planned per replication."""
    import json

    from sim.store import read_run
    folder = _saved(tmp_path, "old")
    doc = json.loads((folder / "summary.json").read_text())
    for kpis in [doc["kpis"]] + [r["kpis"] for r in doc["per_replication"]]:
        kpis["availability"] = kpis.pop("supply_availability")
        kpis.pop("run_ratio")
    (folder / "summary.json").write_text(json.dumps(doc))
    summary, _ = read_run(folder)
    reps = summary.per_replication
    assert json_ready(summary.kpis["supply_availability"].to_json()) == json.loads(json.dumps(doc))["kpis"]["availability"]
    assert [r.kpis["run_ratio"] for r in reps] == [r.kpis["cars_built"] / r.kpis["cars_planned"] for r in reps]
    assert summary.kpis["run_ratio"].n == 2
