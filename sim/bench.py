"""The benchmark: a simulated year of a scenario (one replication) against raw SimPy, and the
whole ``sim run`` from scenario file to report.

``python -m sim.bench`` prints wall seconds, cars built, SimPy events processed, events per car,
the raw SimPy rate of this machine (a bare timeout loop in the same process), the cost per event as
a ratio to it, the peak memory of a fresh process, and wall time at two horizons to show linear
growth. Each measurement runs in its own process so that peak memory is its own.

``python -m sim.bench --end-to-end`` prints where a default run's CPU goes, stage by stage in one
process (load, simulate, metrics, store, plots), then the CPU time of every process of
``sim run`` against that of the bare API (``sim.run``), the run folder's size, and the peak memory
(all processes together) of ``sim run`` with ``--days``/``--replications`` for the memory target.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TARGETS = {"wall_s": 10.0, "cost_ratio": 2.5, "peak_mb": 500.0, "linearity": 0.15}


def raw_simpy_rate(events: int = 1_000_000) -> float:
    """Events per second of a bare SimPy process yielding timeouts."""
    import simpy

    env = simpy.Environment()

    def tick(env):
        while True:
            yield env.timeout(1)

    env.process(tick(env))
    started = time.perf_counter()
    env.run(until=events)
    return events / (time.perf_counter() - started)


def _measure(scenario_path: str, days: float, queue) -> None:
    from sim.metrics import Frame, measure
    from sim.model.plant import Plant
    from sim.scenario import load_scenario

    scenario = load_scenario(scenario_path, [f"horizon.days={days}", "replications=1"])
    rate = raw_simpy_rate()
    started = time.perf_counter()
    plant = Plant(scenario, 0)
    rep = plant.run()
    sim_s = time.perf_counter() - started
    started = time.perf_counter()
    kpis = measure(Frame.of(scenario), rep.tables).kpis
    metrics_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"days": days, "wall_s": sim_s, "metrics_s": metrics_s, "events": rep.events,
               "cars_built": kpis["cars_built"], "stoppage_min": kpis["stoppage_min"], "raw_rate": rate,
               "peak_mb": peak_mb, "trips": int(len(rep.tables.trips))})


def measure_in_fresh_process(scenario_path: str, days: float) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_measure, args=(scenario_path, days, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def report(year: dict, half: dict | None) -> list[tuple[str, str, str]]:
    """(figure, value, target) rows."""
    per_event_us = year["wall_s"] / year["events"] * 1e6
    raw_us = 1e6 / year["raw_rate"]
    rows = [
        ("simulated days", f"{year['days']:g}", ""),
        ("wall seconds (simulation)", f"{year['wall_s']:.2f}", f"< {TARGETS['wall_s']:g}"),
        ("wall seconds (metrics)", f"{year['metrics_s']:.2f}", ""),
        ("cars built", f"{year['cars_built']:,}", ""),
        ("truck trips", f"{year['trips']:,}", ""),
        ("SimPy events processed", f"{year['events']:,}", ""),
        ("events per car", f"{year['events'] / max(year['cars_built'], 1):.2f}", ""),
        ("raw SimPy rate (events/s)", f"{year['raw_rate']:,.0f}", ""),
        ("model cost per event (us)", f"{per_event_us:.2f}", ""),
        ("cost per event / raw SimPy", f"{per_event_us / raw_us:.2f}x", f"< {TARGETS['cost_ratio']:g}x"),
        ("peak memory (MB, whole process)", f"{year['peak_mb']:.0f}", f"< {TARGETS['peak_mb']:g}"),
    ]
    if half is not None:
        ratio = year["wall_s"] / half["wall_s"]
        rows += [(f"wall seconds at {half['days']:g} days", f"{half['wall_s']:.2f}", ""),
                 (f"wall({year['days']:g} d) / wall({half['days']:g} d)", f"{ratio:.2f}",
                  f"{2 * (1 - TARGETS['linearity']):.2f}-{2 * (1 + TARGETS['linearity']):.2f}")]
    return rows


END_TO_END_TARGETS = {"cli_over_api": 1.5, "folder_mb": 8.0, "peak_mb": 1024.0}


def _stages(scenario_path: str, queue) -> None:
    """CPU seconds of each stage of a default run, in this one process (replications in turn)."""
    clock = time.process_time
    t = clock()
    from sim.scenario import load_scenario
    scenario = load_scenario(scenario_path)
    stages = {"load": clock() - t}
    from sim.app import draw_run
    from sim.metrics import Frame, Reading, event_tables, measure
    from sim.model.plant import run_replication
    from sim.runner import RunResult
    from sim.results import MemoryTables, RunSummary
    from sim.store import writing_run
    stages.update(simulate=0.0, metrics=0.0, store=0.0)
    out = Path(tempfile.mkdtemp()) / "run"
    frame, per_rep, kept = Frame.of(scenario), [], MemoryTables()
    with writing_run(scenario, out) as sink:
        for r in range(scenario.replications):
            t = clock()
            rep = run_replication(scenario, r)
            stages["simulate"] += clock() - t
            t = clock()
            reading = Reading(frame, rep.tables)
            per_rep.append(measure(frame, rep.tables, r, reading))
            tables = event_tables(frame, rep.tables, reading)
            stages["metrics"] += clock() - t
            t = clock()
            sink.add_tables(r, tables)
            kept.add(r, tables if r == 0 else None)
            stages["store"] += clock() - t
        t = clock()
        result = RunResult(scenario, RunSummary.of(scenario, per_rep), kept, 0.0, 0, 1)
        record = sink.finish(result)
        stages["store"] += clock() - t
        t = clock()
        draw_run(record, sink.folder)
        stages["plots"] = clock() - t
        sink.seal()
    shutil.rmtree(out.parent, ignore_errors=True)
    queue.put(stages)


def _memory_kb(pid: int) -> int:
    """A process's share of memory, kB: its proportional set size (pages shared with the processes
    it forked counted once between them, not once in each), or its resident size where the kernel
    does not say."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0


