"""The ``sim`` command line: parses options, calls one library function per command, prints.

Only this module prints or exits. Planner errors (:class:`~sim.errors.SimError`) become one line on
stderr and exit status 2, with no traceback and nothing written.
"""

from __future__ import annotations

import sys
from functools import wraps
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.errors import SimError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Simulate just-in-time parts supply to a paced final-assembly line.")
out = Console()
err = Console(stderr=True)

SetOption = Annotated[Optional[list[str]], typer.Option(
    "--set", metavar="KEY.PATH=VALUE",
    help="Override a scenario value, e.g. --set suppliers.seats.distance_km=40 (repeatable).")]


def planner_errors(command):
    """Turn planner errors into one message and exit status 2."""
    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SimError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print("interrupted: nothing was written")
            raise typer.Exit(130) from None
    return wrapper


def _overrides(sets, **named) -> list[str]:
    extra = [f"{key}={value}" for key, value in named.items() if value is not None]
    return list(sets or []) + extra


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and abs(value) < 1 and value != 0:
        return f"{value:.4f}"
    return f"{value:,.{digits}f}"


def kpi_table(summary: dict, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("KPI")
    table.add_column("mean", justify="right")
    table.add_column("± 95 % CI", justify="right")
    for name, stat in summary["kpis"].items():
        table.add_row(name, _fmt(stat["mean"]), _fmt(stat["ci95"]))
    return table


def causes_table(summary: dict, top: int = 8) -> Table | None:
    """The largest stoppage causes of each kind; each kind's minutes add up to the run's stoppage
    minutes (the rest of a long list in one row, stoppages near no disruption as ``none``)."""
    rows = []
    for kind in ("by_supplier", "by_part", "by_disruption"):
        for name, row in summary[kind].items():
            minutes = row["stoppage_min"]["mean"] or 0.0
            if minutes > 0:
                label = "none (no disruption in reach)" if kind == "by_disruption" and name == "none" else name
                rows.append((minutes, kind.removeprefix("by_"), label, row["stoppage_min"]["ci95"]))
    if not rows:
        return None
    table = Table(title="Top stoppage causes (mean minutes per replication)", title_justify="left")
    for col in ("cause", "name", "stoppage min", "± 95 % CI"):
        table.add_column(col, justify="right" if "min" in col or "CI" in col else "left")
    for kind in ("supplier", "part", "disruption"):
        mine = sorted((r for r in rows if r[1] == kind), reverse=True)
        for minutes, k, name, ci in mine[:top]:
            table.add_row(k, name, _fmt(minutes), _fmt(ci))
        if len(mine) > top:
            table.add_row(kind, f"{len(mine) - top} others", _fmt(sum(r[0] for r in mine[top:])), "–")
    return table


@app.command()
@planner_errors
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    set_: SetOption = None,
    days: Annotated[Optional[float], typer.Option(help="Simulated days, warm-up included.")] = None,
    replications: Annotated[Optional[int], typer.Option(help="Number of replications.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Base random seed.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Run folder to create (default results/<name>/<run-id>).")] = None,
    workers: Annotated[Optional[int], typer.Option(help="Processes for replications (default: one per core).")] = None,
    plots: Annotated[bool, typer.Option(help="Write the plots.")] = True,
):
    """Run a scenario: replications, KPI table, and a run folder with tables and plots."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sim.results import check_new_folder, save
    from sim.runner import run as run_scenario
    from sim.scenario import load_scenario

    sc = load_scenario(scenario, _overrides(set_, **{"horizon.days": days, "replications": replications, "seed": seed}))
    if out_dir is not None:
        check_new_folder(out_dir)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(f"{sc.name}: replications", total=sc.replications)
        result = run_scenario(sc, workers=workers, progress=lambda done, n: bar.update(task, completed=done))
        bar.update(task, description="writing results")
        folder = save(result, out=out_dir, argv=["sim", *sys.argv[1:]], plots=plots)
    out.print(kpi_table(result.summary, f"{sc.name}: {sc.replications} replications × {sc.horizon.days:g} days "
                                        f"(warm-up {sc.horizon.warmup_days:g} d cut)"))
    causes = causes_table(result.summary)
    if causes is not None:
        out.print(causes)
    out.print(f"{result.events:,} SimPy events in {result.wall_s:.1f} s")
    out.print(f"results: {escape(str(folder))}", highlight=False, soft_wrap=True)


@app.command()
@planner_errors
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")], set_: SetOption = None):
    """Check a scenario file (after extends and --set) without running it."""
    from sim.scenario import load_scenario
    sc = load_scenario(scenario, _overrides(set_))
    parts = sc.parts
    jis = sum(1 for _, p in parts if p.mode == "jis")
    out.print(f"{escape(str(scenario))}: valid: {len(sc.suppliers)} suppliers, {len(parts)} parts ({jis} JIS), "
              f"{sc.replications} replications × {sc.horizon.days:g} days", highlight=False, soft_wrap=True)


@app.command()
@planner_errors
def diff(
    old: Annotated[Path, typer.Argument(help="Scenario YAML file to compare from.")],
    new: Annotated[Path, typer.Argument(help="Scenario YAML file to compare with it.")],
):
    """Show what changed from OLD to NEW (after extends and defaults), one key path per line."""
    from sim.scenario import load_scenario
    from sim.scenario_diff import diff_scenarios, format_changes
    lines = format_changes(diff_scenarios(load_scenario(old), load_scenario(new)))
    for line in lines or ["no differences"]:
        out.print(escape(line), highlight=False, soft_wrap=True)


@app.command()
@planner_errors
def compare(
    run_dirs: Annotated[list[Path], typer.Argument(help="Two or more run folders; the first is the base.")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Folder to create (default results/compare/<time>-<names>).")] = None,
):
    """Compare runs from their folders: KPIs, differences to the first run with 95 % intervals
    (paired when the runs share seeds and replications), plots and compare.html."""
    from sim.compare import write_comparison
    result, folder = write_comparison(run_dirs, out=out_dir)
    names = [r["scenario"] for r in result["runs"]]
    table = Table(title="KPIs per run window (mean ± 95 % CI)", title_justify="left")
    table.add_column("KPI")
    for name in names:
        table.add_column(name, justify="right")
    for k in result["runs"][0]["kpis"]:
        table.add_row(k, *[f"{_fmt(r['kpis'][k]['mean'])} ± {_fmt(r['kpis'][k]['ci95'])}" for r in result["runs"]])
    out.print(table)
    for entry in result["differences"]:
        out.print(escape(entry["sentence"]), highlight=False, soft_wrap=True)
        diff = Table(title=f"{entry['scenario']} − {names[0]}, per day of window", title_justify="left")
        for col in ("figure", "difference", "± 95 % CI", "paired"):
            diff.add_column(col, justify="left" if col == "figure" else "right")
        for k, d in entry["kpis_per_day"].items():
            diff.add_row(k, _fmt(d["mean"], 2), _fmt(d["ci95"], 2), "yes" if d["paired"] else "no")
        out.print(diff)
        changes = [s for s in entry["suppliers"] if s["difference"]["mean"] != 0][:8]
        if changes:
            sup = Table(title="Largest changes by supplier (stoppage min/day)", title_justify="left")
            for col in ("supplier", names[0], entry["scenario"], "difference ± 95 % CI"):
                sup.add_column(col, justify="left" if col == "supplier" else "right")
            for s in changes:
                d = s["difference"]
                sup.add_row(s["supplier"], _fmt(s["base_min_per_day"], 2), _fmt(s["other_min_per_day"], 2),
                            f"{_fmt(d['mean'], 2)} ± {_fmt(d['ci95'], 2)}")
            out.print(sup)
    out.print(f"comparison: {escape(str(folder))}", highlight=False, soft_wrap=True)


@app.command()
@planner_errors
def plot(run_dir: Annotated[Path, typer.Argument(help="A run folder written by sim run.")]):
    """Redraw the plots and report.html of a run folder from its tables (no re-run)."""
    from sim.plots import redraw
    paths = redraw(run_dir)
    out.print(f"{len(paths)} files written in {escape(str(run_dir))}/plots and report.html", highlight=False,
              soft_wrap=True)


VaryOption = Annotated[Optional[list[str]], typer.Option(
    "--vary", metavar="KEY.PATH=VALUES",
    help="Values to sweep: v1,v2,... or a range start:stop:linN, start:stop:logN, start:stop:step (repeatable).")]
SchedulerOption = Annotated[Optional[str], typer.Option(
    help="A Dask scheduler address (tcp://host:8786) to run the points on; default: $SIM_DASK_SCHEDULER, "
         "else local processes.")]


@app.command()
@planner_errors
def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file (its sweep: block is used too).")],
    vary: VaryOption = None,
    set_: SetOption = None,
    days: Annotated[Optional[float], typer.Option(help="Simulated days of every point.")] = None,
    replications: Annotated[Optional[int], typer.Option(help="Replications of every point.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Sweep folder (default results/<name>/sweep-<id>); "
                                                    "running a sweep again resumes it.")] = None,
    workers: Annotated[Optional[int], typer.Option(help="Local processes (default: one per core).")] = None,
    scheduler: SchedulerOption = None,
    expect: Annotated[Optional[list[str]], typer.Option(
        metavar="'KPI nondecreasing|nonincreasing in KEY.PATH'",
        help="A relation that must hold (a reversal significant at 95 % exits 1), e.g. "
             "'stoppage_min nondecreasing in suppliers.seats.distance_km'.")] = None,
):
    """Run every combination of the varied values with common random numbers; resumable."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sim.sweep import run_sweep
    sets = _overrides(set_, **{"horizon.days": days, "replications": replications})
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("sweep points", total=None)

        def progress(done, total, skipped):
            bar.update(task, completed=done, total=total,
                       description=f"sweep points ({skipped} already done)" if skipped else "sweep points")

        result = run_sweep(scenario, vary or [], sets, out=out_dir, workers=workers, scheduler=scheduler,
                           progress=progress)
    names = list(result.axes)
    table = Table(title=f"{len(result.points)} points ({result.ran} run now), mean ± 95 % CI", title_justify="left")
    for n in names:
        table.add_column(".".join(n.split(".")[-2:]), justify="right")
    for k in ("stoppage_min", "supply_availability", "truck_km"):
        table.add_column(k, justify="right")
    by_point: dict[str, dict] = {}
    for row in result.rows:
        by_point.setdefault(row["point"], {**{n: row[n] for n in names}})[row["kpi"]] = row
    for entry in by_point.values():
        table.add_row(*[escape(str(entry[n])) for n in names],
                      *[f"{_fmt(entry[k]['mean'])} ± {_fmt(entry[k]['ci95'])}" for k in ("stoppage_min", "supply_availability", "truck_km")])
    out.print(table)
    out.print(f"sweep: {escape(str(result.folder))}", highlight=False, soft_wrap=True)
    from sim.sweep import check_expectation
    problems = [p for text in expect or [] for p in check_expectation(result, text)]
    for text in expect or []:
        out.print(f"expectation {'FAILED' if problems else 'holds'}: {escape(text)}", highlight=False)
    for problem in problems:
        err.print(f"  {escape(problem)}", highlight=False)
    if problems:
        raise typer.Exit(1)


