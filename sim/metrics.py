"""KPIs of a replication from its frozen tables: pure numpy, no SimPy.

All KPIs cover the measured window ``[warmup_days, days)``; rows that straddle its start are cut.
Times are clock seconds unless a name says otherwise; minutes in outputs are ``*_min``. A supply
stoppage's minutes are *working* minutes lost (breaks inside a stoppage are not counted), each
attributed to the part that held the line, its supplier, and the disruption that affected that
supplier in the window ``[start - loop time, end]`` (the latest one to start), if any: a road closure
that ended an hour before the line ran dry still caused it.

Two ratios, not to be confused: ``supply_availability`` is 1 - supply stoppage time / working time
(supply stops only; line breakdowns do not lower it), ``run_ratio`` is cars built / cars planned
(everything that cost cars: supply stops, breakdowns, a cycle still running at the window's end).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.calendar import DAY_S, WorkTime, shifts_on_days
from sim.disruptions import declared_windows
from sim.model.loop import loop_class
from sim.recorder import Tables
from sim import kpis
from sim.results import ReplicationMetrics, Row
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Frame:
    """What metrics need to read the tables: the scenario, its calendar and the measured window."""

    scenario: Scenario
    worktime: WorkTime
    start: float  # clock s
    end: float

    @classmethod
    def of(cls, scenario: Scenario) -> "Frame":
        horizon = scenario.horizon.days * DAY_S
        return cls(scenario, WorkTime.of(scenario.calendar, horizon), scenario.horizon.warmup_days * DAY_S, horizon)

    @property
    def working_s(self) -> float:
        return self.worktime.worked_between(self.start, self.end)

    def clip_w(self, start_w: np.ndarray, end_w: np.ndarray) -> np.ndarray:
        """Working seconds of each [start_w, end_w) that fall inside the window."""
        lo, hi = self.worktime.work(self.start), self.worktime.work(self.end)
        return np.clip(end_w, lo, hi) - np.clip(start_w, lo, hi)

    @cached_property
    def parts(self) -> list:
        """(supplier, part) by part index, built once: ``Scenario.parts`` rebuilds its list on every
        call, and per-part code that called it made the work quadratic in the parts."""
        return self.scenario.parts

    @cached_property
    def supplier_of(self) -> list[int]:
        """The supplier index of each part."""
        return [i for i, s in enumerate(self.scenario.suppliers) for _ in s.parts]


class PerPart:
    """The rows of a table grouped by part index with one stable sort, so per-part figures cost
    the part's own rows rather than a scan of the whole table per part."""

    def __init__(self, part: np.ndarray, parts: int):
        order = np.argsort(part, kind="stable")
        self._order = order
        self._bounds = np.searchsorted(part[order], np.arange(parts + 1), side="left").tolist()

    def __getitem__(self, p: int) -> np.ndarray:
        """Row indices of part ``p``, in table order."""
        return self._order[self._bounds[p]:self._bounds[p + 1]]


def loop_time_s(scenario: Scenario, supplier, part) -> float:
    """Nominal time from a load's need to its arrival: fill, load, both ways, unload (and build)."""
    unload = scenario.plant.unload_min if supplier.unload_min is None else supplier.unload_min
    t = (supplier.load_min + unload + part.dispatch_max_wait_min) * 60.0 + 2 * supplier.one_way_h * 3600.0
    return t + loop_class(part).nominal_extra_s(part)


def cycle_times(frame: Frame, tables: Tables) -> tuple[np.ndarray, np.ndarray]:
    """(clock start, clock end) of every started cycle; a cycle with a breakdown ends later."""
    takt = frame.scenario.line.takt_s
    start_w = tables.cycle_starts_w(takt)
    end_w = start_w + takt
    if len(tables.breakdowns):
        np.add.at(end_w, tables.breakdowns["cycle"], tables.breakdowns["repair_w"])
    wt = frame.worktime
    starts = wt.clock_array(start_w)
    # a segment's first cycle starts when the line (re)started it, e.g. at the unload that ended a
    # stoppage: the recorded clock time, exactly, not one recomputed through working time
    starts[tables.segments["cycle"]] = tables.segments["start_t"]
    return starts, wt.clock_array(end_w, end=True)


