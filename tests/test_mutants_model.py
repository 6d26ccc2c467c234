"""Mechanisms of the model that mutation testing found unchecked (README, "Mutation testing"), each
checked against numbers derived by hand in the docstring, through ``run_replication``, ``measure``
and the event tables: racks closed by their last call-off waiting for a full truck, a JIS builder
idle before the day's first call-off, a supplier's break between two call-offs of a rack, which
stops a disruption is blamed for (its supplier only, up to exactly one loop time after it), how late
each rack of a starved loop arrives, two line breakdowns in one cycle, and sampled breakdown windows.

Unless a test says otherwise the micro loops of ``micro.py`` run without randomness: JIS at station 5
of 10, racks of 4, build 30 s, one-way trip 300 s, load 60 s, unload 60 s, takt 60 s.
"""

from __future__ import annotations

import numpy as np
import pytest
from micro import THREE_SHIFTS, build, jis_loop, kanban_loop

from sim.metrics import Frame, measure, stoppage_table
from sim.model import run_replication
from sim.streams import alternating_windows

def rows(table, fields, n=None) -> list[tuple]:
    return [tuple(r[f].item() for f in fields) for r in table[:n]]


# -- a rack closed by its last call-off --------------------------------------------------------------

def test_racks_closed_by_their_last_call_off_wait_for_a_full_truck():
    """Broadcast 7 (lead 16): at t = 0 cars 0..15 are called off and line-side (11 units after cars
    0..4). Rack 0 (cars 16..19) closes when car 19 is called off, at cycle 3 (180 s), and is ready
    at 180 + 30 = 210; with two racks a truck it waits for rack 1 (cars 20..23, closed at cycle 7,
    ready 420 + 30 = 450), not for the 30 min limit: the truck is loaded 450-510, driven 510-810 and
    unloaded 810-870. Car 16 is needed at cycle 11 (660 s): the line waits 660-870. From 870, cycle
    11 closes rack 2 (cars 24..27; car 27, called then, built by 900); cycles 12..15 (930..1110)
    close rack 3, ready 1140: the second truck leaves with racks 2 and 3 at 1140 + 60, is unloaded
    at 1560, and the line, out of racks at cycle 19 (870 + 8 x 60 = 1350), waits 1350-1560.
    (A rack that went alone, as an urgent one does, would be line-side at 630, before car 16.)"""
    tables = run_replication(build(jis_loop(per_truck=2, days=0.05))).tables
    assert rows(tables.trips, ("first_car", "items", "units", "ready", "depart", "unloaded"), 2) == [
        (16, 2, 8, 210.0, 510.0, 870.0), (24, 2, 8, 900.0, 1200.0, 1560.0)]
    assert rows(tables.stoppages, ("cycle", "start", "end"), 2) == [(11, 660.0, 870.0), (19, 1350.0, 1560.0)]


# -- the JIS builder ---------------------------------------------------------------------------------

def test_a_slow_jis_build_starts_with_the_first_call_off_of_the_day():
    """Build 90 s > takt 60 s, broadcast 8 (lead 17), the line on Monday's shifts from 06:00
    (21,600 s), the supplier around the clock. The open rack holds car 16 (called off before t = 0)
    and cars 17..19, called off at cycles 0..2: 06:00, 06:01, 06:02. Each unit starts when called off
    and the builder is free: 21,690, 21,780, 21,870: ready 21,870 (not 21,720 + 90 = 21,810, as if the
    idle builder had worked ahead). Rack 1 (cars 20..23, called off from 21,780) follows the busy
    builder: 21,870 + 4 x 90 = 22,230."""
    tables = run_replication(build(jis_loop(broadcast=8, build_s=90.0, days=1), calendar=THREE_SHIFTS)).tables
    assert tables.trips["ready"][:2].tolist() == [21_870.0, 22_230.0]


