"""Sweeps: a grid of scenario variants, each point a full run with the same seeds (common random
numbers), run in parallel on local processes or a Dask cluster, resumable and cached.

A point is keyed by the hash of its resolved scenario (which holds the seed and replications), and
its run folder is ``<sweep>/points/<key>``. A point whose folder is complete is never run again, so
an interrupted sweep loses only the points in flight, and re-running a sweep only fills the gaps.
Where points run is :mod:`sim.engine`; the folder's claim and lock :mod:`sim.sweep_folder`;
``--expect`` relations :mod:`sim.expectation`.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim import kpis
from sim.engine import Engine
from sim.errors import ScenarioError, SimError
from sim.expectation import Expectation
from sim.results import json_ready
from sim.scenario import Scenario, load_scenario
from sim.scenario.loader import resolve_file
from sim.scenario.overrides import split_key_value
from sim.scenario.yamltext import YamlValueError, read_value
from sim.store import read_summary, scenario_hash, write_run
from sim.sweep_folder import check_folder, claimed
from sim.workload import check_work

SWEEP_KPIS = kpis.names("run", kpis.HEADLINE)  # the KPIs of sweep.csv


class SweepError(SimError):
    """A sweep definition that cannot be run."""


def parse_values(text: str, where: str = "--vary") -> list:
    """``v1,v2,...`` (each read as YAML) or a range ``start:stop:linN`` / ``start:stop:logN`` (N values,
    evenly or geometrically spaced, both ends included) / ``start:stop:step`` (integers or floats)."""
    text = text.strip()
    if ":" in text and "," not in text and not text.startswith(("[", "{")):
        parts = text.split(":")
        if len(parts) != 3:
            raise SweepError(f"{where}: a range is start:stop:linN, start:stop:logN or start:stop:step, got {text!r}")
        try:
            start, stop = float(parts[0]), float(parts[1])
        except ValueError:
            raise SweepError(f"{where}: range ends must be numbers, got {text!r}") from None
        return _range(start, stop, parts[2], text, where)
    try:
        values = [read_value(v) for v in text.split(",") if v.strip()]
    except YamlValueError as exc:
        raise SweepError(f"{where}: {exc}") from None
    if not values:
        raise SweepError(f"{where}: no values in {text!r}")
    return values


def _range(start: float, stop: float, how: str, text: str, where: str) -> list:
    integral = all(float(x).is_integer() for x in (start, stop))
    if how.startswith(("lin", "log")):
        try:
            n = int(how[3:])
        except ValueError:
            raise SweepError(f"{where}: the count in {how!r} must be a whole number") from None
        if n < 2:
            raise SweepError(f"{where}: a range needs at least 2 values, got {how!r}")
        if how.startswith("log"):
            if start <= 0 or stop <= 0:
                raise SweepError(f"{where}: a log range needs positive ends, got {text!r}")
            values = np.geomspace(start, stop, n)
        else:
            values = np.linspace(start, stop, n)
        values = [float(f"{v:.6g}") for v in values]
        return [int(v) for v in values] if all(v.is_integer() for v in values) and integral else values
    try:
        step = float(how)
    except ValueError:
        raise SweepError(f"{where}: {how!r} is neither linN, logN nor a step") from None
    if step == 0 or (stop - start) / step < 0:
        raise SweepError(f"{where}: step {how} never reaches {stop:g} from {start:g}")
    count = int(math.floor((stop - start) / step + 1e-9)) + 1
    values = [start + i * step for i in range(count)]
    if integral and float(step).is_integer():
        return [int(round(v)) for v in values]
    return [float(f"{v:.10g}") for v in values]


@dataclass(frozen=True)
class Point:
    """One grid point: the parameter values and the scenario they make."""

    values: dict
    scenario: Scenario

    @property
    def key(self) -> str:
        return scenario_hash(self.scenario)[:16]


def parse_vary(items: Iterable[str]) -> dict[str, list]:
    axes = {}
    for item in items:
        cut = split_key_value(item)  # suppliers[route=x].trucks=1,2: the first = is the selection's
        if cut is None:
            raise SweepError(f"--vary needs key.path=values, got {item!r}")
        axes[cut[0]] = parse_values(cut[1], f"--vary {cut[0]}")
    return axes


def sweep_block(path: str | Path) -> dict[str, list]:
    """The ``sweep: {vary: {key.path: values}}`` block of a scenario file, if any (values as a list,
    or a string in --vary syntax)."""
    data = resolve_file(path)
    block = data.get("sweep") or {}
    vary = block.get("vary") or {}
    if not isinstance(vary, dict):
        raise ScenarioError(str(path), "sweep.vary", "must map key paths to lists of values")
    return {k: (v if isinstance(v, list) else parse_values(str(v), f"sweep.vary.{k}")) for k, v in vary.items()}


def grid(path: str | Path, axes: dict[str, list], overrides: list[str] = ()) -> list[Point]:
    """Every combination of the axes' values, as validated scenarios (first axis slowest)."""
    names = list(axes)
    points = []
    for combo in itertools.product(*(axes[n] for n in names)):
        values = dict(zip(names, combo))
        sets = [*overrides, *(f"{k}={json.dumps(v)}" for k, v in values.items())]
        points.append(Point(values, load_scenario(path, sets)))
    return points


