"""Runs as a whole: common random numbers, the run folder (determinism across processes and
workers: test_determinism.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from micro import build, kanban_loop

import sim
from sim.errors import ResultsError
from sim.model import run_replication
from sim.runner import run
from sim.scenario import load_scenario
from sim.store import RunRecord, read_run, write_run

GOLDEN = Path(__file__).parent / "data" / "golden.yaml"


def test_replications_differ_and_a_seed_changes_them():
    scenario = load_scenario(GOLDEN)
    result = run(scenario, workers=1)
    stops = [r.kpis["stoppage_min"] for r in result.per_replication]
    assert len(set(stops)) == len(stops)
    other = run(load_scenario(GOLDEN, ["seed=8"]), workers=1)
    assert other.summary.kpis["stoppage_min"] != result.summary.kpis["stoppage_min"]


def test_common_random_numbers_a_new_supplier_does_not_change_anothers_draws():
    """Streams are keyed by source name: adding a supplier (that never stops the line) before it
    leaves the first one's trips exactly as they were."""
    base = kanban_loop(cards=3, pack=4, trucks=4, docks=5)
    base["suppliers"][0]["travel_cv"] = 0.3
    more = json.loads(json.dumps(base))
    twin = dict(more["suppliers"][0], name="other")
    twin["parts"] = [dict(twin["parts"][0], name="other-part", station=2, cards=50)]
    more["suppliers"].insert(0, twin)
    a = run_replication(build(base)).tables.trips
    b = run_replication(build(more)).tables.trips
    b = b[b["supplier"] == 1]
    assert len(a) > 100 and np.array_equal(a["arrive"] - a["depart"], b["arrive"] - b["depart"])


def test_common_random_numbers_trip_n_keeps_its_draws_when_timing_changes():
    """Trip n of a supplier draws noise 2n and 2n + 1 whenever it happens: with one more card the
    line stops less and trips move in time, but trip n still drives the same times."""
    a = kanban_loop(cards=2, pack=4, trucks=3)
    a["suppliers"][0]["travel_cv"] = 0.3
    b = json.loads(json.dumps(a))
    b["suppliers"][0]["parts"][0]["cards"] = 3
    ta, tb = run_replication(build(a)).tables.trips, run_replication(build(b)).tables.trips
    ta, tb = np.sort(ta, order="depart"), np.sort(tb, order="depart")
    assert not np.array_equal(ta["depart"][:50], tb["depart"][:50])
    # the n-th dispatched trip: sorting by dispatch keeps trip numbers when one truck is used at a time
    drive_a, drive_b = ta["arrive"] - ta["depart"], tb["arrive"] - tb["depart"]
    assert np.allclose(drive_a[:50], drive_b[:50])


def _csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


EVENT_TABLES = ["breakdowns", "deliveries", "downtime", "shifts", "stoppages"]


