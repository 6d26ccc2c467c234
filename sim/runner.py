"""The runner: replications of a scenario, in one process or several, into one :class:`RunResult`.

Replication ``r`` draws every random number from streams keyed by (seed, r, source), so results do
not depend on how many workers ran them or in which order they finished.
"""

from __future__ import annotations

import gc
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass

from sim.metrics import Frame, Reading, event_tables, measure
from sim.model.plant import run_replication
from sim.results import MemoryTables, ReplicationMetrics, ReplicationResult, RunSummary
from sim.scenario.schema import Scenario
from sim.workload import check_work

Progress = Callable[[int, int], None]  # (replications done, replications in all)


@dataclass(frozen=True)
class RunResult:
    """Everything one run produced: the summary (with every replication's figures) and the event
    tables of the replications kept in memory (all, unless the caller wrote them away as they came)."""

    scenario: Scenario
    summary: RunSummary
    tables: MemoryTables
    wall_s: float
    events: int
    workers: int

    @property
    def per_replication(self) -> tuple[ReplicationMetrics, ...]:
        return self.summary.per_replication


def one_replication(scenario: Scenario, replication: int, tables: tuple[str, ...] | None = None) -> ReplicationResult:
    """Simulate and measure one replication, and make the event tables named in ``tables`` (None:
    all of them; ``()``: none, which is cheaper). The model's own
    tables are dropped here, in the worker: only figures and event tables travel back."""
    rep = run_replication(scenario, replication)
    gc.collect()  # the finished plant is a web of cycles (SimPy events, call-backs): free it now
    frame = Frame.of(scenario)
    reading = Reading(frame, rep.tables)
    return ReplicationResult(replication, measure(frame, rep.tables, replication, reading),
                             event_tables(frame, rep.tables, reading, tables) if tables != () else None, rep.events)


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
            # drop our reference as each result is handed on: a finished future keeps its result, and
            # a run's replications would otherwise all stay in memory until the last one is done
            yield futures.pop(future), future.result()
    except BaseException:
        _stop(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run(scenario: Scenario, *, workers: int | None = None, progress: Progress | None = None,
        force: bool = False, tables: tuple[str, ...] | None = None, on_replication: Callable[[ReplicationResult], None] | None = None,
        keep: Callable[[int], bool] | None = None) -> RunResult:
    """Run every replication of ``scenario`` and summarise them (nothing is written). ``workers``
    is the number of processes (default: one per core, at most one per replication); ValueError
    if it is below 1. A run whose estimated work is beyond the limits of :mod:`sim.workload`
    raises ``WorkLimitError`` before any replication starts, unless ``force``. Ctrl-C stops every
    worker and raises KeyboardInterrupt.

    ``tables``: the event tables to make of each replication (None: all; ``()``: none).
    ``on_replication`` is given each replication as soon as it and every one before it are done,
    in replication order, whatever order the workers finish in (a store writes them as they come);
    ``keep(r)`` says whether replication ``r``'s tables stay in the result (default: all), so a
    caller that writes them away keeps memory flat in the number of replications."""
    check_work(scenario, force)
    n = scenario.replications
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a whole number of at least 1, got {workers!r}")
    workers = default_workers(n) if workers is None else workers
    started = time.perf_counter()
    metrics: list[ReplicationMetrics | None] = [None] * n
    kept, waiting, events = MemoryTables(), {}, 0
    if workers == 1 or n == 1:
        finished = ((r, one_replication(scenario, r, tables)) for r in range(n))
    else:
        finished = in_processes(one_replication, [(scenario, r, None if tables is None else tuple(tables)) for r in range(n)], min(workers, n))
    for count, (_, rep) in enumerate(finished, start=1):
        waiting[rep.replication] = rep
        while (r := len(kept.seen)) in waiting:  # hand on in replication order
            rep = waiting.pop(r)
            metrics[r], events = rep.metrics, events + rep.events
            if on_replication is not None:
                on_replication(rep)
            kept.add(r, rep.tables if keep is None or keep(r) else None)
        if progress:
            progress(count, n)
    summary = RunSummary.of(scenario, metrics)
    return RunResult(scenario, summary, kept, time.perf_counter() - started, events, workers)
