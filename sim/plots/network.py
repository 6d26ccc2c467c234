"""Plots of the supply network and the plant: placement map, cars per shift, trucks, docks."""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.plots.labels import free, marker_box, place_labels
from sim.plots.style import (DAY_S, HOUR_S, TOP_ROWS, ci, empty, legend_below, mean, readable_ticks, supplier_colours, tick,
                              whiskers)
from sim.store import RunRecord

RINGS_MIN = (5, 30, 120)
GOLDEN_ANGLE = 137.508
MAX_NAMES = 100  # more names than this make a cloud, not a map, and only cost drawing time
RING_LABEL_DEG = (100, 80, 120, 60, 140, 40, 160, 20, 180, 0, 200, 340, 220, 320, 240, 300, 260, 280)


def placement_map(run: RunRecord) -> Figure:
    """Each supplier at its bearing and one-way driving time from the plant (log radius, rings at
    5 min, 30 min and 2 h), marker area by trips, colour by stoppage minutes caused, each named
    with its one-way km where there is room; no label overlaps another, a marker or a ring's name."""
    sc = run.scenario
    by_s = run.summary.by_supplier
    fig = Figure(figsize=(11, 10))
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
    sizes = 16 + 220 * np.sqrt(trips / max(trips.max(), 1))  # small enough to leave room for 40 names in the ring
    has_bearing = np.array([s.bearing_deg is not None for s in sc.suppliers])
    for mask, marker in ((has_bearing, "o"), (~has_bearing, "D")):
        ax.scatter(theta[mask], radius[mask], s=sizes[mask], c=[c for c, m in zip(colours, mask) if m], marker=marker,
                   edgecolors="k", linewidths=0.5, zorder=3)
    ax.set_ylim(0, max(radius.max(), np.log10(RINGS_MIN[-1])) * 1.08)
    ax.set_rorigin(-1.0)  # an empty centre spreads the crowded five-minute ring out, with room to name them
    ax.spines["inner"].set_edgecolor("none")  # (each draw makes it visible again)
    ax.set_yticks([])
    bar = fig.colorbar(ax.scatter([], [], c=[], cmap=cmap, norm=norm), ax=ax, shrink=0.6, pad=0.08)
    bar.set_label("stoppage caused [min per run window]")
    ax.set_title(f"{sc.name}: suppliers by bearing and one-way driving time (log radius)\n"
                 "marker area: truck trips; diamonds: no bearing given (placed evenly)", fontsize=10)
    # those that stopped the line or lie beyond 30 min first: if the ring is too crowded, only
    # nearby suppliers that never stopped it may go unnamed
    order = sorted(range(len(stop)), key=lambda i: (stop[i] <= 0 and minutes[i] <= RINGS_MIN[1], theta[i]))
    _name_suppliers(ax, run, np.column_stack([theta, radius]), np.sqrt(sizes) / 2 + 0.5, order, bar)
    return fig


def _name_suppliers(ax, run: RunRecord, points: np.ndarray, radii_pt: np.ndarray, order: list[int], bar) -> None:
    """Ring names, the plant, and each supplier's name and km in ``order`` where there is room;
    a grey note says how many found none."""
    fig = ax.get_figure(root=True)
    plant = ax.text(0.5, 0.5, "plant", transform=ax.transAxes, ha="center", va="center", fontsize=8, color="grey")
    # labels are placed in display pixels, so the layout must be final first: a draw squares the
    # polar axes (its aspect) and places the angle tick labels, which labels must not cover
    fig.draw_without_rendering()
    fixed = [t.get_window_extent() for t in [plant, ax.title, *ax.get_xticklabels()]] + [bar.ax.get_tightbbox()]
    fixed += _ring_labels(ax, points, radii_pt)
    texts = [f"{s.name} {tick(round(s.one_way_km, 1))} km" for s in run.scenario.suppliers]
    missed = place_labels(ax, points, texts, radii_pt, order[:MAX_NAMES], centre=ax.transAxes.transform((0.5, 0.5)),
                          obstacles=fixed, inside=fig.bbox, fontsize=6.5) + order[MAX_NAMES:]
    if missed:
        ax.text(0.0, 0.0, f"{len(missed)} suppliers not named (no room)", transform=ax.transAxes, fontsize=7,
                color="grey")


def _ring_labels(ax, points: np.ndarray, radii_pt: np.ndarray) -> list:
    """Dashed rings at RINGS_MIN, each named where its label covers no marker; returns the labels'
    boxes (display pixels)."""
    grid = np.linspace(0, 2 * math.pi, 200)
    px_per_pt = ax.get_figure(root=True).dpi / 72
    markers = [marker_box(a, r * px_per_pt) for a, r in zip(ax.transData.transform(points), radii_pt)]
    boxes = []
    for m in RINGS_MIN:
        r = math.log10(m)
        ax.plot(grid, np.full_like(grid, r), ls="--", color="steelblue", lw=0.8)
        label = ax.text(0, r, f"{m} min" if m < 60 else f"{m // 60} h", color="steelblue", fontsize=8,
                        ha="center", va="center", gid="ring")
        for angle in RING_LABEL_DEG:
            label.set_position((math.radians(angle), r))
            box = label.get_window_extent()
            if free(box, markers + boxes, ax.bbox):
                break
        boxes.append(box)
    return boxes


