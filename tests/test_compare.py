"""Comparisons, plots and reports, checked on content: hand-computed intervals, bars that match
the tables, reports that hold every figure."""

from __future__ import annotations

import base64
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from micro import build, kanban_loop
from typer.testing import CliRunner

from sim.app import redraw, save_run
from sim.cli import app
from sim.compare import difference, paired, sentence, supplier_stoppage
from sim.kpis import mean_and_ci
from sim.plots import PLOTS
from sim.plots.network import busy_docks
from sim.plots.supply import stoppage_bars, timeline
from sim.results import ReplicationMetrics, Row, RunSummary, Stat
from sim.runner import run
from sim.scenario import load_scenario
from sim.store import RunRecord, StoredTables, write_run

GOLDEN = Path(__file__).parent / "data" / "golden.yaml"


def fake_run(stoppage: list[float], seed: int = 1, days: float = 1.0) -> RunRecord:
    """A RunRecord with the given stoppage minutes per replication and nothing else of interest."""
    scenario = build(kanban_loop(days=days))
    per_rep = tuple(ReplicationMetrics(r, {"stoppage_min": x}, {}, {"sup": Row({}, {"stoppage_min": x})}, {})
                    for r, x in enumerate(stoppage))
    h = scenario.horizon
    summary = RunSummary(scenario.name, len(stoppage), seed, (h.warmup_days, h.days),
                         {"stoppage_min": Stat.of(stoppage)}, {}, {}, {}, per_rep)
    manifest = {"seed": seed, "replications": len(stoppage)}
    return RunRecord(Path("/nonexistent"), scenario, summary, manifest, StoredTables(Path("/nonexistent")))


def test_paired_difference_matches_a_hand_computation():
    """Differences 3, 2, 6: mean 11/3, sd sqrt(13/3) = 2.0817, t(2) = 4.3027 (for 2 degrees of
    freedom t_0.975 = sqrt(2) x (0.95 / sqrt(1 - 0.95^2)) = 4.30265 exactly), half-width
    4.30265 x 2.0817 / sqrt(3) = 5.1711."""
    a, b = fake_run([10, 12, 14]), fake_run([13, 14, 20])
    assert paired(a, b)
    d = difference(a, b, "stoppage_min")
    assert d.paired and d.n == 3 and d.figure == "stoppage_min"
    assert d.mean == pytest.approx(11 / 3)
    t2 = 0.95 * math.sqrt(2) / math.sqrt(1 - 0.95**2)
    assert d.ci95 == pytest.approx(t2 * math.sqrt(13 / 3) / math.sqrt(3), abs=1e-9)
    assert d.ci95 == pytest.approx(5.1711, abs=1e-4)
    # a supplier's figure by its path: the same minutes, the same difference
    by_supplier = difference(a, b, supplier_stoppage("sup"))
    assert (by_supplier.mean, by_supplier.ci95) == (d.mean, d.ci95)


def test_unpaired_difference_uses_welch():
    """Seeds differ: variances 4 and 43/3, se^2 = 4/3 + 43/9 = 55/9 = 6.1111; Welch df =
    (55/9)^2 / ((4/3)^2/2 + (43/9)^2/2) = 6050/1993 = 3.0356 (not rounded down to 3);
    t_0.975(3.0356) = 3.1614 (between t(4) = 2.7764 and t(3) = 3.1824; its density is checked in
    test_stats.py); half-width 3.1614 x 2.4721 = 7.8152 (the old table's t(3) = 3.182 gave 7.866)."""
    a, b = fake_run([10, 12, 14], seed=1), fake_run([13, 14, 20], seed=2)
    assert not paired(a, b)
    d = difference(a, b, "stoppage_min")
    assert not d.paired
    assert d.mean == pytest.approx(11 / 3)
    assert d.ci95 == pytest.approx(7.8152, abs=1e-4)
    assert "independent runs" in sentence(a, b)


def test_per_day_divides_by_the_measured_window():
    a, b = fake_run([10, 12, 14], days=2.0), fake_run([13, 14, 20], days=2.0)
    assert a.summary.days == 2.0
    d = difference(a, b, "stoppage_min", per_day=True)
    assert d.mean == pytest.approx(11 / 6)
    assert sentence(a, b).startswith("micro-kanban stops 1.8 ± 2.6 min/day more than micro-kanban (paired over 3")


