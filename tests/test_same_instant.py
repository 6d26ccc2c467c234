"""Same-instant events: a delivery at time t counts before the car that starts at t.

The line starts a cycle only after every other event due at the same instant (a delivery, a
truck's return), and the first cycle after a stoppage starts exactly at the clock time the line
resumed (the unload that ended it), not at a time recomputed through working time. Stock figures
order a delivery before a car that starts at the same time.
"""

from __future__ import annotations

import numpy as np
from micro import THREE_SHIFTS, build, kanban_loop

from sim.metrics import Frame, Reading, cycle_times, delivery_rows, measure
from sim.model import run_replication
from sim.plots.supply import stock_points
from sim.results import ReplicationMetrics
from sim.scenario import load_scenario


def _result(scenario, replication: int = 0) -> tuple:
    """(the model's tables, the replication's figures, its line-side stock just before and after
    each delivery in the window, in time order) of one replication."""
    tables = run_replication(scenario, replication).tables
    frame = Frame.of(scenario)
    reading = Reading(frame, tables)
    metrics: ReplicationMetrics = measure(frame, tables, replication, reading)
    return tables, metrics, stock_points(delivery_rows(frame, reading))


def test_a_delivery_that_ends_a_stoppage_finds_the_line_empty_and_fills_it():
    """Kanban, 2 cards of 4, 1 unit a car, takt 60 s, 24/7, two stations (station 1: the car at
    the station in cycle c is car c + 1, and car 0 has used its unit before t = 0). A card goes back
    when its container's last unit is taken; its pack is line-side L = 60 (load) + 300 (5 km at
    60 km/h) + 90 (unload) = 450 s later.
    Container 1 (units 1-4) empties at cycle 3 (t = 180): delivered at 630. Container 2 empties at
    cycle 7 (420): delivered at 870. Cycle 8 (due at 480) has no unit: the line stops 480-630.
    At 630 the pack arrives (before 0, after 4) and cycle 8 starts at once, exactly at 630; cycles
    8-11 run at 630, 690, 750, 810 and take it: 0 left when the second pack arrives at 870, the
    instant cycle 12 is due. The delivery counts first (before 0, after 4) and the line does not
    stop. Container 3 empties at cycle 11 (810), delivered at 1260; cycles 12-15 run 870-1050, the
    line stops at 1110 until 1260: the same 630 s pattern again. So every delivery of the day
    finds 0 units and leaves 4, the line stops 480-630 + k x 630, and stock never goes below 0."""
    sc = build(kanban_loop(cards=2, pack=4, trucks=4))
    tables, metrics, stock = _result(sc)
    stops = tables.stoppages
    assert stops["start"][:3].tolist() == [480.0, 1110.0, 1740.0]
    assert stops["end"][:3].tolist() == [630.0, 1260.0, 1890.0]
    starts, _ = cycle_times(Frame.of(sc), tables)
    assert starts[8] == 630.0 and starts[12] == 870.0  # the cycle after the stop starts at the unload
    assert stock["time_s"][:4].tolist() == [630.0, 870.0, 1260.0, 1500.0]
    assert set(stock["before"].tolist()) == {0}
    assert set(stock["after"].tolist()) == {4}
    part = metrics.by_part["part"]
    assert part["stock_min"] == 0 and part["stock_peak"] == 8


def test_the_line_does_not_stop_for_a_delivery_due_the_instant_its_car_is():
    """The loop above with a 30 s unload: L = 60 + 300 + 30 = 390 s. Cards go at cycles 3 and 7
    (180, 420): packs at 570 and 810. The line stops at 480 (cycle 8) until 570, runs cycles 8-11
    at 570-750 (the third card goes at 750, its pack comes at 1140), and cycle 12 is due at 810, the
    instant the second pack is unloaded. The line's wake-up for 810 was scheduled at 750, before
    the truck docked (780), yet the unload counts first: no stop at 810 (not even one of zero
    length, which for a JIS part would ship a partial rack). Cycles 12-15 run 810-990 and the line
    waits 1050-1140: stops start every 570 s."""
    stops = run_replication(build(kanban_loop(cards=2, pack=4, trucks=4, unload=0.5))).tables.stoppages
    assert stops["start"][:4].tolist() == [480.0, 1050.0, 1620.0, 2190.0]
    assert stops["end"][:4].tolist() == [570.0, 1140.0, 1710.0, 2280.0]
    assert (stops["end"] > stops["start"]).all()


def test_stock_is_exact_at_deliveries_across_breaks_and_a_fractional_takt():
    """The same 2-card loop on two shifts with breaks and a takt of 61.3 s: clock and working time
    no longer convert back and forth exactly (a cycle start recomputed through working time fell a
    fraction of a nanosecond before the unload that enabled it: stock -1). The line only stops when
    the part is out, so a delivery that ends a stoppage finds exactly 0 and leaves one pack, 4; the
    line can never use a unit it does not have, so stock is never below 0, and the full loop, 8
    units, is line-side at t = 0."""
    sc = build(kanban_loop(cards=2, pack=4, trucks=4, takt=61.3), calendar=THREE_SHIFTS)
    tables, metrics, stock = _result(sc)
    ends = set(tables.stoppages["end"].tolist())
    ending = np.array([t in ends for t in stock["time_s"].tolist()])  # deliveries that ended a stoppage
    assert ending.sum() > 50  # the loop is starved all day: most deliveries end a stoppage
    assert set(stock["before"][ending].tolist()) == {0}
    assert set(stock["after"][ending].tolist()) == {4}
    assert stock["before"].min() >= 0
    part = metrics.by_part["part"]
    assert part["stock_min"] == 0 and part["stock_peak"] == 8


def test_nanshan_detour_stock_never_goes_below_zero():
    """Four days of nanshan-detour with seed 10 held four kanban parts (ac-compressor, fuel-tank
    among them) at -1 at some delivery that ended a stoppage. No part may ever show less than 0."""
    sc = load_scenario("scenarios/nanshan-detour.yaml", ["horizon.days=4", "horizon.warmup_days=0", "seed=10"])
    _, metrics, stock = _result(sc)
    assert stock["before"].min() >= 0
    lows = {name: row["stock_min"] for name, row in metrics.by_part.items()}
    assert min(lows.values()) >= 0, {k: v for k, v in lows.items() if v < 0}
