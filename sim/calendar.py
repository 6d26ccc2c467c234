"""Working time: which clock seconds are worked, and conversion between clock and working seconds.

Clock time ``t`` is seconds since day 0, Monday 00:00. Working time ``w`` is seconds of working time
elapsed since ``t = 0``. A :class:`WorkTime` is a sorted list of disjoint working intervals; the
line's calendar, a supplier's calendar and a supplier's up-time (calendar minus down windows) are all
``WorkTime`` objects. Scalar conversions use :mod:`bisect` (they run in the simulation's hot path);
the ``*_array`` variants use numpy for metrics.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable

import numpy as np

from sim.scenario.schema import WEEKDAYS, Calendar, clock_minutes

DAY_S = 86_400.0
INF = math.inf


def _merge(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def subtract(intervals: list[tuple[float, float]], holes: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """``intervals`` minus the union of ``holes`` (both lists of (start, end) seconds)."""
    holes = _merge(holes)
    out, h = [], 0
    for start, end in intervals:
        while h < len(holes) and holes[h][1] <= start:
            h += 1
        k, cursor = h, start
        while k < len(holes) and holes[k][0] < end:
            if holes[k][0] > cursor:
                out.append((cursor, holes[k][0]))
            cursor = max(cursor, holes[k][1])
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def shifts_on_days(calendar: Calendar, horizon_s: float):
    """Yield (shift name, clock start, clock end, breaks as clock spans) of every shift worked from
    day -1 (a Sunday night shift may reach into Monday) to the horizon. A shift whose end is before
    its start crosses midnight and belongs to the day it starts on."""
    workdays = {WEEKDAYS.index(d) for d in calendar.workdays}
    holidays = set(calendar.holidays)
    for day in range(-1, int(math.ceil(horizon_s / DAY_S)) + 1):
        if day % 7 not in workdays or day in holidays:
            continue
        for shift in calendar.shifts:
            start = clock_minutes(shift.start)
            length = (clock_minutes(shift.end) - start) % 1440 or 1440
            t0 = day * DAY_S + start * 60.0
            pauses = []
            for brk in shift.breaks:
                b0 = (clock_minutes(brk.start) - start) % 1440
                b1 = (clock_minutes(brk.end) - start) % 1440 or 1440
                pauses.append((t0 + b0 * 60.0, t0 + b1 * 60.0))
            yield shift.name, t0, t0 + length * 60.0, pauses


def calendar_intervals(calendar: Calendar, horizon_s: float) -> list[tuple[float, float]]:
    """The working intervals of ``calendar`` inside [0, horizon_s): shifts on workdays minus breaks."""
    spans = []
    for _, start, end, pauses in shifts_on_days(calendar, horizon_s):
        spans += subtract([(start, end)], pauses)
    return [(max(a, 0.0), min(b, horizon_s)) for a, b in _merge(spans) if b > 0 and a < horizon_s]


class WorkTime:
    """Conversions between clock seconds and working seconds over a list of working intervals."""

    def __init__(self, intervals: list[tuple[float, float]]):
        self.intervals = _merge(intervals)
        self.starts = [a for a, _ in self.intervals]
        self.ends = [b for _, b in self.intervals]
        self.cum = [0.0]  # working seconds before each interval
        for a, b in self.intervals:
            self.cum.append(self.cum[-1] + (b - a))
        self.total = self.cum[-1]

    @classmethod
    def of(cls, calendar: Calendar | None, horizon_s: float, down: Iterable[tuple[float, float]] = ()) -> "WorkTime":
        base = [(0.0, horizon_s)] if calendar is None else calendar_intervals(calendar, horizon_s)
        return cls(subtract(base, down))

    def work(self, t: float) -> float:
        """Working seconds elapsed by clock time ``t``."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0.0
        return self.cum[i] + min(t, self.ends[i]) - self.starts[i]

    def clock(self, w: float) -> float:
        """The clock time at which working instant ``w`` lies, taking the *next* working interval
        when ``w`` falls on a boundary (a cycle that starts at a break's start starts after it).
        ``inf`` when the calendar has less than ``w`` working seconds."""
        i = bisect_right(self.cum, w) - 1
        if i >= len(self.starts):
            return INF
        return self.starts[i] + (w - self.cum[i])

    def clock_end(self, w: float) -> float:
        """Like :meth:`clock`, but a boundary belongs to the interval that ends there (for the
        moment a piece of work finishes)."""
        if w <= 0.0:
            return self.starts[0] if self.starts else INF
        i = bisect_left(self.cum, w) - 1
        if i >= len(self.starts):
            return INF
        return self.starts[i] + (w - self.cum[i])

    def next_up(self, t: float) -> float:
        """The first working moment at or after ``t`` (``inf`` past the last interval)."""
        i = bisect_right(self.ends, t)
        if i >= len(self.starts):
            return INF
        return max(t, self.starts[i])

    def work_array(self, t: np.ndarray) -> np.ndarray:
        starts, ends, cum = np.asarray(self.starts), np.asarray(self.ends), np.asarray(self.cum[:-1])
        i = np.searchsorted(starts, t, side="right") - 1
        ok = i >= 0
        j = np.where(ok, i, 0)
        return np.where(ok, cum[j] + np.minimum(t, ends[j]) - starts[j], 0.0) if len(starts) else np.zeros_like(t)

    def clock_array(self, w: np.ndarray, end: bool = False) -> np.ndarray:
        starts, cum = np.asarray(self.starts + [INF]), np.asarray(self.cum)
        i = np.searchsorted(cum, w, side="left" if end else "right") - 1
        i = np.clip(i, 0, len(self.starts))
        out = starts[i] + (w - cum[i])
        return np.where(i >= len(self.starts), INF, out)

    def worked_between(self, t0: float, t1: float) -> float:
        return max(0.0, self.work(t1) - self.work(t0))
