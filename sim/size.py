"""Sizing: the smallest (or largest) value of one knob that meets a target with 95 % confidence,
found by bisection over a monotone knob, far fewer runs than a sweep.

"Meets ``stoppage_min <= 0`` with 95 % confidence" means the upper end of the KPI's 95 % interval
over replications is at most 0 (for ``>=`` targets, the lower end at least the threshold). Every
point is a cached sweep point, so asking again, or a nearby question, reuses the runs.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from sim.results import json_ready, read_run, scenario_hash
from sim.scenario import load_scenario
from sim.sweep import Point, SweepError, claim_folder, run_points
from sim.workload import check_work

TARGET = re.compile(r"^\s*(\S+?)\s*(<=|>=|<|>)\s*(-?[0-9.eE+-]+)\s*$")


@dataclass(frozen=True)
class Target:
    kpi: str
    op: str
    threshold: float

    @classmethod
    def parse(cls, text: str) -> "Target":
        """``KPI OP NUMBER``; KPI is a run KPI (``stoppage_min``) or one part's or supplier's figure
        (``by_part.front-bumper.stoppage_min``, ``by_supplier.seats.stoppage_min``)."""
        from sim.metrics import KPIS, PART_METRICS, SUPPLIER_METRICS
        m = TARGET.match(text)
        if not m:
            raise SweepError(f"--target must look like 'stoppage_min <= 0', got {text!r}")
        kpi = m.group(1)
        table, _, rest = kpi.partition(".")
        metric = rest.rpartition(".")[2]
        known = {"by_part": PART_METRICS, "by_supplier": SUPPLIER_METRICS}
        if kpi not in KPIS and not (table in known and rest.count(".") >= 1 and metric in known[table]):
            raise SweepError(f"--target: unknown figure {kpi!r}; a KPI ({', '.join(KPIS)}) or "
                             "by_part.NAME.METRIC / by_supplier.NAME.METRIC")
        return cls(kpi, m.group(2), float(m.group(3)))

    def stat(self, summary: dict) -> dict:
        """This target's figure, as {mean, ci95, n}, in a run's summary."""
        if self.kpi in summary["kpis"]:
            return summary["kpis"][self.kpi]
        table, _, rest = self.kpi.partition(".")
        name, _, metric = rest.rpartition(".")
        try:
            return summary[table][name][metric]
        except KeyError:
            raise SweepError(f"--target: the run has no {table} entry {name!r} with {metric!r}") from None

    def met(self, stat: dict) -> bool:
        """True when the whole 95 % interval satisfies the target."""
        mean, half = stat["mean"], stat["ci95"]
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


def _value(x: float, integral: bool):
    return int(round(x)) if integral else float(f"{x:.6g}")


def size(path: str | Path, knob: str, target: Target, lo: float, hi: float, *, largest: bool = False,
         overrides: list[str] = (), tolerance: float | None = None, out: str | Path | None = None,
         root: str | Path = "results", workers: int | None = None, scheduler: str | None = None,
         progress=None, force: bool = False) -> Sizing:
    """Bisect ``knob`` in [lo, hi]. The knob must act one way: for the smallest value, meeting the
    target at v means meeting it at every larger v (cards, trucks, call-off lead); with
    ``largest``, at every smaller v (distance). The base scenario's work is checked before anything
    is written, and each point's before it runs, unless ``force``."""
    overrides = list(overrides)
    base = load_scenario(path, overrides)
    check_work(base, force)
    integral = float(lo).is_integer() and float(hi).is_integer() and tolerance is None and _is_int_knob(base, knob)
    tol = 1 if integral else (tolerance or (hi - lo) / 64)
    folder = Path(out) if out is not None else Path(root) / base.name / f"size-{scenario_hash(base)[:6]}-{knob}"
    claim_folder(folder, json_ready({"scenario": str(path), "base_hash": scenario_hash(base), "overrides": overrides,
                               "axes": {knob: "size"}}))
    result = Sizing(knob, target, largest, folder=folder)

    def evaluate(v) -> bool:
        point = Point({knob: v}, load_scenario(path, [*overrides, f"{knob}={json.dumps(v)}"]))
        done = run_points([point], folder, workers, scheduler, force=force)
        summary, _ = read_run(done[point.key])
        stat = target.stat(summary)
        ok = target.met(stat)
        result.evidence.append({"value": v, "mean": stat["mean"], "ci95": stat["ci95"], "n": stat["n"], "met": ok,
                                "folder": str(done[point.key])})
        if progress:
            progress(result.evidence[-1])
        return ok

    good, bad = (_value(lo, integral), _value(hi, integral)) if largest else (_value(hi, integral), _value(lo, integral))
    result.answer = _bisect(evaluate, good, bad, tol, integral)
    _write(result)
    return result


def _bisect(evaluate, good, bad, tol, integral):
    """The value nearest ``bad`` that still meets the target, or None if ``good`` does not."""
    if not evaluate(good):
        return None
    if evaluate(bad):
        return bad
    while abs(good - bad) > tol:
        mid = _value((good + bad) / 2, integral)
        if mid in (good, bad):
            break
        if evaluate(mid):
            good = mid
        else:
            bad = mid
    return good


def _write(result: Sizing) -> None:
    from sim.plots.style import save
    from sim.plots.sweeps import size_plot
    doc = {"knob": result.knob, "target": str(result.target), "largest": result.largest, "answer": result.answer,
           "points_run": len(result.evidence), "evidence": result.evidence}
    (result.folder / "size.json").write_text(json.dumps(json_ready(doc), indent=1), encoding="utf-8")
    save(size_plot(result), result.folder / "plots", "size")


def _is_int_knob(scenario, knob: str) -> bool:
    node = scenario.model_dump(mode="python")
    for part in knob.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, (list, tuple)):
            node = next((i for i in node if isinstance(i, dict) and i.get("name") == part), None)
        if node is None:
            return True  # unset optional knob (e.g. a part's broadcast_cars): whole bounds decide
    return isinstance(node, int) and not isinstance(node, bool)
