"""Plots of a sweep (``sim sweep``): a KPI against the first parameter with 95 % CI bands, one line
per value of the second parameter, one panel per value of the third; and a heatmap of the first two.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from sim import kpis
from sim.kpis import bounds, number
from sim.plots.style import band, legend_below, readable_ticks, tick, whiskers

def _half(evidence: dict) -> float:
    """A point's 95 % half-width as a whisker: 0 where it has none (one replication)."""
    half = evidence["ci95"]
    return 0.0 if half is None or half != half else float(half)


def kpi_label(name: str) -> str:
    """The axis label of a KPI (the registry's), the name itself for one it does not know."""
    return kpis.kpi(name).axis_label if name.rpartition(".")[2] in kpis.REGISTRY else name


def _numeric(values: list) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _select(rows: list[dict], kpi: str, **fixed) -> list[dict]:
    return [r for r in rows if r["kpi"] == kpi and all(r[k] == v for k, v in fixed.items())]


def kpi_lines(rows: list[dict], axes: dict[str, list], kpi: str) -> Figure:
    """``kpi`` against the first axis, mean with its 95 % CI band (cut at the KPI's bounds: no
    stoppage band below zero, no availability band above one)."""
    names = list(axes)
    x_name = names[0]
    line_name = names[1] if len(names) > 1 else None
    panel_name = names[2] if len(names) > 2 else None
    panels = axes[panel_name] if panel_name else [None]
    fig = Figure(figsize=(6.5 * min(len(panels), 3), 4.2 * int(np.ceil(len(panels) / 3)) + 0.6), layout="constrained")
    grid = fig.subplots(int(np.ceil(len(panels) / 3)), min(len(panels), 3), squeeze=False).ravel()
    lines = axes[line_name] if line_name else [None]
    cmap = colormaps["viridis"]
    xs = axes[x_name]
    numeric = _numeric(xs)
    for ax, panel in zip(grid, panels):
        for i, value in enumerate(lines):
            fixed = {k: v for k, v in ((line_name, value), (panel_name, panel)) if k}
            by_x = {r[x_name]: r for r in _select(rows, kpi, **fixed)}
            pos = np.array(xs if numeric else range(len(xs)), dtype=float)
            mean = np.array([by_x[x]["mean"] if x in by_x and by_x[x]["mean"] is not None else np.nan for x in xs])
            half = np.array([by_x[x]["ci95"] if x in by_x and by_x[x]["ci95"] is not None else 0.0 for x in xs])
            # viridis stops short of its last yellow, unreadable on white
            colour = cmap(0.85 * i / max(len(lines) - 1, 1)) if line_name else "navy"
            ax.plot(pos, mean, "o-", color=colour, label=f"{line_name} = {value}" if line_name else None)
            ax.fill_between(pos, *band(mean, half, kpi), color=colour, alpha=0.18, lw=0)
        _x_axis(ax, xs, numeric)
        ax.set_xlabel(x_name)
        ax.set_ylabel(kpi_label(kpi))
        readable_ticks(ax.yaxis)
        ax.grid(alpha=0.3)
        if panel_name:
            ax.set_title(f"{panel_name} = {panel}", fontsize=9)
    if line_name:
        legend_below(fig)  # once for all panels, outside them: inside it covered points
    for ax in grid[len(panels):]:
        ax.set_visible(False)
    fig.suptitle(f"{kpi} against {x_name}\nmean and 95 % CI over replications (common random numbers)", fontsize=11)
    return fig


def _x_axis(ax, xs: list, numeric: bool) -> None:
    """Ticks at the values swept, written as given (0.8, 4, 12, 30 rather than 10⁰, 10¹); log scale
    when they span more than a factor of 20."""
    if not numeric:
        ax.set_xticks(range(len(xs)), [str(x) for x in xs])
        return
    if min(xs) > 0 and max(xs) / min(xs) > 20:
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
    if len(xs) <= 12:
        ax.set_xticks(xs, [tick(x) for x in xs])
    else:
        readable_ticks(ax.xaxis)


def heatmap(rows: list[dict], axes: dict[str, list], kpi: str) -> Figure:
    """Mean ``kpi`` over the first two axes (other axes at their first value), values written in."""
    names = list(axes)
    x_name, y_name = names[0], names[1]
    fixed = {n: axes[n][0] for n in names[2:]}
    data = np.full((len(axes[y_name]), len(axes[x_name])), np.nan)
    for r in _select(rows, kpi, **fixed):
        if r["mean"] is not None:
            data[axes[y_name].index(r[y_name]), axes[x_name].index(r[x_name])] = r["mean"]
    fig = Figure(figsize=(1.1 * len(axes[x_name]) + 3, 0.6 * len(axes[y_name]) + 2.2))
    ax = fig.add_subplot()
    image = ax.imshow(data, cmap="YlOrRd", aspect="auto", origin="lower")
    for (i, j), value in np.ndenumerate(data):
        if np.isfinite(value):
            # dark text on light cells, white on the darkest
            light = image.norm(value) < 0.6 if np.isfinite(image.norm(value)) else True
            ax.text(j, i, number(value), ha="center", va="center", fontsize=8, color="black" if light else "white")
    ax.set_xticks(range(len(axes[x_name])), [str(v) for v in axes[x_name]], rotation=30)
    ax.set_yticks(range(len(axes[y_name])), [str(v) for v in axes[y_name]])
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_name)
    bar = fig.colorbar(image, ax=ax, label=kpi_label(kpi))
    readable_ticks(bar.ax.yaxis)
    extra = ", ".join(f"{k} = {v}" for k, v in fixed.items())
    ax.set_title(f"mean {kpi}" + (f" ({extra})" if extra else ""))
    return fig


