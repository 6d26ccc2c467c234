"""The ``sim`` command line: parses options, calls one library function per command, prints.

Only this module prints or exits. Planner errors (:class:`~sim.errors.SimError`) become one line on
stderr and exit status 2, with no traceback and nothing written; Ctrl-C, at any moment, one line
saying what was kept and exit status 130. Everything printed is plain text: names, paths and
messages are never read as rich markup.
"""

from __future__ import annotations

import sys

try:  # Ctrl-C while these load (most of the first second) gets the one line too, not a traceback
    import math
    from functools import wraps
    from pathlib import Path
    from typing import Annotated, Optional

    import typer
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text
    from typer.core import TyperCommand, TyperGroup

    from sim.errors import Interrupted, SimError
    from sim.kpis import mean_and_ci as figures, plus_minus
except KeyboardInterrupt:
    sys.stderr.write("interrupted: nothing was written\n")  # INTERRUPTED, not defined yet
    raise SystemExit(130) from None


class _PlainHelp:
    """Help without Python type names (typer shows ``<bool>`` for flags, ``--help`` too, and
    ``<path>`` beside an argument's metavar): flags show no type, arguments their metavar only."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
            elif param.param_type_name == "argument" and param.metavar:
                param.display_type_rich = lambda ctx: None
        return params


class _Command(_PlainHelp, TyperCommand):
    pass


class _Group(_PlainHelp, TyperGroup):
    pass


INTERRUPTED = "interrupted: nothing was written"


class _App(typer.Typer):
    def command(self, *args, cls=None, **kwargs):
        return super().command(*args, cls=cls or _Command, **kwargs)

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except SystemExit as exc:
            # typer turns a Ctrl-C outside the commands (while it reads the options) into a silent
            # exit 130; inside them planner_errors reports it and exits "from None"
            if exc.code == 130 and isinstance(getattr(exc.__context__, "__cause__", None), KeyboardInterrupt):
                err.print(INTERRUPTED)
            raise
        except KeyboardInterrupt:
            err.print(INTERRUPTED)
            raise SystemExit(130) from None


app = _App(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, cls=_Group,
           help="Simulate just-in-time parts supply to a paced final-assembly line.")
# markup=False: a name or path such as "[/x]" or "[bold red]" is printed as it is, never as a style
out = Console(markup=False, emoji=False)
err = Console(stderr=True, markup=False, emoji=False)

# Options that run, sweep and size share, with one meaning and one help text.
ScenarioArgument = Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario YAML file.")]
SetOption = Annotated[Optional[list[str]], typer.Option(
    "--set", metavar="KEY.PATH=VALUE",
    help="Override a scenario value, e.g. --set suppliers.front-seats.distance_km=6 (repeatable).")]
DaysOption = Annotated[Optional[float], typer.Option(
    "--days", metavar="DAYS", help="Simulated days of each run, warm-up included (as --set horizon.days=DAYS).")]
ReplicationsOption = Annotated[Optional[int], typer.Option(
    "--replications", metavar="N", help="Replications of each run (as --set replications=N).")]
SeedOption = Annotated[Optional[int], typer.Option(
    "--seed", metavar="N", help="Base random seed (as --set seed=N); the same seed gives the same results.")]
WorkersOption = Annotated[Optional[int], typer.Option(
    "--workers", metavar="N", help="Local processes, at least 1 (default: one per core); results do not depend on it.")]
PlotsOption = Annotated[bool, typer.Option("--plots/--no-plots", help="Draw the plots (--no-plots: tables only).")]
OutOption = Annotated[Optional[Path], typer.Option(
    "--out", metavar="DIR", help="The folder to write (default: under results/<scenario name>/).")]
ForceOption = Annotated[bool, typer.Option(
    "--force", help="Run even when the estimated work is beyond the limits (see 'Bounds' in README.md).")]


def planner_errors(command):
    """Turn planner errors into one message and exit status 2, Ctrl-C into one line and 130."""
    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SimError as exc:
            err.print(Text.assemble(("error:", "bold red"), f" {exc}"), soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt as exc:  # sim.errors.Interrupted says what was kept
            err.print(f"interrupted: {exc}" if str(exc) else INTERRUPTED, soft_wrap=True)
            raise typer.Exit(130) from None
    return wrapper


def _check_workers(workers: int | None) -> None:
    if workers is not None and workers < 1:
        raise SimError(f"--workers must be at least 1, got {workers}")


def _warn(scenario) -> None:
    """One "warning:" line on stderr per thing the planner should know; the exit status is unchanged."""
    from sim.scenario import scenario_warnings
    for text in scenario_warnings(scenario):
        err.print(f"warning: {text}", soft_wrap=True)


def _overrides(sets, **named) -> list[str]:
    extra = [f"{key}={value}" for key, value in named.items() if value is not None]
    return list(sets or []) + extra


def _count(n: float, word: str) -> str:
    """'1 replication', '3 replications', '0.5 days'."""
    return f"{n:,g} {word}{'' if n == 1 else 's'}"


def kpi_table(summary, title: str) -> Table:
    """Every run KPI of a :class:`~sim.results.RunSummary`, its unit, mean and 95 % half-width."""
    from sim.kpis import REGISTRY
    table = Table(title=title, title_justify="left")
    table.add_column("KPI")
    table.add_column("unit")
    table.add_column("mean", justify="right")
    table.add_column("± 95 % CI", justify="right")
    for name, stat in summary.kpis.items():
        table.add_row(name, REGISTRY[name].unit, *figures(stat.mean, stat.ci95))
    return table


def causes_table(summary, top: int = 8) -> Table | None:
    """The largest stoppage causes of each kind; each kind's minutes add up to the run's stoppage
    minutes (the rest of a long list in one row, stoppages near no disruption as ``none``)."""
    rows = []
    for kind in ("by_supplier", "by_part", "by_disruption"):
        for name, row in summary.table(kind).items():
            minutes = row["stoppage_min"].mean
            if minutes > 0:
                label = "none (no disruption in reach)" if kind == "by_disruption" and name == "none" else name
                rows.append((minutes, kind.removeprefix("by_"), label, row["stoppage_min"].ci95))
    if not rows:
        return None
    table = Table(title="Top stoppage causes (mean minutes per replication)", title_justify="left")
    for col in ("cause", "name", "stoppage min", "± 95 % CI"):
        table.add_column(col, justify="right" if "min" in col or "CI" in col else "left")
    for kind in ("supplier", "part", "disruption"):
        mine = sorted((r for r in rows if r[1] == kind), reverse=True)
        for minutes, k, name, ci in mine[:top]:
            table.add_row(k, name, *figures(minutes, ci))
        if len(mine) > top:
            table.add_row(kind, f"{len(mine) - top} others", *figures(sum(r[0] for r in mine[top:]), None))
    return table


@app.command("run")
@planner_errors
def run_command(
    scenario: ScenarioArgument,
    set_: SetOption = None,
    days: DaysOption = None,
    replications: ReplicationsOption = None,
    seed: SeedOption = None,
    out_dir: OutOption = None,
    workers: WorkersOption = None,
    plots: PlotsOption = True,
    force: ForceOption = False,
):
    """Run a scenario: replications, KPI table, and a run folder with tables and plots.

    The run folder is results/<scenario name>/<run-id>, or --out DIR, which must not exist yet.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sim.app import run_and_save
    from sim.scenario import load_scenario

    _check_workers(workers)
    sc = load_scenario(scenario, _overrides(set_, **{"horizon.days": days, "replications": replications, "seed": seed}))
    _warn(sc)
    with Progress(TextColumn("{task.description}", style="bold", markup=False), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(f"{sc.name}: replications", total=sc.replications)

        def progress(done: int, n: int) -> None:
            bar.update(task, completed=done, description=f"{sc.name}: replications" if done < n else "writing results")

        result, folder = run_and_save(sc, out=out_dir, workers=workers, progress=progress, force=force, plots=plots,
                                      argv=["sim", *sys.argv[1:]])
    try:
        title = (f"{sc.name}: {_count(sc.replications, 'replication')} × {_count(sc.horizon.days, 'day')} "
                 f"(warm-up {sc.horizon.warmup_days:g} d cut)")
        out.print(kpi_table(result.summary, title))
        causes = causes_table(result.summary)
        if causes is not None:
            out.print(causes)
        out.print(f"{result.events:,} SimPy events in {result.wall_s:.1f} s")
        out.print(f"results: {folder}", soft_wrap=True)
    except KeyboardInterrupt:
        raise Interrupted(f"the run folder {folder} is complete and kept") from None


@app.command("validate")
@planner_errors
def validate_command(scenario: ScenarioArgument, set_: SetOption = None):
    """Check a scenario file (after extends and --set) without running it."""
    from sim.scenario import load_scenario
    from sim.workload import WorkLimitError, check_work
    sc = load_scenario(scenario, _overrides(set_))
    _warn(sc)
    try:
        check_work(sc)
    except WorkLimitError as exc:  # valid, but sim run will ask for --force
        err.print(f"warning: {exc}", soft_wrap=True)
    parts = sc.parts
    jis = sum(1 for _, p in parts if p.mode == "jis")
    out.print(f"{scenario}: valid: {_count(len(sc.suppliers), 'supplier')}, {_count(len(parts), 'part')} ({jis} JIS), "
              f"{_count(sc.replications, 'replication')} × {_count(sc.horizon.days, 'day')}", soft_wrap=True)


@app.command("diff")
@planner_errors
def diff_command(
    old: Annotated[Path, typer.Argument(metavar="OLD", help="Scenario YAML file to compare from.")],
    new: Annotated[Path, typer.Argument(metavar="NEW", help="Scenario YAML file to compare with it.")],
):
    """Show what changed from OLD to NEW (after extends and defaults), one key path per line."""
    from sim.scenario import load_scenario
    from sim.scenario_diff import diff_scenarios, format_changes
    lines = format_changes(diff_scenarios(load_scenario(old), load_scenario(new)))
    for line in lines or ["no differences"]:
        out.print(line, soft_wrap=True)


@app.command("compare")
@planner_errors
def compare_command(
    run_dirs: Annotated[list[Path], typer.Argument(metavar="RUN_DIR",
                                                   help="Two or more run folders; the first is the base.")],
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", metavar="DIR", help="The folder to write (default: results/compare/<time>-<names>).")] = None,
):
    """Compare runs from their folders: KPIs, differences to the first run with 95 % intervals
    (paired when the runs share seeds and replications), plots and compare.html.

    The folder (--out DIR, or one under results/compare/) must not exist yet.
    """
    from sim.app import write_comparison
    result, folder = write_comparison(run_dirs, out=out_dir)
    for warning in result.warnings:
        err.print(f"warning: {warning}", soft_wrap=True)
    try:
        _print_comparison(result)
        out.print(f"comparison: {folder}", soft_wrap=True)
    except KeyboardInterrupt:
        raise Interrupted(f"the comparison folder {folder} is complete and kept") from None


def _print_comparison(result) -> None:
    from sim.kpis import REGISTRY
    names = [r.scenario for r in result.runs]
    table = Table(title="KPIs per run window (mean ± 95 % CI)", title_justify="left")
    table.add_column("KPI")
    for name in names:
        table.add_column(name, justify="right")
    for k in result.runs[0].kpis:
        table.add_row(k, *[plus_minus(r.kpis[k].mean, r.kpis[k].ci95) for r in result.runs])
    out.print(table)
    for entry in result.differences:
        out.print(entry.sentence, soft_wrap=True)
        diff = Table(title=f"{entry.scenario} − {names[0]}, per day of window", title_justify="left")
        for col in ("figure", "unit", "difference", "± 95 % CI", "paired"):
            diff.add_column(col, justify="left" if col in ("figure", "unit") else "right")
        for k, d in entry.kpis_per_day.items():
            diff.add_row(k, REGISTRY[k].per_day_unit, *figures(d.mean, d.ci95), "yes" if d.paired else "no")
        out.print(diff)
        changes = [s for s in entry.suppliers if s.difference.mean != 0][:8]
        if changes:
            sup = Table(title="Largest changes by supplier (stoppage min/day)", title_justify="left")
            for col in ("supplier", names[0], entry.scenario, "difference ± 95 % CI"):
                sup.add_column(col, justify="left" if col == "supplier" else "right")
            for s in changes:
                d = s.difference
                base, other = (figures(v, d.ci95)[0] for v in (s.base_min_per_day, s.other_min_per_day))
                sup.add_row(s.supplier, base, other, plus_minus(d.mean, d.ci95))
            out.print(sup)


@app.command("plot")
@planner_errors
def plot_command(
    run_dir: Annotated[Path, typer.Argument(metavar="RUN_DIR", help="A run folder written by sim run.")],
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", metavar="DIR", help="A new folder for plots/ and report.html (default: the run folder itself, "
                                     "replacing its plots).")] = None,
):
    """Redraw the plots and report.html of a run folder from its tables (no re-run)."""
    from sim.app import redraw
    try:
        paths = redraw(run_dir, out=out_dir)
    except KeyboardInterrupt:
        raise Interrupted("nothing was written" if out_dir is not None else
                          f"the plots and report.html in {run_dir} are as they were") from None
    where = out_dir if out_dir is not None else run_dir
    out.print(f"{len(paths)} files written in {where}/plots and report.html", soft_wrap=True)


