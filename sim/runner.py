"""The runner: replications of a scenario, in one process or several, into one :class:`RunResult`.

Replication ``r`` draws every random number from streams keyed by (seed, r, source), so results do
not depend on how many workers ran them or in which order they finished.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
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


def run(scenario: Scenario, *, workers: int | None = None, progress: Progress | None = None,
        force: bool = False) -> RunResult:
    """Run every replication of ``scenario`` and summarise them (nothing is written). A run whose
    estimated work is beyond the limits of :mod:`sim.workload` raises ``WorkLimitError`` before any
    replication starts, unless ``force``."""
    check_work(scenario, force)
    n = scenario.replications
    workers = default_workers(n) if workers is None else max(1, workers)
    started = time.perf_counter()
    done: dict[int, tuple[Replication, dict]] = {}
    if workers == 1 or n == 1:
        for r in range(n):
            done[r] = _one(scenario, r)
            if progress:
                progress(len(done), n)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_one, scenario, r): r for r in range(n)}
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                if progress:
                    progress(len(done), n)
    reps = [done[r][0] for r in range(n)]
    per_rep = [done[r][1] for r in range(n)]
    summary = summarize(per_rep)
    return RunResult(scenario, reps, per_rep, summary, time.perf_counter() - started,
                     sum(r.events for r in reps), {"workers": workers})
