"""The paced synchronous line: one SimPy process that runs at takt from one event cycle to the next.

Cycle ``c`` is the c-th cycle started since t = 0 (the line starts full). During cycle ``c`` station
``s`` (1-based) of ``S`` holds car ``c + S - s``; the car leaving station ``S`` at the end of cycle
``c`` is car ``c``, built. Each supply loop tells the line its *limit*: the first cycle it cannot
serve. Loops also ask to be called back at the start of a given cycle (a kanban container empties,
a JIS rack's call-off is complete). The line therefore wakes only at cycles where something happens,
never per car or per station: between them it runs at takt in one timeout, the calendar turning
working time into clock time across breaks and shifts.

Same-instant order, defined here once: the line starts a cycle only after every other event due at
that instant (an unload, a truck's return, a dispatch timer), so a delivery at ``t`` counts before
the car that starts at ``t`` (metrics order them the same way). The line's cycles run in *segments*:
runs of cycles at takt recorded as (first cycle, count, working start, clock start). A segment
begins at t = 0, after a stoppage and after a breakdown; its clock start is the exact moment the
line (re)started, e.g. the unload that ended a stoppage, never a time recomputed through working
time (clock -> working -> clock is not exact in floating point). The line keeps the segments it
started as its own state (a JIS build asks when a past cycle started); the recorder only records.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heappop, heappush

import simpy
from simpy.events import NORMAL, Event

from sim.calendar import WorkTime
from sim.recorder import Recorder

INF = math.inf
Callback = Callable[[int, float], None]
LATE = NORMAL + 1  # SimPy priority of the line's own wake-ups: after every ordinary event of the instant


class LateTimeout(Event):
    """A timeout processed after every ordinary (``NORMAL``) event due at the same instant, the
    same way :class:`simpy.Timeout` schedules itself, with a later priority."""

    def __init__(self, env: simpy.Environment, delay: float):
        super().__init__(env)
        self._ok, self._value = True, None
        env.schedule(self, LATE, delay)


class LineFailures:
    """Line breakdowns: exponential running time between failures, exponential repair time."""

    def __init__(self, rng, mtbf_s: float, mttr_s: float):
        self._rng, self.mtbf_s, self.mttr_s = rng, mtbf_s, mttr_s

    def time_to_failure(self) -> float:
        return float(self._rng.exponential(self.mtbf_s))

    def repair(self) -> float:
        return float(self._rng.exponential(self.mttr_s))


class Line:
    """The line process and the registry of what supply loops can serve."""

    def __init__(self, env: simpy.Environment, worktime: WorkTime, takt_s: float, recorder: Recorder,
                 failures: LineFailures | None = None):
        if takt_s <= 0:
            raise ValueError(f"takt_s must be > 0, got {takt_s}")
        self.env, self.worktime, self.takt, self.rec = env, worktime, takt_s, recorder
        self.cycle = 0  # the next cycle to start
        self._seg = (0, 0.0, worktime.clock(0.0))  # the current segment: first cycle, working and clock start
        self._started: list[tuple[int, float, float]] = []  # every segment with a started cycle, as _seg
        self._limits: list[float] = []
        self._on_stop: list[Callable[[int], None] | None] = []
        self._limit_heap: list[tuple[float, int]] = []
        self._calls: list[tuple[int, int, Callback]] = []
        self._seq = 0
        self._wake: simpy.Event | None = None
        self._waiting_for = -1
        self._open: tuple[int, float, float, int] | None = None
        self._failures = failures
        self._fail_at_run_s = failures.time_to_failure() if failures else INF

    # -- what supply loops call -----------------------------------------------------------------
    def add_part(self, limit: float, on_stop: Callable[[int], None] | None = None) -> int:
        """Register a supply loop whose first unservable cycle is ``limit``; returns its index.
        ``on_stop(cycle)`` is called when the line stops for this loop."""
        self._limits.append(limit)
        self._on_stop.append(on_stop)
        heappush(self._limit_heap, (limit, len(self._limits) - 1))
        return len(self._limits) - 1

    def raise_limit(self, part: int, limit: float) -> None:
        """A loop's state improved: it can now serve cycles below ``limit``."""
        if limit <= self._limits[part]:
            return
        self._limits[part] = limit
        heappush(self._limit_heap, (limit, part))
        if self._wake is not None and part == self._waiting_for and limit > self.cycle:
            self._wake.succeed()
            self._wake = None

    def at_cycle(self, cycle: int, callback: Callback) -> None:
        """Call ``callback(cycle, now)`` when cycle ``cycle`` starts."""
        heappush(self._calls, (cycle, self._seq, callback))
        self._seq += 1

    def cycle_start(self, cycle: int) -> float:
        """Clock time at which an already started cycle started."""
        started = self._started
        i = len(started) - 1
        while started[i][0] > cycle:  # callers ask for recent cycles: scan back from the end
            i -= 1
        first, start_w, start_t = started[i]
        return start_t if cycle == first else self.worktime.clock(start_w + (cycle - first) * self.takt)

    # -- segments -------------------------------------------------------------------------------
    @property
    def w_next(self) -> float:
        """Working time at which the next cycle may start."""
        first, start_w, _ = self._seg
        return start_w + (self.cycle - first) * self.takt

    def _t_next(self) -> float:
        """Clock time at which the next cycle may start (``inf`` past the calendar)."""
        first, start_w, start_t = self._seg
        return start_t if self.cycle == first else self.worktime.clock(self.w_next)

    def _begin(self, w: float, t: float) -> None:
        """The next cycle starts a new segment at working time ``w``, clock time ``t``."""
        self._seg = (self.cycle, w, t)

    def _advance(self, count: int) -> None:
        """Cycles ``cycle .. cycle + count - 1`` start on schedule, in the current segment."""
        seg = self._seg
        first, start_w, start_t = seg
        self.cycle += count
        row, started = (first, self.cycle - first, start_w, start_t), self._started
        if started and started[-1][0] == first:  # the segment already has started cycles: it grows
            started[-1] = seg
            self.rec.segments[-1] = row
        else:
            started.append(seg)
            self.rec.segments.append(row)

    # -- the process ----------------------------------------------------------------------------
    def _blocking(self) -> tuple[float, int]:
        heap, limits = self._limit_heap, self._limits
        while heap[0][0] != limits[heap[0][1]]:
            heappop(heap)
        return heap[0]

    def run(self):
        """Start cycles at takt; stop while a loop cannot serve the next cycle."""
        env = self.env
        while True:
            limit, part = self._blocking()
            call = self._calls[0][0] if self._calls else INF
            target = min(limit, max(call, self.cycle), self._fail_cycle())
            jump = int(min(target - self.cycle, self._cycles_left())) if target > self.cycle else 0
            if jump > 0:  # cycles before target start on schedule (those inside the calendar): one jump
                self._advance(jump)
            t = self._t_next()
            if t == INF:
                return
            if t > env.now:
                yield LateTimeout(env, t - env.now)
            limit, part = self._blocking()
            if self.cycle >= limit:
                yield from self._stop(part)
                continue
            self._start_cycle()

    def _cycles_left(self) -> int:
        """How many cycles from the next one start inside the calendar (working start below its
        total; a cycle at or past it would start at clock ``inf``, that is never)."""
        first, start_w, _ = self._seg
        total, n = self.worktime.total, max(0, int((self.worktime.total - self.w_next) // self.takt) + 1)
        while n > 0 and start_w + (self.cycle + n - 1 - first) * self.takt >= total:  # as w_next computes it
            n -= 1
        return n

    def _start_cycle(self) -> None:
        c, now, calls = self.cycle, self.env.now, self._calls
        w_start = self.w_next
        self._advance(1)
        while calls and calls[0][0] <= c:
            heappop(calls)[2](c, now)
        while self._fail_cycle() == c:
            self._break_down(c, w_start)

    def _stop(self, part: int):
        env = self.env
        start, start_w = env.now, self.w_next
        self._open = (self.cycle, start, start_w, part)
        self._waiting_for = part
        self._wake = env.event()
        if self._on_stop[part] is not None:
            self._on_stop[part](self.cycle)
        yield self._wake
        self._open = None
        resume_t = self.worktime.next_up(env.now)  # exactly now, or the start of the next shift
        resume_w = max(start_w, self.worktime.work(env.now))
        self.rec.stoppages.extend((self.cycle, start, env.now, start_w, resume_w, part))
        self._begin(resume_w, resume_t)

    # -- breakdowns -----------------------------------------------------------------------------
    def _fail_cycle(self) -> float:
        """The cycle during which the next breakdown happens (running time runs only in cycles)."""
        return self._fail_at_run_s // self.takt if self._fail_at_run_s < INF else INF

    def _break_down(self, cycle: int, w_start: float) -> None:
        """Cycle ``cycle`` (started at working time ``w_start``) breaks down: the next cycle starts
        a new segment, ``repair`` working seconds later."""
        into = self._fail_at_run_s - cycle * self.takt
        held = self.w_next - (w_start + self.takt)  # repairs of earlier breakdowns in this cycle
        repair = self._failures.repair()
        start = self.worktime.clock_end(w_start + held + into)
        end = self.worktime.clock_end(w_start + held + into + repair)
        self.rec.breakdowns.extend((cycle, start, end, repair))
        w = self.w_next + repair
        self._begin(w, self.worktime.clock(w))
        self._fail_at_run_s += self._failures.time_to_failure()

    def close(self, horizon_s: float) -> None:
        """Record a stoppage still open at the end of the run, cut at the horizon."""
        if self._open is not None:
            cycle, start, start_w, part = self._open
            self.rec.stoppages.extend((cycle, start, horizon_s, start_w, self.worktime.work(horizon_s), part))
            self._open = None