@pytest.mark.parametrize("warmup_s, margin_min", [(0.0, -0.5), (690.0, 0.0)])
def test_a_supplier_break_between_call_offs_delays_the_rack(warmup_s, margin_min):
    """The supplier breaks 00:01-00:03 (60-180 s); the line runs around the clock. Rack 0 (cars
    16..19, called off at 0, 60, 120, 180 s) counts in supplier working seconds: calls at 0, 60, 60,
    60 (the last two while it rests, the third at its end). Unit by unit: 0 + 30, then car 17 from 60:
    90, 120, 150 working seconds = 150 + 120 s of break = 270 clock seconds (the last call-off alone
    would say 60 + 30 = 90 -> 210). Loaded 270-330, line-side at 690; car 16 is needed at cycle 11
    (660): the line waits 660-690, a JIS margin of -0.5 min. Rack 1 (cars 20..23, called off at
    240..420 s, working 120..300) is ready at 300 + 30 -> 450 clock, line-side at 870; car 20 is
    needed at cycle 15, 4 cycles after 690: 930, +1 min. Rack 2 (cars 24..27, called off at 480,
    540, 600 and, after the stop, 690) is line-side at 690 + 30 + 420 = 1140 for cycle 19 at 1170,
    +0.5 min; and so on, +0.5 min. A warm-up of 690 s leaves the stop out of the window but still
    counts rack 0, unloaded at 690 as cycle 11 starts: margin 0, the smallest."""
    data = jis_loop(days=0.05, horizon={"days": 0.05, "warmup_days": warmup_s / 86400})
    data["suppliers"][0]["calendar"] = _supplier_break("00:01", "00:03")
    sc = build(data)
    tables = run_replication(sc).tables
    assert rows(tables.trips, ("ready", "depart", "unloaded"), 3) == [(270.0, 330.0, 690.0), (450.0, 510.0, 870.0),
                                                                     (720.0, 780.0, 1140.0)]
    assert rows(tables.stoppages, ("cycle", "start", "end")) == [(11, 660.0, 690.0)]
    assert measure(Frame.of(sc), tables).by_part["part"]["jis_margin_min_min"] == margin_min


def _supplier_break(start: str, end: str) -> dict:
    return {"shifts": [{"name": "all", "start": "00:00", "end": "24:00", "breaks": [{"start": start, "end": end}]}]}


def test_a_builder_behind_after_a_break_keeps_its_backlog_into_the_next_rack():
    """Build 55 s, the supplier breaking 00:01-00:03 (60-180 s). Rack 0 (cars 16..19, called off at
    0, 60, 120, 180 s, in supplier working seconds 0, 60, 60, 60): 55, then from 60: 115, 170, 225
    working seconds, 225 + 120 = 345 clock. Rack 1 (cars 20..23, called off at 240..420 s, working
    120..300) waits for the builder: 225 + 4 x 55 = 445 working seconds, 565 clock (its last
    call-off alone would say 300 + 55 = 355, 475 clock). Line-side at 345 + 420 = 765 and 985; car 16
    is needed at cycle 11 (660): the line waits 660-765, then car 20 at cycle 15 (765 + 240 = 1005)
    finds rack 1 there."""
    data = jis_loop(build_s=55.0, days=0.02)
    data["suppliers"][0]["calendar"] = _supplier_break("00:01", "00:03")
    tables = run_replication(build(data)).tables
    assert rows(tables.trips, ("ready", "depart", "unloaded"), 2) == [(345.0, 405.0, 765.0), (565.0, 625.0, 985.0)]
    assert rows(tables.stoppages, ("cycle", "start", "end")) == [(11, 660.0, 765.0)]


def test_a_break_between_call_offs_is_seen_whatever_the_call_off_times():
    """Broadcast 6 (lead 15): at t = 0 cars 0..14 are called off; line-side are the racks they
    completed, units 0..11 (7 units after cars 0..4). Rack 0 (cars 12..15) needs only car 15,
    called off at cycle 0: ready at 30, line-side at 30 + 420 = 450; car 12 is needed at cycle 7
    (420): the line waits 420-450. Rack 1 (cars 16..19) is called off at 60, 120, 180, 240 s; the
    supplier breaks 00:02-00:04 (120-240 s), so in its working seconds 60, 120, 120, 120: unit by
    unit 90, 150, 180, 210 working seconds = 330 clock. Line-side at 750; car 16 is needed at cycle
    11, 4 cycles after 450: 690, the line waits 690-750."""
    data = jis_loop(broadcast=6, days=0.02)
    data["suppliers"][0]["calendar"] = _supplier_break("00:02", "00:04")
    tables = run_replication(build(data)).tables
    assert rows(tables.trips, ("ready", "depart", "unloaded"), 2) == [(30.0, 90.0, 450.0), (330.0, 390.0, 750.0)]
    assert rows(tables.stoppages, ("cycle", "start", "end"), 2) == [(7, 420.0, 450.0), (11, 690.0, 750.0)]


