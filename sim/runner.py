"""The runner: replications of a scenario, in one process or several, into one :class:`RunResult`.

Replication ``r`` draws every random number from streams keyed by (seed, r, source), so results do
not depend on how many workers ran them or in which order they finished.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field

from sim.metrics import Frame, measure, summarize
from sim.model.plant import Replication, run_replication
from sim.scenario.schema import Scenario
from sim.workload import check_work

Progress = Callable[[int, int], None]  # (replications done, replications in all)


@dataclass(frozen=True)
class RunResult:
    """Everything one run produced. ``per_replication`` and ``summary`` are JSON-ready dicts."""

    scenario: Scenario
    replications: list[Replication]
    per_replication: list[dict]
    summary: dict
    wall_s: float
    events: int
    meta: dict = field(default_factory=dict)


def _one(scenario: Scenario, replication: int) -> tuple[Replication, dict]:
    rep = run_replication(scenario, replication)
    return rep, measure(Frame.of(scenario), rep.tables)


def default_workers(replications: int) -> int:
    return max(1, min(replications, os.cpu_count() or 1))


def _leave_ctrl_c_to_the_parent() -> None:
    """Worker initializer: Ctrl-C in a terminal reaches every process of the group; the workers
    ignore it and the parent, which catches it, stops them (no traceback from each worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def _ctrl_c_held():
    """Hold Ctrl-C back while workers are forked, so that none is interrupted before it can ignore
    it; a Ctrl-C that came meanwhile is raised right after."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now: drop the queued tasks and terminate the running ones (shutdown alone
    would wait for every running replication to finish)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    processes = list((getattr(pool, "_processes", None) or {}).values())  # before 3.14 there is no public way
    pool.shutdown(wait=False, cancel_futures=True)
    if terminate is not None:
        terminate()
        return
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(10)


def in_processes(fn: Callable, calls: Iterable[tuple], workers: int) -> Iterator[tuple[int, object]]:
    """Yield ``(i, fn(*calls[i]))`` as each call finishes on ``workers`` processes (``fn`` must be
    a module-level function). On an exception or Ctrl-C here, or when the caller stops iterating,
    the workers are stopped at once: no process is left running."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_leave_ctrl_c_to_the_parent)
    try:
        with _ctrl_c_held():
            futures = {pool.submit(fn, *args): i for i, args in enumerate(calls)}
        for future in as_completed(futures):
            yield futures[future], future.result()
    except BaseException:
        _stop(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run(scenario: Scenario, *, workers: int | None = None, progress: Progress | None = None,
        force: bool = False) -> RunResult:
    """Run every replication of ``scenario`` and summarise them (nothing is written). ``workers``
    is the number of processes (default: one per core, at most one per replication); ValueError
    if it is below 1. A run whose estimated work is beyond the limits of :mod:`sim.workload`
    raises ``WorkLimitError`` before any replication starts, unless ``force``. Ctrl-C stops every
    worker and raises KeyboardInterrupt."""
    check_work(scenario, force)
    n = scenario.replications
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a whole number of at least 1, got {workers!r}")
    workers = default_workers(n) if workers is None else workers
    started = time.perf_counter()
    done: dict[int, tuple[Replication, dict]] = {}
    if workers == 1 or n == 1:
        for r in range(n):
            done[r] = _one(scenario, r)
            if progress:
                progress(len(done), n)
    else:
        for r, value in in_processes(_one, [(scenario, r) for r in range(n)], min(workers, n)):
            done[r] = value
            if progress:
                progress(len(done), n)
    reps = [done[r][0] for r in range(n)]
    per_rep = [done[r][1] for r in range(n)]
    summary = summarize(per_rep)
    return RunResult(scenario, reps, per_rep, summary, time.perf_counter() - started,
                     sum(r.events for r in reps), {"workers": workers})
