"""Self-contained HTML reports: one file with the KPIs, the plots (embedded as PNG data URIs), the
top stoppage causes, the scenario and the provenance of the run. No script and no network access:
the file can be mailed, archived, or opened from a USB stick.

The markup lives in jinja2 templates shipped in ``sim/templates``; this module turns a run or a
comparison into the plain strings and numbers they show. Templates escape every value on output
(autoescape), so a name or description a planner typed is shown as text, never read as markup; an
undefined value is an error, not an empty cell (StrictUndefined).
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from pathlib import Path

import jinja2

from sim.compare import Comparison, Difference, RunDifference
from sim.kpis import REGISTRY, mean_and_ci, number
from sim.plots import PLOTS
from sim.results import RunSummary
from sim.store import RunRecord, scenario_yaml


@dataclass(frozen=True)
class Figure:
    """One embedded picture: its name, its caption and its PNG as a ``data:`` URI."""

    name: str
    caption: str
    src: str

    @classmethod
    def from_png(cls, name: str, png: Path, caption: str) -> "Figure":
        return cls(name, caption, "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii"))


@functools.cache
def _templates() -> jinja2.Environment:
    """The report templates (built once per process, on first use)."""
    return jinja2.Environment(loader=jinja2.PackageLoader("sim", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(template: str, **values) -> str:
    """The page ``template`` (a file in ``sim/templates``) filled with ``values``."""
    return _templates().get_template(template).render(**values)


def kpi_rows(summary: RunSummary) -> list[list[str]]:
    """KPI (its name and unit), mean, ± 95 % half-width."""
    rows = []
    for k, stat in summary.kpis.items():
        unit = REGISTRY[k].unit
        rows.append([f"{k} [{unit}]" if unit else k, *mean_and_ci(stat.mean, stat.ci95)])
    return rows


def cause_rows(summary: RunSummary, top: int = 10) -> list[list[str]]:
    """The largest causes of each kind; each kind adds up to the stoppage minutes (the rest of a long
    list in one row; ``none``: no disruption in reach)."""
    rows = []
    for kind in ("by_supplier", "by_part", "by_disruption"):
        entries = [(_zero(row["stoppage_min"].mean), name, row) for name, row in summary.table(kind).items()]
        entries = sorted((e for e in entries if e[0] > 0), key=lambda e: -e[0])
        for minutes, name, row in entries[:top]:
            label = "none (no disruption in reach)" if kind == "by_disruption" and name == "none" else name
            rows.append([kind.removeprefix("by_"), label, *mean_and_ci(minutes, row["stoppage_min"].ci95),
                         number(row["stoppages"].mean)])
        if len(entries) > top:
            rest = entries[top:]
            rows.append([kind.removeprefix("by_"), f"{len(rest)} others", mean_and_ci(sum(e[0] for e in rest), None)[0],
                         "–", number(sum(_zero(e[2]["stoppages"].mean) for e in rest))])
    return rows


def _zero(x: float) -> float:
    return 0.0 if x != x else x


def provenance_rows(manifest: dict) -> list[list[str]]:
    m = manifest
    return [["scenario hash", m.get("scenario_hash", "")], ["sim version", m.get("sim_version", "")],
            ["git commit", m.get("git_commit") or "–"], ["seed", m.get("seed")],
            ["replications", m.get("replications")],
            ["horizon", f"{m.get('horizon_days')} days, warm-up {m.get('warmup_days')} days cut"],
            ["created (UTC)", m.get("created_utc", "")], ["command", " ".join(m.get("command") or [])],
            ["packages", ", ".join(f"{k} {v}" for k, v in (m.get("packages") or {}).items())]]


def _count(n: float, unit: str) -> str:
    """``2 days``, ``1 day``, ``0.5 days``."""
    return f"{n:g} {unit}{'' if n == 1 else 's'}"


def run_report(run: RunRecord, folder: Path | None = None) -> str:
    """The HTML of one run's report; the plots must already be in ``folder/plots`` (default: the
    run's folder)."""
    sc = run.scenario
    plots = Path(folder or run.folder) / "plots"
    pngs = {name: (plots / f"{name}.png", caption) for name, (_, caption) in PLOTS.items()}
    extent = (f"{_count(sc.replications, 'replication')} × {_count(sc.horizon.days, 'day')} (first "
              f"{_count(sc.horizon.warmup_days, 'day')} cut as warm-up), {len(sc.suppliers)} suppliers, "
              f"{len(sc.parts)} parts")
    return render(
        "run.html.j2", title=f"sim report: {sc.name}", kind="run", name=sc.name, description=sc.description,
        extent=extent, kpis=kpi_rows(run.summary), causes=cause_rows(run.summary),
        figures=[Figure.from_png(name, png, caption) for name, (png, caption) in pngs.items() if png.exists()],
        provenance=provenance_rows(run.manifest),
        scenario_yaml=scenario_yaml(sc))


def write_run_report(folder: str | Path, run: RunRecord) -> Path:
    """``folder/report.html`` of ``run`` (its plots already in ``folder/plots``)."""
    folder = Path(folder)
    path = folder / "report.html"
    path.write_text(run_report(run, folder), encoding="utf-8")
    return path


def _diff_cell(d: Difference) -> str:
    mean, half = mean_and_ci(d.mean, d.ci95)
    if half == "–":
        return f"{mean} (no interval)"
    return f"{mean} ± {half}" + ("" if abs(d.mean) <= d.ci95 else " *")


def _difference_section(entry: RunDifference) -> dict:
    """One run against the base: its sentence, KPIs per day and the 15 largest supplier changes."""
    return {"scenario": entry.scenario, "sentence": entry.sentence,
            "per_day": [[f"{k} [{REGISTRY[k].per_day_unit}]", _diff_cell(v)] for k, v in entry.kpis_per_day.items()],
            "suppliers": [[s.supplier, number(s.base_min_per_day), number(s.other_min_per_day),
                           _diff_cell(s.difference)] for s in entry.suppliers[:15]]}


def compare_report(runs: list[RunRecord], result: Comparison, plots: dict[str, tuple[Path, str]]) -> str:
    """The HTML of a comparison: KPIs per run, differences to the first run, supplier changes, plots."""
    kpis = [[k] + [" ± ".join(mean_and_ci(r.kpis[k].mean, r.kpis[k].ci95)) for r in result.runs]
            for k in result.runs[0].kpis]
    provenance = [[r.scenario, r.folder, r.seed, r.replications, number(r.window_days),
                   (r.scenario_hash or "")[:16]] for r in result.runs]
    return render(
        "compare.html.j2", title="sim comparison: " + " vs ".join(r.scenario.name for r in runs), kind="compare",
        runs=[{"name": r.scenario.name, "description": r.scenario.description} for r in runs],
        names=[r.scenario.name for r in runs], base=runs[0].scenario.name, kpis=kpis,
        differences=[_difference_section(entry) for entry in result.differences],
        figures=[Figure.from_png(name, png, caption) for name, (png, caption) in plots.items()],
        provenance=provenance)