def test_every_rack_of_a_starved_loop_arrives_when_the_line_has_waited_7_minutes():
    """The partial-rack loop of test_behaviour.py (broadcast 0, racks of 8, two a truck): the line
    stops at cycles 3, 7, 11, ... (180, 840, 1500, ... s) and each partial rack is line-side 420 s
    later. Each rack's need is the start of the stop it caused, so every margin is -7 min."""
    sc = build(jis_loop(broadcast=0, rack=8, per_truck=2, days=0.05))
    tables = run_replication(sc).tables
    assert len(tables.trips) == 6 and len(tables.stoppages) == 7
    row = measure(Frame.of(sc), tables).by_part["part"]
    assert (row["jis_margin_min_min"], row["jis_margin_min_mean"], row["jis_margin_min_p5"]) == (-7.0, -7.0, -7.0)


# -- which stops a disruption is blamed for ----------------------------------------------------------

def _starved_on_a_closed_road(closed_s: float, plant_unload_min: float = 1.0) -> list[str]:
    """The partial-rack loop (stops at 180 + 660 k s, k = 0..6, the last cut at the horizon) on route
    "ring", closed from 0 to ``closed_s`` (before any truck sets off, at 240: no trip changes), the
    supplier unloading in 1 min whatever the plant's time; the disruption each stop is blamed for."""
    data = jis_loop(broadcast=0, rack=8, per_truck=2, days=0.05)
    data["plant"]["unload_min"] = plant_unload_min
    data["suppliers"][0].update(route="ring", unload_min=1.0)
    data["disruptions"] = [{"name": "shut", "kind": "road_closed", "route": "ring", "start_day": 0,
                            "duration_h": closed_s / 3600}]
    sc = build(data)
    return stoppage_table(Frame.of(sc), run_replication(sc).tables)["disruption"].tolist()


@pytest.mark.parametrize("closed_s, blamed", [(60.0, 5), (59.9, 4)])
def test_a_stop_is_blamed_on_a_disruption_up_to_one_loop_time_after_it_ends(closed_s, blamed):
    """A stop is blamed on a disruption of its supplier that ended at most one loop time before the
    stop began. Loop time of this JIS part: load 1 + unload 1 + dispatch wait 30 min = 1,920 s, both
    ways 600 s, a rack's build 8 x 30 = 240 s: 2,760 s. A closure ending at 60 s reaches stops
    starting up to 2,820 s: the first five (180, 840, 1500, 2160, 2820), not 3480 nor 4140. Ending
    0.1 s earlier it misses 2820."""
    assert _starved_on_a_closed_road(closed_s) == ["shut"] * blamed + [""] * (7 - blamed)


def test_the_suppliers_own_unload_time_is_in_its_loop_time():
    """As above, the closure ending at 59.9 s, with the plant's unload 5 min and the supplier's 1 min:
    the loop time is the supplier's (2,760 s), so the stop at 2820 is not blamed; with the plant's
    5 min it would be (2,760 + 240 s)."""
    assert _starved_on_a_closed_road(59.9, plant_unload_min=5.0) == ["shut"] * 4 + [""] * 3


def test_a_supplier_down_window_is_blamed_only_for_its_own_suppliers_stops():
    """Two kanban suppliers: "tight" (the tight loop of test_transcript.py: 2 cards of 10, one truck;
    the line waits 2400-2490 and 3090-3240) and "other" (20 cards, never short in the 72 cycles of
    the run), down for the first hour. No stop of "tight" is blamed on the other supplier's down
    window."""
    data = kanban_loop(cards=2, pack=10, trucks=1, docks=2, days=0.05)
    data["suppliers"][0]["name"] = "tight"
    other = dict(data["suppliers"][0], name="other",
                 parts=[dict(data["suppliers"][0]["parts"][0], name="other-part", cards=20)])
    data["suppliers"].append(other)
    data["disruptions"] = [{"name": "down", "kind": "supplier_down", "supplier": "other", "start_day": 0,
                            "duration_h": 1}]
    sc = build(data)
    stops = stoppage_table(Frame.of(sc), run_replication(sc).tables)
    assert len(stops["part"]) >= 2 and set(stops["part"].tolist()) == {"part"}
    assert set(stops["disruption"].tolist()) == {""}


