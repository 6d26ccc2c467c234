"""Sweeps and sizing: grid and range syntax, common random numbers, resume, engines, and sizing
answers known by hand."""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from figures import assert_png_drawn
from micro import jis_loop, kanban_loop
from typer.testing import CliRunner

import sim.engine as engine_module
import sim.sweep as sweep_module
from sim.app import size, sweep
from sim.cluster import SchedulerError
from sim.results import Stat
from sim.size import Target, TargetError, find_size
from sim.cli import app
from sim.knob import Knob
from sim.scenario import load_scenario
from sim.sweep import SweepError, grid, parse_values, parse_vary, run_sweep, slug
from sim.sweep_folder import FolderError, complete_points

GOLDEN = Path(__file__).parent / "data" / "golden.yaml"
FAST = ["horizon.days=1.5", "replications=2"]


@pytest.mark.parametrize("text, values", [
    ("1,2,3", [1, 2, 3]),
    ("0.5,a,true", [0.5, "a", True]),
    ("1:10:lin4", [1, 4, 7, 10]),
    ("0:1:lin3", [0.0, 0.5, 1.0]),
    ("1:100:log3", [1.0, 10.0, 100.0]),
    ("0.5:150:log8", [0.5, 1.12939, 2.55105, 5.76227, 13.0157, 29.3997, 66.4074, 150.0]),
    ("2:10:2", [2, 4, 6, 8, 10]),
    ("0:1:0.25", [0.0, 0.25, 0.5, 0.75, 1.0]),
    ("10:4:-3", [10, 7, 4]),
])
def test_value_syntax(text, values):
    assert parse_values(text) == values


@pytest.mark.parametrize("text, words", [
    ("1:2", "start:stop"), ("0:10:log3", "positive"), ("1:10:lin1", "at least 2"), ("1:10:-1", "never reaches"),
    ("a:b:lin3", "must be numbers"), ("1:10:linx", "whole number"), ("1:10:abc", "neither"),
])
def test_bad_ranges_are_planner_errors(text, words):
    with pytest.raises(SweepError, match=words):
        parse_values(text)


def test_grid_is_every_combination_first_axis_slowest():
    axes = parse_vary(["suppliers.seats.distance_km=1,5", "suppliers.seats.trucks=1:3:1"])
    points = grid(GOLDEN, axes)
    assert [tuple(p.values.values()) for p in points] == [(1, 1), (1, 2), (1, 3), (5, 1), (5, 2), (5, 3)]
    assert points[4].scenario.suppliers[0].distance_km == 5 and points[4].scenario.suppliers[0].trucks == 2
    assert len({p.key for p in points}) == 6


def test_a_bad_value_names_the_key_path():
    with pytest.raises(Exception, match="suppliers.seats.trucks"):
        grid(GOLDEN, {"suppliers.seats.trucks": [0]})


def rows_of(folder: Path) -> list[dict]:
    with (folder / "sweep.csv").open() as f:
        return list(csv.DictReader(f))


def test_common_random_numbers_an_irrelevant_key_changes_nothing(tmp_path):
    """bearing_deg only places a supplier on the map: both points give identical KPIs."""
    result = run_sweep(GOLDEN, ["suppliers.seats.bearing_deg=10,200"], FAST, out=tmp_path / "s", workers=1)
    a, b = result.points
    assert a.key != b.key
    by_point = {}
    for row in result.rows:
        by_point.setdefault(row["point"], {})[row["kpi"]] = (row["mean"], row["ci95"])
    assert by_point[a.key] == by_point[b.key]


