"""Plots checked on their matplotlib objects (not pixels): whiskers that stay inside what a figure
can be, legends that hide no data, map labels that do not collide, one distinct colour per
supplier, readable numbers, and a sizing plot that shows the points that decide the answer."""

from __future__ import annotations

import copy
import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import ErrorbarContainer
from matplotlib.text import Text

from sim.kpis import number
from sim.plots import PLOTS
from sim.plots import comparison
from sim.plots.labels import place_labels
from sim.plots.network import cars_per_shift, placement_map, trucks
from sim.plots.style import _lab, palette, supplier_colours, tick, whiskers
from sim.plots.supply import stoppage_bars, timeline
from sim.plots.sweeps import heatmap, kpi_lines, size_plot
from sim.results import Stat
from sim.runner import run
from sim.scenario import load_scenario
from sim.size import Sizing, Target
from sim.store import RunRecord, write_run

NANSHAN = Path(__file__).parents[1] / "scenarios" / "nanshan-detour.yaml"
SHAKY = "cooling-hoses"
SHAKY_PER_REP = [0.0, 0.0, 6.0]  # mean 2, sd sqrt(12), 95 % half-width t(2) x sd / sqrt(3) = 4.303 x 2 = 8.606


@pytest.fixture(scope="module")
def nanshan(tmp_path_factory) -> RunRecord:
    """nanshan-detour (46 suppliers, 4 of them hours away), 2 days, 3 replications; the supplier
    SHAKY made to stop the line 0, 0 and 6 min: a mean far smaller than its interval."""
    scenario = load_scenario(NANSHAN, ["horizon.days=2", "horizon.warmup_days=0.5", "replications=3"])
    folder = write_run(run(scenario, workers=1), out=tmp_path_factory.mktemp("runs") / "nanshan")
    data = RunRecord.open(folder)
    summary = copy.deepcopy(data.summary)
    summary.by_supplier[SHAKY].figures["stoppage_min"] = Stat(2.0, 8.606, 3)
    assert len(summary.per_replication) == len(SHAKY_PER_REP)
    for rep, x in zip(summary.per_replication, SHAKY_PER_REP):
        rep.by_supplier[SHAKY].figures["stoppage_min"] = x
        rep.kpis["stoppage_min"] = x
    return dataclasses.replace(data, summary=summary)


def drawn(fig):
    """The figure laid out and drawn (display coordinates are final)."""
    FigureCanvasAgg(fig).draw()
    return fig


def whisker_segments(ax) -> list[np.ndarray]:
    """Every error-bar segment of the axes, as 2 x 2 arrays of data points."""
    out = []
    for container in ax.containers:
        if isinstance(container, ErrorbarContainer):
            for lines in container.lines[2]:
                out += [np.asarray(s) for s in lines.get_segments()]
    return out


# whiskers -------------------------------------------------------------------------------------

def test_whiskers_by_hand():
    """Rows are (down, up). 2 ± 8.6 with a floor at 0: down 2, up 8.6. 0.9 ± 0.3 in [0, 1]: down
    0.3, up 0.1. Unbounded: ± as is."""
    assert whiskers([2.0], [8.6], 0.0, None)[:, 0].tolist() == pytest.approx([2.0, 8.6])
    assert whiskers([0.9], [0.3], 0.0, 1.0)[:, 0].tolist() == pytest.approx([0.3, 0.1])
    assert whiskers([-5.0], [1.0], None, None)[:, 0].tolist() == [1.0, 1.0]


def test_stoppage_whiskers_stop_at_zero(nanshan):
    """SHAKY's 2 ± 8.606 min is drawn from 0 to 10.606, not from -6.6; every whisker of both panels
    stays at or above 0."""
    fig = stoppage_bars(nanshan)
    for ax in fig.axes[:2]:
        segments = whisker_segments(ax)
        assert segments and min(s[:, 0].min() for s in segments) >= 0
    left = fig.axes[0]
    row = [t.get_text() for t in left.get_yticklabels()].index(SHAKY)
    y = left.get_yticks()[row]
    mine = [s for s in whisker_segments(left) if np.allclose(s[:, 1], y)]
    assert len(mine) == 1 and sorted(mine[0][:, 0]) == pytest.approx([0.0, 10.606])