def shift_windows(frame: Frame) -> list[tuple[str, float, float]]:
    """(shift name, clock start, clock end) of every shift that overlaps the measured window."""
    return [(name, start, end) for name, start, end, _ in shifts_on_days(frame.scenario.calendar, frame.end)
            if start < frame.end and end > frame.start]


def shift_table(frame: Frame, ends: np.ndarray) -> dict[str, np.ndarray]:
    """Cars planned (working time / takt) and built (cycles ending inside) per shift in the window."""
    shifts = shift_windows(frame)
    takt = frame.scenario.line.takt_s
    lo = np.array([max(s, frame.start) for _, s, _ in shifts])
    hi = np.array([min(e, frame.end) for _, _, e in shifts])
    done = np.sort(ends[np.isfinite(ends)])
    built = np.searchsorted(done, hi, side="right") - np.searchsorted(done, lo, side="right")
    planned = np.array([frame.worktime.worked_between(a, b) / takt for a, b in zip(lo, hi)])
    return {"shift": np.array([n for n, _, _ in shifts], dtype=object), "start": lo, "end": hi,
            "planned": planned, "built": built}


def attribute(frame: Frame, tables: Tables, part_index: np.ndarray, start: np.ndarray, end: np.ndarray) -> list[str]:
    """The disruption each stoppage is attributed to ("" for none). Each stoppage looks only at the
    windows of its own supplier: declared ones that affect it and its sampled breakdowns."""
    scenario = frame.scenario
    declared = [(w.label, w.start, w.end, w) for w in declared_windows(scenario)]
    downs: dict[int, list] = {}
    for s, a, b in tables.supplier_down.tolist():
        downs.setdefault(int(s), []).append((f"breakdown:{scenario.suppliers[int(s)].name}", a, b))
    mine: dict[int, list] = {}  # supplier index -> its windows, built when first needed
    labels = []
    for p, t0, t1 in zip(part_index.tolist(), start.tolist(), end.tolist()):
        (supplier, part), s_index = frame.parts[p], frame.supplier_of[p]
        if s_index not in mine:
            mine[s_index] = [(label, a, b) for label, a, b, w in declared if w.affects(supplier)] + downs.get(s_index, [])
        lookback = loop_time_s(scenario, supplier, part)
        best, best_start = "", -np.inf
        for label, a, b in mine[s_index]:
            if a <= t1 and b + lookback >= t0 and a > best_start:
                best, best_start = label, a
        labels.append(best)
    return labels


def stoppage_table(frame: Frame, tables: Tables) -> dict[str, np.ndarray]:
    """Supply stoppages inside the window, with minutes lost, part, supplier and disruption."""
    st = tables.stoppages
    lost = frame.clip_w(st["start_w"], st["end_w"])
    keep = (lost > 0) & (st["start"] < frame.end) & (st["end"] > frame.start)
    st, lost = st[keep], lost[keep]
    names = [(s.name, p.name, p.station) for s, p in frame.parts]
    return {
        "start": st["start"], "end": st["end"], "minutes": lost / 60.0, "cycle": st["cycle"],
        "part_index": st["part"],
        "part": np.array([names[i][1] for i in st["part"]], dtype=object),
        "supplier": np.array([names[i][0] for i in st["part"]], dtype=object),
        "station": np.array([names[i][2] for i in st["part"]], dtype=np.int64),
        "disruption": np.array(attribute(frame, tables, st["part"], st["start"], st["end"]), dtype=object),
    }


def stock_steps(frame: Frame, tables: Tables, part: int, starts: np.ndarray, trips: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every change of one part's line-side units, in event order: (times, units after each change,
    position of each of the part's trips in that order). A load counts when it goes line-side (at
    its unload, or later from the yard). At equal times a delivery counts before a
    car that starts then (the line starts a cycle after every other event of the instant); equal
    times are kept, not merged, so the level between a delivery and such a car is there too.
    ``trips``: the part's rows of ``tables.trips`` when the caller has them grouped already."""
    scenario, spec = frame.scenario, frame.parts[part][1]
    offset = scenario.line.stations - spec.station
    usage = np.array([spec.usage_of(m) for m in scenario.line.models], dtype=np.int64)
    per_car = usage[tables.sequence[offset:offset + len(starts)].astype(np.int64)]
    use_t = starts[: len(per_car)]
    if trips is None:
        trips = tables.trips[tables.trips["part"] == part]
    times = np.concatenate(([0.0], trips["lineside"], use_t))
    delta = np.concatenate(([tables.initial_stock[part]], trips["units"], -per_car))
    order = np.argsort(times, kind="stable")  # at equal times: start, deliveries, then use
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return times[order], np.cumsum(delta[order]), position[1:1 + len(trips)]