VaryOption = Annotated[Optional[list[str]], typer.Option(
    "--vary", metavar="KEY.PATH=VALUES",
    help="Values to sweep: v1,v2,... or a range start:stop:linN, start:stop:logN, start:stop:step (repeatable).")]
SchedulerOption = Annotated[Optional[str], typer.Option(
    metavar="ADDRESS",
    help="A Dask scheduler address tcp://HOST:PORT (e.g. tcp://127.0.0.1:8786) to run the points on; default: "
         "$SIM_DASK_SCHEDULER, else local processes. It is checked within $SIM_DASK_CONNECT_TIMEOUT (10s) "
         "before anything is written.")]
DetailOption = Annotated[bool, typer.Option(
    "--detail", help="Keep every point's event tables (Parquet) too; by default a point keeps its summary and "
                     "the small CSV tables.")]
SCHEDULER_ENV, TIMEOUT_ENV = "SIM_DASK_SCHEDULER", "SIM_DASK_CONNECT_TIMEOUT"


def _cluster(scheduler: str | None) -> dict:
    """Where points run: --scheduler, else $SIM_DASK_SCHEDULER (else local processes), and how long
    to wait for it, $SIM_DASK_CONNECT_TIMEOUT. The environment is read here and nowhere else."""
    import os

    from sim.cluster import connect_timeout
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    return {"scheduler": address,
            "connect_timeout_s": connect_timeout(os.environ.get(TIMEOUT_ENV), TIMEOUT_ENV) if address else None}


