"""Plots of a sweep (``sim sweep``): a KPI against the first parameter with 95 % CI bands, one line
per value of the second parameter, one panel per value of the third; and a heatmap of the first two.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

LABELS = {"stoppage_min": "stoppage [min per run window]", "supply_availability": "supply availability (supply stops only)",
          "run_ratio": "run ratio (cars built / planned)",
          "lost_cars": "cars lost per run window", "truck_km": "truck-km per run window",
          "stoppages": "stoppages per run window", "cars_built": "cars built", "truck_trips": "truck trips"}


def _numeric(values: list) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _select(rows: list[dict], kpi: str, **fixed) -> list[dict]:
    return [r for r in rows if r["kpi"] == kpi and all(r[k] == v for k, v in fixed.items())]


def kpi_lines(rows: list[dict], axes: dict[str, list], kpi: str) -> Figure:
    """``kpi`` against the first axis, mean with its 95 % CI band."""
    names = list(axes)
    x_name = names[0]
    line_name = names[1] if len(names) > 1 else None
    panel_name = names[2] if len(names) > 2 else None
    panels = axes[panel_name] if panel_name else [None]
    fig = Figure(figsize=(6.5 * min(len(panels), 3), 4.2 * int(np.ceil(len(panels) / 3))))
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
            colour = cmap(i / max(len(lines) - 1, 1)) if line_name else "navy"
            ax.plot(pos, mean, "o-", color=colour, label=f"{line_name} = {value}" if line_name else None)
            ax.fill_between(pos, mean - half, mean + half, color=colour, alpha=0.18, lw=0)
        if not numeric:
            ax.set_xticks(range(len(xs)), [str(x) for x in xs])
        elif min(xs) > 0 and max(xs) / min(xs) > 20:
            ax.set_xscale("log")
        ax.set_xlabel(x_name)
        ax.set_ylabel(LABELS.get(kpi, kpi))
        ax.grid(alpha=0.3)
        if panel_name:
            ax.set_title(f"{panel_name} = {panel}", fontsize=9)
        if line_name:
            ax.legend(fontsize=7)
    for ax in grid[len(panels):]:
        ax.set_visible(False)
    fig.suptitle(f"{kpi} against {x_name}: mean and 95 % CI over replications (common random numbers)")
    fig.tight_layout()
    return fig


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
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(axes[x_name])), [str(v) for v in axes[x_name]], rotation=30)
    ax.set_yticks(range(len(axes[y_name])), [str(v) for v in axes[y_name]])
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_name)
    fig.colorbar(image, ax=ax, label=LABELS.get(kpi, kpi))
    extra = ", ".join(f"{k} = {v}" for k, v in fixed.items())
    ax.set_title(f"mean {kpi}" + (f" ({extra})" if extra else ""))
    return fig


def size_plot(sizing) -> Figure:
    """The evidence of a sizing search: the KPI with its 95 % CI at every value tried, the target,
    and the answer."""
    ev = sorted(sizing.evidence, key=lambda e: e["value"])
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    x = [e["value"] for e in ev]
    ax.errorbar(x, [e["mean"] for e in ev], yerr=[e["ci95"] or 0.0 for e in ev], fmt="none", ecolor="grey", capsize=4)
    ax.scatter(x, [e["mean"] for e in ev], c=["seagreen" if e["met"] else "indianred" for e in ev], zorder=3,
               s=40, edgecolors="k")
    ax.axhline(sizing.target.threshold, color="crimson", ls="--", lw=1, label=f"target {sizing.target}")
    if sizing.answer is not None:
        ax.axvline(sizing.answer, color="navy", lw=1, label=f"answer: {sizing.knob} = {sizing.answer}")
    ax.set_xlabel(sizing.knob)
    ax.set_ylabel(f"{sizing.target.kpi.rpartition('.')[2]}, mean ± 95 % CI")
    which = "largest" if sizing.largest else "smallest"
    ax.set_title(f"{which} {sizing.knob}\nmeeting {sizing.target} with 95 % confidence "
                 f"({len(ev)} points; green: met)", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig
