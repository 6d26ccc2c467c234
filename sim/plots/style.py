"""What every plot shares: one colour per supplier, units, saving as PNG and SVG."""

from __future__ import annotations

from pathlib import Path

from matplotlib import colormaps
from matplotlib.figure import Figure

from sim.scenario import Scenario

DAY_S = 86_400.0
HOUR_S = 3_600.0
TOP_ROWS = 40  # rows of a chart with one row per supplier or part: more are unreadable, and slow to draw


def supplier_colours(scenario: Scenario) -> dict[str, tuple]:
    """One colour per supplier, fixed by its position in the scenario: the same in every plot of a
    run and in comparisons of variants of one scenario."""
    cmap = colormaps["tab20"]
    order = list(range(0, 20, 2)) + list(range(1, 20, 2))  # the ten strong colours first
    return {s.name: cmap(order[i % 20]) for i, s in enumerate(scenario.suppliers)}


def empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="grey")
    ax.set_xticks([])
    ax.set_yticks([])


def save(fig: Figure, folder: Path, name: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.png", folder / f"{name}.svg"]
    fig.savefig(paths[0], dpi=100, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    return paths


def ci(stat: dict | None) -> float:
    """A CI half-width usable as an error bar (0 when undefined)."""
    value = (stat or {}).get("ci95")
    return 0.0 if value is None or value != value else float(value)


def mean(stat: dict | None) -> float:
    value = (stat or {}).get("mean")
    return 0.0 if value is None or value != value else float(value)
