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

from sim.plots import PLOTS
from sim.results import scenario_yaml
from sim.rundata import RunData


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


def number(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, float) and 0 < abs(value) < 1:
        return f"{value:.4f}"
    return f"{value:,.{digits}f}"


def kpi_rows(summary: dict) -> list[list[str]]:
    return [[k, number(v["mean"]), number(v["ci95"])] for k, v in summary["kpis"].items()]


def cause_rows(summary: dict, top: int = 10) -> list[list[str]]:
    """The largest causes of each kind; each kind adds up to the stoppage minutes (the rest of a long
    list in one row; ``none``: no disruption in reach)."""
    rows = []
    for kind in ("by_supplier", "by_part", "by_disruption"):
        entries = [(v["stoppage_min"]["mean"] or 0.0, name, v) for name, v in summary[kind].items()]
        entries = sorted((e for e in entries if e[0] > 0), key=lambda e: -e[0])
        for minutes, name, v in entries[:top]:
            label = "none (no disruption in reach)" if kind == "by_disruption" and name == "none" else name
            rows.append([kind.removeprefix("by_"), label, number(minutes), number(v["stoppage_min"]["ci95"]),
                         number(v["stoppages"]["mean"])])
        if len(entries) > top:
            rest = entries[top:]
            rows.append([kind.removeprefix("by_"), f"{len(rest)} others", number(sum(e[0] for e in rest)), "–",
                         number(sum(e[2]["stoppages"]["mean"] or 0.0 for e in rest))])
    return rows


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


def run_report(run: RunData) -> str:
    """The HTML of one run's report; the plots must already be in ``run.folder/plots``."""
    sc = run.scenario
    pngs = {name: (run.folder / "plots" / f"{name}.png", caption) for name, (_, caption) in PLOTS.items()}
    extent = (f"{_count(sc.replications, 'replication')} × {_count(sc.horizon.days, 'day')} (first "
              f"{_count(sc.horizon.warmup_days, 'day')} cut as warm-up), {len(sc.suppliers)} suppliers, "
              f"{len(sc.parts)} parts")
    return render(
        "run.html.j2", title=f"sim report: {sc.name}", kind="run", name=sc.name, description=sc.description,
        extent=extent, kpis=kpi_rows(run.summary), causes=cause_rows(run.summary),
        figures=[Figure.from_png(name, png, caption) for name, (png, caption) in pngs.items() if png.exists()],
        provenance=provenance_rows(run.manifest),
        scenario_yaml=scenario_yaml(sc))


def write_run_report(folder: str | Path, run: RunData | None = None) -> Path:
    folder = Path(folder)
    run = run or RunData.load(folder)
    path = folder / "report.html"
    path.write_text(run_report(run), encoding="utf-8")
    return path


def _diff_cell(d: dict) -> str:
    if d["ci95"] is None or d["ci95"] != d["ci95"]:
        return f"{number(d['mean'])} (no interval)"
    mark = "" if abs(d["mean"]) <= d["ci95"] else " *"
    return f"{number(d['mean'])} ± {number(d['ci95'])}{mark}"


def _difference_section(entry: dict) -> dict:
    """One run against the base: its sentence, KPIs per day and the 15 largest supplier changes."""
    return {"scenario": entry["scenario"], "sentence": entry["sentence"],
            "per_day": [[k, _diff_cell(v)] for k, v in entry["kpis_per_day"].items()],
            "suppliers": [[s["supplier"], number(s["base_min_per_day"], 2), number(s["other_min_per_day"], 2),
                           _diff_cell(s["difference"])] for s in entry["suppliers"][:15]]}


def compare_report(runs: list[RunData], result: dict, plots: dict[str, tuple[Path, str]]) -> str:
    """The HTML of a comparison: KPIs per run, differences to the first run, supplier changes, plots."""
    kpis = [[k] + [f"{number(r['kpis'][k]['mean'])} ± {number(r['kpis'][k]['ci95'])}" for r in result["runs"]]
            for k in runs[0].summary["kpis"] if k in result["runs"][0]["kpis"]]
    provenance = [[r["scenario"], r["folder"], r["seed"], r["replications"], number(r["window_days"]),
                   (r["scenario_hash"] or "")[:16]] for r in result["runs"]]
    return render(
        "compare.html.j2", title="sim comparison: " + " vs ".join(r.scenario.name for r in runs), kind="compare",
        runs=[{"name": r.scenario.name, "description": r.scenario.description} for r in runs],
        names=[r.scenario.name for r in runs], base=runs[0].scenario.name, kpis=kpis,
        differences=[_difference_section(entry) for entry in result["differences"]],
        figures=[Figure.from_png(name, png, caption) for name, (png, caption) in plots.items()],
        provenance=provenance)
