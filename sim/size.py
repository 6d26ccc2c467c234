"""Sizing: the smallest (or largest) value of one knob that meets a target with 95 % confidence,
found by bracketing and bisection over a monotone knob (:mod:`sim.search`), far fewer runs than a
sweep.

"Meets ``stoppage_min <= 0`` with 95 % confidence" means the upper end of the KPI's 95 % interval
over replications is at most 0 (for ``>=`` targets, the lower end at least the threshold). Every
point is a cached sweep point, so asking again, or a nearby question, reuses the runs. The knob, the
target and the bounds are checked against the scenario before any point runs or anything is written.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from collections.abc import Callable

from sim import kpis
from sim.engine import Engine
from sim.errors import SimError, did_you_mean
from sim.knob import Knob
from sim.results import RunSummary, Stat, json_ready
from sim.scenario import Scenario, load_scenario
from sim.search import check_bounds, search, starting_value
from sim.store import read_summary, scenario_hash
from sim.sweep import Point, run_points, slug
from sim.sweep_folder import check_folder, claimed
from sim.workload import check_work

TARGET = re.compile(r"^\s*(\S+?)\s*(<=|>=|<|>)\s*(-?[0-9.eE+-]+)\s*$")


class TargetError(SimError):
    """A --target that is not ``FIGURE OP NUMBER`` naming a figure this scenario reports."""


@dataclass(frozen=True)
class Target:
    kpi: str
    op: str
    threshold: float

    @classmethod
    def parse(cls, text: str) -> "Target":
        """``KPI OP NUMBER``; KPI is a run KPI (``stoppage_min``) or one part's or supplier's figure
        (``by_part.underbody-panel.stoppage_min``, ``by_supplier.front-seats.stoppage_min``)."""
        KPIS, PART_METRICS, SUPPLIER_METRICS = (kpis.names(scope) for scope in ("run", "part", "supplier"))
        m = TARGET.match(text)
        try:
            threshold = float(m.group(3)) if m else math.nan
        except ValueError:
            threshold = math.nan
        if not m or not math.isfinite(threshold):
            raise TargetError(f"--target must look like 'stoppage_min <= 0', got {text!r}")
        kpi = m.group(1)
        table, _, rest = kpi.partition(".")
        name, _, metric = rest.rpartition(".")
        known = {"by_part": PART_METRICS, "by_supplier": SUPPLIER_METRICS}
        if "." not in kpi:
            if kpi not in KPIS:
                raise TargetError(f"--target: {kpi!r} is not a KPI{did_you_mean(kpi, KPIS)}; a KPI "
                                  f"({', '.join(KPIS)}) or by_part.NAME.METRIC / by_supplier.NAME.METRIC")
        elif table not in known or not name:
            raise TargetError(f"--target: {kpi!r}: a part's or supplier's figure is by_part.NAME.METRIC or "
                              f"by_supplier.NAME.METRIC{did_you_mean(table, known) if table not in known else ''}")
        elif metric not in known[table]:
            raise TargetError(f"--target: {table} has no figure {metric!r}{did_you_mean(metric, known[table])}; "
                              f"it has {', '.join(known[table])}")
        return cls(kpi, m.group(2), threshold)

    def check(self, scenario: Scenario) -> None:
        """Raise TargetError unless ``scenario`` has the part or supplier named (and, for a part,
        the figure exists for its delivery mode: JIS margins or kanban lead)."""
        table, _, rest = self.kpi.partition(".")
        if not rest:
            return
        name, _, metric = rest.rpartition(".")
        if table == "by_supplier":
            names = [s.name for s in scenario.suppliers]
            if name not in names:
                raise TargetError(f"--target: no supplier {name!r} in {scenario.name}{did_you_mean(name, names)}")
            return
        modes = {p.name: p.mode for _, p in scenario.parts}
        if name not in modes:
            raise TargetError(f"--target: no part {name!r} in {scenario.name}{did_you_mean(name, modes)}")
        only = kpis.kpi(metric).modes
        if only is not None and modes[name] not in only:
            raise TargetError(f"--target: {metric} is not reported for {name}, a {modes[name]} part")

    def stat(self, summary: RunSummary) -> Stat:
        """This target's figure in a run's summary."""
        try:
            return summary.stat(self.kpi)
        except KeyError:
            table, _, rest = self.kpi.partition(".")
            name, _, metric = rest.rpartition(".")
            raise TargetError(f"--target: the run has no {table} entry {name!r} with {metric!r}") from None

    def met(self, stat: Stat) -> bool:
        """True when the whole 95 % interval satisfies the target."""
        mean, half = stat.mean, stat.ci95
        if mean is None or (isinstance(mean, float) and math.isnan(mean)):
            return False  # no figure (e.g. no delivery in the window): nothing shows the target is met
        half = 0.0 if half is None or (isinstance(half, float) and math.isnan(half)) else half
        if self.op in ("<=", "<"):
            bound = mean + half
            return bound <= self.threshold if self.op == "<=" else bound < self.threshold
        bound = mean - half
        return bound >= self.threshold if self.op == ">=" else bound > self.threshold

    def __str__(self) -> str:
        return f"{self.kpi} {self.op} {self.threshold:g}"


@dataclass
class Sizing:
    knob: str
    target: Target
    largest: bool
    answer: float | int | None = None
    evidence: list[dict] = field(default_factory=list)  # every point run or reused, in search order
    folder: Path | None = None
    lo: float | None = None  # the bounds given (None: bracketed from the scenario's value)
    hi: float | None = None


def find_size(path: str | Path, knob: str, target: Target, lo: float | None = None, hi: float | None = None, *,
              largest: bool = False, overrides: list[str] = (), tolerance: float | None = None,
              out: str | Path | None = None, root: str | Path = "results", workers: int | None = None,
              scheduler: str | None = None, connect_timeout_s: float | None = None, progress=None,
              detail: bool = False, force: bool = False, on_done: Callable[[Sizing], None] | None = None) -> Sizing:
    """Search ``knob`` for the smallest (``largest``: largest) value meeting ``target``, in
    [lo, hi] or, without them, bracketing from the scenario's current value (:mod:`sim.search`).

    Everything given is checked before any point runs or any folder is made: the knob (KnobError,
    with the nearest names), the target (TargetError), lo and hi against the schema (KnobError,
    ScenarioError), the folder, the Dask scheduler and the base scenario's work (WorkLimitError,
    unless ``force``; each point's work is checked again before it runs). Point folders keep their
    event tables only with ``detail``; ``on_done(sizing)`` is called while the folder is still held
    (the plot). Ctrl-C raises :class:`~sim.errors.Interrupted` saying how many points were kept.
    """
    overrides = list(overrides)
    base = load_scenario(path, overrides)
    check_work(base, force)
    spec = Knob.of(base, knob)
    target.check(base)
    check_bounds(lo, hi)
    for value, option in ((lo, "--lo"), (hi, "--hi")):
        if value is not None:
            spec.check(value, option)
            load_scenario(path, [*overrides, f"{knob}={json.dumps(spec.value(value))}"])
    if lo is None or hi is None:
        starting_value(spec, lo=lo, hi=hi, largest=largest)
    folder = Path(out) if out is not None else _default_folder(Path(root), base, knob)
    definition = json_ready({"scenario": str(path), "base_hash": scenario_hash(base), "overrides": overrides,
                             "axes": {knob: "size"}})
    check_folder(folder, definition)
    result = Sizing(knob, target, largest, folder=folder, lo=lo, hi=hi)
    with Engine(workers, scheduler, connect_timeout_s) as engine, claimed(folder, definition):
        evaluate = _evaluator(path, overrides, spec, target, folder, engine, result, progress, detail, force)
        result.answer = search(evaluate, spec, lo=lo, hi=hi, largest=largest, tolerance=tolerance)
        _write(result)
        if on_done is not None:
            on_done(result)
    return result


def _default_folder(root: Path, base: Scenario, knob: str) -> Path:
    """``root/<scenario>/size-<hash>-<knob>``; the knob is made a safe file name and the folder
    must stay under ``root`` whatever was typed."""
    folder = root / base.name / f"size-{scenario_hash(base)[:6]}-{slug(knob)}"
    if not folder.resolve().is_relative_to(root.resolve()):
        raise SimError(f"--knob {knob!r} would place the results outside {root}")
    return folder


def _evaluator(path, overrides, spec: Knob, target: Target, folder: Path, engine: Engine, result: Sizing, progress,
               detail: bool = False, force: bool = False):
    """``evaluate(value) -> met``: runs (or reuses) the point, records it once in the evidence."""
    seen: dict = {}

    def evaluate(v) -> bool:
        if v in seen:
            return seen[v]
        point = Point({spec.path: v}, load_scenario(path, [*overrides, f"{spec.path}={json.dumps(v)}"]))
        done = run_points([point], folder, engine, detail=detail, force=force)
        stat = target.stat(read_summary(done[point.key]))
        seen[v] = target.met(stat)
        result.evidence.append({"value": v, "mean": stat.mean, "ci95": stat.ci95, "n": stat.n,
                                "met": seen[v], "folder": str(done[point.key])})
        if progress:
            progress(result.evidence[-1])
        return seen[v]

    return evaluate


def _write(result: Sizing) -> None:
    """``size.json``: the question, the answer and every point's evidence."""
    doc = {"knob": result.knob, "target": str(result.target), "largest": result.largest, "lo": result.lo,
           "hi": result.hi, "answer": result.answer, "points_run": len(result.evidence),
           "evidence": result.evidence}
    tmp = result.folder / ".size.json.tmp"
    tmp.write_text(json.dumps(json_ready(doc), indent=1), encoding="utf-8")
    os.replace(tmp, result.folder / "size.json")
