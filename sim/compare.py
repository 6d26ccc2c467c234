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

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from sim.errors import ResultsError
from sim.plots.style import save
from sim.report import compare_report
from sim.folders import new_folder
from sim.results import json_ready, scenario_hash
from sim.rundata import RunData
from sim.stats import mean_ci, t975

HEADLINE = ("stoppage_min", "stoppages", "supply_availability", "run_ratio", "lost_cars", "cars_built", "breakdown_min",
            "truck_trips", "truck_km")
PER_DAY = {"stoppage_min": "min/day", "stoppages": "stops/day", "lost_cars": "cars/day", "cars_built": "cars/day",
           "breakdown_min": "min/day", "truck_trips": "trips/day", "truck_km": "km/day"}


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


def window_days(run: RunData) -> float:
    return run.scenario.horizon.days - run.scenario.horizon.warmup_days


def paired(base: RunData, other: RunData) -> bool:
    """Common random numbers: the same seed and the same replications."""
    return (base.manifest.get("seed") == other.manifest.get("seed")
            and base.manifest.get("replications") == other.manifest.get("replications"))


def values(run: RunData, get, per_day: bool) -> np.ndarray:
    """One figure per replication, ``get`` picking it from a replication's summary."""
    x = np.array([get(r) for r in run.summary["per_replication"]], dtype=float)
    return x / window_days(run) if per_day else x


def difference(base: RunData, other: RunData, get, figure: str, per_day: bool = False) -> Difference:
    a, b = values(base, get, per_day), values(other, get, per_day)
    if paired(base, other):
        stat = mean_ci(b - a)
        return Difference(figure, stat["mean"], stat["ci95"], True, stat["n"])
    return welch(a, b, figure)


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


def kpi(name: str):
    return lambda r: r["kpis"][name]


def supplier_stoppage(name: str):
    return lambda r: r["by_supplier"].get(name, {}).get("stoppage_min", 0.0)


def supplier_differences(base: RunData, other: RunData) -> list[tuple[str, float, float, Difference]]:
    """Per supplier: base and other stoppage min/day and their difference, largest change first."""
    names = list(dict.fromkeys([*base.summary["by_supplier"], *other.summary["by_supplier"]]))
    rows = []
    for name in names:
        d = difference(base, other, supplier_stoppage(name), name, per_day=True)
        a = values(base, supplier_stoppage(name), True).mean()
        b = values(other, supplier_stoppage(name), True).mean()
        if a or b:
            rows.append((name, float(a), float(b), d))
    return sorted(rows, key=lambda r: -abs(r[3].mean))


def sentence(base: RunData, other: RunData) -> str:
    """The headline in words: how much more or less the other run stops, per day, with its interval."""
    d = difference(base, other, kpi("stoppage_min"), "stoppage_min", per_day=True)
    how = (f"paired over {d.n} common-seed replication{'' if d.n == 1 else 's'}" if d.paired else
           "independent runs (different seeds or replications), Welch interval")
    if not math.isfinite(d.ci95):
        return f"{other.scenario.name} vs {base.scenario.name}: too few replications for an interval ({how})."
    direction = "more" if d.mean > 0 else "less"
    verdict = "" if d.significant else " — not distinguishable from no change at 95 %"
    return (f"{other.scenario.name} stops {abs(d.mean):.1f} ± {d.ci95:.1f} min/day {direction} than "
            f"{base.scenario.name} ({how}){verdict}.")


def identical_scenarios(runs: list[RunData]) -> list[str]:
    """One sentence per group of runs whose resolved scenarios are identical (same scenario hash,
    seed and replications included): such runs differ by nothing a comparison could attribute."""
    groups: dict[str, list[RunData]] = {}
    for r in runs:
        groups.setdefault(r.manifest.get("scenario_hash") or scenario_hash(r.scenario), []).append(r)
    return [f"{_listed([str(r.folder) for r in same])} ran identical resolved scenarios (scenario hash "
            f"{key[:12]}, seed and replications included): no difference between them comes from the scenario"
            for key, same in groups.items() if len(same) > 1]


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def comparison(runs: list[RunData]) -> dict:
    """Everything ``sim compare`` reports, as a JSON-ready dict."""
    base = runs[0]
    out = {"runs": [{"folder": str(r.folder), "scenario": r.scenario.name, "seed": r.manifest.get("seed"),
                     "replications": r.manifest.get("replications"), "window_days": window_days(r),
                     "scenario_hash": r.manifest.get("scenario_hash"),
                     "kpis": {k: r.summary["kpis"][k] for k in HEADLINE}} for r in runs],
           "differences": [], "warnings": identical_scenarios(runs)}
    for other in runs[1:]:
        entry = {"scenario": other.scenario.name, "folder": str(other.folder), "paired": paired(base, other),
                 "sentence": sentence(base, other), "kpis": {}, "kpis_per_day": {}, "suppliers": []}
        for k in HEADLINE:
            entry["kpis"][k] = difference(base, other, kpi(k), k).__dict__
            if k in PER_DAY:
                entry["kpis_per_day"][k] = difference(base, other, kpi(k), k, per_day=True).__dict__
        for name, a, b, d in supplier_differences(base, other):
            entry["suppliers"].append({"supplier": name, "base_min_per_day": a, "other_min_per_day": b,
                                       "difference": d.__dict__})
        out["differences"].append(entry)
    return out


def write_comparison(folders: list, out: str | Path | None = None, root: str | Path = "results") -> tuple[dict, Path]:
    """Compare run folders and write compare.json, plots and compare.html into a new folder
    (atomically, like a run folder). Returns (comparison, folder)."""
    from sim.plots import comparison as cplots  # imports this module: loaded on use

    if len(folders) < 2:
        raise ResultsError("compare needs at least two run folders")
    runs = [RunData.load(f) for f in folders]
    result = comparison(runs)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    final = Path(out) if out is not None else Path(root) / "compare" / f"{stamp}-{'-vs-'.join(r.scenario.name for r in runs)[:80]}"
    folder = new_folder(final, unique=out is None)  # two compares in one second get -2
    with folder as tmp:
        figures = {"kpis": (cplots.kpis(runs), "Headline KPIs per run, per day of measured window, mean ± 95 % CI."),
                   "supplier_stoppage": (cplots.supplier_stoppage_by_run(runs),
                                         "Stoppage minutes per day caused by each supplier, one bar per run."),
                   "stock_overlay": (cplots.stock_overlay(runs), "Line-side stock of the base run's most critical "
                                     "parts, every run overlaid (replication 0).")}
        for i, other in enumerate(runs[1:], start=1):
            figures[f"supplier_changes_{i}"] = (cplots.supplier_changes(runs[0], other),
                                                f"Change in stoppage min/day per supplier, {other.scenario.name} − "
                                                f"{runs[0].scenario.name}, with its 95 % interval.")
        pngs = {}
        for name, (fig, caption) in figures.items():
            pngs[name] = (save(fig, tmp / "plots", name)[0], caption)
        (tmp / "compare.json").write_text(json.dumps(json_ready(result), indent=1, allow_nan=False), encoding="utf-8")
        (tmp / "compare.html").write_text(compare_report(runs, result, pngs), encoding="utf-8")
    return result, folder.final
