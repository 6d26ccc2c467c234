"""The plots of a run: stoppage minutes by supplier, line-side stock of the most critical parts, and
the stoppage timeline. Figures are built with :class:`matplotlib.figure.Figure` (no pyplot, no global
state) and saved as PNG and SVG. Each supplier keeps one colour across every plot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.calendar import DAY_S
from sim.metrics import Frame, cycle_times, stock_series, stoppage_table
from sim.model.disruptions import declared_windows
from sim.runner import RunResult
from sim.scenario.schema import JisPart, Scenario



def supplier_colours(scenario: Scenario) -> dict[str, tuple]:
    """One colour per supplier, fixed by its position in the scenario."""
    from matplotlib import colormaps
    cmap = colormaps["tab20"]
    order = list(range(0, 20, 2)) + list(range(1, 20, 2))  # the ten strong colours first
    return {s.name: cmap(order[i % 20]) for i, s in enumerate(scenario.suppliers)}


def _save(fig: Figure, folder: Path, name: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.png", folder / f"{name}.svg"]
    fig.savefig(paths[0], dpi=110, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    return paths


def stoppage_by_supplier(result: RunResult) -> Figure:
    """Mean stoppage minutes per supplier with 95 % CI across replications (suppliers that stopped
    the line, largest first)."""
    rows = [(name, r["stoppage_min"]["mean"] or 0.0, r["stoppage_min"]["ci95"])
            for name, r in result.summary["by_supplier"].items()]
    rows = sorted((r for r in rows if r[1] > 0), key=lambda r: -r[1])[:25]
    colours = supplier_colours(result.scenario)
    fig = Figure(figsize=(9, 0.35 * max(len(rows), 3) + 1.6))
    ax = fig.add_subplot()
    if rows:
        y = np.arange(len(rows))[::-1]
        err = [0 if (e is None or not np.isfinite(e)) else e for _, _, e in rows]
        ax.barh(y, [m for _, m, _ in rows], xerr=err, color=[colours[n] for n, _, _ in rows], capsize=3)
        ax.set_yticks(y, [n for n, _, _ in rows])
    else:
        ax.text(0.5, 0.5, "no supply stoppage in the measured window", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_yticks([])
    ax.set_xlabel("stoppage time caused [min per run window], mean ± 95 % CI")
    ax.set_title(f"{result.scenario.name}: line stoppage by supplier ({result.scenario.replications} replications)")
    ax.grid(axis="x", alpha=0.3)
    return fig


def critical_parts(result: RunResult, count: int = 4) -> list[str]:
    """The parts that came closest to running out: most stoppage, then lowest minimum stock
    relative to the stock they average."""
    def key(item):
        name, row = item
        stop = row["stoppage_min"]["mean"] or 0.0
        low = (row["stock_min"]["mean"] or 0.0) / max(row["stock_mean"]["mean"] or 1.0, 1e-9)
        return (-stop, low)
    return [name for name, _ in sorted(result.summary["by_part"].items(), key=key)[:count]]


def stock_over_time(result: RunResult, replication: int = 0) -> Figure:
    """Line-side units of the most critical parts in one replication, with the kanban loop's full
    stock (cards × pack) as a dashed line."""
    scenario = result.scenario
    frame = Frame.of(scenario)
    tables = result.replications[replication].tables
    starts, _ = cycle_times(frame, tables)
    names = critical_parts(result)
    index = {p.name: (i, s, p) for i, (s, p) in enumerate(scenario.parts)}
    colours = supplier_colours(scenario)
    fig = Figure(figsize=(11, 2.3 * len(names) + 0.6))
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    for ax, name in zip(axes, names):
        i, supplier, part = index[name]
        times, level = stock_series(frame, tables, i, starts)
        ax.step(times / DAY_S, level, where="post", color=colours[supplier.name], lw=0.8)
        if not isinstance(part, JisPart):
            ax.axhline(part.cards * part.pack_size, ls="--", color="grey", lw=0.8, label="cards × pack")
            ax.legend(loc="upper right", fontsize=8)
        ax.axvspan(0, frame.start / DAY_S, color="grey", alpha=0.12)
        ax.set_ylabel("units")
        ax.set_title(f"{name} ({part.mode}, station {part.station}, {supplier.name})", fontsize=9, loc="left")
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("day (day 0 = Monday 00:00; grey: warm-up)")
    fig.suptitle(f"{scenario.name}: line-side stock of the most critical parts, replication {replication}")
    return fig


def timeline(result: RunResult, replication: int = 0) -> Figure:
    """One row per supplier that held the line: a bar for each stoppage it caused; non-working time
    shaded; declared disruptions marked above."""
    scenario = result.scenario
    frame = Frame.of(scenario)
    stops = stoppage_table(frame, result.replications[replication].tables)
    suppliers = [s.name for s in scenario.suppliers if s.name in set(stops["supplier"].tolist())]
    colours = supplier_colours(scenario)
    fig = Figure(figsize=(12, 0.4 * max(len(suppliers), 2) + 2))
    ax = fig.add_subplot()
    for y, name in enumerate(suppliers):
        mine = stops["supplier"] == name
        min_width = (frame.end - frame.start) / DAY_S / 400  # short stops stay visible
        spans = [(a / DAY_S, max((b - a) / DAY_S, min_width)) for a, b in zip(stops["start"][mine], stops["end"][mine])]
        ax.broken_barh(spans, (y - 0.35, 0.7), color=colours[name])
    gaps = zip([0.0] + frame.worktime.ends, frame.worktime.starts + [frame.end])
    for a, b in gaps:
        if b > a:
            ax.axvspan(a / DAY_S, b / DAY_S, color="grey", alpha=0.12, lw=0)
    top = max(len(suppliers), 1)
    for n, w in enumerate(declared_windows(scenario)):
        ax.axvspan(w.start / DAY_S, w.end / DAY_S, color="crimson", alpha=0.15, lw=0)
        ax.text(w.start / DAY_S, top - 0.45 + 0.25 * (n % 3), w.label, fontsize=7, color="crimson", va="bottom")
    ax.set_yticks(range(len(suppliers)), suppliers)
    ax.set_ylim(-0.6, top + 0.4)
    ax.set_xlim(frame.start / DAY_S, frame.end / DAY_S)
    ax.set_xlabel("day (day 0 = Monday 00:00; grey: breaks and non-working time; red: declared disruptions)")
    ax.set_title(f"{scenario.name}: supply stoppages by supplier, replication {replication}")
    ax.grid(axis="x", alpha=0.3)
    return fig


def run_plots(folder: Path, result: RunResult) -> list[Path]:
    """Write every plot of a run into ``folder/plots``."""
    out = Path(folder) / "plots"
    paths = []
    for name, build in (("stoppage_by_supplier", stoppage_by_supplier), ("stock", stock_over_time),
                        ("timeline", timeline)):
        paths += _save(build(result), out, name)
    return paths