# -- breakdowns ----------------------------------------------------------------------------------------

def test_two_line_breakdowns_in_one_cycle_follow_each_other():
    """A line failing after 1 min of running on average and repaired in 1 min on average, at takt
    60 s: some cycles break down twice. The second breakdown of a cycle strikes after the first is
    repaired, so no breakdown starts before the previous one ended, and each lasts its repair time
    (around the clock, working time is clock time)."""
    data = kanban_loop(cards=40, pack=50, days=0.1)
    data["line"]["breakdowns"] = {"mtbf_min": 1, "mttr_min": 1}
    bd = run_replication(build(data)).tables.breakdowns
    assert (bd["cycle"][1:] == bd["cycle"][:-1]).sum() >= 10  # cycles with two breakdowns or more
    assert (bd["start"][1:] >= bd["end"][:-1]).all()
    done = np.isfinite(bd["end"])  # a repair running past the calendar ends at inf
    assert (~done).sum() <= 1
    assert bd["end"][done] - bd["start"][done] == pytest.approx(bd["repair_w"][done])


def test_sampled_breakdown_windows_alternate_up_and_down_times_from_zero():
    """A unit up at t = 0 fails after its first up time u1, is repaired after its first down time
    d1, fails again u2 later, ...: windows (u1, u1 + d1), (u1 + d1 + u2, u1 + d1 + u2 + d2), ...
    The draws come from the generator in that order (up, down, up, ...); the first failure at or
    after the horizon ends the list."""
    horizon = 86_400.0
    ref = np.random.default_rng(5)
    u1, d1, u2, d2 = ref.exponential(3600.0), ref.exponential(600.0), ref.exponential(3600.0), ref.exponential(600.0)
    windows = alternating_windows(np.random.default_rng(5), 3600.0, 600.0, horizon)
    assert windows[:2] == [(u1, u1 + d1), (u1 + d1 + u2, u1 + d1 + u2 + d2)]
    assert all(a < b < c for (a, b), (c, _) in zip(windows, windows[1:]))
    assert windows[-1][0] < horizon and len(windows) >= 10


def test_a_call_off_as_the_line_restarts_is_taken_at_the_recorded_restart():
    """A JIS part in racks of one unit built in 5 s (the builder is never behind: each unit is done
    long before the next call-off), on the line of a starved kanban loop (2 cards of 10, one truck)
    whose noisy travel times restart the line at arbitrary moments, on Monday's and Tuesday's shifts
    (clock -> working -> clock is not exact there in floating point). Each rack is ready exactly 5 s
    after it was called off, also when the call-off came with the cycle that restarted the line: its
    time is the recorded restart, not one recomputed through working time."""
    data = kanban_loop(cards=2, pack=10, trucks=1, stations=10, days=2.0)
    data["suppliers"][0]["travel_cv"] = 0.3
    seq = jis_loop(rack=1, build_s=5.0)["suppliers"][0]
    seq.update(name="seq", parts=[dict(seq["parts"][0], name="seq-part")])
    data["suppliers"].append(seq)
    tables = run_replication(build(data, calendar=THREE_SHIFTS)).tables
    assert len(tables.stoppages) >= 100
    racks = tables.trips[tables.trips["part"] == 1]
    assert len(racks) >= 500 and (racks["ready"] == racks["released"] + 5.0).all()


def test_kanban_trips_serve_no_particular_car():
    """A kanban pack serves whichever cars come: its trips carry first_car -1 (JIS racks carry the
    first car they serve)."""
    trips = run_replication(build(kanban_loop(days=0.1))).tables.trips
    assert len(trips) >= 10 and (trips["first_car"] == -1).all()
