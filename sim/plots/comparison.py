"""Plots that set runs side by side (``sim compare``); they read run folders only."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from sim import kpis as registry
from sim.compare import supplier_differences, supplier_stoppage
from sim.kpis import bounds
from sim.plots.style import (DAY_S, ci, empty, legend_below, palette, readable_ticks, supplier_colours,
                              whiskers)
from sim.calendar import WorkTime
from sim.plots.supply import critical_parts, sawtooth, stock_points
from sim.store import RunRecord
from sim.results import Stat

# the KPIs of the comparison panels: the registry's PANEL rank, the widest shown first
KPI_PANELS = sorted(registry.entries("run", registry.PANEL), key=lambda k: k.rank)


def panel_title(k: registry.Kpi) -> str:
    """``stoppage [min per day]``; a ratio as its label."""
    return f"{k.label} [{k.unit} per day]" if k.summed else k.label


def run_colours(runs: list[RunRecord]) -> list[tuple]:
    """One distinct colour per run, in the order given (no colour repeats, however many runs)."""
    return palette(len(runs))


def _label(run: RunRecord) -> str:
    return run.scenario.name


def kpis(runs: list[RunRecord]) -> Figure:
    """Headline KPIs per run (per day of measured window), mean ± 95 % CI over replications."""
    fig = Figure(figsize=(12, 6.5))
    axes = fig.subplots(2, 3).ravel()
    colours = run_colours(runs)
    for ax, k in zip(axes, KPI_PANELS):
        key, label, per_day = k.name, panel_title(k), k.summed
        stats = [r.summary.values(key, per_day) for r in runs]
        means = [s.mean() for s in stats]
        halves = [ci(Stat.of(s)) for s in stats]
        x = np.arange(len(runs))
        ax.bar(x, means, yerr=whiskers(means, halves, *bounds(key)), color=colours, capsize=4)
        readable_ticks(ax.yaxis)
        ax.set_xticks(x, [_label(r) for r in runs], rotation=20, ha="right", fontsize=8)
        ax.set_title(label, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        if k.high == 1.0:  # a ratio: zoom on the top of [0, 1]
            low = min(m - h for m, h in zip(means, halves))
            ax.set_ylim(max(0.0, low - 0.02), 1.005)  # room for a whisker cap at 1
    fig.suptitle("KPIs side by side, mean ± 95 % CI over replications")
    fig.tight_layout()
    return fig


def _bar(half: float) -> float:
    """A half-width usable as an error bar (0 when undefined)."""
    return 0.0 if half != half else float(half)


def supplier_stoppage_by_run(runs: list[RunRecord], top: int = 15) -> Figure:
    """Stoppage minutes per day caused by each supplier, one bar per run (the largest suppliers)."""
    names = list(dict.fromkeys(n for r in runs for n in r.summary.by_supplier))
    per_run = {n: [r.summary.values(supplier_stoppage(n), True) for r in runs] for n in names}
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
        e = [ci(Stat.of(per_run[n][i])) for n in names]
        ax.barh(y + (len(runs) - 1 - i) * height - 0.4 + height / 2, m, height=height, xerr=whiskers(m, e),
                color=colour, capsize=2, label=_label(run))
    ax.set_yticks(y, names)
    ax.set_xlabel("stoppage caused [min per day], mean ± 95 % CI")
    ax.set_title("Stoppage by supplier, per run")
    legend_below(fig)
    ax.grid(axis="x", alpha=0.3)
    return fig


def supplier_changes(base: RunRecord, other: RunRecord, top: int = 20) -> Figure:
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
    d = [r.difference for r in rows]
    ax.errorbar([x.mean for x in d], y, xerr=[_bar(x.ci95) for x in d], fmt="none", ecolor="grey", capsize=3)
    ax.scatter([x.mean for x in d], y, c=[colours.get(r.supplier, "k") for r in rows], s=50, zorder=3, edgecolors="k")
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(y, [r.supplier for r in rows])
    kind = "paired, common random numbers" if d[0].paired else "independent runs, Welch"
    ax.set_xlabel(f"{other.scenario.name} − {base.scenario.name}: stoppage [min per day], 95 % CI ({kind})")
    ax.set_title(f"Which suppliers the change affects: {other.scenario.name} against {base.scenario.name}")
    ax.grid(axis="x", alpha=0.3)
    return fig


def stock_overlay(runs: list[RunRecord], count: int = 3) -> Figure:
    """Line-side stock of the base run's most critical parts, every run overlaid (replication 0)."""
    names = critical_parts(runs[0], count)
    fig = Figure(figsize=(12, 2.3 * len(names) + 1.2), layout="constrained")
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    drawn = [(run, colour) for run, colour in zip(runs, run_colours(runs)) if run.has_event_tables]
    if not drawn:  # e.g. sweep points, which keep their event tables only with --detail
        empty(axes[0], "no run compared keeps its event tables (a sweep point keeps them with --detail)")
        return fig
    for ax, name in zip(axes, names):
        for run, colour in drawn:
            t = stock_points(run.columns("deliveries", 0, names=("part", "lineside_s", "stock_before", "stock_after")))
            mine = t["part"] == name
            worktime = WorkTime.of(run.scenario.calendar, run.scenario.horizon.days * DAY_S)
            xs, ys = sawtooth(t["time_s"][mine], t["before"][mine], t["after"][mine], worktime)
            ax.plot(xs / DAY_S, ys, color=colour, lw=0.7, alpha=0.8, label=_label(run))
        ax.set_title(name, fontsize=9, loc="left")
        ax.set_ylabel("units")
        ax.grid(alpha=0.3)
    legend_below(fig)
    missing = [_label(run) for run in runs if not run.has_event_tables]
    axes[-1].set_xlabel("day (day 0 = Monday 00:00), replication 0 of each run"
                        + (f"; not drawn (no event tables kept): {', '.join(missing)}" if missing else ""))
    fig.suptitle("Line-side stock of the most critical parts, runs overlaid")
    return fig
