"""What every plot shares: one distinct colour per supplier, whiskers that respect a figure's
bounds, readable numbers, legends that hide no data, saving as PNG and SVG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.kpis import bounds
from sim.results import Stat
from sim.scenario import Scenario

DAY_S = 86_400.0
HOUR_S = 3_600.0
TOP_ROWS = 60  # rows of a chart with one row per supplier or part (every shipped scenario fits): more are
# unreadable, and slow to draw

def whiskers(means: Sequence[float], halves: Sequence[float], low: float | None = 0.0,
             high: float | None = None) -> np.ndarray:
    """Asymmetric error bars (shape 2 × n, for ``yerr``/``xerr``) of mean ± half-width, cut at the
    bounds the figure cannot cross: a stoppage of 0.2 ± 2.7 min is drawn from 0 to 2.9, not from
    −2.5. The interval itself is unchanged; only the impossible part is not drawn."""
    m, h = np.asarray(means, dtype=float), np.asarray(halves, dtype=float)
    lower = h if low is None else np.clip(np.minimum(h, m - low), 0.0, None)
    upper = h if high is None else np.clip(np.minimum(h, high - m), 0.0, None)
    return np.vstack([lower, upper])


def band(means: np.ndarray, halves: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) edges of a mean ± half-width band, cut at the metric's bounds (from the KPI
    registry)."""
    low, high = bounds(metric)
    lo, hi = means - halves, means + halves
    return (lo if low is None else np.maximum(lo, low)), (hi if high is None else np.minimum(hi, high))


def tick(value: float, _pos=None) -> str:
    """An axis tick: thousands separated, as many decimals as the tick has (0.995, 2.5, 40,000)."""
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def readable_ticks(*axes) -> None:
    """Plain tick labels (``40,000``, not ``40000``, ``4e4`` or an offset) on the given x/y axes."""
    for axis in axes:
        axis.set_major_formatter(FuncFormatter(tick))


def legend_below(fig: Figure, handles=None, labels=None, **kw):
    """A figure legend under the axes, outside every data area, so that it hides no bar, point or
    line (the figure needs ``layout="constrained"``)."""
    if handles is None:
        handles, labels = fig.axes[0].get_legend_handles_labels()
    kw.setdefault("ncols", min(len(handles), 3))
    kw.setdefault("fontsize", 8)
    return fig.legend(handles, labels, loc="outside lower center", **kw)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (n × 3, 0–1) to CIELAB (D65), where Euclidean distance approximates perceived difference."""
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = lin @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz = xyz / [0.95047, 1.0, 1.08883]
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.column_stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])])


def palette(n: int) -> list[tuple[float, float, float]]:
    """``n`` colours as far apart as possible to the eye: matplotlib's ten tab10 colours first, then
    each next colour the sRGB grid point farthest (CIELAB distance) from all chosen so far, leaving
    out the very dark, the very light and the glaring. The i-th colour does not depend on ``n``, so a
    supplier keeps its colour when suppliers are added after it. 46 colours stay over 23 ΔE apart
    (a 20-colour cycle repeats itself after 20); past the few thousand grid colours they repeat."""
    seeds = [tuple(colormaps["tab10"](i)[:3]) for i in range(10)]
    levels = np.linspace(0.0, 1.0, 18)
    grid = np.array(np.meshgrid(levels, levels, levels, indexing="ij")).reshape(3, -1).T
    lab = _lab(grid)
    keep = (lab[:, 0] > 30) & (lab[:, 0] < 88) & (np.hypot(lab[:, 1], lab[:, 2]) < 70)  # no neon
    grid, lab = grid[keep], lab[keep]
    chosen = seeds[:n]
    gap = np.min(np.linalg.norm(lab[:, None] - _lab(np.array(chosen))[None], axis=2), axis=1)
    while len(chosen) < n:
        if gap.max() == 0:
            return [chosen[i % len(chosen)] for i in range(n)]
        i = int(np.argmax(gap))
        chosen.append(tuple(float(c) for c in grid[i]))
        gap = np.minimum(gap, np.linalg.norm(lab - lab[i], axis=1))
    return chosen


def supplier_colours(scenario: Scenario) -> dict[str, tuple]:
    """One colour per supplier, fixed by its position in the scenario: the same in every plot of a
    run and in comparisons of variants of one scenario, and no two suppliers alike."""
    return dict(zip((s.name for s in scenario.suppliers), palette(len(scenario.suppliers))))


def empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="grey")
    ax.set_xticks([])
    ax.set_yticks([])


def save_figure(fig: Figure, folder: Path, name: str) -> list[Path]:
    """``fig`` as ``folder/name.png`` (100 dpi) and ``.svg``; returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.png", folder / f"{name}.svg"]
    fig.savefig(paths[0], dpi=100, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    return paths


def ci(stat: Stat | None) -> float:
    """A CI half-width usable as an error bar (0 when undefined)."""
    value = None if stat is None else stat.ci95
    return 0.0 if value is None or value != value else float(value)


def mean(stat: Stat | None) -> float:
    """A mean usable as a bar (0 when undefined)."""
    value = None if stat is None else stat.mean
    return 0.0 if value is None or value != value else float(value)