@pytest.mark.parametrize("draw", [trucks, lambda r: comparison.kpis([r, r]),
                                  lambda r: comparison.supplier_stoppage_by_run([r, r])])
def test_no_whisker_of_a_count_goes_below_zero(nanshan, draw):
    fig = draw(nanshan)
    for ax in fig.axes:
        for s in whisker_segments(ax):
            horizontal = np.isclose(s[0, 1], s[1, 1])
            assert (s[:, 0] if horizontal else s[:, 1]).min() >= -1e-12


def test_availability_whisker_stays_at_or_below_one(nanshan):
    fig = comparison.kpis([nanshan, nanshan])
    ax = next(a for a in fig.axes if a.get_title().startswith("supply availability"))
    assert max(s[:, 1].max() for s in whisker_segments(ax)) <= 1.0 + 1e-12


def test_sweep_bands_stay_inside_the_kpi_bounds():
    """A stoppage of 1 ± 5 min is banded from 0 to 6; an availability of 0.98 ± 0.05 up to 1."""
    axes = {"k": [1, 2]}
    rows = [{"kpi": "stoppage_min", "k": k, "mean": 1.0, "ci95": 5.0} for k in (1, 2)]
    rows += [{"kpi": "supply_availability", "k": k, "mean": 0.98, "ci95": 0.05} for k in (1, 2)]
    for kpi, low, high in (("stoppage_min", 0.0, 6.0), ("supply_availability", 0.93, 1.0)):
        band = kpi_lines(rows, axes, kpi).axes[0].collections[0]
        y = np.concatenate([p.vertices[:, 1] for p in band.get_paths()])
        assert y.min() == pytest.approx(low) and y.max() == pytest.approx(high)


# legends --------------------------------------------------------------------------------------

def overlaps_data(fig) -> list[str]:
    """Legends whose box overlaps a (Cartesian) data area, after a draw."""
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    if not legends:
        return []
    drawn(fig)
    areas = [ax for ax in fig.axes if ax.name == "rectilinear" and ax.get_visible() and ax.get_label() != "<colorbar>"]
    return [f"{legend.texts[0].get_text()!r} over {ax.get_title()!r}" for legend in legends for ax in areas
            if legend.get_window_extent().overlaps(ax.bbox)]


def test_cars_per_shift_legend_hides_no_bar(nanshan):
    """The legend sat in the lower right corner, over the last week's bars."""
    fig = drawn(cars_per_shift(nanshan))
    ax = fig.axes[0]
    legend = (fig.legends or [ax.get_legend()])[0]
    box = legend.get_window_extent()
    assert not [p for p in ax.patches if p.get_window_extent().overlaps(box)]
    assert not box.overlaps(ax.bbox)


def test_no_legend_covers_a_data_area(nanshan):
    figures = [draw(nanshan) for name, (draw, _) in PLOTS.items() if name != "placement_map"]  # no legend there
    figures += [comparison.kpis([nanshan, nanshan]), comparison.supplier_stoppage_by_run([nanshan, nanshan]),
                comparison.stock_overlay([nanshan, nanshan])]
    axes = {"a": [1, 2, 3], "b": [1, 2]}
    rows = [{"kpi": "stoppage_min", "a": a, "b": b, "mean": a * b, "ci95": 1.0} for a in axes["a"] for b in axes["b"]]
    figures += [kpi_lines(rows, axes, "stoppage_min"), size_plot(sizing())]
    assert [bad for fig in figures for bad in overlaps_data(fig)] == []


# map labels -----------------------------------------------------------------------------------

def label_boxes(fig):
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_gid() in ("label", "ring")]
    return labels, [Text.get_window_extent(t) for t in labels]  # the text, not its leader line


