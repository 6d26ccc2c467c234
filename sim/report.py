"""Self-contained HTML reports: one file with the KPIs, the plots (embedded as PNG data URIs), the
top stoppage causes, the scenario and the provenance of the run. No script and no network access:
the file can be mailed, archived, or opened from a USB stick.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from sim.plots import PLOTS
from sim.results import scenario_yaml
from sim.rundata import RunData

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem} td,th{border:1px solid #ddd;padding:.25rem .6rem}
th{background:#f4f4f4;text-align:left} td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1rem 0} figure img{max-width:100%;border:1px solid #eee} figcaption{color:#555;font-size:.9rem}
pre{background:#f8f8f8;padding:.8rem;overflow:auto;font-size:.8rem} .muted{color:#666}
.better{color:#1a7f37} .worse{color:#b42318}
"""


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def number(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, float) and 0 < abs(value) < 1:
        return f"{value:.4f}"
    return f"{value:,.{digits}f}"


def table(header: list[str], rows: list[list], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f'<td class="n">{c}</td>' if i >= numeric_from else f"<td>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure(name: str, png: Path, caption: str) -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (f'<figure data-figure="{esc(name)}"><img alt="{esc(name)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def page(title: str, kind: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>'
            f'<body data-report="{kind}">{body}</body></html>')


def kpi_rows(summary: dict) -> list[list]:
    return [[esc(k), number(v["mean"]), number(v["ci95"])] for k, v in summary["kpis"].items()]


def cause_rows(summary: dict, top: int = 10) -> list[list]:
    """The largest causes of each kind; each kind adds up to the stoppage minutes (the rest of a long
    list in one row; ``none``: no disruption in reach)."""
    rows = []
    for kind in ("by_supplier", "by_part", "by_disruption"):
        entries = [(v["stoppage_min"]["mean"] or 0.0, name, v) for name, v in summary[kind].items()]
        entries = sorted((e for e in entries if e[0] > 0), key=lambda e: -e[0])
        for minutes, name, v in entries[:top]:
            label = "none (no disruption in reach)" if kind == "by_disruption" and name == "none" else name
            rows.append([kind.removeprefix("by_"), esc(label), number(minutes), number(v["stoppage_min"]["ci95"]),
                         number(v["stoppages"]["mean"])])
        if len(entries) > top:
            rest = entries[top:]
            rows.append([kind.removeprefix("by_"), f"{len(rest)} others", number(sum(e[0] for e in rest)), "–",
                         number(sum(e[2]["stoppages"]["mean"] or 0.0 for e in rest))])
    return rows


def provenance(run: RunData) -> str:
    m = run.manifest
    rows = [["scenario hash", esc(m.get("scenario_hash", ""))], ["sim version", esc(m.get("sim_version", ""))],
            ["git commit", esc(m.get("git_commit") or "–")], ["seed", esc(m.get("seed"))],
            ["replications", esc(m.get("replications"))],
            ["horizon", f"{esc(m.get('horizon_days'))} days, warm-up {esc(m.get('warmup_days'))} days cut"],
            ["created (UTC)", esc(m.get("created_utc", ""))], ["command", esc(" ".join(m.get("command") or []))],
            ["packages", esc(", ".join(f"{k} {v}" for k, v in (m.get("packages") or {}).items()))]]
    return table(["", ""], rows, numeric_from=99)


def run_report(run: RunData) -> str:
    """The HTML of one run's report; the plots must already be in ``run.folder/plots``."""
    sc = run.scenario
    figures = "".join(figure(name, run.folder / "plots" / f"{name}.png", caption)
                      for name, (_, caption) in PLOTS.items() if (run.folder / "plots" / f"{name}.png").exists())
    resolved = scenario_yaml(sc)
    body = (
        f"<h1>{esc(sc.name)}</h1><p class='muted'>{esc(sc.description)}</p>"
        f"<p>{sc.replications} replication{'' if sc.replications == 1 else 's'} × {sc.horizon.days:g} "
        f"day{'' if sc.horizon.days == 1 else 's'} (first {sc.horizon.warmup_days:g} "
        f"day{'' if sc.horizon.warmup_days == 1 else 's'} cut as warm-up), {len(sc.suppliers)} suppliers, {len(sc.parts)} parts. Figures are means over replications "
        f"with the half-width of the 95 % confidence interval.</p>"
        f"<h2>Key figures</h2>{table(['KPI', 'mean', '± 95 % CI'], kpi_rows(run.summary))}"
        f"<h2>Top stoppage causes</h2>"
        + (table(["cause", "name", "stoppage min", "± 95 % CI", "stoppages"], cause_rows(run.summary), numeric_from=2)
           if cause_rows(run.summary) else "<p>No supply stoppage in the measured window.</p>")
        + f"<h2>Plots</h2>{figures}<h2>Provenance</h2>{provenance(run)}"
        f"<h2>Scenario (resolved)</h2><details><summary>scenario.yaml</summary><pre>{esc(resolved)}</pre></details>"
    )
    return page(f"sim report: {sc.name}", "run", body)


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


def compare_report(runs: list[RunData], result: dict, plots: dict[str, tuple[Path, str]]) -> str:
    """The HTML of a comparison: KPIs per run, differences to the first run, supplier changes, plots."""
    names = [esc(r.scenario.name) for r in runs]
    rows = []
    for k in runs[0].summary["kpis"]:
        if k in result["runs"][0]["kpis"]:
            rows.append([esc(k)] + [f"{number(r['kpis'][k]['mean'])} ± {number(r['kpis'][k]['ci95'])}"
                                    for r in result["runs"]])
    body = [f"<h1>Comparison of {len(runs)} runs</h1>",
            "<p>Base run: " + names[0] + ". Differences are other − base, mean ± half-width of the 95 % interval; "
            "* marks a difference whose interval excludes zero.</p>",
            "<h2>Key figures per run window</h2>", table(["KPI", *names], rows)]
    for entry in result["differences"]:
        body.append(f"<h2>{esc(entry['scenario'])} against {names[0]}</h2><p><strong>{esc(entry['sentence'])}</strong></p>")
        per_day = [[esc(k), _diff_cell(v)] for k, v in entry["kpis_per_day"].items()]
        body.append(table(["per day of window", "difference"], per_day))
        sup = [[esc(s["supplier"]), number(s["base_min_per_day"], 2), number(s["other_min_per_day"], 2),
                _diff_cell(s["difference"])] for s in entry["suppliers"][:15]]
        if sup:
            body.append("<p>Stoppage minutes per day by supplier, largest change first:</p>")
            body.append(table(["supplier", f"{names[0]}", esc(entry["scenario"]), "difference"], sup))
    body.append("<h2>Plots</h2>")
    body += [figure(name, png, caption) for name, (png, caption) in plots.items()]
    prov = [[esc(r["scenario"]), esc(r["folder"]), esc(r["seed"]), esc(r["replications"]), number(r["window_days"]),
             esc((r["scenario_hash"] or "")[:16])] for r in result["runs"]]
    body.append("<h2>Provenance</h2>" + table(["scenario", "folder", "seed", "replications", "window days",
                                                 "scenario hash"], prov, numeric_from=99))
    return page("sim comparison: " + " vs ".join(r.scenario.name for r in runs), "compare", "".join(body))
