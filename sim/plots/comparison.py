"""Plots that set runs side by side (``sim compare``); they read run folders only."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from sim.compare import supplier_differences, supplier_stoppage, values
from sim.plots.style import (DAY_S, bounds, ci, empty, legend_below, palette, readable_ticks, supplier_colours,
                              whiskers)
from sim.calendar import WorkTime
from sim.plots.supply import critical_parts, sawtooth
from sim.rundata import RunData
from sim.stats import mean_ci

KPI_PANELS = (("stoppage_min", "stoppage [min per day]", True),
              ("supply_availability", "supply availability (supply stops only)", False),
              ("run_ratio", "run ratio (cars built / planned)", False), ("cars_built", "cars built [per day]", True),
              ("truck_km", "truck-km [per day]", True), ("truck_trips", "truck trips [per day]", True))


def run_colours(runs: list[RunData]) -> list[tuple]:
    """One distinct colour per run, in the order given (no colour repeats, however many runs)."""
    return palette(len(runs))


def _label(run: RunData) -> str:
    return run.scenario.name


def kpis(runs: list[RunData]) -> Figure:
    """Headline KPIs per run (per day of measured window), mean ± 95 % CI over replications."""
    fig = Figure(figsize=(12, 6.5))
    axes = fig.subplots(2, 3).ravel()
    colours = run_colours(runs)
    for ax, (key, label, per_day) in zip(axes, KPI_PANELS):
        stats = [values(r, lambda rep, k=key: rep["kpis"][k], per_day) for r in runs]
        means = [s.mean() for s in stats]
        halves = [ci({"ci95": _half(s)}) for s in stats]
        x = np.arange(len(runs))
        ax.bar(x, means, yerr=whiskers(means, halves, *bounds(key)), color=colours, capsize=4)
        readable_ticks(ax.yaxis)
        ax.set_xticks(x, [_label(r) for r in runs], rotation=20, ha="right", fontsize=8)
        ax.set_title(label, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        if not per_day:  # a ratio: zoom on the top of [0, 1]
            low = min(m - h for m, h in zip(means, halves))
            ax.set_ylim(max(0.0, low - 0.02), 1.005)  # room for a whisker cap at 1
    fig.suptitle("KPIs side by side, mean ± 95 % CI over replications")
    fig.tight_layout()
    return fig


def _half(x: np.ndarray) -> float:
    return mean_ci(x)["ci95"]


def supplier_stoppage_by_run(runs: list[RunData], top: int = 15) -> Figure:
    """Stoppage minutes per day caused by each supplier, one bar per run (the largest suppliers)."""
    names = list(dict.fromkeys(n for r in runs for n in r.summary["by_supplier"]))
    per_run = {n: [values(r, supplier_stoppage(n), True) for r in runs] for n in names}
    names = sorted((n for n in names if max(v.mean() for v in per_run[n]) > 0),
                   key=lambda n: -max(v.mean() for v in per_run[n]))[:top]
    fig = Figure(figsize=(12, 0.45 * max(len(names), 3) * max(1, len(runs) / 2) + 1.9), layout="constrained")
    ax = fig.add_subplot()
    if not names:
        empty(ax, "no run has a supply stoppage")
        return fig
    height = 0.8 / len(runs)
    y = np.arange(len(names))[::-1]
    for i, (run, colour) in enumerate(zip(runs, run_colours(runs))):
        m = [per_run[n][i].mean() for n in names]
        e = [ci({"ci95": _half(per_run[n][i])}) for n in names]
        ax.barh(y + (len(runs) - 1 - i) * height - 0.4 + height / 2, m, height=height, xerr=whiskers(m, e),
                color=colour, capsize=2, label=_label(run))
    ax.set_yticks(y, names)
    ax.set_xlabel("stoppage caused [min per day], mean ± 95 % CI")
    ax.set_title("Stoppage by supplier, per run")
    legend_below(fig)
    ax.grid(axis="x", alpha=0.3)
    return fig


def supplier_changes(base: RunData, other: RunData, top: int = 20) -> Figure:
    """Change in stoppage min/day per supplier (other − base) with its 95 % interval: paired when
    the runs share seeds, Welch otherwise. Intervals that cross zero are not a proven change."""
    rows = supplier_differences(base, other)[:top]
    colours = supplier_colours(other.scenario)
    fig = Figure(figsize=(11, 0.35 * max(len(rows), 3) + 1.8))
    ax = fig.add_subplot()
    if not rows:
        empty(ax, "no supplier stopped the line in either run")
        return fig
    y = np.arange(len(rows))[::-1]
    d = [r[3] for r in rows]
    ax.errorbar([x.mean for x in d], y, xerr=[ci({"ci95": x.ci95}) for x in d], fmt="none", ecolor="grey", capsize=3)
    ax.scatter([x.mean for x in d], y, c=[colours.get(r[0], "k") for r in rows], s=50, zorder=3, edgecolors="k")
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(y, [r[0] for r in rows])
    kind = "paired, common random numbers" if d[0].paired else "independent runs, Welch"
    ax.set_xlabel(f"{other.scenario.name} − {base.scenario.name}: stoppage [min per day], 95 % CI ({kind})")
    ax.set_title(f"Which suppliers the change affects: {other.scenario.name} against {base.scenario.name}")
    ax.grid(axis="x", alpha=0.3)
    return fig


def stock_overlay(runs: list[RunData], count: int = 3) -> Figure:
    """Line-side stock of the base run's most critical parts, every run overlaid (replication 0)."""
    names = critical_parts(runs[0], count)
    fig = Figure(figsize=(12, 2.3 * len(names) + 1.2), layout="constrained")
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    for ax, name in zip(axes, names):
        for run, colour in zip(runs, run_colours(runs)):
            t = run.replication("stock", 0)
            mine = t["part"] == name
            worktime = WorkTime.of(run.scenario.calendar, run.scenario.horizon.days * DAY_S)
            xs, ys = sawtooth(t["time_s"][mine], t["before"][mine], t["after"][mine], worktime)
            ax.plot(xs / DAY_S, ys, color=colour, lw=0.7, alpha=0.8, label=_label(run))
        ax.set_title(name, fontsize=9, loc="left")
        ax.set_ylabel("units")
        ax.grid(alpha=0.3)
    legend_below(fig)
    axes[-1].set_xlabel("day (day 0 = Monday 00:00), replication 0 of each run")
    fig.suptitle("Line-side stock of the most critical parts, runs overlaid")
    return fig
