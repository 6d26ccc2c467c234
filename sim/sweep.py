"""Sweeps: a grid of scenario variants, each point a full run with the same seeds (common random
numbers), run in parallel on local processes or a Dask cluster, resumable and cached.

A point is keyed by the hash of its resolved scenario (which holds the seed and replications), and
its run folder is ``<sweep>/points/<key>``. A point whose folder is complete is never run again, so
an interrupted sweep loses only the points in flight, and re-running a sweep only fills the gaps.
Workers return results; only this process writes folders, so a cluster needs no shared disk.
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
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from sim.errors import ScenarioError, SimError
from sim.results import json_ready, read_run, save, scenario_hash
from sim.runner import RunResult, run
from sim.scenario import Scenario, load_scenario
from sim.scenario.loader import _Loader
from sim.stats import mean_ci

SWEEP_KPIS = ("stoppage_min", "stoppages", "supply_availability", "run_ratio", "lost_cars", "cars_built", "truck_trips",
              "truck_km")


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
    values = [yaml.load(v, Loader=_Loader) for v in text.split(",") if v.strip()]
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
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            raise SweepError(f"--vary needs key.path=values, got {item!r}")
        axes[path.strip()] = parse_values(text, f"--vary {path.strip()}")
    return axes


def sweep_block(path: str | Path) -> dict[str, list]:
    """The ``sweep: {vary: {key.path: values}}`` block of a scenario file, if any (values as a list,
    or a string in --vary syntax)."""
    from sim.scenario.loader import resolve_file
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


def _run_point(scenario: Scenario) -> RunResult:
    """One point, all replications, in one worker process (replications run in sequence there)."""
    return run(scenario, workers=1)


Progress = Callable[[int, int, int], None]  # (done, to run, skipped as already complete)


def run_points(points: list[Point], folder: Path, workers: int | None = None, scheduler: str | None = None,
               progress: Progress | None = None, plots: bool = False) -> dict[str, Path]:
    """Run the points not yet complete under ``folder/points``; returns key -> run folder for all."""
    todo, done = [], {}
    for p in points:
        target = folder / "points" / p.key
        if (target / "manifest.json").is_file():
            done[p.key] = target
        elif p.key not in {q.key for q in todo}:
            todo.append(p)
    skipped = len(done)
    if progress:
        progress(0, len(todo), skipped)
    for count, (point, result) in enumerate(_execute(todo, workers, scheduler), start=1):
        target = folder / "points" / point.key
        if not (target / "manifest.json").is_file():
            save(result, out=target, plots=plots)
        done[point.key] = target
        if progress:
            progress(count, len(todo), skipped)
    return done


def _execute(points: list[Point], workers: int | None, scheduler: str | None):
    """Yield (point, result) as points finish, on Dask when a scheduler is given, else locally."""
    if not points:
        return
    if scheduler:
        yield from _execute_dask(points, scheduler)
        return
    workers = max(1, min(workers or os.cpu_count() or 1, len(points)))
    if workers == 1:
        for p in points:
            yield p, _run_point(p.scenario)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_run_point, p.scenario): p for p in points}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BaseException:
            for f in futures:
                f.cancel()
            raise


def _execute_dask(points: list[Point], scheduler: str):
    try:
        from dask.distributed import Client, as_completed as dask_completed
    except ImportError:
        raise SweepError("--scheduler needs dask.distributed: pip install -e \".[dask]\"") from None
    try:
        client = Client(scheduler, timeout=os.environ.get("SIM_DASK_CONNECT_TIMEOUT", "10s"))
    except (OSError, TimeoutError) as exc:
        raise SweepError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        futures = client.map(_run_point, [p.scenario for p in points], key=[f"sim-point-{p.key}" for p in points],
                             pure=False)
        by_key = {f.key: p for f, p in zip(futures, points)}
        for future in dask_completed(futures):
            yield by_key[future.key], future.result()
    finally:
        client.close()


def sweep_rows(points: list[Point], folders: dict[str, Path]) -> list[dict]:
    """One row per point and KPI: the parameters, mean, CI half-width and replications."""
    rows = []
    for p in points:
        summary, _ = read_run(folders[p.key])
        for k in SWEEP_KPIS:
            stat = summary["kpis"][k]
            rows.append({"point": p.key, **p.values, "kpi": k, "mean": stat["mean"], "ci95": stat["ci95"],
                         "replications": stat["n"], "folder": str(folders[p.key].relative_to(folders[p.key].parents[1]))})
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
class SweepResult:
    folder: Path
    axes: dict[str, list]
    points: list[Point]
    rows: list[dict]
    ran: int  # points run now (the others were complete already)


def run_sweep(path: str | Path, vary: Iterable[str] = (), overrides: Iterable[str] = (), *, out: str | Path | None = None,
              root: str | Path = "results", workers: int | None = None, scheduler: str | None = None,
              progress: Progress | None = None, plots: bool = True) -> SweepResult:
    """Run (or resume) the sweep of ``path``: its ``sweep:`` block and ``vary`` (``key.path=values``)."""
    overrides = list(overrides)
    axes = {**sweep_block(path), **parse_vary(vary)}
    if not axes:
        raise SweepError(f"{path}: nothing to vary: give --vary key.path=v1,v2 or a sweep: block")
    base = load_scenario(path, overrides)
    points = grid(path, axes, overrides)
    folder = Path(out) if out is not None else Path(root) / base.name / f"sweep-{sweep_id(base, axes)}"
    definition = json_ready({"scenario": str(path), "base_hash": scenario_hash(base), "overrides": overrides,
                             "axes": axes, "points": [{"key": p.key, **p.values} for p in points]})
    claim_folder(folder, definition)
    ran = [0]

    def counting(done: int, total: int, skipped: int) -> None:
        ran[0] = done
        if progress:
            progress(done, total, skipped)

    folders = run_points(points, folder, workers, scheduler or os.environ.get("SIM_DASK_SCHEDULER"), counting)
    rows = sweep_rows(points, folders)
    write_sweep_table(folder, rows)
    if plots:
        write_sweep_plots(folder, rows, axes)
    return SweepResult(folder, axes, points, rows, ran[0])


def claim_folder(folder: Path, definition: dict) -> None:
    """Create the sweep folder, or check that an existing one holds this very sweep."""
    spec = folder / "sweep.json"
    if spec.is_file():
        old = json.loads(spec.read_text(encoding="utf-8"))
        if old.get("base_hash") != definition["base_hash"] or old.get("axes") != definition["axes"]:
            raise SweepError(f"{folder} holds a different sweep; choose another --out (nothing was written)")
        return
    if folder.exists() and any(p for p in folder.iterdir() if p.name != "points"):
        raise SweepError(f"{folder} exists and is not a sweep folder; choose another --out (nothing was written)")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / ".sweep.json.tmp"
    tmp.write_text(json.dumps(definition, indent=1), encoding="utf-8")
    os.replace(tmp, spec)


def write_sweep_plots(folder: Path, rows: list[dict], axes: dict[str, list]) -> list[Path]:
    from sim.plots.style import save as save_figure
    from sim.plots.sweeps import heatmap, kpi_lines
    paths = []
    for kpi in ("stoppage_min", "supply_availability", "truck_km"):
        paths += save_figure(kpi_lines(rows, axes, kpi), folder / "plots", f"{kpi}_vs_{_slug(next(iter(axes)))}")
    if len(axes) >= 2:
        paths += save_figure(heatmap(rows, axes, "stoppage_min"), folder / "plots", "heatmap_stoppage_min")
    return paths


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


EXPECT = re.compile(r"^\s*([a-z_]+)\s+(nondecreasing|nonincreasing)\s+in\s+(\S+)\s*$")


def check_expectation(result: SweepResult, text: str) -> list[str]:
    """Violations of ``KPI nondecreasing|nonincreasing in AXIS``: neighbouring points along the axis
    (other axes fixed) whose paired difference over replications goes the wrong way with 95 %
    confidence. Noise alone never counts as a violation; a clear reversal does."""
    m = EXPECT.match(text)
    if not m:
        raise SweepError(f"--expect must look like 'stoppage_min nondecreasing in key.path', got {text!r}")
    kpi, direction, axis = m.groups()
    if axis not in result.axes:
        raise SweepError(f"--expect: {axis!r} is not a varied key ({', '.join(result.axes)})")
    per_rep = {}
    for p in result.points:
        summary, _ = read_run(result.folder / "points" / p.key)
        per_rep[p.key] = np.array([r["kpis"][kpi] for r in summary["per_replication"]], dtype=float)
    others = [n for n in result.axes if n != axis]
    lines: dict[tuple, list[Point]] = {}
    for p in result.points:
        lines.setdefault(tuple(p.values[n] for n in others), []).append(p)
    problems = []
    for fixed, pts in lines.items():
        pts = sorted(pts, key=lambda p: p.values[axis])
        for a, b in zip(pts, pts[1:]):
            d = mean_ci(per_rep[b.key] - per_rep[a.key])
            wrong = d["mean"] + d["ci95"] < 0 if direction == "nondecreasing" else d["mean"] - d["ci95"] > 0
            if wrong:
                where = ", ".join(f"{n} = {v}" for n, v in zip(others, fixed))
                problems.append(f"{kpi} goes {'down' if direction == 'nondecreasing' else 'up'} from {axis} = "
                                f"{a.values[axis]} to {b.values[axis]}" + (f" ({where})" if where else "")
                                + f": {d['mean']:+.2f} ± {d['ci95']:.2f}")
    return problems
