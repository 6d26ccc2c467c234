"""Plots of supply and stoppage: timeline, stoppage by supplier and part, stock, JIS margins."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from sim.calendar import WorkTime
from sim.disruptions import declared_windows
from sim.plots.labels import text_size
from sim.plots.style import DAY_S, TOP_ROWS, ci, empty, legend_below, mean, supplier_colours, whiskers
from sim.store import RunRecord


def _spans(table: dict, names: set[str]) -> dict[str, list[tuple[float, float]]]:
    """(start, end) seconds of each row of ``table`` by supplier, for the suppliers in ``names``,
    in one pass over the table."""
    out: dict[str, list] = {}
    for name, a, b in zip(table["supplier"].tolist(), table["start_s"].tolist(), table["end_s"].tolist()):
        if name in names:
            out.setdefault(name, []).append((a, b))
    return out


def timeline(run: RunRecord, replication: int = 0) -> Figure:
    """One row per supplier that held the line (the TOP_ROWS that held it longest when more did), a
    bar per stoppage; shifts' gaps and breaks grey; declared disruptions red, sampled supplier
    breakdowns orange on their supplier's row."""
    sc = run.scenario
    stops = run.columns("stoppages", replication)
    down = run.columns("downtime", replication)
    held: dict[str, float] = {}
    for name, minutes in zip(stops["supplier"].tolist(), stops["minutes"].tolist()):
        held[name] = held.get(name, 0.0) + minutes
    kept = set(sorted(held, key=lambda n: -held[n])[:TOP_ROWS])
    suppliers = [s.name for s in sc.suppliers if s.name in kept]
    colours = supplier_colours(sc)
    start, end = sc.horizon.warmup_days * DAY_S, sc.horizon.days * DAY_S
    fig = Figure(figsize=(12, 0.45 * max(len(suppliers), 2) + 2.2))
    ax = fig.add_subplot()
    min_width = (end - start) / DAY_S / 500  # short stops stay visible
    stop_spans, down_spans = _spans(stops, kept), _spans(down, kept)
    for y, name in enumerate(suppliers):
        spans = [(a / DAY_S, max((b - a) / DAY_S, min_width)) for a, b in stop_spans.get(name, [])]
        ax.broken_barh(spans, (y - 0.3, 0.6), color=colours[name], gid=f"stoppages:{name}")
        ax.broken_barh([(a / DAY_S, (b - a) / DAY_S) for a, b in down_spans.get(name, [])],
                       (y - 0.45, 0.12), color="darkorange", gid=f"breakdowns:{name}")
    wt = WorkTime.of(sc.calendar, end)
    for a, b in zip([0.0] + wt.ends, wt.starts + [end]):
        if b > a:
            ax.axvspan(a / DAY_S, b / DAY_S, color="grey", alpha=0.12, lw=0)
    top = max(len(suppliers), 1)
    ax.set_xlim(start / DAY_S, end / DAY_S)
    shown = [w for w in declared_windows(sc) if w.start < end and w.end > start]  # inside the window only
    for w in shown:
        ax.axvspan(w.start / DAY_S, w.end / DAY_S, color="crimson", alpha=0.18, lw=0)
    lanes = _disruption_names(ax, [(max(w.start, start) / DAY_S, w.label) for w in shown], top - 0.35)
    ax.set_yticks(range(len(suppliers)), suppliers)
    ax.set_ylim(-0.6, top + 0.6 + LANE * max(lanes - 3, 0))
    ax.set_xlabel("day (day 0 = Monday 00:00); grey: non-working time; red: declared disruptions; "
                  "orange: supplier breakdowns")
    ax.set_title(f"{sc.name}: supply stoppages by supplier, replication {replication}"
                 + ("" if suppliers else " (none)")
                 + (f" ({len(kept)} of the {len(held)} that stopped it, longest first)" if len(held) > len(kept) else ""))
    ax.grid(axis="x", alpha=0.3)
    return fig


LANE = 0.28  # rows (data units) between lanes of disruption names


def _disruption_names(ax, names: list[tuple[float, str]], y0: float) -> int:
    """Write each (day, name) at its day, above the supplier rows, in the lowest lane where it
    overlaps no name before it (names of disruptions close in time once sat on top of each other);
    returns the number of lanes used. The x-limits must be set (widths are measured in days)."""
    days_per_px = (ax.get_xlim()[1] - ax.get_xlim()[0]) / ax.bbox.width
    ends: list[float] = []  # where each lane is free again, days
    for day, name in sorted(names):
        width = (text_size(ax, name, 7)[0] + 6) * days_per_px
        lane = next((k for k, free_from in enumerate(ends) if free_from <= day), len(ends))
        ends[lane:lane + 1] = [day + width]
        ax.text(day, y0 + LANE * lane, name, fontsize=7, color="crimson", va="bottom", clip_on=True, gid="disruption")
    return len(ends)