@app.command("sweep")
@planner_errors
def sweep_command(
    scenario: Annotated[Path, typer.Argument(metavar="SCENARIO",
                                             help="Scenario YAML file (its sweep: block is used too).")],
    vary: VaryOption = None,
    set_: SetOption = None,
    days: DaysOption = None,
    replications: ReplicationsOption = None,
    seed: SeedOption = None,
    out_dir: OutOption = None,
    workers: WorkersOption = None,
    plots: PlotsOption = True,
    scheduler: SchedulerOption = None,
    detail: DetailOption = False,
    expect: Annotated[Optional[list[str]], typer.Option(
        metavar="'KPI nondecreasing|nonincreasing in KEY.PATH'",
        help="A relation that must hold (a reversal significant at 95 % exits 1), checked for spelling before "
             "any point runs, e.g. 'stoppage_min nondecreasing in suppliers.front-seats.distance_km'.")] = None,
    force: ForceOption = False,
):
    """Run every combination of the varied values with common random numbers; resumable.

    The sweep folder is results/<scenario name>/sweep-<id>, or --out DIR; running a sweep again resumes it.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sim.app import sweep
    from sim.kpis import PRIMARY, names as names_of
    _check_workers(workers)
    sets = _overrides(set_, **{"horizon.days": days, "replications": replications, "seed": seed})
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("sweep points", total=None)

        def progress(done, total, skipped):
            bar.update(task, completed=done, total=total,
                       description=f"sweep points ({skipped} already done)" if skipped else "sweep points")

        result = sweep(scenario, vary or [], sets, expect=expect or [], out=out_dir, workers=workers,
                       progress=progress, plots=plots, detail=detail, force=force, **_cluster(scheduler))
    names = list(result.axes)
    table = Table(title=f"{len(result.points)} points ({result.ran} run now), mean ± 95 % CI", title_justify="left")
    for n in names:
        table.add_column(".".join(n.split(".")[-2:]), justify="right")
    shown = names_of("run", PRIMARY)
    for k in shown:
        table.add_column(k, justify="right")
    by_point: dict[str, dict] = {}
    for row in result.rows:
        by_point.setdefault(row["point"], {**{n: row[n] for n in names}})[row["kpi"]] = row
    for entry in by_point.values():
        table.add_row(*[str(entry[n]) for n in names],
                      *[plus_minus(entry[k]["mean"], entry[k]["ci95"]) for k in shown])
    out.print(table)
    out.print(f"sweep: {result.folder}", soft_wrap=True)
    for expectation, problems in result.expectations:
        out.print(f"expectation {'FAILED' if problems else 'holds'}: {expectation.text}", soft_wrap=True)
        for problem in problems:
            err.print(f"  {problem}", soft_wrap=True)
    if any(problems for _, problems in result.expectations):
        raise typer.Exit(1)


SIZE_HELP = ("Find the smallest (or --largest) value of a knob that meets a target with 95 % confidence.\n\n"
             "With --lo and --hi it tries both ends, then bisects. Without them it starts at the scenario's value: "
             "if that meets the target it halves it (--largest: doubles it) until a value misses, else doubles it "
             "(halves it) until one meets, at most 10 times and never past --lo, --hi or the schema's limits; then "
             "it bisects between the two (whole numbers exactly, others to 1/64 of the gap).\n\n"
             "The folder (the points, size.json and the plot) is results/<scenario name>/size-<hash>-<knob>, or "
             "--out DIR.")


@app.command("size", help=SIZE_HELP)
@planner_errors
def size_command(
    scenario: ScenarioArgument,
    knob: Annotated[str, typer.Option(
        metavar="KEY.PATH", help="The key path to size, e.g. suppliers.moulding-exterior.parts.underbody-panel.cards.")],
    target: Annotated[str, typer.Option(
        metavar="'KPI OP NUMBER'", help="What must hold with 95 % confidence, e.g. 'stoppage_min <= 0' or "
                                        "'by_part.underbody-panel.stoppage_min <= 0'.")],
    lo: Annotated[Optional[float], typer.Option(
        metavar="VALUE", help="Lowest value to consider (default: bracket from the scenario's value).")] = None,
    hi: Annotated[Optional[float], typer.Option(
        metavar="VALUE", help="Highest value to consider (default: bracket from the scenario's value).")] = None,
    largest: Annotated[bool, typer.Option("--largest", help="Find the largest value meeting the target "
                                          "(distance-like knobs) instead of the smallest.")] = False,
    set_: SetOption = None,
    days: DaysOption = None,
    replications: ReplicationsOption = None,
    seed: SeedOption = None,
    out_dir: OutOption = None,
    workers: WorkersOption = None,
    plots: PlotsOption = True,
    scheduler: SchedulerOption = None,
    detail: DetailOption = False,
    force: ForceOption = False,
):
    from sim.app import size
    from sim.size import Target
    _check_workers(workers)
    sets = _overrides(set_, **{"horizon.days": days, "replications": replications, "seed": seed})

    def progress(e):
        mark = "meets" if e["met"] else "misses"
        err.print(f"  {knob} = {e['value']}: {plus_minus(e['mean'], e['ci95'])} ({mark})")

    result = size(scenario, knob, Target.parse(target), lo, hi, largest=largest, overrides=sets, out=out_dir,
                  workers=workers, progress=progress, plots=plots, detail=detail, force=force, **_cluster(scheduler))
    which = "largest" if largest else "smallest"
    if result.answer is None:
        tried = [e["value"] for e in result.evidence]
        out.print(f"no value tried ({min(tried):g} to {max(tried):g}) meets {result.target} with "
                  f"95 % confidence ({len(result.evidence)} points run)")
    else:
        out.print(f"{which} {knob} meeting {result.target} with 95 % confidence: {result.answer} "
                  f"({len(result.evidence)} points run)", highlight=False)
    out.print(f"evidence: {result.folder}", highlight=False, soft_wrap=True)


@app.command("export")
@planner_errors
def export_command(
    run_dir: Annotated[Path, typer.Argument(metavar="RUN_DIR", help="A run folder written by sim run.")],
    csv: Annotated[bool, typer.Option("--csv", help="Write the event tables as CSV (the only format for now).")] = False,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", metavar="DIR", help="A new folder for the CSV files (default: RUN_DIR/csv, replaced whole).")] = None,
):
    """Write a run folder's event tables (tables/*.parquet) as CSV, for a spreadsheet or another tool."""
    from sim.store import export_csv
    if not csv:
        raise SimError("say which format: sim export RUN_DIR --csv")
    try:
        folder, files = export_csv(run_dir, out=out_dir)
    except KeyboardInterrupt:
        raise Interrupted("nothing was written" if out_dir is not None else
                          f"{run_dir}/csv is as it was") from None
    out.print(f"{len(files)} tables written in {folder}: {', '.join(f.name for f in files)}", soft_wrap=True)