def _tree(pid: int) -> dict[int, float]:
    """A process and all its descendants (workers forked by a fork server are grandchildren), each
    with the CPU seconds it has used so far (Linux /proc; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        except (OSError, IndexError, ValueError):
            continue
    out, todo = {}, [pid]
    while todo:
        p = todo.pop()
        out[p] = cpu.get(p, 0.0)
        todo += children.get(p, [])
    return out


def timed(command: list[str]) -> dict:
    """CPU seconds (user + system, every process; a process's last 50 ms may be missed), wall
    seconds and peak memory of all processes together (proportional set sizes summed, sampled every
    50 ms) of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak, seen = [0.0], {}

    def sample() -> None:
        while proc.poll() is None:
            tree = _tree(proc.pid)
            peak[0] = max(peak[0], sum(_memory_kb(p) for p in tree) / 1024)
            for p, used in tree.items():
                seen[p] = max(seen.get(p, 0.0), used)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{err}")
    # the command's own children are in its rusage once reaped; processes reaped by another (the
    # workers of a fork server) are not, so their CPU is what was last sampled of each
    cpu = max((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), sum(seen.values()))
    return {"cpu_s": cpu, "wall_s": time.perf_counter() - started, "peak_mb": peak[0]}


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def end_to_end(scenario: str, days: float, replications: int) -> None:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_stages, args=(scenario, queue))
    proc.start()
    stages = queue.get()
    proc.join()
    total = sum(stages.values())
    print(f"end to end: {scenario}, its own horizon and replications, one process, CPU seconds")
    for name, seconds in stages.items():
        print(f"  {name:<9} {seconds:8.2f}  {seconds / total:6.1%}")
    print(f"  {'total':<9} {total:8.2f}")
    work = Path(tempfile.mkdtemp())
    try:
        api = timed([sys.executable, "-c", f"import sim; sim.run(sim.load_scenario({scenario!r}))"])
        cli = timed([sys.executable, "-m", "sim", "run", scenario, "--out", str(work / "run")])
        size = folder_mb(work / "run")
        big = timed([sys.executable, "-m", "sim", "run", scenario, "--out", str(work / "big"), "--days", f"{days:g}",
                     "--replications", str(replications)])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t = END_TO_END_TARGETS
    rows = [("CPU s, sim.run (API, all processes)", f"{api['cpu_s']:.1f}", ""),
            ("CPU s, sim run (CLI, all processes)", f"{cli['cpu_s']:.1f}", ""),
            ("CLI / API", f"{cli['cpu_s'] / api['cpu_s']:.2f}x", f"<= {t['cli_over_api']:g}x"),
            ("run folder (MB)", f"{size:.1f}", f"<= {t['folder_mb']:g}"),
            (f"peak memory, {replications} x {days:g} days (MB, all processes)", f"{big['peak_mb']:.0f}",
             f"<= {t['peak_mb']:g}"),
            (f"wall s, {replications} x {days:g} days", f"{big['wall_s']:.0f}", "")]
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"  {name:<{width}}  {value:>10}  {('target ' + target) if target else ''}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sim.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/nanshan.yaml")
    parser.add_argument("--days", type=float, default=365.0)
    parser.add_argument("--no-linearity", action="store_true", help="skip the run at half the horizon")
    parser.add_argument("--end-to-end", action="store_true",
                        help="the stages of a default run, sim run against sim.run, folder size and peak memory")
    parser.add_argument("--replications", type=int, default=10, help="replications of the memory run (--end-to-end)")
    args = parser.parse_args(argv)
    if args.end_to_end:
        end_to_end(args.scenario, args.days, args.replications)
        return
    year = measure_in_fresh_process(args.scenario, args.days)
    half = None if args.no_linearity else measure_in_fresh_process(args.scenario, args.days / 2)
    width = max(len(r[0]) for r in report(year, half))
    print(f"benchmark: {args.scenario}, one replication")
    for name, value, target in report(year, half):
        print(f"  {name:<{width}}  {value:>14}  {('target ' + target) if target else ''}")


if __name__ == "__main__":
    main()