def _bars(ax, rows: list[tuple[str, float, float, tuple]], xlabel: str, title: str) -> None:
    if not rows:
        empty(ax, "no supply stoppage in the measured window")
        ax.set_title(title)
        return
    y = np.arange(len(rows))[::-1]
    means = [m for _, m, _, _ in rows]
    ax.barh(y, means, xerr=whiskers(means, [e for _, _, e, _ in rows]), color=[c for *_, c in rows], capsize=3)
    ax.set_yticks(y, [n for n, *_ in rows])
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)


def stoppage_bars(run: RunRecord, top: int = 20) -> Figure:
    """Mean stoppage minutes per run window with 95 % CI, by supplier and by part."""
    colours = supplier_colours(run.scenario)
    by_s = [(n, mean(r["stoppage_min"]), ci(r["stoppage_min"]), colours[n]) for n, r in run.summary.by_supplier.items()]
    by_p = [(n, mean(r["stoppage_min"]), ci(r["stoppage_min"]), colours[r.labels["supplier"]])
            for n, r in run.summary.by_part.items()]
    by_s = sorted((r for r in by_s if r[1] > 0), key=lambda r: -r[1])[:top]
    by_p = sorted((r for r in by_p if r[1] > 0), key=lambda r: -r[1])[:top]
    fig = Figure(figsize=(12, 0.32 * max(len(by_s), len(by_p), 3) + 1.8))
    left, right = fig.subplots(1, 2)
    n = run.scenario.replications
    label = "stoppage [working min per run window], mean ± 95 % CI"
    _bars(left, by_s, label, f"by supplier ({n} replications)")
    _bars(right, by_p, label, "by part (coloured by supplier)")
    fig.suptitle(f"{run.scenario.name}: line stoppage caused")
    fig.tight_layout()
    return fig


def critical_parts(run: RunRecord, count: int = 4) -> list[str]:
    """The parts that came closest to running out: most stoppage, then lowest minimum stock
    relative to the stock they average."""
    def key(item):
        _, row = item
        low = mean(row["stock_min"]) / max(mean(row["stock_mean"]), 1e-9)
        return (-mean(row["stoppage_min"]), low)
    return [name for name, _ in sorted(run.summary.by_part.items(), key=key)[:count]]


def stock_points(deliveries: dict) -> dict:
    """Line-side stock just before and after each delivery (those in the window), in time order:
    ``part``, ``time_s``, ``before``, ``after``."""
    known = np.isfinite(deliveries["stock_after"])
    order = np.argsort(deliveries["lineside_s"][known], kind="stable")
    return {"part": deliveries["part"][known][order], "time_s": deliveries["lineside_s"][known][order],
            "before": deliveries["stock_before"][known][order], "after": deliveries["stock_after"][known][order]}


def sawtooth(times: np.ndarray, before: np.ndarray, after: np.ndarray, worktime: WorkTime) -> tuple[np.ndarray, np.ndarray]:
    """Points of the stock curve: the level after each delivery falls, in *working* time, to the
    level before the next one, so the curve is flat through breaks, nights off and weekends."""
    if len(times) < 2:
        return np.repeat(times, 2), np.column_stack([before, after]).ravel()
    bounds = np.array(worktime.starts + worktime.ends)
    bounds = bounds[(bounds > times[0]) & (bounds < times[-1])]
    grid = np.union1d(bounds, times)
    seg = np.clip(np.searchsorted(times, grid, side="right") - 1, 0, len(times) - 2)
    w, w0, w1 = worktime.work_array(grid), worktime.work_array(times[seg]), worktime.work_array(times[seg + 1])
    frac = np.where(w1 > w0, (w - w0) / np.where(w1 > w0, w1 - w0, 1.0), 0.0)
    level = after[seg] + (before[seg + 1] - after[seg]) * frac
    # at a delivery the curve jumps from before to after: put both points there
    at = np.isin(grid, times)
    xs = np.concatenate([grid, times])
    ys = np.concatenate([np.where(at, np.nan, level), after])
    ys[: len(grid)][at] = before[np.searchsorted(times, grid[at])]
    order = np.lexsort((np.concatenate([np.zeros(len(grid)), np.ones(len(times))]), xs))
    return xs[order], ys[order]