def test_busy_docks_by_hand():
    """Unloading 0-10 and 5-15 in bins of 10: 15 busy dock-units in bin 0 (1.5 on average, 2 at
    peak), 5 in bin 1 (0.5, peak 1)."""
    busy, peak = busy_docks(np.array([0.0, 5.0]), np.array([10.0, 15.0]), np.array([0.0, 10.0, 20.0]))
    assert busy.tolist() == [1.5, 0.5]
    assert peak.tolist() == [2.0, 1.0]
    # a dock freed and taken at the same instant is one dock, not two
    _, peak = busy_docks(np.array([0.0, 10.0]), np.array([10.0, 20.0]), np.array([0.0, 20.0]))
    assert peak.tolist() == [1.0]


@pytest.fixture(scope="module")
def golden_run(tmp_path_factory) -> RunRecord:
    result = run(load_scenario(GOLDEN), workers=1)
    folder = save_run(result, out=tmp_path_factory.mktemp("runs") / "golden")
    return RunRecord.open(folder)


def test_timeline_has_one_bar_per_recorded_stoppage(golden_run):
    fig = timeline(golden_run)
    stops = golden_run.columns("stoppages", 0)
    bars = {c.get_gid(): len(c.get_paths()) for c in fig.axes[0].collections if (c.get_gid() or "").startswith("stoppages:")}
    assert sum(bars.values()) == len(stops["start_s"]) > 0
    for name, count in bars.items():
        assert count == (stops["supplier"] == name.split(":", 1)[1]).sum()


def test_stoppage_bars_show_the_summary_means(golden_run):
    fig = stoppage_bars(golden_run)
    left = fig.axes[0]
    shown = {t.get_text(): p.get_width() for t, p in zip(left.get_yticklabels(), left.patches)}
    assert len(shown) == sum(1 for r in golden_run.summary.by_supplier.values() if r["stoppage_min"].mean > 0)
    for name, width in shown.items():
        assert width == pytest.approx(golden_run.summary.by_supplier[name]["stoppage_min"].mean)


def test_shift_table_adds_up_to_the_kpis(golden_run):
    shifts = golden_run.columns("shifts")
    assert sorted(set(shifts["replication"].tolist())) == [0, 1, 2]
    for r, rep in enumerate(golden_run.summary.per_replication):
        mine = shifts["replication"] == r
        assert shifts["built"][mine].sum() == rep.kpis["cars_built"]
        assert shifts["planned"][mine].sum() == pytest.approx(rep.kpis["cars_planned"], abs=0.05)


def test_report_holds_every_figure_and_needs_no_network(golden_run):
    page = (golden_run.folder / "report.html").read_text()
    figures = re.findall(r'<figure data-figure="([^"]+)"><img alt="[^"]*" src="data:image/png;base64,', page)
    assert figures == list(PLOTS)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert golden_run.manifest["scenario_hash"] in page
    assert 'data-report="run"' in page
    cars = golden_run.summary.kpis["cars_built"]
    # the KPI table's row of cars built: its name and unit, then its mean as the terminal prints it
    assert re.search(r"cars_built \[cars\]</td>\s*<td[^>]*>" + re.escape(mean_and_ci(cars.mean, cars.ci95)[0]), page)


def test_sim_plot_redraws_without_rerunning(golden_run, tmp_path):
    folder = tmp_path / "copy"
    import shutil
    shutil.copytree(golden_run.folder, folder)
    drawn = {}
    for png in (folder / "plots").glob("*.png"):
        drawn[png.name] = png.read_bytes()
        png.unlink()
    (folder / "report.html").unlink()
    paths = redraw(folder)
    assert sorted(p.name for p in (folder / "plots").iterdir()) == sorted(
        f"{n}.{ext}" for n in PLOTS for ext in ("png", "svg"))
    assert len(paths) == 2 * len(PLOTS) + 1
    # the tables alone draw the very figures the run drew, and the new report shows them
    page = (folder / "report.html").read_text()
    assert len(drawn) == len(PLOTS)
    differ = sorted(name for name, png in drawn.items() if (folder / "plots" / name).read_bytes() != png)
    assert not differ, f"redrawn from the folder, these differ from the figures the run drew: {differ}"
    for name in drawn:
        png = (folder / "plots" / name).read_bytes()
        assert base64.b64encode(png).decode("ascii") in page, name
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_sim_plot_on_an_incomplete_folder_is_a_planner_error(tmp_path):
    (tmp_path / "half").mkdir()
    result = CliRunner().invoke(app, ["plot", str(tmp_path / "half")])
    assert result.exit_code == 2 and "not a complete sim run folder" in result.output