def stock_series(frame: Frame, tables: Tables, part: int, starts: np.ndarray, trips: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(times, line-side units after each change) of one part up to the end of the window:
    deliveries up, cars' use down (see :func:`stock_steps`)."""
    times, level, _ = stock_steps(frame, tables, part, starts, trips)
    keep = times <= frame.end
    return times[keep], level[keep]


def stock_stats(frame: Frame, times: np.ndarray, level: np.ndarray) -> dict[str, float]:
    """Time-weighted mean, peak and minimum of a step function over the window (levels of changes
    at the window's first instant included)."""
    i0 = max(int(np.searchsorted(times, frame.start, side="left")) - 1, 0)
    t = np.concatenate(([frame.start], times[i0 + 1:], [frame.end]))
    v = np.concatenate(([level[i0]], level[i0 + 1:]))
    dt = np.diff(t)
    return {"stock_mean": float((v * dt).sum() / dt.sum()), "stock_peak": float(v.max()), "stock_min": float(v.min())}


def jis_margins(frame: Frame, tables: Tables, part: int, starts: np.ndarray, stoppages: dict,
                trips: np.ndarray | None = None, held: np.ndarray | None = None) -> np.ndarray:
    """Minutes between each JIS load's arrival line-side and the moment its first car needed it
    (negative: the line waited), for the part's loads unloaded in the window. The need is the
    cycle's start, or the start of the stoppage the missing load caused. ``trips`` (the part's rows
    of ``tables.trips``) and ``held`` (its rows of ``stoppages``) when the caller has them grouped."""
    offset = frame.scenario.line.stations - frame.parts[part][1].station
    if trips is None:
        trips = tables.trips[tables.trips["part"] == part]
    trips = trips[trips["unloaded"] >= frame.start]
    cycle = trips["first_car"] - offset
    ok = (cycle >= 0) & (cycle < len(starts))
    need = np.full(len(trips), np.nan)
    need[ok] = starts[cycle[ok]]
    if held is None:
        held = np.flatnonzero(stoppages["part_index"] == part)
    first_stop = dict(zip(stoppages["cycle"][held][::-1].tolist(), stoppages["start"][held][::-1].tolist()))
    for n, c in enumerate(cycle.tolist()):
        if c in first_stop:
            need[n] = first_stop[c]
    need[need > frame.end] = np.nan  # needed after the run ended: unknown
    return (need - trips["unloaded"]) / 60.0


class Reading:
    """One replication's tables read once for the figures and the event tables alike: cycle times,
    the stoppages in the window, and the trips grouped by part."""

    def __init__(self, frame: Frame, tables: Tables):
        self.frame, self.tables = frame, tables
        self.starts, self.ends = cycle_times(frame, tables)
        self.stops = stoppage_table(frame, tables)
        n = len(frame.parts)
        trips = tables.trips
        self.in_window = (trips["depart"] >= frame.start) & (trips["depart"] < frame.end)
        self.by_part, self.held = PerPart(trips["part"], n), PerPart(self.stops["part_index"], n)

    @cached_property
    def margins(self) -> np.ndarray:
        """Per trip: its JIS margin in minutes (see :func:`jis_margins`); NaN for a kanban part's
        trip, one unloaded before the window, or one whose need is unknown."""
        frame, trips = self.frame, self.tables.trips
        margin = np.full(len(trips), np.nan)
        for p, (_, part) in enumerate(frame.parts):
            if part.mode == "jis":
                rows = self.by_part[p]
                mine = rows[trips["unloaded"][rows] >= frame.start]
                margin[mine] = jis_margins(frame, self.tables, p, self.starts, self.stops, trips[rows], self.held[p])
        return margin



def _jis_figures(reading: Reading, p: int, rows: np.ndarray, stock: dict[str, float]) -> dict[str, float]:
    frame, trips = reading.frame, reading.tables.trips[rows]
    scenario, part = frame.scenario, frame.parts[p][1]
    # coverage: how long the line could run on what is line-side, time-weighted: n cars' units last
    # n cycles and what is left of the current one (its car took its units as the cycle started),
    # on average half a takt; cars counted at the sequence's mean usage
    usage = np.array([part.usage_of(m) for m in scenario.line.models], dtype=float)
    per_car = float(usage[reading.tables.sequence.astype(np.int64)].mean()) if len(reading.tables.sequence) else 0.0
    coverage = (stock["stock_mean"] / per_car + 0.5) * scenario.line.takt_s / 60.0 if per_car > 0 else float("nan")
    # loads unloaded in the window that came within window_min of their due time
    arrived = trips[(trips["unloaded"] >= frame.start) & (trips["unloaded"] < frame.end) & np.isfinite(trips["due"])]
    inside = np.abs(arrived["unloaded"] - arrived["due"]) <= part.window_min * 60.0
    figures = {"jis_coverage_min": coverage,
               "jis_in_window_share": float(inside.mean()) if len(arrived) else float("nan")}
    figures.update(_rush_figures(reading, p))
    m = reading.margins[rows]
    m = m[~np.isnan(m)]
    if not len(m):
        return figures | {"jis_margin_min_p5": float("nan"), "jis_margin_min_mean": float("nan"),
                          "jis_margin_min_min": float("nan")}
    return figures | {"jis_margin_min_p5": float(np.percentile(m, 5)), "jis_margin_min_mean": float(m.mean()),
                      "jis_margin_min_min": float(m.min())}


def _kanban_figures(reading: Reading, p: int, rows: np.ndarray, stock: dict[str, float]) -> dict[str, float]:
    trips = reading.tables.trips[rows[reading.in_window[rows]]]
    lead = (trips["unloaded"] - trips["released"]) / 60.0  # card released to unloaded
    return {"kanban_lead_min_mean": float(lead.mean()) if len(lead) else float("nan")}


def _rush_figures(reading: Reading, p: int) -> dict[str, float]:
    """A JIS part's sequence changes in the window (see :mod:`sim.model.sequence`): cars that left
    after its call-off (their units set aside) or entered after it without their units (a rush
    order each, issued in the window); express trips and their km; and the working minutes of the
    part's stoppages at the need cycle of a rush order that came line-side after the stop began."""
    tables, frame = reading.tables, reading.frame
    rush = tables.rush[tables.rush["part"] == p]
    rush = rush[(rush["issued"] >= frame.start) & (rush["issued"] < frame.end)]
    aside = tables.aside[tables.aside["part"] == p]
    cycle = aside["cycle"]
    started = cycle < len(reading.starts)
    at = np.full(len(cycle), np.inf)
    at[started] = reading.starts[cycle[started]]
    aside = aside[(at >= frame.start) & (at < frame.end)]
    express = rush["from_buffer"] == 0
    due: dict[int, float] = {}  # need cycle -> when its last rush unit came line-side
    for c, a in zip(rush["need_cycle"].tolist(), rush["arrive"].tolist()):
        due[c] = max(a, due.get(c, a))
    held = reading.held[p]
    stops = reading.stops
    late = [m for c, t, m in zip(stops["cycle"][held].tolist(), stops["start"][held].tolist(),
                                 stops["minutes"][held].tolist()) if due.get(c, -np.inf) > t]
    return {"sequence_changes": int(len(aside) + len(rush)), "rush_orders": int(len(rush)),
            "rush_trips": int(express.sum()), "rush_km": float(rush["km"].sum()),
            "units_aside": int(aside["units"].sum()),
            "rush_stoppage_min": float(sum(late))}


# A delivery mode's own figures of a part, by mode name: (reading, part index, the part's trip rows,
# its line-side stock figures) -> figures named in the KPI registry. A mode without figures of its own needs no entry.
MODE_FIGURES = {"jis": _jis_figures, "kanban": _kanban_figures}


def measure(frame: Frame, tables: Tables, replication: int = 0, reading: Reading | None = None) -> ReplicationMetrics:
    """Every KPI of one replication, with per-part, per-supplier and per-disruption rows."""
    reading = reading or Reading(frame, tables)
    scenario, takt = frame.scenario, frame.scenario.line.takt_s
    starts, ends, stops = reading.starts, reading.ends, reading.stops
    bd = tables.breakdowns
    breakdown_s = frame.clip_w(frame.worktime.work_array(bd["start"]), frame.worktime.work_array(bd["end"]))
    trips = tables.trips[reading.in_window]
    stoppage_s = float(stops["minutes"].sum() * 60.0)
    working = frame.working_s
    built, planned = int(((ends > frame.start) & (ends <= frame.end)).sum()), working / takt
    values = {
        "cars_built": built,
        "cars_planned": planned,
        "run_ratio": built / planned if planned > 0 else float("nan"),  # supply stops and breakdowns
        "stoppages": int(len(stops["minutes"])),
        "stoppage_min": stoppage_s / 60.0,
        "supply_availability": 1.0 - stoppage_s / working if working > 0 else float("nan"),  # supply stops only
        "lost_cars": stoppage_s / takt,
        "breakdown_min": float(breakdown_s.sum() / 60.0),
        "truck_trips": int(len(trips)),
        "truck_km": float(trips["km"].sum()),
    }
    run_kpis = {k: values[k] for k in kpis.names("run")}
    n = len(frame.parts)
    stop_min = np.bincount(stops["part_index"], weights=stops["minutes"], minlength=n).tolist()
    stop_count = np.bincount(stops["part_index"], minlength=n).tolist()
    trip_count = np.bincount(trips["part"], minlength=n).tolist()
    trip_km = np.bincount(trips["part"], weights=trips["km"], minlength=n).tolist()
    by_part = {}
    for p, (supplier, part) in enumerate(frame.parts):
        figures = {"stoppage_min": stop_min[p], "stoppages": stop_count[p], "trips": trip_count[p],
                   "truck_km": trip_km[p]}
        rows = reading.by_part[p]
        stock = stock_stats(frame, *stock_series(frame, tables, p, starts, tables.trips[rows]))
        figures.update(stock)
        own = MODE_FIGURES.get(part.mode)
        if own is not None:
            figures.update(own(reading, p, rows, stock))
        by_part[part.name] = Row({"supplier": supplier.name, "mode": part.mode, "station": part.station}, figures)
    by_supplier = {}
    for s in scenario.suppliers:
        rows = [by_part[p.name] for p in s.parts]
        by_supplier[s.name] = Row({}, {k: sum(r.get(k, 0) for r in rows) for k in kpis.names("supplier")})
    by_disruption: dict[str, dict] = {}
    for label, minutes in zip(stops["disruption"].tolist(), stops["minutes"].tolist()):
        entry = by_disruption.setdefault(label or "none", {"stoppage_min": 0.0, "stoppages": 0})
        entry["stoppage_min"] += minutes
        entry["stoppages"] += 1
    return ReplicationMetrics(replication, run_kpis, by_part, by_supplier,
                              {k: Row({}, v) for k, v in by_disruption.items()})


# --- event tables: what a run folder keeps of each replication, one row per event ----------------------

def _names(objects) -> np.ndarray:
    return np.array([o.name for o in objects], dtype=object)


def stoppage_rows(frame: Frame, reading: Reading) -> dict[str, np.ndarray]:
    """Supply stoppages inside the window: when, how many working minutes, which part held the
    line, its station and supplier, and the disruption it is attributed to ("" for none)."""
    st = reading.stops
    return {"start_s": st["start"], "end_s": st["end"], "minutes": st["minutes"], "station": st["station"],
            "part": st["part"], "supplier": st["supplier"], "disruption": st["disruption"]}


def delivery_rows(frame: Frame, reading: Reading) -> dict[str, np.ndarray]:
    """Every truck load delivered, as the phases of its trip: the need arose (``released_s``: a
    kanban card released, a JIS rack's last call-off), the load was ready ``ready_min`` later, held
    ``held_min`` until the truck left (``depart_s``), travelled ``travel_min`` (of which
    ``delay_min`` disruptions), waited ``dock_wait_min`` for a dock, unloaded in ``unload_min`` (done
    at ``unloaded_s``) and the truck was back ``return_min`` later; a JIS load was due at
    ``due_s`` and waited ``yard_min`` in the yard before going line-side at ``lineside_s``. Line-side
    units of the part just before and after it went line-side (NaN after the window's end) and, for
    JIS, the margin. Rows part by
    part (scenario order), each part's in unload order."""
    tables, trips = reading.tables, reading.tables.trips
    parts = _names(p for _, p in frame.parts)
    before, after = np.full(len(trips), np.nan), np.full(len(trips), np.nan)
    for p in range(len(frame.parts)):
        rows = reading.by_part[p]
        _, level, at = stock_steps(frame, tables, p, reading.starts, trips[rows])
        inside = trips["lineside"][rows] <= frame.end
        level_after = level[at[inside]]  # the level right after this delivery
        after[rows[inside]] = level_after
        before[rows[inside]] = level_after - trips["units"][rows[inside]]

    def minutes(a: str, b: str) -> np.ndarray:
        return (trips[b] - trips[a]) / 60.0

    columns = {
        "supplier": _names(frame.scenario.suppliers)[trips["supplier"]], "part": parts[trips["part"]],
        "truck": trips["truck"], "items": trips["items"], "units": trips["units"], "km": trips["km"],
        "released_s": trips["released"], "depart_s": trips["depart"], "unloaded_s": trips["unloaded"],
        "ready_min": minutes("released", "ready"), "held_min": minutes("ready", "depart"),
        "travel_min": minutes("depart", "arrive"), "delay_min": trips["delay_s"] / 60.0,
        "dock_wait_min": minutes("arrive", "dock"), "unload_min": minutes("dock", "unloaded"),
        "return_min": minutes("unloaded", "returned"), "jis_margin_min": reading.margins,
        "due_s": trips["due"], "yard_min": minutes("unloaded", "lineside"), "lineside_s": trips["lineside"],
        "stock_before": before, "stock_after": after,
    }
    # part by part, each in unload order: a part's history reads down, and the store compresses a
    # column of one part's similar numbers far better (a third smaller) than the trips interleaved
    order = np.lexsort((trips["unloaded"], trips["part"]))
    return {name: values[order] for name, values in columns.items()}


def breakdown_rows(frame: Frame, reading: Reading) -> dict[str, np.ndarray]:
    """Line breakdowns: the cycle, when (clock s) and the repair's working minutes."""
    bd = reading.tables.breakdowns
    return {"cycle": bd["cycle"], "start_s": bd["start"], "end_s": bd["end"], "repair_min": bd["repair_w"] / 60.0}


def shift_rows(frame: Frame, reading: Reading) -> dict[str, np.ndarray]:
    """Cars planned and built per shift (the window's first and last shifts cut)."""
    t = shift_table(frame, reading.ends)
    return {"shift": t["shift"], "start_s": t["start"], "end_s": t["end"], "planned": t["planned"],
            "built": t["built"]}


def downtime_rows(frame: Frame, reading: Reading) -> dict[str, np.ndarray]:
    """Sampled supplier breakdown windows (declared disruptions are in the scenario)."""
    d = reading.tables.supplier_down
    return {"supplier": _names(frame.scenario.suppliers)[d["supplier"].astype(np.int64)], "start_s": d["start"],
            "end_s": d["end"], "minutes": (d["end"] - d["start"]) / 60.0}


# name -> rows of one replication; the run folder's tables, in this order
EVENT_TABLES = {"stoppages": stoppage_rows, "deliveries": delivery_rows, "breakdowns": breakdown_rows,
                "shifts": shift_rows, "downtime": downtime_rows}


def event_digits(column: str) -> int | None:
    """Decimals an event table keeps of a column: clock seconds to 0.1 s and minutes to 0.001 min
    (full precision made a run folder's tables three times larger and told a planner nothing more);
    other numbers as they are. The figures are computed before this, at full precision."""
    if column.endswith("_s"):
        return 1
    if column.endswith("_min") or column == "minutes":
        return 3
    return None


def _kept(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for name, values in columns.items():
        digits = event_digits(name)
        out[name] = np.round(values, digits) if digits is not None and np.issubdtype(values.dtype, np.floating) else values
    return out


def event_tables(frame: Frame, tables: Tables, reading: Reading | None = None,
                 names: tuple[str, ...] | None = None) -> dict[str, dict[str, np.ndarray]]:
    """The event tables ``names`` (default: all) of one replication (columns of equal length;
    names, not indices; rounded as :func:`event_digits` says, the same in memory as in a run folder)."""
    reading = reading or Reading(frame, tables)
    return {name: _kept(rows(frame, reading)) for name, rows in EVENT_TABLES.items() if names is None or name in names}