def near_answer(sizing, ev: list[dict], steps: int = 2, reach: float = 3.5) -> list[dict]:
    """The evidence (sorted by value) within ``steps`` points of the answer (or, without one, of the
    point closest to the target) and within ``reach`` times the distance from it to its nearest
    neighbour: bisection leaves the last points close together, and the first bracket's ends far
    away would squash them again."""
    if sizing.answer is not None:
        c = min(range(len(ev)), key=lambda i: abs(ev[i]["value"] - sizing.answer))
    else:
        c = min(range(len(ev)), key=lambda i: abs(ev[i]["mean"] - sizing.target.threshold))
    gaps = [abs(ev[j]["value"] - ev[c]["value"]) for j in (c - 1, c + 1) if 0 <= j < len(ev)]
    width = reach * min((g for g in gaps if g > 0), default=math.inf)
    return [e for e in ev[max(c - steps, 0): c + steps + 1] if abs(e["value"] - ev[c]["value"]) <= width]


def size_plot(sizing) -> Figure:
    """The evidence of a sizing search: the KPI with its 95 % CI at every value tried, the target,
    and the answer; left every point, right the points within two steps of the answer on a y-range
    fitted to them (on the full range they sat squashed on the target line)."""
    ev = sorted(sizing.evidence, key=lambda e: e["value"])
    fig = Figure(figsize=(11, 4.8), layout="constrained")
    whole, zoom = fig.subplots(1, 2)
    near = near_answer(sizing, ev) if ev else []
    for ax, points in ((whole, ev), (zoom, near)):
        _evidence(ax, sizing, points)
    if near:
        lo, hi = _span([e["value"] for e in near])
        whole.axvspan(lo, hi, color="navy", alpha=0.06, lw=0)
        zoom.set_xlim(lo, hi)
        zoom.set_ylim(*_span(_reach(sizing, near) + [sizing.target.threshold]))
    whole.set_title("every point run (shaded: the panel on the right)", fontsize=9)
    zoom.set_title("near the answer", fontsize=9)
    whole.set_ylabel(f"{kpi_label(sizing.target.kpi)}, mean ± 95 % CI")
    legend_below(fig, *whole.get_legend_handles_labels())
    which = "largest" if sizing.largest else "smallest"
    fig.suptitle(f"{which} {sizing.knob} meeting {sizing.target} with 95 % confidence "
                 f"({len(ev)} points; green: met)", fontsize=10)
    return fig


def _evidence(ax, sizing, points: list[dict]) -> None:
    x = [e["value"] for e in points]
    means = [e["mean"] for e in points]
    err = whiskers(means, [_half(e) for e in points], *bounds(sizing.target.kpi))
    ax.errorbar(x, means, yerr=err, fmt="none", ecolor="grey", capsize=4)
    ax.scatter(x, means, c=["seagreen" if e["met"] else "indianred" for e in points], zorder=3, s=40,
               edgecolors="k")
    ax.axhline(sizing.target.threshold, color="crimson", ls="--", lw=1, label=f"target {sizing.target}")
    if sizing.answer is not None:
        ax.axvline(sizing.answer, color="navy", lw=1, label=f"answer: {sizing.knob} = {sizing.answer}")
    ax.set_xlabel(sizing.knob)
    readable_ticks(ax.xaxis, ax.yaxis)
    ax.grid(alpha=0.3)


def _reach(sizing, points: list[dict]) -> list[float]:
    """The lowest and highest value the points' drawn whiskers reach."""
    means = np.array([e["mean"] for e in points], dtype=float)
    err = whiskers(means, [_half(e) for e in points], *bounds(sizing.target.kpi))
    return [float(np.min(means - err[0])), float(np.max(means + err[1]))]


def _span(values: list[float], pad: float = 0.1) -> tuple[float, float]:
    """(low, high) around ``values`` with ``pad`` of their range each side (±1 around a single value)."""
    lo, hi = min(values), max(values)
    margin = pad * (hi - lo) if hi > lo else max(abs(hi) * 0.1, 1.0)
    return lo - margin, hi + margin
