"""Plots of the supply network and the plant: placement map, cars per shift, trucks, docks."""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from sim.plots.style import DAY_S, HOUR_S, TOP_ROWS, ci, empty, mean, supplier_colours
from sim.rundata import RunData

RINGS_MIN = (5, 30, 120)
GOLDEN_ANGLE = 137.508


def placement_map(run: RunData) -> Figure:
    """Each supplier at its bearing and one-way driving time from the plant (log radius, rings at
    5 min, 30 min and 2 h), marker area by trips, colour by stoppage minutes caused."""
    sc = run.scenario
    by_s = run.summary["by_supplier"]
    fig = Figure(figsize=(9.5, 8.5))
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    minutes = np.array([s.one_way_h * 60 for s in sc.suppliers])
    radius = np.log10(np.maximum(minutes, 1.0))
    theta = np.radians([s.bearing_deg if s.bearing_deg is not None else (i * GOLDEN_ANGLE) % 360
                        for i, s in enumerate(sc.suppliers)])
    trips = np.array([mean(by_s[s.name]["trips"]) for s in sc.suppliers])
    stop = np.array([mean(by_s[s.name]["stoppage_min"]) for s in sc.suppliers])
    norm = Normalize(0, max(stop.max(), 1.0))
    cmap = colormaps["YlOrRd"]
    colours = [cmap(norm(x)) if x > 0 else (0.75, 0.75, 0.75, 1) for x in stop]
    sizes = 20 + 400 * np.sqrt(trips / max(trips.max(), 1))
    has_bearing = np.array([s.bearing_deg is not None for s in sc.suppliers])
    for mask, marker in ((has_bearing, "o"), (~has_bearing, "D")):
        ax.scatter(theta[mask], radius[mask], s=sizes[mask], c=[c for c, m in zip(colours, mask) if m], marker=marker,
                   edgecolors="k", linewidths=0.5, zorder=3)
    ring_r = np.log10(RINGS_MIN)
    top = max(radius.max(), ring_r[-1]) * 1.08
    grid = np.linspace(0, 2 * math.pi, 200)
    for r, m in zip(ring_r, RINGS_MIN):
        ax.plot(grid, np.full_like(grid, r), ls="--", color="steelblue", lw=0.8)
        ax.text(math.radians(100), r, f"{m} min" if m < 60 else f"{m // 60} h", color="steelblue", fontsize=8)
    ax.set_ylim(0, top)
    ax.set_yticks([])
    label = [i for i in sorted(range(len(stop)), key=lambda i: -stop[i])[:6] if stop[i] > 0]
    label += [i for i in range(len(minutes)) if minutes[i] > RINGS_MIN[1] and i not in label]
    for i in label:
        s = sc.suppliers[i]
        ax.annotate(f"{s.name}\n{s.one_way_km:.1f} km", (theta[i], radius[i]), fontsize=7, xytext=(4, 4),
                    textcoords="offset points")
    sm = fig.colorbar(ax.scatter([], [], c=[], cmap=cmap, norm=norm), ax=ax, shrink=0.6, pad=0.08)
    sm.set_label("stoppage caused [min per run window]")
    ax.set_title(f"{sc.name}: suppliers by bearing and one-way driving time (log radius)\n"
                 "marker area: truck trips; diamonds: no bearing given (placed evenly)", fontsize=10)
    return fig


