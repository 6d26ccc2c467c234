"""The plots of a run, each drawn from a :class:`~sim.store.RunRecord` alone: the run just
simulated (its tables partly in memory) or a run folder read back, so that ``sim plot RUN_DIR``
redraws them without re-running anything. Figures are built with :class:`matplotlib.figure.Figure`
(no pyplot, no global state) and saved as PNG and SVG.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from sim.plots import network, supply
from sim.plots.style import save_figure
from sim.store import RunRecord

# name -> (draw, caption for reports and the README)
PLOTS: dict[str, tuple[Callable[[RunRecord], Figure], str]] = {
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


def run_plots(run: RunRecord, folder: str | Path) -> list[Path]:
    """Draw every plot of ``run`` into ``folder/plots``; returns the files written."""
    paths = []
    for name, (draw, _) in PLOTS.items():
        paths += save_figure(draw(run), Path(folder) / "plots", name)
    return paths
