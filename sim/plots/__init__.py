"""The plots of a run, each drawn from a run folder (:class:`~sim.rundata.RunData`) alone, so that
``sim plot RUN_DIR`` redraws them without re-running anything. Figures are built with
:class:`matplotlib.figure.Figure` (no pyplot, no global state) and saved as PNG and SVG.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from matplotlib.figure import Figure

from sim.folders import check_writable, new_folder, replace_folder, staged
from sim.plots import network, supply
from sim.plots.style import save
from sim.rundata import RunData

# name -> (draw, caption for reports and the README)
PLOTS: dict[str, tuple[Callable[[RunData], Figure], str]] = {
    "timeline": (supply.timeline, "Supply stoppages over time, one row per supplier that held the line "
                 "(replication 0); grey: breaks and non-working time, red: declared disruptions, "
                 "orange: supplier breakdowns."),
    "stoppage_bars": (supply.stoppage_bars, "Stoppage minutes caused per supplier and per part, mean over "
                      "replications with the 95 % confidence interval."),
    "stock": (supply.stock, "Line-side stock of the parts that came closest to running out (replication 0), "
              "before and after each delivery; kanban: full loop and one pack dashed; JIS: red where the line waited."),
    "jis_margins": (supply.jis_margins, "How many minutes before its first car needed it each JIS load arrived; "
                    "left of the red line the line waited."),
    "placement_map": (network.placement_map, "Suppliers by bearing and one-way driving time from the plant, "
                      "rings at 5 min, 30 min and 2 h; marker area: truck trips, colour: stoppage caused."),
    "cars_per_shift": (network.cars_per_shift, "Cars built per shift (mean over replications) against the "
                       "cars its working time plans; red bars fell short."),
    "trucks": (network.trucks, "Truck trips and truck-km per supplier per run window, mean ± 95 % CI."),
    "dock_utilisation": (network.dock_utilisation, "Docks busy unloading, mean and peak per hour (replication 0), "
                         "against the docks there are."),
}


def run_plots(folder: str | Path, run: RunData | None = None) -> list[Path]:
    """Draw every plot of the run folder into ``folder/plots``; returns the files written."""
    folder = Path(folder)
    run = run or RunData.load(folder)
    paths = []
    for name, (draw, _) in PLOTS.items():
        paths += save(draw(run), folder / "plots", name)
    return paths


def redraw(folder: str | Path, out: str | Path | None = None) -> list[Path]:
    """``sim plot``: redraw the plots and the report of a complete run folder; returns the files.

    The plots and report are drawn into a temporary folder first; ``plots/`` and ``report.html``
    are replaced only when all are drawn, so an interrupted redraw keeps the old ones. With ``out``
    they go into that new folder instead (written atomically) and the run folder is only read. A
    folder that cannot be written is a ResultsError, raised before anything is drawn."""
    folder = Path(folder)
    run = RunData.load(folder)
    if out is not None:
        with new_folder(out) as tmp:
            names = _plots_and_report(run, tmp)
        return [Path(out) / name for name in names]
    check_writable(folder)
    with staged(folder, "plots") as tmp:
        names = _plots_and_report(run, tmp)
        replace_folder(tmp / "plots", folder / "plots")
        os.replace(tmp / "report.html", folder / "report.html")
    return [folder / name for name in names]


def _plots_and_report(run: RunData, dest: Path) -> list[str]:
    """Draw every plot into ``dest/plots`` and the report into ``dest/report.html``."""
    from sim.report import run_report
    paths = run_plots(dest, run)
    (dest / "report.html").write_text(run_report(replace(run, folder=dest)), encoding="utf-8")
    return [str(p.relative_to(dest)) for p in paths] + ["report.html"]
