"""The store: a run folder written per replication as it finishes, read back the same, and small.

Checked against what can be counted by hand: the replications handed on (in order, whatever order
the workers finish in), the rows of each table (one per trip of the model's own table), the files a
folder holds, and a summary that reads back equal to the one written."""

from __future__ import annotations

import csv
import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim import runner
from sim.app import run_and_save, save_run
from sim.engine import Engine
from sim.model.plant import run_replication
from sim.results import RunSummary
from sim.runner import run
from sim.scenario import load_scenario
from sim.store import RunRecord, export_csv, read_run, write_run
from sim.sweep import Point, run_points

GOLDEN = "tests/data/golden.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(GOLDEN)


def test_replications_are_handed_on_in_order_whatever_order_they_finish(scenario, monkeypatch):
    """Workers finishing 2, 0, 1 still reach the store as 0, 1, 2: replication 1 waits for 0."""
    done = {r: runner.one_replication(scenario, r) for r in range(3)}

    def out_of_order(fn, calls, workers):
        for r in (2, 0, 1):
            yield r, done[r]

    monkeypatch.setattr(runner, "in_processes", out_of_order)
    seen = []
    result = run(scenario, workers=2, on_replication=lambda rep: seen.append(rep.replication), keep=lambda r: r == 0)
    assert seen == [0, 1, 2]
    assert [m.replication for m in result.per_replication] == [0, 1, 2]
    assert result.tables.holds(0) and not result.tables.holds(1) and not result.tables.holds(2)


def test_a_saved_run_keeps_one_replication_in_memory_and_every_one_on_disk(scenario, tmp_path):
    result, folder = run_and_save(scenario, out=tmp_path / "run", workers=1, plots=False)
    assert [result.tables.holds(r) for r in range(3)] == [True, False, False]
    trips = [len(run_replication(scenario, r).tables.trips) for r in range(3)]
    deliveries = pq.read_table(folder / "tables" / "deliveries.parquet")
    assert deliveries.num_rows == sum(trips)  # one row per truck load of the model's own table
    assert np.bincount(deliveries.column("replication").to_numpy()).tolist() == trips
    assert pq.ParquetFile(folder / "tables" / "deliveries.parquet").metadata.num_row_groups == 3
    record = RunRecord.open(folder)
    stored, memory = record.columns("deliveries", 0), result.tables.columns("deliveries", 0)
    assert list(stored) == list(memory)
    assert np.array_equal(stored["part"], memory["part"])
    # the store keeps seconds to 0.1 s and minutes to 0.001 min
    assert np.allclose(stored["unloaded_s"], memory["unloaded_s"], atol=0.05 + 1e-9)
    assert np.allclose(stored["travel_min"], memory["travel_min"], atol=0.0005 + 1e-12)
    assert np.array_equal(np.isnan(stored["stock_after"]), np.isnan(memory["stock_after"]))


def test_the_summary_reads_back_equal(scenario, tmp_path):
    result = run(scenario, workers=1)
    folder = write_run(result, out=tmp_path / "run")
    summary, manifest = read_run(folder)
    assert summary.to_json() == result.summary.to_json()
    assert json.loads((folder / "summary.json").read_text()) == result.summary.to_json()
    assert RunSummary.from_json(result.summary.to_json()).stat("by_part.seat-set.stoppage_min") == \
        result.summary.stat("by_part.seat-set.stoppage_min")
    assert manifest["event_tables"] == ["stoppages", "deliveries", "breakdowns", "shifts", "downtime"]


def test_the_folder_holds_what_the_readme_lists(scenario, tmp_path):
    folder = save_run(run(scenario, workers=1), out=tmp_path / "run")
    assert sorted(p.name for p in folder.iterdir()) == [
        "by_part.csv", "by_supplier.csv", "manifest.json", "plots", "report.html", "scenario.yaml", "stoppages.csv",
        "summary.json", "tables"]
    assert sorted(p.name for p in (folder / "tables").iterdir()) == [
        "breakdowns.parquet", "deliveries.parquet", "downtime.parquet", "shifts.parquet", "stoppages.parquet"]


