"""Where sweep points run: in this process, on local worker processes, or on a Dask scheduler that is
checked and connected to once, before any folder is made (see :mod:`sim.cluster`).

Workers return results; only this process writes folders, so a cluster needs no shared disk. The
numbers do not depend on where a point ran: each replication draws from its own seeded streams.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from sim.cluster import client as dask_client
from sim.runner import RunResult, in_processes, run
from sim.scenario import Scenario

SUMMARY_TABLES = ("stoppages",)  # what a point makes of its event tables without detail: stoppages.csv


def _tables(detail: bool) -> tuple[str, ...] | None:
    return None if detail else SUMMARY_TABLES


def _run_point(scenario: Scenario, detail: bool = False) -> RunResult:
    """One point, all replications, in one worker process (replications run in sequence there); its
    work was checked before any point started."""
    return run(scenario, workers=1, force=True, tables=_tables(detail))


class Engine:
    """Runs points; use as a context manager. ``workers``: local processes (default one per core);
    ``scheduler``: a Dask address ``tcp://host:port`` instead (raises SchedulerError on entry when no
    scheduler answers there within ``connect_timeout_s``, default :data:`sim.cluster.DEFAULT_TIMEOUT_S`)."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None, connect_timeout_s: float | None = None):
        self.workers, self.scheduler, self.connect_timeout_s = workers, scheduler, connect_timeout_s
        self._client = None

    def __enter__(self) -> "Engine":
        if self.scheduler:
            self._client = dask_client(self.scheduler, self.connect_timeout_s)
        return self

    def __exit__(self, *exc) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def results(self, points: list, detail: bool = False) -> Iterator[tuple[object, RunResult]]:
        """Yield (point, result) as the points (objects with ``key`` and ``scenario``) finish; each
        result holds the stoppage table of every replication, and with ``detail`` every event table."""
        if not points:
            return
        if self._client is not None:
            yield from self._on_dask(points, detail)
        elif len(points) == 1 and self.workers != 1:
            # one point (a sizing step): its replications are what runs in parallel
            yield points[0], run(points[0].scenario, workers=self.workers, force=True, tables=_tables(detail))
        else:
            yield from self._local(points, detail)

    def _local(self, points: list, detail: bool) -> Iterator[tuple[object, RunResult]]:
        workers = max(1, min(self.workers or os.cpu_count() or 1, len(points)))
        if workers == 1:
            for p in points:
                yield p, _run_point(p.scenario, detail)
            return
        for i, result in in_processes(_run_point, [(p.scenario, detail) for p in points], workers):
            yield points[i], result

    def _on_dask(self, points: list, detail: bool) -> Iterator[tuple[object, RunResult]]:
        from dask.distributed import as_completed as dask_completed
        futures = self._client.map(_run_point, [p.scenario for p in points], [detail] * len(points),
                                   key=[f"sim-point-{p.key}" for p in points], pure=False)
        by_key = {f.key: p for f, p in zip(futures, points)}
        try:
            for future in dask_completed(futures):
                yield by_key[future.key], future.result()
        except BaseException:
            self._client.cancel(futures)
            raise