@app.command()
@planner_errors
def size(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    knob: Annotated[str, typer.Option(help="The key path to size, e.g. suppliers.bumpers.parts.front-bumper.cards.")],
    target: Annotated[str, typer.Option(help="What must hold with 95 % confidence, e.g. 'stoppage_min <= 0'.")],
    lo: Annotated[float, typer.Option(help="Lowest value to consider.")],
    hi: Annotated[float, typer.Option(help="Highest value to consider.")],
    largest: Annotated[bool, typer.Option("--largest", help="Find the largest value meeting the target "
                                          "(distance-like knobs) instead of the smallest.")] = False,
    set_: SetOption = None,
    days: Annotated[Optional[float], typer.Option(help="Simulated days of every point.")] = None,
    replications: Annotated[Optional[int], typer.Option(help="Replications of every point.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Folder for the points, size.json and the plot.")] = None,
    workers: Annotated[Optional[int], typer.Option(help="Local processes for a point's replications.")] = None,
    scheduler: SchedulerOption = None,
):
    """Find the smallest (or --largest) value of a knob that meets a target with 95 % confidence."""
    from sim.size import Target, size as find
    sets = _overrides(set_, **{"horizon.days": days, "replications": replications})

    def progress(e):
        mark = "meets" if e["met"] else "misses"
        err.print(f"  {knob} = {e['value']}: {_fmt(e['mean'], 2)} ± {_fmt(e['ci95'], 2)} ({mark})", highlight=False)

    result = find(scenario, knob, Target.parse(target), lo, hi, largest=largest, overrides=sets, out=out_dir,
                  workers=workers, scheduler=scheduler, progress=progress)
    which = "largest" if largest else "smallest"
    if result.answer is None:
        out.print(f"no value in [{lo:g}, {hi:g}] meets {result.target} with 95 % confidence "
                  f"({len(result.evidence)} points run)", highlight=False)
    else:
        out.print(f"{which} {escape(knob)} meeting {result.target} with 95 % confidence: [bold]{result.answer}[/] "
                  f"({len(result.evidence)} points run)", highlight=False)
    out.print(f"evidence: {escape(str(result.folder))}", highlight=False, soft_wrap=True)


def main() -> None:  # pragma: no cover
    app()