def test_map_names_nearly_every_supplier_and_no_labels_collide(nanshan):
    """46 suppliers, 42 of them within a few minutes of the plant: at least 90 % are named, and no
    two labels (supplier names, ring names) overlap, nor does a label cover a marker."""
    fig = drawn(placement_map(nanshan))
    labels, boxes = label_boxes(fig)
    names = {t.get_text().rsplit(" ", 2)[0] for t in labels if t.get_gid() == "label"}
    assert len(names) >= 0.9 * len(nanshan.scenario.suppliers)
    assert {n for n, r in nanshan.summary.by_supplier.items() if r["stoppage_min"].mean > 0} <= names
    clashes = [(a.get_text(), b.get_text()) for (a, p), (b, q) in itertools.combinations(zip(labels, boxes), 2)
               if p.overlaps(q)]
    assert clashes == []
    ax = fig.axes[0]
    for markers in ax.collections:
        if not len(markers.get_offsets()):
            continue
        centres = ax.transData.transform(markers.get_offsets())
        radii = np.sqrt(markers.get_sizes()) / 2 * fig.dpi / 72
        for box, t in zip(boxes, labels):
            # nearest point of the box to each marker centre farther than the marker's radius
            dx = np.maximum.reduce([box.x0 - centres[:, 0], np.zeros(len(centres)), centres[:, 0] - box.x1])
            dy = np.maximum.reduce([box.y0 - centres[:, 1], np.zeros(len(centres)), centres[:, 1] - box.y1])
            assert (np.hypot(dx, dy) >= radii * np.ones(len(centres)) - 0.5).all(), t.get_text()


