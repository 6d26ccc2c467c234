"""The application layer: what each command does, as one function the CLI calls, made of the layers
below it (run = runner + store + presentation; compare = store + analysis + presentation). Nothing
here computes a figure or draws a line; it decides what is written where, and in which order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

from sim.compare import Comparison, comparison, open_runs
from sim.folders import check_writable, new_folder, replace_folder, staged
from sim.plots import comparison as compare_plots
from sim.plots import run_plots
from sim.plots.style import save_figure
from sim.plots.sweeps import heatmap, kpi_lines, size_plot
from sim.report import compare_report, write_run_report
from sim.runner import Progress, RunResult, run
from sim.scenario.schema import Scenario
from sim.size import Sizing, Target, find_size
from sim.store import RunRecord, check_target, writing_run
from sim.sweep import SweepResult, run_sweep, slug
from sim.workload import check_work
from sim import kpis


def draw_run(run_record: RunRecord, dest: Path) -> list[Path]:
    """Every plot of a run into ``dest/plots`` and its report into ``dest/report.html``."""
    paths = run_plots(run_record, dest)
    return paths + [write_run_report(dest, run_record)]


def run_and_save(scenario: Scenario, *, out: str | Path | None = None, root: str | Path = "results",
                 workers: int | None = None, progress: Progress | None = None, force: bool = False,
                 plots: bool = True, argv: list[str] | None = None) -> tuple[RunResult, Path]:
    """``sim run``: simulate every replication, writing each one's event tables into the run folder
    as it finishes (only replication 0's stay in memory, for the plots of one replication), then
    the summary, the plots and the report from the results in memory, and the manifest last.
    Everything that can be refused (the folder, the work) is checked before anything runs."""
    check_target(scenario, out, root)
    check_work(scenario, force)
    with writing_run(scenario, out, root) as sink:
        result = run(scenario, workers=workers, progress=progress, force=True, on_replication=sink.add,
                     keep=lambda r: r == 0)
        record = sink.finish(result, argv)
        if plots:
            draw_run(record, sink.folder)
        sink.seal()
    return result, sink.final


def save_run(result: RunResult, out: str | Path | None = None, root: str | Path = "results",
             argv: list[str] | None = None, plots: bool = True) -> Path:
    """``sim.save``: write the folder of a run made with ``sim.run`` (its tables all in memory),
    with its plots and report."""
    with writing_run(result.scenario, out, root) as sink:
        for r in result.tables.seen:
            sink.add_tables(r, result.tables.tables_of(r))
        record = sink.finish(result, argv)
        if plots:
            draw_run(record, sink.folder)
        sink.seal()
    return sink.final


def redraw(folder: str | Path, out: str | Path | None = None) -> list[Path]:
    """``sim plot``: redraw the plots and the report of a complete run folder from what it stores;
    returns the files.

    They are drawn into a temporary folder first; ``plots/`` and ``report.html`` are replaced only
    when all are drawn, so an interrupted redraw keeps the old ones. With ``out`` they go into that
    new folder instead (written atomically) and the run folder is only read. A folder that cannot
    be written is a ResultsError, raised before anything is drawn."""
    folder = Path(folder)
    record = RunRecord.open(folder)
    if out is not None:
        with new_folder(out) as tmp:
            names = _relative(draw_run(record, tmp), tmp)
        return [Path(out) / name for name in names]
    check_writable(folder)
    with staged(folder, "plots") as tmp:
        names = _relative(draw_run(record, tmp), tmp)
        replace_folder(tmp / "plots", folder / "plots")
        os.replace(tmp / "report.html", folder / "report.html")
    return [folder / name for name in names]


def _relative(paths: list[Path], base: Path) -> list[str]:
    return [str(p.relative_to(base)) for p in paths]


def write_comparison(folders: list, out: str | Path | None = None,
                     root: str | Path = "results") -> tuple[Comparison, Path]:
    """``sim compare``: compare run folders and write compare.json, plots and compare.html into a
    new folder (atomically, like a run folder). Returns (comparison, folder)."""
    runs = open_runs(folders)
    result = comparison(runs)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    names = "-vs-".join(r.scenario.name for r in runs)[:80]
    final = Path(out) if out is not None else Path(root) / "compare" / f"{stamp}-{names}"
    folder = new_folder(final, unique=out is None)  # two compares in one second get -2
    with folder as tmp:
        figures = {"kpis": (compare_plots.kpis(runs), "Headline KPIs per run, per day of measured window, "
                            "mean ± 95 % CI."),
                   "supplier_stoppage": (compare_plots.supplier_stoppage_by_run(runs),
                                         "Stoppage minutes per day caused by each supplier, one bar per run."),
                   "stock_overlay": (compare_plots.stock_overlay(runs), "Line-side stock of the base run's most "
                                     "critical parts, every run overlaid (replication 0).")}
        for i, other in enumerate(runs[1:], start=1):
            figures[f"supplier_changes_{i}"] = (compare_plots.supplier_changes(runs[0], other),
                                                f"Change in stoppage min/day per supplier, {other.scenario.name} − "
                                                f"{runs[0].scenario.name}, with its 95 % interval.")
        pngs = {name: (save_figure(fig, tmp / "plots", name)[0], caption) for name, (fig, caption) in figures.items()}
        (tmp / "compare.json").write_text(json.dumps(result.to_json(), indent=1, allow_nan=False), encoding="utf-8")
        (tmp / "compare.html").write_text(compare_report(runs, result, pngs), encoding="utf-8")
    return result, folder.final


SWEEP_PLOTTED = kpis.names("run", kpis.PRIMARY)  # one line plot each


def sweep_plots(folder: Path, rows: list[dict], axes: dict[str, list]) -> list[Path]:
    """Draw a sweep's plots into a temporary folder that replaces ``plots/`` only when all are
    drawn: an interrupted sweep keeps the old set whole, never a mix."""
    paths = []
    with staged(folder, "plots") as tmp:
        for kpi in SWEEP_PLOTTED:
            paths += save_figure(kpi_lines(rows, axes, kpi), tmp / "plots", f"{kpi}_vs_{slug(next(iter(axes)))}")
        if len(axes) >= 2:
            paths += save_figure(heatmap(rows, axes, "stoppage_min"), tmp / "plots", "heatmap_stoppage_min")
        replace_folder(tmp / "plots", folder / "plots")
    return [folder / "plots" / p.name for p in paths]


def sweep(path: str | Path, vary: Iterable[str] = (), overrides: Iterable[str] = (), *, plots: bool = True,
          **options) -> SweepResult:
    """``sim sweep``: run (or resume) the sweep (:func:`sim.sweep.run_sweep`, whose options these
    are) and, with ``plots``, draw its plots while the folder is still held."""
    return run_sweep(path, vary, overrides, on_done=sweep_plots if plots else None, **options)


def size(path: str | Path, knob: str, target: Target, lo: float | None = None, hi: float | None = None, *,
         plots: bool = True, **options) -> Sizing:
    """``sim size``: find the value (:func:`sim.size.find_size`, whose options these are) and, with
    ``plots``, draw the evidence."""
    draw: Callable[[Sizing], None] | None = None
    if plots:
        def draw(sizing: Sizing) -> None:
            save_figure(size_plot(sizing), sizing.folder / "plots", "size")
    return find_size(path, knob, target, lo, hi, on_done=draw, **options)


__all__ = ["draw_run", "redraw", "run_and_save", "save_run", "size", "sweep", "write_comparison"]