def stock(run: RunRecord, replication: int = 0) -> Figure:
    """Line-side stock of the most critical parts: the level just before and after each delivery,
    falling in between as the line works (flat in breaks and time off). Kanban:
    full loop (cards × pack) and one pack dashed; JIS: the moments the line waited for it in red."""
    sc = run.scenario
    names = critical_parts(run)
    index = {p.name: (s, p) for s, p in sc.parts}
    colours = supplier_colours(sc)
    table = stock_points(run.columns("deliveries", replication, names=("part", "lineside_s", "stock_before", "stock_after")))
    stops = run.columns("stoppages", replication)
    worktime = WorkTime.of(sc.calendar, sc.horizon.days * DAY_S)
    fig = Figure(figsize=(12, 2.2 * len(names) + 1.2), layout="constrained")
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    key = {}  # one legend for all panels, below them: inside a panel it hid the last days' curve
    for ax, name in zip(axes, names):
        supplier, part = index[name]
        mine = table["part"] == name
        xs, ys = sawtooth(table["time_s"][mine], table["before"][mine], table["after"][mine], worktime)
        ax.plot(xs / DAY_S, ys, color=colours[supplier.name], lw=0.8)
        if part.mode == "jis":
            for s in stops["start_s"][stops["part"] == name]:
                key["the line waited for this JIS part"] = ax.axvline(s / DAY_S, color="crimson", lw=0.8)
        else:
            key["kanban: cards × pack (full loop)"] = ax.axhline(part.cards * part.pack_size, ls="--", color="grey",
                                                                 lw=0.8)
            key["kanban: one pack"] = ax.axhline(part.pack_size, ls=":", color="grey", lw=0.8)
        ax.axvspan(0, sc.horizon.warmup_days, color="grey", alpha=0.12)
        ax.set_ylabel("units line-side")
        ax.set_title(f"{name} ({part.mode}, station {part.station}, {supplier.name})", fontsize=9, loc="left")
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("day (day 0 = Monday 00:00; grey: warm-up)")
    if key:
        legend_below(fig, list(key.values()), list(key))
    fig.suptitle(f"{sc.name}: line-side stock of the parts closest to running out, replication {replication}")
    return fig


def jis_margins(run: RunRecord) -> Figure:
    """Distribution per JIS part of how many minutes before its first car needed it each load
    arrived (all replications); left of zero, the line waited. With more than TOP_ROWS JIS parts,
    the TOP_ROWS with the lowest 5th percentile."""
    sc = run.scenario
    table = run.columns("deliveries", names=("part", "jis_margin_min"))
    parts = [(s, p) for s, p in sc.parts if p.mode == "jis"]
    colours = supplier_colours(sc)
    finite = np.isfinite(table["jis_margin_min"])
    names, values = table["part"][finite], table["jis_margin_min"][finite]
    order = np.argsort(names, kind="stable")  # grouped by part in one sort, not a scan (or a list) per part
    names, values = names[order], values[order]
    cut = np.flatnonzero(names[1:] != names[:-1]) + 1
    margins = {str(group[0]): v for group, v in zip(np.split(names, cut), np.split(values, cut)) if len(group)}
    rows = [(np.percentile(margins[p.name], 5), s, p) for s, p in parts if p.name in margins]
    shown = {p.name for _, _, p in sorted(rows, key=lambda r: r[0])[:TOP_ROWS]}
    fig = Figure(figsize=(11, 0.45 * max(len(shown), 2) + 1.6))
    ax = fig.add_subplot()
    data, labels, cols = [], [], []
    for p5, supplier, part in rows:
        if part.name in shown:
            data.append(margins[part.name])
            labels.append(f"{part.name} (p5 {p5:,.0f} min)")
            cols.append(colours[supplier.name])
    if not data:
        empty(ax, "no JIS delivery in the measured window")
    else:
        y = np.arange(len(data))[::-1]
        box = ax.boxplot(data[::-1], positions=y[::-1], orientation="horizontal", whis=(5, 95), showfliers=False, patch_artist=True)
        for patch, colour in zip(box["boxes"], cols[::-1]):
            patch.set_facecolor(colour)
        ax.set_yticks(y, labels)
        ax.axvline(0, color="crimson", lw=1)
    ax.set_xlabel("JIS margin [min]: first car's need minus arrival (box: quartiles, whiskers: 5-95 %)")
    ax.set_title(f"{sc.name}: how early JIS loads arrive"
                 + (f" ({len(shown)} of {len(rows)} JIS parts, the closest to late)" if len(rows) > len(shown) else ""))
    ax.grid(axis="x", alpha=0.3)
    return fig