def test_labels_of_points_on_one_spot_are_spread_apart():
    """Three markers drawn on the very same spot get three labels, none over another or over the
    markers."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(4, 4))
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    points = np.array([[5.0, 5.0]] * 3)
    missed = place_labels(ax, points, ["alpha", "beta", "gamma"], np.full(3, 5.0), [0, 1, 2],
                          centre=ax.transData.transform((0, 0)))
    assert missed == []
    drawn(fig)
    boxes = [Text.get_window_extent(t) for t in ax.texts]
    assert len(boxes) == 3 and not any(p.overlaps(q) for p, q in itertools.combinations(boxes, 2))
    spot = ax.transData.transform((5.0, 5.0))
    assert all(not b.contains(*spot) for b in boxes)


def test_disruption_names_on_the_timeline_do_not_collide(nanshan):
    """Five closures that start together: their names went to three lanes in turn, so the fourth
    sat on the first; each now gets a free lane, inside the axes."""
    closures = ", ".join(f"{{name: snow-closure-{i}, kind: road_closed, start_day: 1.0, duration_h: {i + 1}}}"
                         for i in range(5))
    scenario = load_scenario(NANSHAN, ["horizon.days=2", "horizon.warmup_days=0.5", "replications=3",
                                       f"disruptions=[{closures}]"])
    fig = drawn(timeline(dataclasses.replace(nanshan, scenario=scenario)))
    ax = fig.axes[0]
    names = [t for t in ax.texts if t.get_color() == "crimson"]
    boxes = [t.get_window_extent() for t in names]
    assert len(names) == 5 and not any(p.overlaps(q) for p, q in itertools.combinations(boxes, 2))
    assert all(ax.get_ylim()[0] <= t.get_position()[1] and b.y1 <= ax.bbox.y1 for t, b in zip(names, boxes))


# colours --------------------------------------------------------------------------------------

def test_every_supplier_has_its_own_colour(nanshan):
    """A 20-colour cycle gave the 21st supplier the first one's colour; now 46 suppliers get 46
    colours that stay over 20 ΔE (CIELAB) apart, the same in every plot."""
    colours = supplier_colours(nanshan.scenario)
    assert len(set(colours.values())) == len(nanshan.scenario.suppliers) == 46
    lab = _lab(np.array(list(colours.values())))
    gaps = np.linalg.norm(lab[:, None] - lab[None], axis=2) + np.eye(len(lab)) * 1e9
    assert gaps.min() > 20
    fig = trucks(nanshan)
    bars = [tuple(p.get_facecolor()[:3]) for p in fig.axes[0].patches]
    assert len(bars) == 46 and len(set(bars)) == 46
    assert palette(46)[:10] == palette(10)  # a supplier keeps its colour when others are added


# numbers --------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [(1710.4, "1,710"), (2552.0, "2,552"), (201.3, "201"), (12.54, "12.5"),
                                         (3.4167, "3.42"), (0.4153, "0.415"), (0.008213, "0.00821"), (0, "0"),
                                         (-1234.5, "-1,234"), (1.2e9, "1,200,000,000"), (float("nan"), "–")])
def test_numbers_are_written_as_a_planner_reads_them(value, text):
    assert number(value) == text


def test_ticks_keep_their_decimals_and_group_thousands():
    assert [tick(v) for v in (40000.0, 2.5, 0.995, -0.0, 0.30000000000000004)] == ["40,000", "2.5", "0.995", "0", "0.3"]


def test_heatmap_cells_are_readable():
    """Cells once read 1.71e+03: now 1,710 (whole numbers with separators from 100 up)."""
    axes = {"km": [4, 12], "trucks": [1, 2]}
    means = {(4, 1): 0.0, (12, 1): 1710.4, (4, 2): 0.4153, (12, 2): 201.3}
    rows = [{"kpi": "stoppage_min", "km": k, "trucks": t, "mean": m, "ci95": 0.0} for (k, t), m in means.items()]
    texts = sorted(t.get_text() for t in heatmap(rows, axes, "stoppage_min").axes[0].texts)
    assert texts == sorted(["0", "1,710", "0.415", "201"])


# the sizing plot ------------------------------------------------------------------------------

EVIDENCE = [(0.5, 0.0, 0.0), (40.0, 1772.2, 44.9), (20.25, 1057.2, 62.6), (10.375, 0.0, 0.0), (15.3, 617.0, 35.0),
            (12.84, 301.3, 73.9), (11.61, 102.3, 61.9), (10.99, 1.04, 4.47), (10.68, 0.0, 0.0)]


def sizing() -> Sizing:
    """The evidence of `sim size` on the front-seat distance (3 days, 3 replications), answer 10.68 km."""
    ev = [{"value": v, "mean": m, "ci95": c, "n": 3, "met": m + c <= 0} for v, m, c in EVIDENCE]
    return Sizing("suppliers.front-seats.distance_km", Target.parse("by_supplier.front-seats.stoppage_min <= 0"),
                  True, 10.68, ev)


def test_size_plot_shows_the_points_that_decide_the_answer():
    """The points within two steps of the answer (10.375, 10.68, 10.99, 11.61 km; 10.99 stops the
    line 1.04 ± 4.47 min, 11.61 102 ± 62) reach 0 to 164 min: some panel shows them all on a y-range
    at most 1.5 x that, with the target line inside; on the full range (0 to 1,800) they sat flat on
    it. Every point lies inside some panel, and no whisker goes below 0."""
    fig = drawn(size_plot(sizing()))
    near = [(10.375, 0.0), (10.68, 0.0), (10.99, 1.04), (11.61, 102.3)]
    spread = 102.3 + 61.9 - 0.0

    def shows(ax, points):
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        return all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in points)

    zoomed = [ax for ax in fig.axes if shows(ax, near) and ax.get_ylim()[1] - ax.get_ylim()[0] <= 1.5 * spread]
    assert zoomed and all(ax.get_ylim()[0] <= 0.0 <= ax.get_ylim()[1] for ax in zoomed)
    assert any(shows(ax, [(v, m) for v, m, _ in EVIDENCE]) for ax in fig.axes)
    assert all(s[:, 1].min() >= 0 for ax in fig.axes for s in whisker_segments(ax))
    assert all(any(line.get_color() == "crimson" for line in ax.lines) for ax in fig.axes)  # the target