def test_compare_of_two_real_runs(tmp_path):
    base = run(load_scenario(GOLDEN), workers=1)
    slower = run(load_scenario(GOLDEN, ["suppliers.seats.distance_km=9"]), workers=1)
    a, b = write_run(base, out=tmp_path / "a"), write_run(slower, out=tmp_path / "b")
    cli = CliRunner().invoke(app, ["compare", str(a), str(b), "--out", str(tmp_path / "cmp")])
    assert cli.exit_code == 0, cli.output
    doc = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    entry = doc["differences"][0]
    assert entry["paired"] is True
    # the paired difference is the mean of the replication-by-replication differences
    per_rep = [y.kpis["stoppage_min"] - x.kpis["stoppage_min"]
               for x, y in zip(base.per_replication, slower.per_replication)]
    assert entry["kpis"]["stoppage_min"]["mean"] == pytest.approx(np.mean(per_rep))
    assert entry["suppliers"][0]["supplier"] == "seats"  # the supplier that moved changes most
    page = (tmp_path / "cmp" / "compare.html").read_text()
    assert 'data-report="compare"' in page and page.count("<figure data-figure=") == 4
    assert entry["sentence"].split(" stops ")[0] == "golden" and "paired over 3" in entry["sentence"]
    assert "paired over 3 common-seed replications" in cli.output


def test_compare_needs_two_runs_and_complete_folders(tmp_path):
    result = CliRunner().invoke(app, ["compare", str(tmp_path)])
    assert result.exit_code == 2 and "at least two" in result.output


def test_stock_curve_is_flat_when_the_line_does_not_work():
    """Deliveries at 0 h (to 100) and 10 h (from 40); the line works 0-4 h and 6-10 h: the stock
    falls 60 units over 8 working hours, 30 in each stretch, and stays at 70 from 4 h to 6 h."""
    from sim.calendar import WorkTime
    from sim.plots.supply import sawtooth
    h = 3600.0
    wt = WorkTime([(0.0, 4 * h), (6 * h, 10 * h)])
    xs, ys = sawtooth(np.array([0.0, 10 * h]), np.array([90.0, 40.0]), np.array([100.0, 80.0]), wt)
    points = list(zip((xs / h).tolist(), ys.tolist()))
    assert points == [(0.0, 90.0), (0.0, 100.0), (4.0, 70.0), (6.0, 70.0), (10.0, 40.0), (10.0, 80.0)]


def test_compare_warns_when_runs_had_identical_scenarios(tmp_path):
    """Two runs of one resolved scenario (seed and replications included) can show no effect of a
    change: the comparison still runs (exit 0) and says so once, on stderr."""
    same = run(build(kanban_loop(days=0.5)), workers=1)
    other = run(build(kanban_loop(days=0.5, cards=2)), workers=1)
    a, a2, b = (write_run(r, out=tmp_path / n) for r, n in ((same, "a"), (same, "a2"), (other, "b")))
    cli = CliRunner().invoke(app, ["compare", str(a), str(b), str(a2), "--out", str(tmp_path / "cmp")])
    assert cli.exit_code == 0, cli.output
    warnings = [line for line in cli.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and f"{a} and {a2} ran identical resolved scenarios" in warnings[0]
    assert str(b) not in warnings[0]
    assert json.loads((tmp_path / "cmp" / "compare.json").read_text())["warnings"] == [warnings[0][len("warning: "):]]
    cli = CliRunner().invoke(app, ["compare", str(a), str(b), "--out", str(tmp_path / "cmp2")])
    assert cli.exit_code == 0 and "warning" not in cli.stderr
