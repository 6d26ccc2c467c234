"""The ``sim`` command line: exit codes, one-line planner errors, and the run folder it writes.

Most calls go through ``typer.testing.CliRunner``; a few run the installed ``sim`` console script in
a subprocess so that the exit status, stderr and the working directory are the real ones. Every run
is tiny (two suppliers, 1 day, 1-2 replications).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import micro
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario import load_scenario
from sim.results import scenario_hash

RUN_FILES = {"summary.json", "manifest.json", "scenario.yaml", "stoppages.csv", "deliveries.csv", "stock.csv",
             "breakdowns.csv", "shifts.csv", "downtime.csv"}
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
    assert out.strip() == f"{good}: valid: 2 suppliers, 2 parts (1 JIS), 1 replications × 2 days"


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
    assert proc.stdout.strip() == "good.yaml: valid: 2 suppliers, 2 parts (1 JIS), 1 replications × 2 days"


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
    assert "tiny: 2 replications × 1 days" in out
    assert re.search(r"cars_planned\s*│\s*1,080\.0\s*│\s*0\.0", out)  # 0.75 d x 1,440 cars/d, same in both
    assert out.strip().splitlines()[-1] == f"results: {run1['out']}"
    assert "Traceback" not in run1["stderr"]


def test_run_folder_holds_every_file(run1):
    assert {p.name for p in run1["out"].iterdir()} == RUN_FILES  # --no-plots: no plots/
    assert not list(run1["out"].parent.glob(".tmp-*"))


def test_manifest_describes_the_run(run1):
    manifest = json.loads((run1["out"] / "manifest.json").read_text())
    resolved = load_scenario(run1["out"] / "scenario.yaml")
    assert manifest["scenario"] == "tiny"
    assert manifest["scenario_hash"] == scenario_hash(resolved)
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["scenario_hash"])
    assert manifest["seed"] == 7 and manifest["replications"] == 2
    assert manifest["horizon_days"] == 1.0 and manifest["warmup_days"] == 0.25
    for package in ("simpy", "numpy", "pydantic", "pyyaml", "typer", "python"):
        assert manifest["packages"][package] not in ("", None, "not installed")


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


def test_event_tables_are_csv_with_headers(run1):
    def rows(name):
        with (run1["out"] / name).open(newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    deliveries = rows("deliveries.csv")
    assert deliveries, "a day of supply has deliveries"
    assert {r["replication"] for r in deliveries} == {"0", "1"}
    assert {r["supplier"] for r in deliveries} == {"seats", "bolts"}
    # --set suppliers.bolts.distance_km=4 drives 8 km per round trip, seats stay at 1 km each way
    assert {float(r["km"]) for r in deliveries if r["supplier"] == "bolts"} == {8.0}
    assert {float(r["km"]) for r in deliveries if r["supplier"] == "seats"} == {2.0}
    for name, column in (("stoppages.csv", "minutes"), ("stock.csv", "before"), ("breakdowns.csv", "repair_min")):
        with (run1["out"] / name).open(encoding="utf-8") as f:
            assert column in f.readline().strip().split(",")


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
    assert all(p.stat().st_size > 0 for p in (out / "plots").iterdir())
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


# --- known CLI bugs (see the report): user text goes through rich markup --------------------------------


def test_error_line_keeps_square_brackets(good):
    code, _, err = invoke("validate", good, "--set", "suppliers[seats].trucks=3")
    assert code == 2
    assert_one_error_line(err, "suppliers[seats]", "unknown key")


def test_closing_tag_in_a_set_path_is_not_a_traceback(tmp_path, good):
    proc = sim_process("validate", good.name, "--set", "x[/b]=1", cwd=tmp_path)
    assert proc.returncode == 2
    assert_one_error_line(proc.stderr, "x[/b]")


def test_out_below_a_file_is_a_planner_error(tmp_path, good):
    (tmp_path / "afile").write_text("")
    code, _, err = invoke("run", good, "--days", "1", "--out", tmp_path / "afile" / "run", "--no-plots",
                          "--workers", "1")
    assert code == 2