def test_a_sweep_resumes_after_an_interruption(tmp_path, monkeypatch):
    vary = ["suppliers.seats.distance_km=1,4,8", "suppliers.seats.trucks=1,2"]
    whole = run_sweep(GOLDEN, vary, FAST, out=tmp_path / "whole", workers=1)
    calls = {"n": 0}
    real = engine_module._run_point

    def flaky(scenario, *args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # Ctrl-C while the third point runs
        return real(scenario, *args)

    monkeypatch.setattr(engine_module, "_run_point", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(GOLDEN, vary, FAST, out=tmp_path / "cut", workers=1)
    points = tmp_path / "cut" / "points"
    assert len([p for p in points.iterdir() if (p / "manifest.json").is_file()]) == 2
    assert not [p for p in points.iterdir() if not (p / "manifest.json").is_file()]  # nothing half-written
    monkeypatch.setattr(engine_module, "_run_point", real)
    resumed = run_sweep(GOLDEN, vary, FAST, out=tmp_path / "cut", workers=1)
    assert resumed.ran == 4
    strip = lambda rows: [{k: v for k, v in r.items() if k != "folder"} for r in rows]  # noqa: E731
    assert strip(resumed.rows) == strip(whole.rows)
    again = run_sweep(GOLDEN, vary, FAST, out=tmp_path / "cut", workers=1)
    assert again.ran == 0


POINT_FILES = {"summary.json", "manifest.json", "scenario.yaml", "by_supplier.csv", "by_part.csv", "stoppages.csv"}


@pytest.mark.parametrize("detail", [False, True], ids=["summary-only", "detail"])
def test_a_point_folder_keeps_its_summary_and_small_tables_and_its_event_tables_only_with_detail(tmp_path, detail):
    """A sweep point keeps summary.json, manifest.json, scenario.yaml and the three small CSVs; with
    ``detail`` its event tables (Parquet) too; never plots. Its stoppages.csv holds the stoppages of
    every replication either way, their minutes adding up to each replication's stoppage_min."""
    from sim.store import RunRecord
    result = sweep(GOLDEN, ["suppliers.seats.distance_km=1,9"], FAST, out=tmp_path / "s", workers=1, detail=detail)
    assert (result.folder / "plots").is_dir()  # the sweep's own plots
    for point in (result.folder / "points").iterdir():
        names = {p.name for p in point.iterdir()}
        assert names == POINT_FILES | ({"tables"} if detail else set()), names
        record = RunRecord.open(point)
        assert record.manifest["event_tables"] == (["stoppages", "deliveries", "breakdowns", "shifts", "downtime"]
                                                   if detail else [])
        with (point / "stoppages.csv").open(newline="", encoding="utf-8") as f:
            stops = list(csv.DictReader(f))
        for rep in record.summary.per_replication:
            minutes = sum(float(r["minutes"]) for r in stops if r["replication"] == str(rep.replication))
            assert minutes == pytest.approx(rep.kpis["stoppage_min"], abs=0.0005 * len(stops) + 1e-9)
        if detail:
            assert len(record.columns("stoppages")["minutes"]) == len(stops)
        else:
            with pytest.raises(Exception, match="--detail"):
                record.columns("deliveries")


def test_a_folder_holding_another_sweep_is_refused(tmp_path):
    run_sweep(GOLDEN, ["suppliers.seats.trucks=1,2"], FAST, out=tmp_path / "s", workers=1)
    with pytest.raises(FolderError, match="different sweep"):
        run_sweep(GOLDEN, ["suppliers.seats.trucks=1,3"], FAST, out=tmp_path / "s", workers=1)


def test_one_worker_and_two_workers_give_identical_numbers(tmp_path):
    vary = ["suppliers.seats.distance_km=1,6", "suppliers.trim.trucks=1,2"]
    one = sweep(GOLDEN, vary, FAST, out=tmp_path / "one", workers=1)  # with its plots
    two = sweep(GOLDEN, vary, FAST, out=tmp_path / "two", workers=2)
    assert rows_of(one.folder) == rows_of(two.folder)
    pngs = sorted((two.folder / "plots").glob("*.png"))
    assert "heatmap_stoppage_min.png" in [p.name for p in pngs]
    for png in pngs:  # the same numbers draw the same pictures
        assert_png_drawn(png)
        assert png.read_bytes() == (one.folder / "plots" / png.name).read_bytes(), png.name


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_size_finds_the_kanban_minimum_count(tmp_path):
    """tests/test_analytic.py derives it: 3 cards of 4 never stop the line, 2 do."""
    path = write(tmp_path, kanban_loop(cards=6, pack=4, trucks=4))
    found = size(path, "suppliers.sup.parts.part.cards", Target.parse("stoppage_min <= 0"), 1, 16,
                 out=tmp_path / "size", workers=1)
    assert found.answer == 3
    assert len(found.evidence) <= 6  # bisection, not a sweep of 16 values
    doc = json.loads((tmp_path / "size" / "size.json").read_text())
    assert (doc["knob"], doc["answer"], doc["points_run"]) == ("suppliers.sup.parts.part.cards", 3, len(found.evidence))
    met = {e["value"]: e["met"] for e in doc["evidence"]}
    assert met[2] is False and met[3] is True and all(ok == (v >= 3) for v, ok in met.items())
    assert_png_drawn(tmp_path / "size" / "plots" / "size.png")


def test_size_draws_its_evidence_and_a_point_keeps_no_plots(tmp_path):
    """The same sizing over two replications (no spread where no stop: 0 ± 0): ``sim.app.size``
    draws plots/size.png into the sizing folder; ``find_size`` alone draws nothing; no point folder
    holds plots."""
    data = kanban_loop(cards=6, pack=4, trucks=4)
    data["replications"] = 2
    path = write(tmp_path, data)
    drawn = size(path, CARDS, Target.parse("stoppage_min <= 0"), 1, 16, out=tmp_path / "drawn", workers=1)
    plain = find_size(path, CARDS, Target.parse("stoppage_min <= 0"), 1, 16, out=tmp_path / "plain", workers=1)
    assert drawn.answer == plain.answer == 3
    assert_png_drawn(tmp_path / "drawn" / "plots" / "size.png")
    assert not (tmp_path / "plain" / "plots").exists()
    assert not list(tmp_path.glob("*/points/*/plots"))


def test_size_finds_the_jis_call_off_limit(tmp_path):
    """tests/test_analytic.py: broadcast 7 covers the chain (30 s margin), 6 falls short."""
    path = write(tmp_path, jis_loop(broadcast=20))
    found = find_size(path, "line.broadcast_cars", Target.parse("stoppage_min <= 0"), 0, 40, out=tmp_path / "size",
                 workers=1)
    assert found.answer == 7


def test_size_finds_the_largest_distance(tmp_path):
    """3 cards of 4 at takt 60: the card's replacement must be line-side within 2 x 240 + 60 = 540 s
    of its release; load 60 + unload 90 leave 390 s of driving, 6.5 km at 60 km/h."""
    path = write(tmp_path, kanban_loop(cards=3, pack=4, trucks=4, days=0.5))
    found = find_size(path, "suppliers.sup.distance_km", Target.parse("stoppage_min <= 0"), 0.5, 40, largest=True,
                 tolerance=0.05, out=tmp_path / "size", workers=1)
    assert 6.4 <= found.answer <= 6.5


def test_size_reports_no_answer_when_the_range_cannot_meet_it(tmp_path):
    path = write(tmp_path, kanban_loop(cards=2, pack=4, trucks=1))
    found = find_size(path, "suppliers.sup.parts.part.cards", Target.parse("stoppage_min <= 0"), 1, 2,
                 out=tmp_path / "size", workers=1)
    assert found.answer is None and len(found.evidence) == 1


@pytest.mark.parametrize("text", ["stoppage_min", "stoppage <= 0", "stoppage_min == 0", "by_part.x.colour <= 1",
                                  "by_part.stoppage_min <= 0"])
def test_bad_targets(text):
    with pytest.raises(TargetError):
        Target.parse(text)


def test_target_needs_the_whole_interval():
    t = Target.parse("stoppage_min <= 5")
    assert t.met(Stat(3.0, 1.5, 2)) and not t.met(Stat(3.0, 2.5, 2))
    assert Target.parse("supply_availability >= 0.99").met(Stat(0.995, 0.004, 3))


def test_dask_cluster_gives_the_same_numbers_as_local_processes(tmp_path):
    """A real dask.distributed LocalCluster with two worker processes, on 127.0.0.1 only."""
    from dask.distributed import LocalCluster

    vary = ["suppliers.seats.distance_km=1,6", "suppliers.seats.trucks=1,2"]
    local = run_sweep(GOLDEN, vary, FAST, out=tmp_path / "local", workers=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        on_dask = run_sweep(GOLDEN, vary, FAST, out=tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert on_dask.ran == 4
    assert rows_of(local.folder) == rows_of(on_dask.folder)


def test_an_unreachable_scheduler_is_a_planner_error(tmp_path):
    started = time.monotonic()
    with pytest.raises(SchedulerError, match="no Dask scheduler at tcp://127.0.0.1:1"):
        run_sweep(GOLDEN, ["suppliers.seats.trucks=1,2"], FAST, out=tmp_path / "s", scheduler="tcp://127.0.0.1:1",
                  connect_timeout_s=2)
    assert time.monotonic() - started < 2 + 3
    assert not (tmp_path / "s").exists()


def test_the_library_reads_no_environment_variable(tmp_path, monkeypatch):
    """Only the CLI reads SIM_DASK_SCHEDULER and SIM_DASK_CONNECT_TIMEOUT: a library sweep without
    a scheduler runs on local processes whatever they say, and a duration given as None is the
    default 10 s."""
    from sim.cluster import DEFAULT_TIMEOUT_S, connect_timeout
    monkeypatch.setenv("SIM_DASK_SCHEDULER", "tcp://127.0.0.1:1")
    monkeypatch.setenv("SIM_DASK_CONNECT_TIMEOUT", "soon")
    assert connect_timeout(None) == DEFAULT_TIMEOUT_S == 10
    assert connect_timeout("500ms") == 0.5 and connect_timeout("1min") == 60.0
    with pytest.raises(SchedulerError, match="SIM_DASK_CONNECT_TIMEOUT='soon'"):
        connect_timeout("soon")
    with pytest.raises(SchedulerError, match="--somewhere='0s'"):
        connect_timeout("0s", where="--somewhere")
    result = run_sweep(GOLDEN, ["suppliers.seats.trucks=1,2"], FAST, out=tmp_path / "s", workers=1)
    assert result.ran == 2


def test_expectation_passes_when_it_holds_and_fails_on_a_clear_reversal(tmp_path):
    args = ["sweep", str(GOLDEN), "--vary", "suppliers.seats.distance_km=1,8,20", "--set", "horizon.days=1.5",
            "--out", str(tmp_path / "s"), "--workers", "1"]
    ok = CliRunner().invoke(app, [*args, "--expect", "stoppage_min nondecreasing in suppliers.seats.distance_km"])
    assert ok.exit_code == 0, ok.output
    assert "expectation holds" in ok.output
    bad = CliRunner().invoke(app, [*args, "--expect", "stoppage_min nonincreasing in suppliers.seats.distance_km"])
    assert bad.exit_code == 1
    assert "expectation FAILED" in bad.output
    assert "stoppage_min goes up from suppliers.seats.distance_km = 1 to 8" in bad.output
    both = CliRunner().invoke(app, [*args, "--expect", "stoppage_min nondecreasing in suppliers.seats.distance_km",
                                    "--expect", "stoppage_min nonincreasing in suppliers.seats.distance_km"])
    assert both.exit_code == 1  # each expectation is reported on its own (a failing one used to fail them all)
    assert "expectation holds: stoppage_min nondecreasing" in both.stdout
    assert "expectation FAILED: stoppage_min nonincreasing" in both.stdout


def test_the_committed_ci_sweep_is_a_valid_sweep():
    path = Path(__file__).parents[1] / "scenarios" / "sweeps" / "seat-distance.yaml"
    axes = sweep_module.sweep_block(path)
    assert axes == {"suppliers.front-seats.distance_km": [0.8, 4, 12, 30], "suppliers.front-seats.trucks": [1, 2]}
    assert len(grid(path, axes)) == 8


def test_target_on_one_part(tmp_path):
    path = write(tmp_path, kanban_loop(cards=6, pack=4, trucks=4))
    found = find_size(path, "suppliers.sup.parts.part.cards", Target.parse("by_part.part.stoppage_min <= 0"), 1, 16,
                 out=tmp_path / "size", workers=1)
    assert found.answer == 3


# --- bad input: one line, exit 2, nothing written, before any point runs ------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def invoke(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, ANSI.sub("", result.stdout), ANSI.sub("", result.stderr)


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def no_point_runs(monkeypatch):
    """Fail the test if any point starts: bad input must be refused before."""
    def refuse(*_a, **_k):
        raise AssertionError("a point ran before the bad input was refused")
    monkeypatch.setattr(engine_module, "_run_point", refuse)
    monkeypatch.setattr(engine_module, "run", refuse)


@pytest.fixture
def kanban(tmp_path, monkeypatch) -> Path:
    """The micro kanban loop as a file in an otherwise empty working folder."""
    monkeypatch.chdir(tmp_path)
    return write(tmp_path, kanban_loop(cards=6, pack=4, trucks=4))


CARDS = "suppliers.sup.parts.part.cards"
BAD_INPUT = [
    (["size", "{s}", "--knob", CARDS, "--target", "stoppage_min <= 0", "--lo", "5", "--hi", "1"],
     "--lo 5 is above --hi 1"),
    (["size", "{s}", "--knob", "suppliers.sup.parts.part.card", "--target", "stoppage_min <= 0"],
     "no key 'card' under suppliers.sup.parts.part (did you mean cards?)"),
    (["size", "{s}", "--knob", "../../../../x", "--target", "stoppage_min <= 0", "--lo", "1", "--hi", "2"],
     "a key path is names joined by single dots"),
    (["size", "{s}", "--knob", "suppliers.sup/x.trucks", "--target", "stoppage_min <= 0"],
     "no item named 'sup/x' under suppliers (did you mean sup?)"),
    (["size", "{s}", "--knob", CARDS, "--target", "stopage_min <= 0"], "'stopage_min' is not a KPI (did you mean "
                                                                       "stoppage_min?)"),
    (["size", "{s}", "--knob", CARDS, "--target", "by_part.prt.stoppage_min <= 0"],
     "no part 'prt' in micro-kanban (did you mean part?)"),
    (["size", "{s}", "--knob", CARDS, "--target", "by_supplier.sop.stoppage_min <= 0"],
     "no supplier 'sop' in micro-kanban (did you mean sup?)"),
    (["size", "{s}", "--knob", CARDS, "--target", "by_part.part.jis_margin_min_p5 >= 0"],
     "jis_margin_min_p5 is not reported for part, a kanban part"),
    (["size", "{s}", "--knob", CARDS, "--target", "stoppage_min <= 0", "--lo", "0", "--hi", "4"],
     "--lo 0: suppliers.sup.parts.part.cards must be at least 1"),
    (["size", "{s}", "--knob", "suppliers.sup.parts.part.station", "--target", "stoppage_min <= 0", "--lo", "1",
      "--hi", "9"], "station 9 is beyond the line's 2 stations"),
    (["sweep", "{s}", "--vary", "suppliers.sup.trucks=1,2", "--expect", "stoppage_min rises with trucks"],
     "--expect must look like"),
    (["sweep", "{s}", "--vary", "suppliers.sup.trucks=1,2", "--expect", "stopage_min nonincreasing in "
      "suppliers.sup.trucks"], "'stopage_min' is not a KPI (did you mean stoppage_min?)"),
    (["sweep", "{s}", "--vary", "suppliers.sup.trucks=1,2", "--expect", "stoppage_min nonincreasing in "
      "suppliers.sup.truck"], "'suppliers.sup.truck' is not a varied key (did you mean suppliers.sup.trucks?)"),
    (["sweep", "{s}", "--vary", "suppliers.sup.trucks=1,2", "--out", "{file}/sweep"], "is a file"),
    (["size", "{s}", "--knob", CARDS, "--target", "stoppage_min <= 0", "--out", "{file}/size"], "is a file"),
    (["sweep", "{s}", "--vary", "suppliers.sup.trucks=1,2", "--out", "{file}"], "is a file, not a folder"),
    (["sweep", "{s}", "--vary", "suppliers.sup.trucks=1,2", "--scheduler", "127.0.0.1:8786"],
     "is not a Dask scheduler address (--scheduler or SIM_DASK_SCHEDULER): give one as tcp://host:port"),
    (["size", "{s}", "--knob", CARDS, "--target", "stoppage_min <= 0", "--scheduler", "tcp://127.0.0.1"],
     "is not a Dask scheduler address (--scheduler or SIM_DASK_SCHEDULER): give one as tcp://host:port"),
]


@pytest.mark.parametrize("args, words", BAD_INPUT, ids=[" ".join(a[2:4]) + " " + w[:20] for a, w in BAD_INPUT])
def test_bad_input_is_one_line_before_anything_runs_or_is_written(kanban, no_point_runs, args, words):
    (kanban.parent / "a-file").write_text("not a folder")
    before = tree(kanban.parent)
    code, _, stderr = invoke(*[a.format(s=kanban, file=kanban.parent / "a-file") for a in args])
    assert code == 2
    assert words in one_error_line(stderr)
    assert tree(kanban.parent) == before


def test_an_unwritable_out_folder_is_refused(kanban, no_point_runs, monkeypatch):
    """Mode 555, and for root, whom modes do not stop, mkdir refused there as on a read-only mount."""
    ro = kanban.parent / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    real = os.mkdir

    def mkdir(path, *args, **kwargs):
        if Path(path).absolute().is_relative_to(ro):
            raise PermissionError(errno.EROFS, "Read-only file system", str(path))
        return real(path, *args, **kwargs)
    monkeypatch.setattr(os, "mkdir", mkdir)
    for args in (["sweep", kanban, "--vary", "suppliers.sup.trucks=1,2"],
                 ["size", kanban, "--knob", CARDS, "--target", "stoppage_min <= 0"]):
        for out in (ro / "x", ro):
            code, _, stderr = invoke(*args, "--out", out)
            line = one_error_line(stderr)
            assert code == 2 and f"cannot create {out}" in line and "not writable" in line, line
    monkeypatch.undo()
    ro.chmod(0o755)
    assert tree(ro) == []


def test_sizing_folder_names_stay_under_the_results_folder(tmp_path):
    assert slug("../../../../x") == ".._.._.._.._x" and "/" not in slug("a/b\\c") and slug("..") == "_"
    path = write(tmp_path, kanban_loop(cards=3, pack=4, trucks=4))
    found = find_size(path, CARDS, Target.parse("stoppage_min <= 0"), 3, 3, root=tmp_path / "results", workers=1)
    assert found.folder.resolve().parent == (tmp_path / "results" / "micro-kanban").resolve()
    assert found.folder.name.startswith("size-") and found.folder.name.endswith("-" + CARDS)


# --- sizing without bounds ---------------------------------------------------------------------------

def test_size_brackets_from_the_scenario_value(tmp_path):
    """Cards start at the scenario's 6. tests/test_analytic.py derives that 3 cards never stop the
    line and 2 do, so: 6 meets, halve to 3 (meets), to 1 (misses), bisect at 2 (misses): 3."""
    path = write(tmp_path, kanban_loop(cards=6, pack=4, trucks=4))
    found = find_size(path, CARDS, Target.parse("stoppage_min <= 0"), out=tmp_path / "size", workers=1)
    assert found.answer == 3
    assert [e["value"] for e in found.evidence] == [6, 3, 1, 2]
    assert [e["met"] for e in found.evidence] == [True, True, False, False]


def test_size_brackets_the_largest_distance(tmp_path):
    """From the scenario's 5 km (met) it doubles to 10 km (missed) and bisects 5..10 to 5/64 km;
    the limit derived above is 6.5 km."""
    path = write(tmp_path, kanban_loop(cards=3, pack=4, trucks=4, days=0.5))
    found = find_size(path, "suppliers.sup.distance_km", Target.parse("stoppage_min <= 0"), largest=True,
                 out=tmp_path / "size", workers=1)
    assert [e["value"] for e in found.evidence][:3] == [5.0, 10.0, 7.5]
    assert 6.5 - 5 / 64 <= found.answer <= 6.5
    assert not any(e["met"] for e in found.evidence if e["value"] > found.answer)


def test_size_cli_without_bounds_prints_the_answer(kanban):
    code, stdout, stderr = invoke("size", kanban, "--knob", CARDS, "--target", "stoppage_min <= 0", "--workers", "1")
    assert code == 0, stderr
    assert "smallest suppliers.sup.parts.part.cards meeting stoppage_min <= 0 with 95 % confidence: 3 (4 points run)" \
        in " ".join(stdout.split())
    assert [line.split("=")[1].split(":")[0].strip() for line in stderr.splitlines()] == ["6", "3", "1", "2"]


# --- Dask: whatever listens on the port, one line within the timeout, no folder --------------------------

@pytest.fixture
def garbage_server():
    """A plain TCP service on 127.0.0.1 that greets every connection with text and bytes that are
    not Dask's protocol (read as a frame length they ask for exabytes)."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n" + bytes(range(256)))
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


@pytest.fixture
def http_server():
    """A tiny HTTP server on 127.0.0.1: it waits for a request, so it never sends a Dask handshake."""
    from http.server import HTTPServer, SimpleHTTPRequestHandler
    server = HTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("service, why", [("garbage_server", "does not speak the Dask protocol"),
                                          ("http_server", "sent no Dask handshake within 2 s")])
@pytest.mark.parametrize("command", ["sweep", "size"])
def test_a_port_without_a_dask_scheduler_is_one_line_within_the_timeout(request, kanban, no_point_runs,
                                                                       monkeypatch, service, why, command):
    port = request.getfixturevalue(service)
    monkeypatch.setenv("SIM_DASK_CONNECT_TIMEOUT", "2s")
    args = (["--vary", "suppliers.sup.trucks=1,2"] if command == "sweep" else
            ["--knob", CARDS, "--target", "stoppage_min <= 0"])
    before = tree(kanban.parent)
    started = time.monotonic()
    code, _, stderr = invoke(command, kanban, *args, "--scheduler", f"tcp://127.0.0.1:{port}")
    assert time.monotonic() - started < 2 + 3  # the timeout, plus start-up; it used to hang or exhaust memory
    assert code == 2
    line = one_error_line(stderr)
    assert line.startswith(f"error: no Dask scheduler at tcp://127.0.0.1:{port} (") and why in line
    assert tree(kanban.parent) == before  # no sweep-<id>/ folder left behind


def test_a_closed_port_and_a_bad_timeout_are_one_line(kanban, no_point_runs, monkeypatch):
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]  # closed again below: nothing listens there
    monkeypatch.setenv("SIM_DASK_CONNECT_TIMEOUT", "500ms")
    code, _, stderr = invoke("sweep", kanban, "--vary", "suppliers.sup.trucks=1,2", "--scheduler",
                             f"tcp://127.0.0.1:{port}")
    assert code == 2 and f"no Dask scheduler at tcp://127.0.0.1:{port} (" in one_error_line(stderr)
    monkeypatch.setenv("SIM_DASK_SCHEDULER", "127.0.0.1:8786")  # the default address is checked as well
    code, _, stderr = invoke("sweep", kanban, "--vary", "suppliers.sup.trucks=1,2")
    assert code == 2 and "'127.0.0.1:8786' is not a Dask scheduler address" in one_error_line(stderr)
    monkeypatch.setenv("SIM_DASK_CONNECT_TIMEOUT", "soon")
    code, _, stderr = invoke("sweep", kanban, "--vary", "suppliers.sup.trucks=1,2", "--scheduler",
                             f"tcp://127.0.0.1:{port}")
    assert code == 2 and "SIM_DASK_CONNECT_TIMEOUT='soon'" in one_error_line(stderr)
    assert tree(kanban.parent) == ["micro-kanban.yaml"]


def test_a_service_that_starts_listening_late_is_still_probed():
    """A refused connection is tried again within the timeout (a scheduler started in the same
    shell line may not listen yet): here a non-Dask service comes up after 0.5 s."""
    from sim.cluster import check_scheduler
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    servers = []

    def late():
        time.sleep(0.5)
        servers.append(socket.create_server(("127.0.0.1", port)))
        conn, _ = servers[0].accept()
        with conn:
            conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")
    thread = threading.Thread(target=late, daemon=True)
    thread.start()
    with pytest.raises(SchedulerError, match="does not speak the Dask protocol"):
        check_scheduler(f"tcp://127.0.0.1:{port}", timeout=5)
    thread.join()
    servers[0].close()


# --- two sweeps on one folder --------------------------------------------------------------------------

def sim_process(*args, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_second_sweep_on_a_folder_in_use_is_refused_and_the_first_finishes(tmp_path):
    """Two processes on one sweep folder used to race for the same point folders and one crashed
    with a traceback. The second now refuses at once; the first finishes; a third resumes it. The
    first runs 30 days a point (about a second each), so it still holds the folder when the second
    has started (a sweep point of 6 days, without event tables, took a fifth of a second: the first
    could finish before the second looked)."""
    args = ["sweep", GOLDEN, "--vary", "suppliers.seats.distance_km=1:5:1", "--days", "30", "--replications", "2",
            "--workers", "1", "--out", tmp_path / "s"]
    first = sim_process(*args, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while not (tmp_path / "s" / "sweep.json").is_file():  # the first holds the folder from here on
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.05)
    second = sim_process(*args, cwd=tmp_path)
    out2, err2 = second.communicate(timeout=120)
    out1, err1 = first.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert second.returncode == 2, (out2, err2)
    assert "is in use by another sim sweep or sim size" in one_error_line(err2)
    assert "5 points (5 run now)" in out1
    third = sim_process(*args, cwd=tmp_path)
    out3, err3 = third.communicate(timeout=120)
    assert third.returncode == 0 and "5 points (0 run now)" in out3, err3


# --- Ctrl-C: say what was kept -----------------------------------------------------------------------

def interrupt_at(monkeypatch, call: int):
    real, calls = engine_module._run_point, {"n": 0}

    def flaky(scenario, *args):
        calls["n"] += 1
        if calls["n"] == call:
            raise KeyboardInterrupt  # Ctrl-C while this point runs
        return real(scenario, *args)
    monkeypatch.setattr(engine_module, "_run_point", flaky)


def test_ctrl_c_of_a_sweep_says_what_was_kept(kanban, monkeypatch):
    interrupt_at(monkeypatch, 3)
    args = ["sweep", kanban, "--vary", "suppliers.sup.trucks=1,2,3", "--vary", "suppliers.sup.distance_km=2,4",
            "--workers", "1", "--out", kanban.parent / "s"]
    code, _, stderr = invoke(*args)
    assert code == 130
    assert stderr.strip() == (f"interrupted: 2 of 6 points kept in {kanban.parent / 's'}; run the same command "
                              "again to resume")
    assert complete_points(kanban.parent / "s") == 2
    monkeypatch.undo()
    monkeypatch.chdir(kanban.parent)
    code, stdout, _ = invoke(*args)
    assert code == 0 and "6 points (4 run now)" in stdout


def test_ctrl_c_before_any_point_finished_leaves_nothing(kanban, monkeypatch):
    interrupt_at(monkeypatch, 1)
    code, _, stderr = invoke("sweep", kanban, "--vary", "suppliers.sup.trucks=1,2", "--workers", "1")
    assert code == 130 and stderr.strip() == "interrupted: nothing was written"
    assert tree(kanban.parent) == ["micro-kanban.yaml"]  # not even results/micro-kanban/sweep-<id>/


def test_ctrl_c_of_a_sizing_says_what_was_kept(kanban, monkeypatch):
    real, calls = engine_module.run, {"n": 0}

    def flaky(scenario, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(scenario, **kw)
    monkeypatch.setattr(engine_module, "run", flaky)
    code, _, stderr = invoke("size", kanban, "--knob", CARDS, "--target", "stoppage_min <= 0", "--out",
                             kanban.parent / "z")
    assert code == 130
    assert stderr.strip().endswith(f"interrupted: 2 points kept in {kanban.parent / 'z'}; run the same command "
                                   "again to reuse them")


# --- the README's and the help's examples run as written on the shipped scenarios --------------------

ROOT = Path(__file__).parents[1]


class ReachedFirstPoint(Exception):
    """Everything the command was given passed its checks: it is about to run its first point."""


def readme_commands(command: str) -> list[list[str]]:
    """Every ``sim COMMAND ...`` line of the README's bash blocks, as arguments (continuations
    joined, comments dropped)."""
    found = []
    for block in re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words[:2] == ["sim", command]:
                found.append(words[1:])
    return found


@pytest.mark.parametrize("args", readme_commands("sweep") + readme_commands("size"), ids=lambda a: " ".join(a)[:70])
def test_readme_examples_pass_every_check(args, tmp_path, monkeypatch):
    """Each README example for sweep and size gets as far as running its first point (the figures
    it quotes were measured with exactly these commands). The Dask example is checked against a
    scheduler of its own elsewhere; here it runs without."""
    def reached(*a, **k):
        raise ReachedFirstPoint
    monkeypatch.setattr(engine_module.Engine, "results", reached)
    monkeypatch.chdir(ROOT)
    if "--scheduler" in args:
        at = args.index("--scheduler")
        args = args[:at] + args[at + 2:]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert isinstance(result.exception, ReachedFirstPoint), result.stderr
    assert readme_commands("sweep") and readme_commands("size")


def test_help_examples_name_keys_of_the_shipped_scenarios():
    sc = load_scenario(ROOT / "scenarios" / "nanshan.yaml")
    help_text = " ".join(CliRunner().invoke(app, [cmd, "--help"], env={"COLUMNS": "400"}).stdout
                         for cmd in ("run", "validate", "sweep", "size", "compare"))
    paths = set(re.findall(r"\bsuppliers\.[A-Za-z0-9_.-]*[A-Za-z0-9_]", help_text))
    assert paths  # the help does give examples
    for path in paths:
        Knob.of(sc, path)  # raises, naming the wrong step, if the example names a key nanshan lacks
    for target in re.findall(r"'((?:by_part|by_supplier)\.[^']*)'", help_text):
        Target.parse(target).check(sc)


def test_no_example_points_at_a_real_looking_network_address():
    """Examples use 127.0.0.1, or HOST-style placeholders that cannot resolve."""
    files = [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("sim/**/*.py"), *ROOT.glob("tests/*.py"),
             *ROOT.glob("scenarios/**/*.yaml"), *ROOT.glob(".ci/*"), ROOT / "pyproject.toml"]
    ip = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.])")
    url = re.compile(r"\btcp://([A-Za-z0-9.-]+)")
    for path in files:
        text = path.read_text(encoding="utf-8")
        for address in ip.findall(text) + url.findall(text):
            assert address.startswith("127.") or address.isupper() or address.lower() == "host", (path, address)
