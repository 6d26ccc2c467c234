"""The benchmark: a simulated year of a scenario (one replication) against raw SimPy.

``python -m sim.bench`` prints wall seconds, cars built, SimPy events processed, events per car,
the raw SimPy rate of this machine (a bare timeout loop in the same process), the cost per event as
a ratio to it, the peak memory of a fresh process, and wall time at two horizons to show linear
growth. Each measurement runs in its own process so that peak memory is its own.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time

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
    kpis = measure(Frame.of(scenario), rep.tables)["kpis"]
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sim.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/nanshan.yaml")
    parser.add_argument("--days", type=float, default=365.0)
    parser.add_argument("--no-linearity", action="store_true", help="skip the run at half the horizon")
    args = parser.parse_args(argv)
    year = measure_in_fresh_process(args.scenario, args.days)
    half = None if args.no_linearity else measure_in_fresh_process(args.scenario, args.days / 2)
    width = max(len(r[0]) for r in report(year, half))
    print(f"benchmark: {args.scenario}, one replication")
    for name, value, target in report(year, half):
        print(f"  {name:<{width}}  {value:>14}  {('target ' + target) if target else ''}")


if __name__ == "__main__":
    main()
