"""The ``sim`` command line: exit codes, one-line planner errors, and the run folder it writes.

Most calls go through ``typer.testing.CliRunner``; a few run the installed ``sim`` console script in
a subprocess so that the exit status, stderr and the working directory are the real ones. Every run
is tiny (two suppliers, 1 day, 1-2 replications).
"""

from __future__ import annotations

import csv
import errno
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import micro
import typer
from figures import assert_png_drawn, assert_svg_drawn
import yaml
from typer.testing import CliRunner

from sim.cli import app, figures
from sim.plots import PLOTS
from sim.scenario import load_scenario
from sim.store import RunRecord, scenario_hash

# a run folder without plots: the summary, the three small tables and the event tables (Parquet)
RUN_FILES = {"summary.json", "manifest.json", "scenario.yaml", "by_supplier.csv", "by_part.csv", "stoppages.csv",
             "tables"}
EVENT_TABLES = {"stoppages", "deliveries", "breakdowns", "shifts", "downtime"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def tiny() -> dict:
    """One JIS and one kanban supplier, around the clock; 1 day at 60 s takt is 1,440 cars."""
    return micro.tiny(seed=11, horizon={"days": 2, "warmup_days": 0.25}, replications=1)


BAD_KEY = "suppliers.seats.parts.seat-set.rak_size"


def bad() -> dict:
    data = tiny()
    data["suppliers"][0]["parts"][0]["rak_size"] = 4
    return data


def write(folder: Path, data: dict, name: str) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def good(tmp_path) -> Path:
    return write(tmp_path, tiny(), "good.yaml")


@pytest.fixture
def broken(tmp_path) -> Path:
    return write(tmp_path, bad(), "bad.yaml")


def invoke(*args: str):
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, ANSI.sub("", result.stdout), ANSI.sub("", result.stderr)


def sim_exe() -> str:
    exe = shutil.which("sim") or str(Path(sys.executable).with_name("sim"))
    assert Path(exe).exists(), "the sim console script is not installed (pip install -e .)"
    return exe


def sim_process(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(NO_COLOR="1", COLUMNS="200")
    return subprocess.run([sim_exe(), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def assert_one_error_line(stderr: str, *words: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0]
    return lines[0]


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- sim validate ---------------------------------------------------------------------------------------


def test_validate_good_file_prints_the_counts(good):
    code, out, err = invoke("validate", good)
    assert code == 0, err
    assert err == ""
    assert out.strip() == f"{good}: valid: 2 suppliers, 2 parts (1 JIS), 1 replication × 2 days"


def test_validate_counts_follow_set(good):
    code, out, _ = invoke("validate", good, "--set", "replications=4", "--set", "horizon.days=3")
    assert code == 0
    assert "4 replications × 3 days" in out


def test_validate_bad_file_exits_2_with_one_line(broken):
    code, out, err = invoke("validate", broken)
    assert code == 2
    assert out == ""
    line = assert_one_error_line(err, str(broken), BAD_KEY, "unknown key")
    assert line.startswith(f"error: {broken}: {BAD_KEY}: unknown key")


@pytest.mark.parametrize("content, words", [
    ("name: broken\nline:\n  takt_s: [60\nplant: {docks: 1}\n", ["not valid YAML: line 4"]),
    ("- just\n- a list\n", ["must be a mapping"]),
    ("extends: nope.yaml\nname: orphan\n", ["extends", "'nope.yaml' does not exist"]),
])
def test_validate_unreadable_files(tmp_path, content, words):
    path = tmp_path / "f.yaml"
    path.write_text(content, encoding="utf-8")
    code, _, err = invoke("validate", path)
    assert code == 2
    assert_one_error_line(err, str(path), *words)


def test_validate_missing_file(tmp_path):
    code, _, err = invoke("validate", tmp_path / "nope.yaml")
    assert code == 2
    assert_one_error_line(err, str(tmp_path / "nope.yaml"), "file not found")


@pytest.mark.parametrize("assignment, words", [
    ("suppliers.nobody.trucks=3", ["suppliers.nobody", "no list item named 'nobody'"]),
    ("nosuch.key=1", ["nosuch", "unknown key"]),
    ("suppliers.seats.trucks=0", ["suppliers.seats.trucks", "greater than or equal to 1"]),
])
def test_validate_bad_set(good, assignment, words):
    code, out, err = invoke("validate", good, "--set", assignment)
    assert code == 2 and out == ""
    assert_one_error_line(err, str(good), *words)


def test_validate_real_process_bad_file(tmp_path, broken):
    proc = sim_process("validate", broken.name, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert_one_error_line(proc.stderr, "bad.yaml", BAD_KEY, "unknown key")


def test_validate_real_process_good_file(tmp_path, good):
    proc = sim_process("validate", good.name, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "good.yaml: valid: 2 suppliers, 2 parts (1 JIS), 1 replication × 2 days"


# --- sim run: errors write nothing ----------------------------------------------------------------------


def test_run_bad_file_writes_nothing(tmp_path, broken, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("run", broken, "--out", tmp_path / "x", "--no-plots")
    assert code == 2
    assert_one_error_line(err, str(broken), BAD_KEY)
    assert not (tmp_path / "x").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_run_bad_file_real_process_writes_nothing(tmp_path, broken):
    for extra in (["--out", "x"], []):  # with and without --out: no results/ either way
        proc = sim_process("run", broken.name, *extra, "--days", "1", cwd=tmp_path)
        assert proc.returncode == 2
        assert_one_error_line(proc.stderr, "bad.yaml", BAD_KEY, "unknown key")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_run_unknown_set_path_exits_2(tmp_path, good, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke("run", good, "--set", "suppliers.seats.parts.seat-sets.rack_size=6",
                          "--out", tmp_path / "x", "--no-plots")
    assert code == 2
    assert_one_error_line(err, "suppliers.seats.parts.seat-sets", "no list item named 'seat-sets'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.yaml"]


def test_run_invalid_option_value_exits_2(tmp_path, good, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke("run", good, "--replications", "0", "--out", tmp_path / "x", "--no-plots")
    assert code == 2
    assert_one_error_line(err, "replications", "greater than or equal to 1")
    code, _, err = invoke("run", good, "--days", "0.25", "--out", tmp_path / "x", "--no-plots")
    assert code == 2
    assert_one_error_line(err, "horizon.warmup_days", "must be shorter than the run (horizon.days = 0.25)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.yaml"]


# --- sim run: a tiny run and its folder -----------------------------------------------------------------


@pytest.fixture(scope="module")
def run1(tmp_path_factory):
    """One tiny run through the CLI: --days 1 --replications 2 --no-plots, plus --set and --seed."""
    folder = tmp_path_factory.mktemp("cli-run")
    scenario = write(folder, tiny(), "tiny.yaml")
    out = folder / "run1"
    code, stdout, stderr = invoke("run", scenario, "--days", "1", "--replications", "2", "--seed", "7",
                                  "--set", "suppliers.bolts.distance_km=4", "--out", out, "--no-plots")
    return {"code": code, "stdout": stdout, "stderr": stderr, "out": out, "scenario": scenario}


def test_run_exits_0_and_prints_kpis_and_folder(run1):
    assert run1["code"] == 0, run1["stderr"]
    out = run1["stdout"]
    for word in ("KPI", "mean", "95 % CI", "cars_built", "cars_planned", "supply_availability", "stoppage_min",
                 "truck_trips"):
        assert word in out
    assert "tiny: 2 replications × 1 day (" in out
    assert re.search(r"cars_planned\s*│\s*cars\s*│\s*1,080\s*│\s*0\s*│", out)  # 0.75 d x 1,440 cars/d, same in both
    assert re.search(r"KPI\s*[│┃]\s*unit\s*[│┃]\s*mean\s*[│┃]\s*± 95 % CI", out)
    assert out.strip().splitlines()[-1] == f"results: {run1['out']}"
    assert "Traceback" not in run1["stderr"]


def test_run_folder_holds_every_file(run1):
    assert {p.name for p in run1["out"].iterdir()} == RUN_FILES  # --no-plots: no plots/
    assert {p.name for p in (run1["out"] / "tables").iterdir()} == {f"{t}.parquet" for t in EVENT_TABLES}
    assert not list(run1["out"].parent.glob(".tmp-*"))


def test_manifest_describes_the_run(run1):
    manifest = json.loads((run1["out"] / "manifest.json").read_text())
    resolved = load_scenario(run1["out"] / "scenario.yaml")
    assert manifest["scenario"] == "tiny"
    assert manifest["scenario_hash"] == scenario_hash(resolved)
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["scenario_hash"])
    assert manifest["seed"] == 7 and manifest["replications"] == 2
    assert manifest["horizon_days"] == 1.0 and manifest["warmup_days"] == 0.25
    for package in ("simpy", "numpy", "pydantic", "pyyaml", "typer", "pyarrow", "python"):
        assert manifest["packages"][package] not in ("", None, "not installed")
    assert set(manifest["event_tables"]) == EVENT_TABLES


def test_summary_has_mean_and_ci_per_kpi(run1):
    summary = json.loads((run1["out"] / "summary.json").read_text())
    assert summary["scenario"] == "tiny" and summary["seed"] == 7 and summary["replications"] == 2
    assert summary["window_days"] == [0.25, 1.0]
    assert len(summary["per_replication"]) == 2
    for name in ("cars_built", "cars_planned", "stoppages", "stoppage_min", "supply_availability", "truck_trips", "truck_km"):
        stat = summary["kpis"][name]
        assert set(stat) >= {"mean", "ci95"}
        assert isinstance(stat["mean"], (int, float)) and isinstance(stat["ci95"], (int, float))
    assert summary["kpis"]["cars_planned"]["mean"] == pytest.approx(1080.0)
    assert 0.0 <= summary["kpis"]["supply_availability"]["mean"] <= 1.0
    assert set(summary["by_supplier"]) == {"seats", "bolts"}


def test_resolved_scenario_reflects_the_overrides(run1):
    resolved = load_scenario(run1["out"] / "scenario.yaml")
    assert resolved.seed == 7 and resolved.replications == 2 and resolved.horizon.days == 1.0
    assert resolved.suppliers[1].distance_km == 4.0
    original = load_scenario(run1["scenario"])
    assert resolved.model_copy(update={"seed": 11, "replications": 1, "horizon": original.horizon,
                                       "suppliers": original.suppliers}) == original


def test_event_tables_are_stored_in_parquet(run1):
    """The event tables of every replication, in ``tables/*.parquet``, read back by column."""
    record = RunRecord.open(run1["out"])
    deliveries = record.columns("deliveries")
    assert len(deliveries["part"]), "a day of supply has deliveries"
    assert list(deliveries)[0] == "replication" and set(deliveries["replication"].tolist()) == {0, 1}
    assert set(deliveries["supplier"].tolist()) == {"seats", "bolts"}
    # --set suppliers.bolts.distance_km=4 drives 8 km per round trip, seats stay at 1 km each way
    assert set(deliveries["km"][deliveries["supplier"] == "bolts"].tolist()) == {8.0}
    assert set(deliveries["km"][deliveries["supplier"] == "seats"].tolist()) == {2.0}
    for name, column in (("stoppages", "minutes"), ("deliveries", "stock_before"), ("deliveries", "stock_after"),
                         ("breakdowns", "repair_min"), ("shifts", "built"), ("downtime", "minutes")):
        assert column in record.columns(name), (name, column)
    # one replication's rows are that replication's, and all of them
    first = record.columns("deliveries", 1)
    assert set(first["replication"].tolist()) == {1} and len(first["part"]) == (deliveries["replication"] == 1).sum()
    # stored rounded: clock seconds to 0.1 s, minutes to 0.001 min
    for column, step in (("depart_s", 0.1), ("unloaded_s", 0.1), ("travel_min", 0.001), ("unload_min", 0.001)):
        x = deliveries[column][np.isfinite(deliveries[column])] / step
        assert np.allclose(x, np.round(x), rtol=0, atol=1e-6), column


# --- sim export RUN --csv: the event tables as CSV -------------------------------------------------------

CSV_CLOCK = {"stoppages": "start", "deliveries": "depart", "breakdowns": "start", "shifts": "start",
             "downtime": "start"}  # the readable clock column ("d0 Mon 06:30") of each table


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def decimals(text: str) -> int:
    return len(text.partition(".")[2])


@pytest.fixture
def run_copy(run1, tmp_path) -> Path:
    """A copy of the run folder of run1 to export from (export writes into it)."""
    assert run1["code"] == 0, run1["stderr"]
    shutil.copytree(run1["out"], tmp_path / "run")
    return tmp_path / "run"


STOCK = ("stock_before", "stock_after")  # line-side units: whole numbers (test_export_csv_writes_stock_...)


def test_export_csv_writes_every_event_table(run_copy):
    """``sim export RUN --csv`` writes RUN/csv/<table>.csv: the Parquet table's columns (and a
    readable clock time), as many rows, seconds to 0.1 s, minutes to 0.001 min, km to 0.001,
    planned cars to 0.01, empty cells where a number is unknown."""
    code, out, err = invoke("export", run_copy, "--csv")
    assert code == 0, err
    assert f"5 tables written in {run_copy / 'csv'}" in out
    assert {p.name for p in (run_copy / "csv").iterdir()} == {f"{t}.csv" for t in EVENT_TABLES}
    record = RunRecord.open(run_copy)
    for table in EVENT_TABLES:
        stored = record.columns(table)
        rows = read_csv(run_copy / "csv" / f"{table}.csv")
        n = len(stored["replication"])
        assert len(rows) == n, table
        header = list(csv.reader((run_copy / "csv" / f"{table}.csv").open(encoding="utf-8")))[0]
        assert header[0] == "replication" and set(header) == set(stored) | {CSV_CLOCK[table]}, table
        for column, values in stored.items():
            cells = [r[column] for r in rows]
            if values.dtype.kind == "O":
                assert cells == [str(v) for v in values.tolist()], (table, column)
                continue
            digits = (1 if column.endswith("_s") else 3 if column.endswith("_min") or column in ("minutes", "km")
                      else 2 if column == "planned" else 0)
            if column not in STOCK:
                assert all(decimals(c) <= digits for c in cells), (table, column, cells[:5])
            finite = np.isfinite(values.astype(float))
            assert [c == "" for c in cells] == (~finite).tolist(), (table, column)
            got = np.array([float(c) for c, ok in zip(cells, finite) if ok])
            assert np.allclose(got, np.round(values[finite].astype(float), digits), rtol=0, atol=1e-9), (table, column)
        if n:
            clock = rows[0][CSV_CLOCK[table]]
            assert re.fullmatch(r"d\d+ (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d:\d\d", clock), (table, clock)
    deliveries = read_csv(run_copy / "csv" / "deliveries.csv")
    assert {r["replication"] for r in deliveries} == {"0", "1"}
    assert {float(r["km"]) for r in deliveries if r["supplier"] == "bolts"} == {8.0}
    # the stoppages CSV of the folder itself and the exported one hold the same rows
    assert read_csv(run_copy / "stoppages.csv") == read_csv(run_copy / "csv" / "stoppages.csv")


def test_export_csv_writes_stock_as_whole_units_and_empty_where_unknown(run_copy):
    """Line-side stock is a count of units: written as the old stock.csv wrote it, ``6`` not
    ``6.0``, and (as ``sim.store.csv_columns`` says) empty where it is unknown (NaN: a delivery
    unloaded after the window's end), never the text ``nan``."""
    from sim.store import csv_columns
    assert invoke("export", run_copy, "--csv")[0] == 0
    deliveries = read_csv(run_copy / "csv" / "deliveries.csv")
    for column in STOCK:
        cells = [r[column] for r in deliveries]
        assert cells and all(re.fullmatch(r"-?\d+", c) for c in cells if c), (column, cells[:5])
    unknown = csv_columns({"replication": np.array([0, 0]), "stock_before": np.array([6.0, np.nan]),
                           "stock_after": np.array([14.0, np.nan])})
    assert [str(v) for v in unknown["stock_before"]] == ["6", ""]
    assert [str(v) for v in unknown["stock_after"]] == ["14", ""]


def test_export_csv_again_replaces_the_csv_folder_whole(run_copy):
    assert invoke("export", run_copy, "--csv")[0] == 0
    (run_copy / "csv" / "stray.csv").write_text("not ours")
    code, _, err = invoke("export", run_copy, "--csv")
    assert code == 0, err
    assert {p.name for p in (run_copy / "csv").iterdir()} == {f"{t}.csv" for t in EVENT_TABLES}
    assert not [p.name for p in run_copy.iterdir() if p.name.startswith(".")]


def test_export_csv_out_writes_a_new_folder_and_only_reads_the_run(run_copy, tmp_path):
    before = tree(run_copy)
    code, out, err = invoke("export", run_copy, "--csv", "--out", tmp_path / "csvs")
    assert code == 0, err
    assert {p.name for p in (tmp_path / "csvs").iterdir()} == {f"{t}.csv" for t in EVENT_TABLES}
    assert tree(run_copy) == before
    assert (tmp_path / "csvs" / "deliveries.csv").read_text() != ""
    code, _, err = invoke("export", run_copy, "--csv", "--out", tmp_path / "csvs")
    assert code == 2
    assert_one_error_line(err, "already exists")


def test_export_needs_a_format_and_a_complete_run(run_copy, tmp_path):
    code, out, err = invoke("export", run_copy)
    assert code == 2 and out == ""
    assert_one_error_line(err, "--csv")
    assert not (run_copy / "csv").exists()
    (tmp_path / "half").mkdir()
    code, _, err = invoke("export", tmp_path / "half", "--csv")
    assert code == 2
    assert_one_error_line(err, "not a complete sim run folder")


def test_export_of_a_sweep_point_without_its_tables_is_one_line(tmp_path, good):
    """A sweep point keeps its event tables only with --detail."""
    for detail in ([], ["--detail"]):
        out = tmp_path / f"s{len(detail)}"
        code, _, err = invoke("sweep", good, "--vary", "suppliers.seats.trucks=1", "--days", "1", "--replications", "1",
                              "--workers", "1", "--no-plots", *detail, "--out", out)
        assert code == 0, err
        point = next((out / "points").iterdir())
        code, _, err = invoke("export", point, "--csv")
        if detail:
            assert code == 0, err
            assert {p.name for p in (point / "csv").iterdir()} == {f"{t}.csv" for t in EVENT_TABLES}
        else:
            assert code == 2
            assert_one_error_line(err, "holds no event tables", "--detail")
            assert not (point / "csv").exists()


def test_run_again_into_the_same_folder_exits_2_and_touches_nothing(run1):
    before = tree(run1["out"])
    mtime = run1["out"].stat().st_mtime_ns
    code, out, err = invoke("run", run1["scenario"], "--days", "1", "--out", run1["out"], "--no-plots")
    assert code == 2
    assert_one_error_line(err, str(run1["out"]), "already exists")
    assert "KPI" not in out
    assert tree(run1["out"]) == before
    assert run1["out"].stat().st_mtime_ns == mtime
    assert not list(run1["out"].parent.glob(".tmp-*"))


def test_run_without_out_writes_under_results_in_the_working_directory(tmp_path, good, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("run", good, "--days", "1", "--no-plots", "--workers", "1")
    assert code == 0, err
    folders = list((tmp_path / "results" / "tiny").iterdir())
    assert len(folders) == 1
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    assert re.fullmatch(rf"\d{{8}}-\d{{6}}-{manifest['scenario_hash'][:6]}-s11", folders[0].name)
    assert f"results: {Path('results') / 'tiny' / folders[0].name}" in out


def test_run_with_plots_writes_png_and_svg(tmp_path, good):
    out = tmp_path / "plotted"
    code, _, err = invoke("run", good, "--days", "1", "--out", out, "--workers", "1")
    assert code == 0, err
    pngs = {p.stem for p in (out / "plots").glob("*.png")}
    svgs = {p.stem for p in (out / "plots").glob("*.svg")}
    assert pngs and pngs == svgs
    for name in pngs:
        assert_png_drawn(out / "plots" / f"{name}.png", data=name in ("stock", "trucks", "cars_per_shift"))
        assert_svg_drawn(out / "plots" / f"{name}.svg")
    assert RUN_FILES <= {p.name for p in out.iterdir()}


def test_run_real_process(tmp_path, good):
    proc = sim_process("run", good.name, "--days", "1", "--replications", "2", "--out", "r", "--no-plots",
                       "--set", "suppliers.seats.trucks=3", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "cars_built" in proc.stdout and "results: r" in proc.stdout
    assert {p.name for p in (tmp_path / "r").iterdir()} == RUN_FILES
    assert not (tmp_path / "results").exists()
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["command"] == ["sim", "run", "good.yaml", "--days", "1", "--replications", "2", "--out", "r",
                                   "--no-plots", "--set", "suppliers.seats.trucks=3"]
    assert load_scenario(tmp_path / "r" / "scenario.yaml").suppliers[0].trucks == 3

    again = sim_process("run", good.name, "--days", "1", "--out", "r", "--no-plots", cwd=tmp_path)
    assert again.returncode == 2
    assert_one_error_line(again.stderr, "r already exists")


# --- user text is printed as it is, never read as rich markup -----------------------------------------


MARKUP = "[/x] [bold red]boom"  # a closing tag that opens nothing crashed rich; an open tag became colour


def with_disruption(name: str) -> dict:
    """tiny, with the seat supplier down 3 h from day 0.5: inside the window of a 1-day run with
    0.25 d warm-up, so the disruption is a top cause (disruption names are free text)."""
    data = tiny()
    data["disruptions"] = [{"kind": "supplier_down", "name": name, "supplier": "seats", "start_day": 0.5,
                            "duration_h": 3}]
    return data


def test_markup_in_a_disruption_name_is_printed_as_text(tmp_path):
    scenario = write(tmp_path, with_disruption(MARKUP), "down.yaml")
    proc = sim_process("run", scenario.name, "--days", "1", "--replications", "1", "--out", "r", "--no-plots",
                       cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    row = next(line for line in proc.stdout.splitlines() if "disruption" in line)
    assert MARKUP in row  # literally, brackets and all
    assert proc.stdout.strip().splitlines()[-1] == "results: r"


def test_markup_in_paths_is_printed_as_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "[").mkdir()
    write(tmp_path / "[", tiny(), "x][bold red].yaml")
    scenario = "[/x][bold red].yaml"  # the folder "[" and the file "x][bold red].yaml"
    code, out, err = invoke("validate", scenario)
    assert code == 0, err
    assert out.startswith("[/x][bold red].yaml: valid")
    code, out, err = invoke("run", scenario, "--days", "1", "--out", "[/x]r[bold red]", "--no-plots",
                            "--workers", "1")
    assert code == 0, err
    assert out.strip().splitlines()[-1] == "results: [/x]r[bold red]"
    code, out, err = invoke("plot", "[/x]r[bold red]", "--out", "p[/y]")
    assert code == 0, err
    assert "in p[/y]/plots" in out
    code, out, err = invoke("compare", "[/x]r[bold red]", "[/x]r[bold red]", "--out", "[/c]")
    assert code == 0, err
    assert out.strip().splitlines()[-1] == "comparison: [/c]"
    code, _, err = invoke("validate", scenario, "--set", "x[bold red]y=1")
    assert code == 2
    assert_one_error_line(err, "x[bold red]y")


def test_error_line_keeps_square_brackets(good):
    code, _, err = invoke("validate", good, "--set", "suppliers[seats].trucks=3")
    assert code == 2
    assert_one_error_line(err, "suppliers[seats]", "is not a key, '*' or key[field=value]")


def test_closing_tag_in_a_set_path_is_not_a_traceback(tmp_path, good):
    proc = sim_process("validate", good.name, "--set", "x[/b]=1", cwd=tmp_path)
    assert proc.returncode == 2
    assert_one_error_line(proc.stderr, "x[/b]")


# --- where the results go: checked before anything is simulated ------------------------------------------


@pytest.fixture
def read_only(tmp_path, monkeypatch):
    """A folder nothing can be created in: mode 555; for root, whom modes do not stop, mkdir is
    also refused there, as on a read-only mount."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:
        real = os.mkdir

        def mkdir(path, *args, **kwargs):
            if Path(path).absolute().is_relative_to(folder):
                raise PermissionError(errno.EROFS, "Read-only file system", str(path))
            return real(path, *args, **kwargs)

        monkeypatch.setattr(os, "mkdir", mkdir)
    yield folder
    folder.chmod(0o755)


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if a run starts: an unwritable folder must be refused before simulating."""
    def refuse(*_a, **_k):
        raise AssertionError("the run started although its folder cannot be written")
    monkeypatch.setattr("sim.runner.run", refuse)
    monkeypatch.setattr("sim.app.run", refuse)  # what sim run calls
    monkeypatch.setattr("sim.runner.one_replication", refuse)


def test_out_below_a_file_is_one_line_before_simulating(tmp_path, good, no_simulation):
    (tmp_path / "afile").write_text("")
    code, out, err = invoke("run", good, "--days", "1", "--out", tmp_path / "afile" / "run", "--no-plots")
    assert code == 2 and out == ""
    assert_one_error_line(err, "afile is a file", "nothing was written")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "good.yaml"]


def test_out_in_a_read_only_folder_is_one_line_before_simulating(tmp_path, good, read_only, no_simulation):
    code, out, err = invoke("run", good, "--days", "1", "--out", read_only / "run", "--no-plots")
    assert code == 2 and out == ""
    assert_one_error_line(err, f"cannot create {read_only / 'run'}", "not writable", "nothing was written")
    assert list(read_only.iterdir()) == []


def test_default_results_in_a_read_only_folder_is_one_line_before_simulating(good, read_only, monkeypatch,
                                                                              no_simulation):
    monkeypatch.chdir(read_only)
    code, out, err = invoke("run", good, "--days", "1", "--no-plots")
    assert code == 2 and out == ""
    assert_one_error_line(err, "cannot create results/tiny", "not writable")
    assert list(read_only.iterdir()) == []


def test_out_below_a_file_real_process(tmp_path, good):
    (tmp_path / "afile").write_text("")
    for command in (["run", good.name, "--days", "1", "--no-plots"], ["compare", "a", "b"]):
        proc = sim_process(*command, "--out", "afile/x", cwd=tmp_path)
        assert proc.returncode == 2
        if command[0] == "run":
            assert_one_error_line(proc.stderr, "afile is a file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "good.yaml"]


# --- sim plot -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plotted(tmp_path_factory):
    """One tiny run with its plots, to copy."""
    folder = tmp_path_factory.mktemp("plotted")
    code, _, err = invoke("run", write(folder, tiny(), "tiny.yaml"), "--days", "1", "--out", folder / "run",
                          "--workers", "1")
    assert code == 0, err
    return folder / "run"


def test_plot_after_a_killed_plot_left_its_temporaries(plotted, tmp_path):
    """An earlier `sim plot` killed mid-swap left .plots-old (then every later sim plot failed) and
    .plots-new and .report.html.new; a newer one left a .tmp-plots-* of a process that is gone."""
    run = tmp_path / "run"
    shutil.copytree(plotted, run)
    (run / ".plots-old").mkdir()
    (run / ".plots-old" / "timeline.png").write_bytes(b"old")
    (run / ".plots-new").mkdir()
    (run / ".report.html.new").write_text("half")
    dead = dead_pid()
    stale = run / f".tmp-plots-{dead}-0000"
    stale.mkdir()
    (stale / ".sim-owner").write_text(json.dumps({"pid": dead, "host": socket.gethostname(),
                                                  "created": time.time() - 3600}))
    (run / "plots" / "timeline.png").unlink()
    code, out, err = invoke("plot", run)
    assert code == 0, err
    assert f"files written in {run}/plots" in out
    assert not [p.name for p in run.iterdir() if p.name.startswith(".")]
    assert {p.name for p in (run / "plots").iterdir()} == {p.name for p in (plotted / "plots").iterdir()}
    assert (run / "plots" / "timeline.png").stat().st_size > 1000


def test_plot_into_a_read_only_run_folder_is_one_line_and_changes_nothing(plotted, tmp_path, monkeypatch):
    run = tmp_path / "run"
    shutil.copytree(plotted, run)
    before = tree(run)
    real = os.mkdir

    def mkdir(path, *args, **kwargs):  # the run folder is read-only (modes do not stop root)
        if Path(path).absolute().is_relative_to(run):
            raise PermissionError(errno.EROFS, "Read-only file system", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    code, out, err = invoke("plot", run)
    assert code == 2 and out == ""
    assert_one_error_line(err, f"cannot create {run}", "not writable")
    assert tree(run) == before


def test_plot_out_writes_a_new_folder_and_only_reads_the_run(plotted, tmp_path):
    before = tree(plotted)
    code, out, err = invoke("plot", plotted, "--out", tmp_path / "p")
    assert code == 0, err
    assert {p.name for p in (tmp_path / "p").iterdir()} == {"plots", "report.html"}
    assert {p.name for p in (tmp_path / "p" / "plots").iterdir()} == {p.name for p in (plotted / "plots").iterdir()}
    assert tree(plotted) == before
    (tmp_path / "afile").write_text("")
    code, _, err = invoke("plot", plotted, "--out", tmp_path / "afile" / "p")
    assert code == 2
    assert_one_error_line(err, "afile is a file")
    code, _, err = invoke("plot", plotted, "--out", tmp_path / "p")
    assert code == 2
    assert_one_error_line(err, "already exists")


def test_plot_interrupted_keeps_the_old_plots(plotted, tmp_path, monkeypatch):
    run = tmp_path / "run"
    shutil.copytree(plotted, run)
    before = tree(run)

    def interrupt(_run):
        raise KeyboardInterrupt

    monkeypatch.setitem(PLOTS, "trucks", (interrupt, ""))  # one of the last plots
    code, out, err = invoke("plot", run)
    assert code == 130 and out == ""
    assert err.strip() == f"interrupted: the plots and report.html in {run} are as they were"
    assert tree(run) == before
    assert not [p for p in run.iterdir() if p.name.startswith(".")]


# --- options shared by run, sweep and size; --workers; one replication; help ---------------------------


SHARED = ("--set", "--days", "--replications", "--seed", "--out", "--workers", "--plots")


def test_run_sweep_and_size_share_their_options_and_help_texts():
    commands = typer.main.get_command(app).commands
    helps = {}
    for name in ("run", "sweep", "size"):
        options = {o: p for p in commands[name].params for o in p.opts}
        for opt in SHARED:
            assert opt in options, f"sim {name} has no {opt}"
            helps.setdefault(opt, set()).add(options[opt].help)
        assert "--no-plots" in next(p for p in commands[name].params if "--plots" in p.opts).secondary_opts
    assert all(len(texts) == 1 for texts in helps.values()), helps


@pytest.mark.parametrize("command", ["run", "sweep", "size"])
@pytest.mark.parametrize("workers", ["0", "-2"])
def test_workers_below_one_is_one_line_and_writes_nothing(tmp_path, good, monkeypatch, command, workers):
    monkeypatch.chdir(tmp_path)
    extra = {"run": [], "sweep": ["--vary", "suppliers.seats.trucks=1,2"],
             "size": ["--knob", "suppliers.seats.trucks", "--target", "stoppage_min <= 0", "--lo", "1", "--hi", "3"]}
    code, out, err = invoke(command, good, *extra[command], "--days", "1", "--workers", workers, "--out", "x")
    assert code == 2 and out == ""
    assert_one_error_line(err, f"--workers must be at least 1, got {workers}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.yaml"]


def no_nan(text: str) -> dict:
    def refuse(constant):
        raise AssertionError(f"{constant} in JSON")
    return json.loads(text, parse_constant=refuse)


def test_one_replication_prints_no_nan_and_writes_none(tmp_path, good):
    """One replication has no confidence interval: "–" in the tables, null in JSON, empty in CSV."""
    proc = sim_process("run", good.name, "--days", "1", "--replications", "1", "--out", "a", "--no-plots",
                       cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "nan" not in proc.stdout.lower()
    assert "tiny: 1 replication × 1 day (" in proc.stdout
    assert re.search(r"cars_planned\s*│\s*cars\s*│\s*1,080\s*│\s*–\s*│", proc.stdout)  # 0.75 d x 1,440 cars/d
    summary = no_nan((tmp_path / "a" / "summary.json").read_text())
    assert summary["kpis"]["cars_planned"] == {"mean": 1080.0, "ci95": None, "n": 1}
    proc = sim_process("run", good.name, "--days", "1", "--replications", "1", "--seed", "3", "--out", "b",
                       "--no-plots", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    cmp = sim_process("compare", "a", "b", "--out", "c", cwd=tmp_path)
    assert cmp.returncode == 0, cmp.stderr
    assert "nan" not in cmp.stdout.lower()
    no_nan((tmp_path / "c" / "compare.json").read_text())


def test_one_replication_sweep_has_no_nan_and_no_plots_with_no_plots(tmp_path, good):
    code, out, err = invoke("sweep", good, "--vary", "suppliers.seats.trucks=1,2", "--days", "1",
                            "--replications", "1", "--seed", "5", "--workers", "1", "--no-plots",
                            "--out", tmp_path / "s")
    assert code == 0, err
    assert "nan" not in out.lower()
    table = (tmp_path / "s" / "sweep.csv").read_text()
    assert "nan" not in table.lower()
    assert not (tmp_path / "s" / "plots").exists()
    for point in (tmp_path / "s" / "points").iterdir():
        assert load_scenario(point / "scenario.yaml").seed == 5


@pytest.mark.parametrize("mean, ci, text", [
    (171.04, 12.3, ("171", "12")),  # two significant digits of the half-width, the mean to match
    (0.84167, 0.01234, ("0.842", "0.012")),
    (171.0, 3.456, ("171.0", "3.5")),
    (12345.678, 150.0, ("12,346", "150")),
    (1080.0, 0.0, ("1,080", "0")),  # no spread: whole numbers stay whole
    (0.8417, 0.0, ("0.8417", "0")),  # four significant digits of the mean when there is no interval
    (909.0, math.nan, ("909", "–")),  # one replication: no interval
    (0.84167, None, ("0.8417", "–")),
    (None, None, ("–", "–")),
])
def test_one_formatter_for_every_figure(mean, ci, text):
    assert figures(mean, ci) == text


TYPE_NAMES = re.compile(r"(?<![\w.])(TEXT|INTEGER|FLOAT|PATH|BOOLEAN|FILENAME|DIRECTORY)(?![\w.=])"  # click's
                        r"|<(str|int|float|bool|path|Path|list\[\w+\])>")  # typer's, from 0.16 on


def test_help_shows_no_python_type_names():
    commands = ["", *typer.main.get_command(app).commands]
    for name in commands:
        result = CliRunner().invoke(app, [*([name] if name else []), "--help"], env={"COLUMNS": "200"},
                                    terminal_width=200)
        assert result.exit_code == 0, result.output
        found = [m.group(0) for m in TYPE_NAMES.finditer(ANSI.sub("", result.output))]
        assert not found, f"sim {name} --help shows {found}"


# --- identical runs in the same second ------------------------------------------------------------------


def test_three_identical_runs_at_once_all_finish_in_distinct_folders(tmp_path, good):
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    args = [sim_exe(), "run", good.name, "--days", "1", "--replications", "1", "--no-plots"]
    procs = [subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    for proc in procs:
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
    folders = sorted((tmp_path / "results" / "tiny").iterdir())
    assert len(folders) == 3
    assert all({p.name for p in f.iterdir()} == RUN_FILES for f in folders)
    assert len({(f / "summary.json").read_text() for f in folders}) == 1  # the same run, three times


def dead_pid() -> int:
    """The pid of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid




# --- input that is not scenario text: one line, exit 2, nothing written (issue 7, item 6) -------------


def _limited_memory():  # a child that reads /dev/zero without a size cap fails fast instead of filling memory
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


@pytest.mark.parametrize("content, words", [
    ("name: café\n".encode("latin-1"), "not a UTF-8 text file (byte 0xe9 on line 1)"),
    ("name: x\n".encode("utf-16"), "not a UTF-8 text file (it is UTF-16 or UTF-32)"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00", "not a UTF-8 text file (a NUL byte on line 1"),
    (b"extends: /dev/zero\n", "/dev/zero: is a device, not a scenario file"),
], ids=["latin-1", "utf-16", "binary", "extends-dev-zero"])
def test_run_of_a_file_that_is_not_text_is_one_line_and_writes_nothing(tmp_path, content, words):
    (tmp_path / "odd.yaml").write_bytes(content)
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")} | {"NO_COLOR": "1"}
    for extra in (["--out", "x"], []):
        proc = subprocess.run([sim_exe(), "run", "odd.yaml", "--no-plots", *extra], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60, env=env, preexec_fn=_limited_memory)
        assert proc.returncode == 2
        assert_one_error_line(proc.stderr, words)
        assert [p.name for p in tmp_path.iterdir()] == ["odd.yaml"]


@pytest.mark.parametrize("args, words", [
    (["validate", "{good}", "--set", "line.takt_s=[1,"],
     ["good.yaml: line.takt_s: the --set value '[1,' is not valid YAML (line 1, column 4:"]),
    (["run", "{good}", "--set", "line.models={A: 1", "--out", "{tmp}/x"], ["line.models: the --set value '{A: 1'"]),
    (["sweep", "{good}", "--vary", "line.takt_s=60,{a", "--out", "{tmp}/x"],
     ["--vary line.takt_s: '{a' is not valid YAML (line 1, column 3:"]),
    (["size", "{good}", "--knob", "suppliers.bolts.trucks", "--target", "stoppage_min <= 0", "--lo", "1", "--hi", "3",
      "--set", "line.takt_s=[1,", "--out", "{tmp}/x"], ["line.takt_s: the --set value '[1,'"]),
], ids=["validate", "run", "sweep", "size"])
def test_a_value_that_is_not_yaml_is_one_line(tmp_path, good, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke(*[a.replace("{good}", str(good)).replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 2 and out == ""
    assert_one_error_line(err, *words)
    assert [p.name for p in tmp_path.iterdir()] == ["good.yaml"]


# --- work beyond the limits: refused before anything runs or is written, unless --force (item 7) --------


HUGE = ["--days", "28", "--replications", "10000", "--workers", "1"]  # tiny: ~45,000 events a replication, 450 million in all


@pytest.mark.parametrize("command", [
    ["run", "{good}", *HUGE, "--out", "x"],
    ["run", "{good}", *HUGE],
    ["sweep", "{good}", "--vary", "suppliers.bolts.trucks=1,2", *HUGE],
    ["size", "{good}", "--knob", "suppliers.bolts.trucks", "--target", "stoppage_min <= 0", "--lo", "1", "--hi", "3", *HUGE],
], ids=["run-out", "run", "sweep", "size"])
def test_work_beyond_the_limit_is_one_line_and_writes_nothing(tmp_path, good, monkeypatch, command):
    import sim.runner

    def no_replication(*args):
        raise AssertionError("a replication started")  # fail at once rather than run 10,000 of them

    monkeypatch.setattr(sim.runner, "one_replication", no_replication)
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke(*[str(good) if a == "{good}" else a for a in command])
    assert code == 2 and out == ""
    assert_one_error_line(err, "tiny: the run would take about ", "million events (10,000 replications x ",
                          "the limit is 100.0 million", "or give --force to run it anyway")
    assert [p.name for p in tmp_path.iterdir()] == ["good.yaml"]


@pytest.mark.parametrize("command", [
    ["run", "{good}", "--out", "{tmp}/run", "--no-plots"],
    ["sweep", "{good}", "--vary", "suppliers.bolts.trucks=1,2", "--out", "{tmp}/sweep"],
    ["size", "{good}", "--knob", "suppliers.bolts.trucks", "--target", "stoppage_min <= 1000", "--lo", "1", "--hi", "2",
     "--out", "{tmp}/size"],
], ids=["run", "sweep", "size"])
def test_force_runs_beyond_the_limit(tmp_path, good, monkeypatch, command):
    import sim.workload
    monkeypatch.setattr(sim.workload, "MAX_EVENTS", 10)  # every run is "too large" now
    args = [a.replace("{good}", str(good)).replace("{tmp}", str(tmp_path)) for a in command]
    args += ["--days", "1", "--replications", "1", "--workers", "1"]
    code, _, err = invoke(*args)
    assert code == 2
    assert_one_error_line(err, "the limit is 10")
    code, _, err = invoke(*args, "--force")
    assert code == 0, err
    assert (tmp_path / command[0]).is_dir()


# --- warnings on stderr, exit status unchanged (issue 7, item 18) ---------------------------------------


def test_validate_and_run_warn_of_a_disruption_outside_the_run(tmp_path, monkeypatch):
    data = tiny() | {"disruptions": [{"name": "snow", "kind": "road_closed", "start_day": 5, "duration_h": 6}]}
    path = write(tmp_path, data, "late.yaml")
    warning = "warning: disruptions.snow starts on day 5, after the run ends (horizon.days = 2): it never happens in this run"
    code, out, err = invoke("validate", path)
    assert code == 0 and "valid" in out
    assert err.strip().splitlines() == [warning]
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("run", path, "--out", tmp_path / "run", "--no-plots", "--workers", "1")
    assert code == 0 and "results:" in out
    assert err.strip().splitlines() == [warning]


def test_validate_warns_when_sim_run_would_need_force(good):
    code, out, err = invoke("validate", good, "--set", "replications=10000", "--set", "horizon.days=28")
    assert code == 0 and "valid" in out
    assert err.startswith("warning: tiny: the run would take about ") and "--force" in err


def test_a_forced_sweep_resumes_without_force(tmp_path, good, monkeypatch):
    import sim.workload
    monkeypatch.setattr(sim.workload, "MAX_EVENTS", 10)
    args = ["sweep", good, "--vary", "suppliers.bolts.trucks=1,2", "--out", tmp_path / "sweep", "--days", "1",
            "--replications", "1", "--workers", "1"]
    assert invoke(*args, "--force")[0] == 0
    code, out, err = invoke(*args)  # every point is complete: nothing to refuse
    assert code == 0, err
    assert "2 points (0 run now)" in out