def test_run_folder_contents(tmp_path):
    scenario = load_scenario(GOLDEN, ["replications=2"])
    result = run(scenario, workers=1)
    folder = write_run(result, out=tmp_path / "run")
    summary, manifest = read_run(folder)
    assert manifest["seed"] == 7 and manifest["replications"] == 2 and len(manifest["scenario_hash"]) == 64
    assert manifest["packages"]["simpy"] and manifest["packages"]["pyarrow"]
    assert sorted(manifest["event_tables"]) == EVENT_TABLES
    assert summary.kpis["cars_built"].mean == pytest.approx(result.summary.kpis["cars_built"].mean)
    assert summary.to_json() == result.summary.to_json()  # summary.json reads back as it was written
    # stoppages.csv: every replication's stoppages, their minutes adding up to each one's stoppage_min
    rows = _csv(folder / "stoppages.csv")
    assert list(rows[0]) == ["replication", "start_s", "end_s", "start", "minutes", "station", "part", "supplier",
                             "disruption"]
    for r in summary.per_replication:
        minutes = sum(float(row["minutes"]) for row in rows if row["replication"] == str(r.replication))
        assert minutes == pytest.approx(r.kpis["stoppage_min"], abs=0.0005 * len(rows) + 1e-9)
    assert {row["replication"] for row in rows} == {"0", "1"}
    # the event tables, in Parquet: a delivery row for every trip of every replication
    record = RunRecord.open(folder)
    deliveries = record.columns("deliveries")
    assert len(deliveries["part"]) == sum(len(run_replication(scenario, r).tables.trips) for r in range(2))
    assert np.bincount(deliveries["replication"]).tolist() == [len(run_replication(scenario, r).tables.trips)
                                                              for r in range(2)]
    assert len(record.columns("stoppages")["minutes"]) == len(rows)
    # by_part.csv and by_supplier.csv: one row per part and per supplier, mean and half-width
    parts, suppliers = _csv(folder / "by_part.csv"), _csv(folder / "by_supplier.csv")
    assert [row["part"] for row in parts] == [p.name for _, p in scenario.parts]
    assert [row["supplier"] for row in suppliers] == [s.name for s in scenario.suppliers]
    assert {"supplier", "mode", "station", "stoppage_min", "stoppage_min_ci95"} <= set(parts[0])
    for row in suppliers:
        assert float(row["stoppage_min"]) == pytest.approx(summary.by_supplier[row["supplier"]]["stoppage_min"].mean,
                                                           abs=5e-5)
    assert sorted(p.name for p in folder.iterdir()) == [
        "by_part.csv", "by_supplier.csv", "manifest.json", "scenario.yaml", "stoppages.csv", "summary.json", "tables"]
    assert sorted(p.name for p in (folder / "tables").iterdir()) == [f"{t}.parquet" for t in EVENT_TABLES]
    # the resolved scenario reloads to the same scenario
    assert sim.load_scenario(folder / "scenario.yaml") == result.scenario
    assert record.scenario == result.scenario


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    result = run(load_scenario(GOLDEN, ["replications=1"]), workers=1)

    def boom(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.store.write_summary", boom)
    with pytest.raises(KeyboardInterrupt):
        write_run(result, out=tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(tmp_path):
    result = run(load_scenario(GOLDEN, ["replications=1"]), workers=1)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "keep.txt").write_text("mine")
    with pytest.raises(ResultsError):
        write_run(result, out=tmp_path / "run")
    assert (tmp_path / "run" / "keep.txt").read_text() == "mine"


def test_incomplete_folder_is_not_read_as_a_run(tmp_path):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "summary.json").write_text("{}")
    with pytest.raises(ResultsError):
        read_run(tmp_path / "half")


def test_python_api_runs_without_the_cli():
    scenario = sim.load_scenario(GOLDEN, overrides=["replications=1", "horizon.days=1"])
    result = sim.run(scenario, workers=1)
    assert result.summary.kpis["cars_planned"].mean > 0
    assert result.events > 0


@pytest.mark.parametrize("workers", [0, -2, True, 1.5])
def test_workers_below_one_or_not_whole_are_refused(workers):
    """They were silently run as one worker."""
    with pytest.raises(ValueError, match="at least 1"):
        run(load_scenario(GOLDEN, ["replications=2", "horizon.days=1"]), workers=workers)


def test_a_worker_frees_each_finished_plant_before_the_next_replication():
    """A finished plant is a web of reference cycles (SimPy events and call-backs); Python frees
    cycles only at its rare full collections, so without an explicit collection a worker carried
    the garbage of earlier replication-years into the next (measured: 80 -> 550 MB per worker over
    five replication-years). After one_replication returns, no object of the model may be alive."""
    import gc

    from sim.runner import one_replication

    scenario = load_scenario("scenarios/nanshan.yaml", ["horizon.days=2", "replications=1"])
    gc.collect()
    one_replication(scenario, 0, ())
    alive = {type(o).__name__ for o in gc.get_objects() if str(getattr(type(o), "__module__", "")).startswith("sim.model")}
    assert not alive
