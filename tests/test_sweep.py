"""Sweeps and sizing: grid and range syntax, common random numbers, resume, engines, and sizing
answers known by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from micro import jis_loop, kanban_loop

import sim.sweep as sweep_module
from sim.size import Target, size
from sim.sweep import SweepError, grid, parse_values, parse_vary, run_sweep

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
    result = run_sweep(GOLDEN, ["suppliers.seats.bearing_deg=10,200"], FAST, out=tmp_path / "s", workers=1, plots=False)
    a, b = result.points
    assert a.key != b.key
    by_point = {}
    for row in result.rows:
        by_point.setdefault(row["point"], {})[row["kpi"]] = (row["mean"], row["ci95"])
    assert by_point[a.key] == by_point[b.key]


def test_a_sweep_resumes_after_an_interruption(tmp_path, monkeypatch):
    vary = ["suppliers.seats.distance_km=1,4,8", "suppliers.seats.trucks=1,2"]
    whole = run_sweep(GOLDEN, vary, FAST, out=tmp_path / "whole", workers=1, plots=False)
    calls = {"n": 0}
    real = sweep_module._run_point

    def flaky(scenario):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # Ctrl-C while the third point runs
        return real(scenario)

    monkeypatch.setattr(sweep_module, "_run_point", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(GOLDEN, vary, FAST, out=tmp_path / "cut", workers=1, plots=False)
    points = tmp_path / "cut" / "points"
    assert len([p for p in points.iterdir() if (p / "manifest.json").is_file()]) == 2
    assert not [p for p in points.iterdir() if not (p / "manifest.json").is_file()]  # nothing half-written
    monkeypatch.setattr(sweep_module, "_run_point", real)
    resumed = run_sweep(GOLDEN, vary, FAST, out=tmp_path / "cut", workers=1, plots=False)
    assert resumed.ran == 4
    strip = lambda rows: [{k: v for k, v in r.items() if k != "folder"} for r in rows]  # noqa: E731
    assert strip(resumed.rows) == strip(whole.rows)
    again = run_sweep(GOLDEN, vary, FAST, out=tmp_path / "cut", workers=1, plots=False)
    assert again.ran == 0


def test_a_folder_holding_another_sweep_is_refused(tmp_path):
    run_sweep(GOLDEN, ["suppliers.seats.trucks=1,2"], FAST, out=tmp_path / "s", workers=1, plots=False)
    with pytest.raises(SweepError, match="different sweep"):
        run_sweep(GOLDEN, ["suppliers.seats.trucks=1,3"], FAST, out=tmp_path / "s", workers=1, plots=False)


def test_one_worker_and_two_workers_give_identical_numbers(tmp_path):
    vary = ["suppliers.seats.distance_km=1,6", "suppliers.trim.trucks=1,2"]
    one = run_sweep(GOLDEN, vary, FAST, out=tmp_path / "one", workers=1)
    two = run_sweep(GOLDEN, vary, FAST, out=tmp_path / "two", workers=2)
    assert rows_of(one.folder) == rows_of(two.folder)
    assert (two.folder / "plots" / "heatmap_stoppage_min.png").is_file()


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
    assert (tmp_path / "size" / "size.json").is_file() and (tmp_path / "size" / "plots" / "size.png").is_file()


def test_size_finds_the_jis_call_off_limit(tmp_path):
    """tests/test_analytic.py: broadcast 7 covers the chain (30 s margin), 6 falls short."""
    path = write(tmp_path, jis_loop(broadcast=20))
    found = size(path, "line.broadcast_cars", Target.parse("stoppage_min <= 0"), 0, 40, out=tmp_path / "size",
                 workers=1)
    assert found.answer == 7


def test_size_finds_the_largest_distance(tmp_path):
    """3 cards of 4 at takt 60: the card's replacement must be line-side within 2 x 240 + 60 = 540 s
    of its release; load 60 + unload 90 leave 390 s of driving, 6.5 km at 60 km/h."""
    path = write(tmp_path, kanban_loop(cards=3, pack=4, trucks=4, days=0.5))
    found = size(path, "suppliers.sup.distance_km", Target.parse("stoppage_min <= 0"), 0.5, 40, largest=True,
                 tolerance=0.05, out=tmp_path / "size", workers=1)
    assert 6.4 <= found.answer <= 6.5


def test_size_reports_no_answer_when_the_range_cannot_meet_it(tmp_path):
    path = write(tmp_path, kanban_loop(cards=2, pack=4, trucks=1))
    found = size(path, "suppliers.sup.parts.part.cards", Target.parse("stoppage_min <= 0"), 1, 2,
                 out=tmp_path / "size", workers=1)
    assert found.answer is None and len(found.evidence) == 1


@pytest.mark.parametrize("text", ["stoppage_min", "stoppage <= 0", "stoppage_min == 0", "by_part.x.colour <= 1",
                                  "by_part.stoppage_min <= 0"])
def test_bad_targets(text):
    with pytest.raises(SweepError):
        Target.parse(text)


def test_target_needs_the_whole_interval():
    t = Target.parse("stoppage_min <= 5")
    assert t.met({"mean": 3.0, "ci95": 1.5}) and not t.met({"mean": 3.0, "ci95": 2.5})
    assert Target.parse("supply_availability >= 0.99").met({"mean": 0.995, "ci95": 0.004})


def test_dask_cluster_gives_the_same_numbers_as_local_processes(tmp_path):
    """A real dask.distributed LocalCluster with two worker processes."""
    from dask.distributed import LocalCluster

    vary = ["suppliers.seats.distance_km=1,6", "suppliers.seats.trucks=1,2"]
    local = run_sweep(GOLDEN, vary, FAST, out=tmp_path / "local", workers=2, plots=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = run_sweep(GOLDEN, vary, FAST, out=tmp_path / "dask", scheduler=cluster.scheduler_address,
                            plots=False)
    assert on_dask.ran == 4
    assert rows_of(local.folder) == rows_of(on_dask.folder)


def test_an_unreachable_scheduler_is_a_planner_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_DASK_CONNECT_TIMEOUT", "2s")
    with pytest.raises(SweepError, match="cannot reach the Dask scheduler"):
        run_sweep(GOLDEN, ["suppliers.seats.trucks=1,2"], FAST, out=tmp_path / "s", scheduler="tcp://127.0.0.1:1")


def test_expectation_passes_when_it_holds_and_fails_on_a_clear_reversal(tmp_path):
    from typer.testing import CliRunner

    from sim.cli import app
    args = ["sweep", str(GOLDEN), "--vary", "suppliers.seats.distance_km=1,8,20", "--set", "horizon.days=1.5",
            "--out", str(tmp_path / "s"), "--workers", "1"]
    ok = CliRunner().invoke(app, [*args, "--expect", "stoppage_min nondecreasing in suppliers.seats.distance_km"])
    assert ok.exit_code == 0, ok.output
    assert "expectation holds" in ok.output
    bad = CliRunner().invoke(app, [*args, "--expect", "stoppage_min nonincreasing in suppliers.seats.distance_km"])
    assert bad.exit_code == 1
    assert "expectation FAILED" in bad.output
    assert "stoppage_min goes up from suppliers.seats.distance_km = 1 to 8" in bad.output


def test_the_committed_ci_sweep_is_a_valid_sweep():
    path = Path(__file__).parents[1] / "scenarios" / "sweeps" / "seat-distance.yaml"
    axes = sweep_module.sweep_block(path)
    assert axes == {"suppliers.front-seats.distance_km": [0.8, 4, 12, 30], "suppliers.front-seats.trucks": [1, 2]}
    assert len(grid(path, axes)) == 8


def test_target_on_one_part(tmp_path):
    path = write(tmp_path, kanban_loop(cards=6, pack=4, trucks=4))
    found = size(path, "suppliers.sup.parts.part.cards", Target.parse("by_part.part.stoppage_min <= 0"), 1, 16,
                 out=tmp_path / "size", workers=1)
    assert found.answer == 3