def test_the_small_tables_match_the_summary(scenario, tmp_path):
    result = run(scenario, workers=1)
    folder = write_run(result, out=tmp_path / "run")
    with (folder / "by_supplier.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["supplier"] for r in rows] == [s.name for s in scenario.suppliers]
    for r in rows:
        stat = result.summary.stat(f"by_supplier.{r['supplier']}.stoppage_min")
        assert float(r["stoppage_min"]) == pytest.approx(stat.mean, abs=5e-5)
    with (folder / "by_part.csv").open() as f:
        parts = list(csv.DictReader(f))
    assert [p["part"] for p in parts] == [p.name for _, p in scenario.parts]
    with (folder / "stoppages.csv").open() as f:
        stops = list(csv.DictReader(f))
    per_rep = [m.kpis["stoppages"] for m in result.per_replication]
    assert [sum(1 for s in stops if s["replication"] == str(r)) for r in range(3)] == per_rep


def test_tables_are_the_same_bytes_whatever_the_workers(scenario, tmp_path):
    a = write_run(run(scenario, workers=1), out=tmp_path / "one")
    b = write_run(run(scenario, workers=2), out=tmp_path / "two")
    for name in ("stoppages", "deliveries", "breakdowns", "shifts", "downtime"):
        assert (a / "tables" / f"{name}.parquet").read_bytes() == (b / "tables" / f"{name}.parquet").read_bytes()
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()


def test_export_writes_every_table_as_csv(scenario, tmp_path):
    folder = write_run(run(scenario, workers=1), out=tmp_path / "run")
    out, files = export_csv(folder, out=tmp_path / "csv")
    assert sorted(f.name for f in files) == ["breakdowns.csv", "deliveries.csv", "downtime.csv", "shifts.csv",
                                            "stoppages.csv"]
    for f in files:
        with f.open() as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == pq.read_table(folder / "tables" / f"{f.stem}.parquet").num_rows
    with (out / "deliveries.csv").open() as handle:
        first = next(csv.DictReader(handle))
    assert first["depart"].startswith("d")  # a readable clock beside depart_s
    assert len(first["unloaded_s"].partition(".")[2]) <= 1


def test_a_sweep_point_keeps_the_summary_and_the_small_tables(scenario, tmp_path):
    point = Point({}, scenario)
    with Engine(workers=1) as engine:
        lean = run_points([point], tmp_path / "lean", engine)[point.key]
        full = run_points([point], tmp_path / "full", engine, detail=True)[point.key]
    assert sorted(p.name for p in lean.iterdir()) == ["by_part.csv", "by_supplier.csv", "manifest.json",
                                                     "scenario.yaml", "stoppages.csv", "summary.json"]
    assert (full / "tables" / "deliveries.parquet").is_file() and not (full / "plots").exists()
    assert (lean / "stoppages.csv").read_bytes() == (full / "stoppages.csv").read_bytes()
    assert (lean / "summary.json").read_bytes() == (full / "summary.json").read_bytes()


class Box:
    """A result a worker sends back (weakly referable, unlike a tuple)."""

    def __init__(self, i: int):
        self.i = i


def _boxed(i: int) -> Box:
    return Box(i)


def test_workers_results_are_not_kept_once_handed_on():
    """Memory stays flat in the replications: a result handed on is not held by its finished future
    (before, every replication's event tables stayed in memory until the last one was done)."""
    import gc
    import weakref

    refs = []
    for _, box in runner.in_processes(_boxed, [(i,) for i in range(4)], 2):
        refs.append(weakref.ref(box))
        del box
        gc.collect()
        assert [r() is None for r in refs[:-1]] == [True] * (len(refs) - 1)
    assert len(refs) == 4