Progress = Callable[[int, int, int], None]  # (done, to run, skipped as already complete)


def run_points(points: list[Point], folder: Path, engine: Engine, progress: Progress | None = None,
               detail: bool = False, force: bool = False) -> dict[str, Path]:
    """Run the points not yet complete under ``folder/points``; returns key -> run folder for all.
    Each point's work is checked (``sim.workload``) before the first one starts, unless ``force``.
    A point folder keeps the summary and the small tables; with ``detail`` the event tables too."""
    todo, done = [], {}
    for p in points:
        target = folder / "points" / p.key
        if (target / "manifest.json").is_file():
            done[p.key] = target
        elif p.key not in {q.key for q in todo}:
            todo.append(p)
    skipped = len(done)
    for p in todo:
        check_work(p.scenario, force)
    if progress:
        progress(0, len(todo), skipped)
    for count, (point, result) in enumerate(engine.results(todo, detail), start=1):
        target = folder / "points" / point.key
        if not (target / "manifest.json").is_file():
            write_run(result, out=target, detail=detail)
        done[point.key] = target
        if progress:
            progress(count, len(todo), skipped)
    return done


def sweep_rows(points: list[Point], folders: dict[str, Path]) -> list[dict]:
    """One row per point and KPI: the parameters, mean, CI half-width and replications."""
    rows = []
    for p in points:
        summary = read_summary(folders[p.key])
        for k in SWEEP_KPIS:
            stat = summary.kpis[k]
            rows.append({"point": p.key, **p.values, "kpi": k, "mean": stat.mean, "ci95": stat.ci95,
                         "replications": stat.n, "folder": str(folders[p.key].relative_to(folders[p.key].parents[1]))})
    return rows


def write_sweep_table(folder: Path, rows: list[dict]) -> Path:
    path = folder / "sweep.csv"
    tmp = folder / ".sweep.csv.tmp"
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["point"])
        writer.writeheader()
        writer.writerows(json_ready(rows))
    os.replace(tmp, path)
    return path