def cars_per_shift(run: RunRecord) -> Figure:
    """Cars built per shift (mean over replications) against the cars the shift's working time plans."""
    table = run.columns("shifts")
    reps = int(np.nanmax(table["replication"])) + 1 if len(table["replication"]) else 0
    fig = Figure(figsize=(12, 4.4), layout="constrained")
    ax = fig.add_subplot()
    if reps == 0:
        empty(ax, "no shift in the measured window")
        return fig
    first = table["replication"] == 0
    starts, planned = table["start_s"][first] / DAY_S, table["planned"][first]
    built = table["built"].reshape(reps, -1).mean(axis=0)
    width = np.median(np.diff(starts)) * 0.8 if len(starts) > 1 else 0.3
    ax.bar(starts, planned, width=width, align="edge", color="none", edgecolor="grey")
    share = built / np.maximum(planned, 1e-9)
    colour = np.where(share >= 0.99, "seagreen", np.where(share >= 0.95, "orange", "indianred"))
    ax.bar(starts, built, width=width, align="edge", color=colour)
    # below the axes: inside, any corner hides the bars of some shifts (the last week's, lower right)
    key = {"planned (working time / takt)": Patch(facecolor="none", edgecolor="grey"),
           f"built (mean of {reps} replications) ≥ 99 % of plan": Patch(color="seagreen"),
           "≥ 95 %": Patch(color="orange"), "below 95 %": Patch(color="indianred")}
    legend_below(fig, list(key.values()), list(key), ncols=4)
    ax.set_xlabel("day of the shift's start (day 0 = Monday)")
    ax.set_ylabel("cars per shift")
    total_p, total_b = planned.sum(), built.sum()
    ax.set_title(f"{run.scenario.name}: cars per shift against plan — {total_b:,.0f} of {total_p:,.0f} "
                 f"({total_b / max(total_p, 1):.1%})")
    ax.grid(axis="y", alpha=0.3)
    return fig


def trucks(run: RunRecord) -> Figure:
    """Truck trips and truck-km per supplier per run window (mean ± 95 % CI), largest km first (the
    first TOP_ROWS)."""
    by_s = run.summary.by_supplier
    colours = supplier_colours(run.scenario)
    names = sorted(by_s, key=lambda n: -mean(by_s[n]["truck_km"]))[:TOP_ROWS]
    fig = Figure(figsize=(12, 0.26 * len(names) + 1.8), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(names))[::-1]
    for ax, key, label in ((left, "trips", "truck trips"), (right, "truck_km", "truck-km")):
        means = [mean(by_s[n][key]) for n in names]
        ax.barh(y, means, xerr=whiskers(means, [ci(by_s[n][key]) for n in names]),
                color=[colours[n] for n in names], capsize=2)
        ax.set_xlabel(f"{label} per run window, mean ± 95 % CI")
        ax.grid(axis="x", alpha=0.3)
        readable_ticks(ax.xaxis)
    left.set_yticks(y, names, fontsize=7)
    left.set_ylim(-0.7, len(names) - 0.3)
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


def dock_utilisation(run: RunRecord, replication: int = 0) -> Figure:
    """Busy docks per hour (mean and peak) against the docks there are, in one replication."""
    sc = run.scenario
    d = run.columns("deliveries", replication, names=("unloaded_s", "unload_min", "dock_wait_min"))
    end = d["unloaded_s"]
    start = end - d["unload_min"] * 60.0
    edges = np.arange(sc.horizon.warmup_days * DAY_S, sc.horizon.days * DAY_S + HOUR_S, HOUR_S)
    busy, peak = busy_docks(start, end, edges)
    fig = Figure(figsize=(12, 4.2), layout="constrained")
    ax = fig.add_subplot()
    x = edges[:-1] / DAY_S
    ax.step(x, peak, where="post", color="lightsteelblue", lw=0.8, label="peak busy in the hour")
    ax.step(x, busy, where="post", color="navy", lw=0.9, label="mean busy in the hour")
    ax.axhline(sc.plant.docks, color="crimson", ls="--", lw=1, label=f"docks ({sc.plant.docks})")
    waits = d["dock_wait_min"][d["dock_wait_min"] > 0]
    util = busy.mean() / sc.plant.docks if len(busy) else 0.0
    ax.set_title(f"{sc.name}: dock use, replication {replication} — mean utilisation {util:.0%}, "
                 f"{len(waits):,} of {len(d['dock_wait_min']):,} trucks waited (mean {waits.mean() if len(waits) else 0:.1f} min)")
    ax.set_xlabel("day (day 0 = Monday 00:00)")
    ax.set_ylabel("docks busy unloading")
    legend_below(fig)
    ax.grid(alpha=0.3)
    return fig
