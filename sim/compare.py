"""Comparing runs from their folders: KPIs side by side, and the difference of each run to the
first with an honest interval.

Two runs are *paired* when they share the seed and the replication count: replication ``r`` of both
then drew the same random numbers wherever their scenarios agree (common random numbers), so the
difference is taken replication by replication and its interval comes from the spread of those
differences: far tighter than two separate intervals. Otherwise the runs are independent and the
interval is Welch's. Figures are also given per day of measured window, so runs of different length
compare.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sim import kpis
from sim.errors import ResultsError
from sim.results import Stat, json_ready
from sim.stats import mean_ci, t975
from sim.store import RunRecord, scenario_hash

HEADLINE = kpis.names("run", kpis.HEADLINE)  # the KPIs a comparison sets side by side


@dataclass(frozen=True)
class Difference:
    """``other`` minus ``base`` of one figure: mean, 95 % half-width, and how it was computed."""

    figure: str
    mean: float
    ci95: float
    paired: bool
    n: int

    @property
    def significant(self) -> bool:
        return math.isfinite(self.ci95) and abs(self.mean) > self.ci95


def paired(base: RunRecord, other: RunRecord) -> bool:
    """Common random numbers: the same seed and the same replications."""
    return (base.manifest.get("seed") == other.manifest.get("seed")
            and base.manifest.get("replications") == other.manifest.get("replications"))


def difference(base: RunRecord, other: RunRecord, path: str, per_day: bool = False) -> Difference:
    """The difference of figure ``path`` (``stoppage_min``, ``by_supplier.x.stoppage_min``):
    replication by replication when the runs are paired, else Welch's."""
    a, b = base.summary.values(path, per_day), other.summary.values(path, per_day)
    if paired(base, other):
        stat = mean_ci(b - a)
        return Difference(path, stat["mean"], stat["ci95"], True, stat["n"])
    return welch(a, b, path)


def welch(a: np.ndarray, b: np.ndarray, figure: str) -> Difference:
    """Unpaired difference of means with Welch's 95 % interval: half-width t975(df) x se, where
    se^2 = va/na + vb/nb and df is the Welch-Satterthwaite degrees of freedom (not whole)."""
    na, nb = len(a), len(b)
    va, vb = (a.var(ddof=1) if na > 1 else math.nan), (b.var(ddof=1) if nb > 1 else math.nan)
    se2 = va / na + vb / nb
    if not se2 > 0:
        half = 0.0 if se2 == 0 else math.nan
    else:
        df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
        half = t975(df) * math.sqrt(se2)  # df is not whole: rounding it down widened the interval
    return Difference(figure, float(b.mean() - a.mean()), half, False, min(na, nb))


def supplier_stoppage(name: str) -> str:
    """The path of a supplier's stoppage minutes."""
    return f"by_supplier.{name}.stoppage_min"


@dataclass(frozen=True)
class SupplierChange:
    """One supplier's stoppage min/day in the base run, in the other, and the difference."""

    supplier: str
    base_min_per_day: float
    other_min_per_day: float
    difference: Difference


def supplier_differences(base: RunRecord, other: RunRecord) -> list[SupplierChange]:
    """Per supplier that stopped either line: both runs' stoppage min/day and their difference,
    largest change first."""
    names = list(dict.fromkeys([*base.summary.by_supplier, *other.summary.by_supplier]))
    rows = []
    for name in names:
        path = supplier_stoppage(name)
        a = float(base.summary.values(path, True).mean())
        b = float(other.summary.values(path, True).mean())
        if a or b:
            rows.append(SupplierChange(name, a, b, difference(base, other, path, per_day=True)))
    return sorted(rows, key=lambda r: -abs(r.difference.mean))


def sentence(base: RunRecord, other: RunRecord) -> str:
    """The headline in words: how much more or less the other run stops, per day, with its interval."""
    d = difference(base, other, "stoppage_min", per_day=True)
    how = (f"paired over {d.n} common-seed replication{'' if d.n == 1 else 's'}" if d.paired else
           "independent runs (different seeds or replications), Welch interval")
    if not math.isfinite(d.ci95):
        return f"{other.scenario.name} vs {base.scenario.name}: too few replications for an interval ({how})."
    direction = "more" if d.mean > 0 else "less"
    verdict = "" if d.significant else " — not distinguishable from no change at 95 %"
    return (f"{other.scenario.name} stops {abs(d.mean):.1f} ± {d.ci95:.1f} min/day {direction} than "
            f"{base.scenario.name} ({how}){verdict}.")


def identical_scenarios(runs: list[RunRecord]) -> list[str]:
    """One sentence per group of runs whose resolved scenarios are identical (same scenario hash,
    seed and replications included): such runs differ by nothing a comparison could attribute."""
    groups: dict[str, list[RunRecord]] = {}
    for r in runs:
        groups.setdefault(r.manifest.get("scenario_hash") or scenario_hash(r.scenario), []).append(r)
    return [f"{_listed([str(r.folder) for r in same])} ran identical resolved scenarios (scenario hash "
            f"{key[:12]}, seed and replications included): no difference between them comes from the scenario"
            for key, same in groups.items() if len(same) > 1]


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True)
class RunFacts:
    """One run of a comparison: where it is, what it ran, and its headline KPIs."""

    folder: str
    scenario: str
    seed: int | None
    replications: int | None
    window_days: float
    scenario_hash: str | None
    kpis: dict[str, Stat]


@dataclass(frozen=True)
class RunDifference:
    """One run against the base: the sentence, each headline KPI's difference (per run window and
    per day of window for totals) and the suppliers whose stoppage changed."""

    scenario: str
    folder: str
    paired: bool
    sentence: str
    kpis: dict[str, Difference]
    kpis_per_day: dict[str, Difference]
    suppliers: list[SupplierChange]


@dataclass(frozen=True)
class Comparison:
    """Everything ``sim compare`` reports."""

    runs: list[RunFacts]
    differences: list[RunDifference]
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The ``compare.json`` document."""
        return json_ready({
            "runs": [{**asdict(r), "kpis": {k: s.to_json() for k, s in r.kpis.items()}} for r in self.runs],
            "differences": [asdict(d) for d in self.differences], "warnings": list(self.warnings)})


def comparison(runs: list[RunRecord]) -> Comparison:
    """Compare runs: the first is the base. ResultsError with fewer than two."""
    if len(runs) < 2:
        raise ResultsError("compare needs at least two run folders")
    base = runs[0]
    facts = [RunFacts(str(r.folder), r.scenario.name, r.manifest.get("seed"), r.manifest.get("replications"),
                      r.summary.days, r.manifest.get("scenario_hash"), {k: r.summary.kpis[k] for k in HEADLINE})
             for r in runs]
    differences = []
    for other in runs[1:]:
        differences.append(RunDifference(
            other.scenario.name, str(other.folder), paired(base, other), sentence(base, other),
            {k: difference(base, other, k) for k in HEADLINE},
            {k: difference(base, other, k, per_day=True) for k in HEADLINE if kpis.kpi(k).summed},
            supplier_differences(base, other)))
    return Comparison(facts, differences, identical_scenarios(runs))


def open_runs(folders: list[str | Path]) -> list[RunRecord]:
    """The run folders to compare (at least two), read."""
    if len(folders) < 2:
        raise ResultsError("compare needs at least two run folders")
    return [RunRecord.open(f) for f in folders]