def sweep_id(base: Scenario, axes: dict[str, list]) -> str:
    """The same sweep of the same scenario gets the same folder, so running it again resumes it."""
    text = json.dumps({"base": scenario_hash(base), "axes": axes}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class SweepPlan:
    """A sweep checked and laid out, nothing run or written yet."""

    path: str
    axes: dict[str, list]
    points: list[Point]
    folder: Path
    definition: dict


def plan_sweep(path: str | Path, vary: Iterable[str] = (), overrides: Iterable[str] = (), *,
               out: str | Path | None = None, root: str | Path = "results", force: bool = False) -> SweepPlan:
    """Parse the axes, validate every point's scenario and choose the folder; writes nothing.
    Raises SweepError or ScenarioError (naming the key path) on bad input, and WorkLimitError when
    a point still to run is beyond the work limits of :mod:`sim.workload`, unless ``force``."""
    overrides = list(overrides)
    axes = {**sweep_block(path), **parse_vary(vary)}
    if not axes:
        raise SweepError(f"{path}: nothing to vary: give --vary key.path=v1,v2 or a sweep: block")
    base = load_scenario(path, overrides)
    points = grid(path, axes, overrides)
    folder = Path(out) if out is not None else Path(root) / base.name / f"sweep-{sweep_id(base, axes)}"
    for p in points:  # before anything is written; a point already complete will not run again
        if not (folder / "points" / p.key / "manifest.json").is_file():
            check_work(p.scenario, force)
    definition = json_ready({"scenario": str(path), "base_hash": scenario_hash(base), "overrides": overrides,
                             "axes": axes, "points": [{"key": p.key, **p.values} for p in points]})
    return SweepPlan(str(path), axes, points, folder, definition)


@dataclass(frozen=True)
class SweepResult:
    folder: Path
    axes: dict[str, list]
    points: list[Point]
    rows: list[dict]
    ran: int  # points run now (the others were complete already)
    expectations: list[tuple[Expectation, list[str]]] = field(default_factory=list)  # with their violations


def run_sweep(path: str | Path, vary: Iterable[str] = (), overrides: Iterable[str] = (), *,
              expect: Iterable[str] = (), out: str | Path | None = None, root: str | Path = "results",
              workers: int | None = None, scheduler: str | None = None, connect_timeout_s: float | None = None,
              progress: Progress | None = None, detail: bool = False, force: bool = False,
              on_done: Callable[[Path, list[dict], dict], None] | None = None) -> SweepResult:
    """Run (or resume) the sweep of ``path``: its ``sweep:`` block and ``vary`` (``key.path=values``),
    then check each ``expect`` relation. Everything a planner types (keys, values, expectations, the
    folder, the Dask scheduler ``scheduler``, reached within ``connect_timeout_s``) is checked before
    any folder is made, and so is the work of every point still to run (unless ``force``). Point
    folders keep their event tables only with ``detail``. ``on_done(folder, rows, axes)`` is called
    while the folder is still held (the plots). Ctrl-C raises :class:`~sim.errors.Interrupted`
    saying how many points were kept."""
    plan = plan_sweep(path, vary, overrides, out=out, root=root, force=force)
    expectations = [Expectation.parse(text, plan.axes) for text in expect]
    check_folder(plan.folder, plan.definition)
    ran = [0]

    def counting(done: int, total: int, skipped: int) -> None:
        ran[0] = done
        if progress:
            progress(done, total, skipped)

    keys = {p.key for p in plan.points}
    with Engine(workers, scheduler, connect_timeout_s) as engine, \
            claimed(plan.folder, plan.definition, keys) as folder:
        folders = run_points(plan.points, folder, engine, counting, detail=detail, force=True)  # checked in the plan
        rows = sweep_rows(plan.points, folders)
        write_sweep_table(folder, rows)
        if on_done is not None:
            on_done(folder, rows, plan.axes)
    checked = [(e, e.violations(plan.points, plan.folder, plan.axes)) for e in expectations]
    return SweepResult(plan.folder, plan.axes, plan.points, rows, ran[0], checked)


def slug(text: str, limit: int = 100) -> str:
    """``text`` as one safe file-name component: letters, digits, ``-``, ``_`` and ``.``, anything
    else ``_``, never ``.`` or ``..`` alone, at most ``limit`` characters."""
    name = re.sub(r"[^A-Za-z0-9_.\-]", "_", text)[:limit]
    return "_" if name.strip(".") == "" else name