def cars_per_shift(run: RunData) -> Figure:
    """Cars built per shift (mean over replications) against the cars the shift's working time plans."""
    table = run.tables["shifts"]
    reps = int(np.nanmax(table["replication"])) + 1 if len(table["replication"]) else 0
    fig = Figure(figsize=(12, 4))
    ax = fig.add_subplot()
    if reps == 0:
        empty(ax, "no shift in the measured window")
        return fig
    first = table["replication"] == 0
    starts, planned = table["start_s"][first] / DAY_S, table["planned"][first]
    built = table["built"].reshape(reps, -1).mean(axis=0)
    width = np.median(np.diff(starts)) * 0.8 if len(starts) > 1 else 0.3
    ax.bar(starts, planned, width=width, align="edge", color="none", edgecolor="grey", label="planned (working time / takt)")
    share = built / np.maximum(planned, 1e-9)
    colour = np.where(share >= 0.99, "seagreen", np.where(share >= 0.95, "orange", "indianred"))
    ax.bar(starts, built, width=width, align="edge", color=colour,
           label=f"built, mean of {reps} replications (green ≥ 99 % of plan, orange ≥ 95 %, red below)")
    ax.set_xlabel("day of the shift's start (day 0 = Monday)")
    ax.set_ylabel("cars per shift")
    total_p, total_b = planned.sum(), built.sum()
    ax.set_title(f"{run.scenario.name}: cars per shift against plan — {total_b:,.0f} of {total_p:,.0f} "
                 f"({total_b / max(total_p, 1):.1%})")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def trucks(run: RunData) -> Figure:
    """Truck trips and truck-km per supplier per run window (mean ± 95 % CI), largest km first (the
    first TOP_ROWS)."""
    by_s = run.summary["by_supplier"]
    colours = supplier_colours(run.scenario)
    names = sorted(by_s, key=lambda n: -mean(by_s[n]["truck_km"]))[:TOP_ROWS]
    fig = Figure(figsize=(12, 0.26 * len(names) + 1.8))
    left, right = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(names))[::-1]
    for ax, key, label in ((left, "trips", "truck trips"), (right, "truck_km", "truck-km")):
        ax.barh(y, [mean(by_s[n][key]) for n in names], xerr=[ci(by_s[n][key]) for n in names],
                color=[colours[n] for n in names], capsize=2)
        ax.set_xlabel(f"{label} per run window, mean ± 95 % CI")
        ax.grid(axis="x", alpha=0.3)
    left.set_yticks(y, names, fontsize=7)
    fig.suptitle(f"{run.scenario.name}: trucks per supplier"
                 + (f" ({len(names)} of {len(by_s)}, most truck-km)" if len(by_s) > len(names) else ""))
    return fig


def busy_docks(start: np.ndarray, end: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean busy docks per bin, peak busy docks per bin) from unloading intervals [start, end)."""
    times = np.concatenate([end, start])  # at equal times a dock is freed before it is taken
    steps = np.concatenate([-np.ones(len(end)), np.ones(len(start))])
    order = np.argsort(times, kind="stable")
    times, level = times[order], np.cumsum(steps[order])
    area = np.concatenate([[0.0], np.cumsum(level[:-1] * np.diff(times))]) if len(times) else np.zeros(0)
    if not len(times):
        return np.zeros(len(edges) - 1), np.zeros(len(edges) - 1)
    at = np.interp(edges, times, area, left=0.0, right=area[-1])
    busy = np.diff(at) / np.diff(edges)
    bins = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, len(edges) - 2)
    peak = np.zeros(len(edges) - 1)
    np.maximum.at(peak, bins, level)
    return busy, peak


def dock_utilisation(run: RunData, replication: int = 0) -> Figure:
    """Busy docks per hour (mean and peak) against the docks there are, in one replication."""
    sc = run.scenario
    d = run.replication("deliveries", replication)
    start, end = d["dock_s"], d["unloaded_s"]
    edges = np.arange(sc.horizon.warmup_days * DAY_S, sc.horizon.days * DAY_S + HOUR_S, HOUR_S)
    busy, peak = busy_docks(start, end, edges)
    fig = Figure(figsize=(12, 3.8))
    ax = fig.add_subplot()
    x = edges[:-1] / DAY_S
    ax.step(x, peak, where="post", color="lightsteelblue", lw=0.8, label="peak busy in the hour")
    ax.step(x, busy, where="post", color="navy", lw=0.9, label="mean busy in the hour")
    ax.axhline(sc.plant.docks, color="crimson", ls="--", lw=1, label=f"docks ({sc.plant.docks})")
    waits = d["dock_wait_min"][d["dock_wait_min"] > 0]
    util = busy.mean() / sc.plant.docks if len(busy) else 0.0
    ax.set_title(f"{sc.name}: dock use, replication {replication} — mean utilisation {util:.0%}, "
                 f"{len(waits)} of {len(d['dock_wait_min'])} trucks waited (mean {waits.mean() if len(waits) else 0:.1f} min)")
    ax.set_xlabel("day (day 0 = Monday 00:00)")
    ax.set_ylabel("docks busy unloading")
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    return fig
