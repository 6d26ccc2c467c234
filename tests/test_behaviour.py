"""One mechanism per test, each checked against numbers derived by hand (the derivation is in the
docstring): which routes a road disruption slows and which stops it is blamed for, the dispatch
rule, urgent partial JIS racks, racks overtaken on the road, per-part call-off lead, a supplier's
calendar with its down windows, JIS builds slower than the takt, the dock and truck queue order, a
supplier's own unload time, time-weighted stock, cars finishing on a shift change, a warm-up of
whole shifts and the trips it leaves out.

Unless a test says otherwise the micro loops of ``micro.py`` run without randomness: one-way trip
5 km at 60 km/h = 300 s, load 60 s, kanban unload 90 s, JIS unload 60 s, takt 60 s.
"""

from __future__ import annotations

import copy

import pytest
from micro import THREE_SHIFTS, build, jis_loop, kanban_loop

from sim.metrics import Frame, cycle_times, measure, shift_table, stoppage_table
from sim.model import run_replication

TRIP = ("released", "depart", "arrive", "dock", "unloaded", "returned")


def rows(trips, fields=TRIP, n=None) -> list[tuple]:
    return [tuple(r[f].item() for f in fields) for r in trips[:n]]


def add_supplier(data: dict, name: str, **changes) -> dict:
    """A copy of the first supplier (and its part, renamed ``<name>-part``) with ``changes``."""
    twin = copy.deepcopy(data["suppliers"][0])
    part = dict(twin["parts"][0], name=f"{name}-part", **changes.pop("part", {}))
    twin.update(name=name, parts=[part], **changes)
    data["suppliers"].append(twin)
    return data


# -- a road disruption slows its own route only ------------------------------------------------------

def test_a_road_disruption_slows_only_the_trucks_on_its_route():
    """Three kanban suppliers at 5 km, one truck each, cards of 10 units, three docks (no queue):
    "ave" (route avenue, 2 cards: the tight loop of test_transcript.py), "ring" (route ring, 20 cards)
    and "free" (no route, 20 cards). A road disruption on "ring" adds 20 min to every one-way trip
    setting off in [0, 1 h).

    - ave: exactly the transcript of test_transcript.py, stops at cycle 40 (2400-2490 s) and cycle 50
      (3090-3240 s), both attributed to no disruption: the jam is on another road.
    - ring: the first card goes at cycle 9 (540 s), the truck sets off at 600 inside the window and
      arrives 600 + 300 + 1200 = 2100, unloads by 2190, sets off back at once, still inside: back at
      2190 + 1500 = 3690. The card of cycle 19 (1140 s) waited for it: loaded 3690-3750, sets off at
      3750, after the window: arrives 4050, unloaded 4140, back 4440.
    - free: a window with a route leaves a supplier without one alone: every trip 300 s each way.
    """
    data = kanban_loop(cards=2, pack=10, trucks=1, docks=3, days=0.1)
    data["suppliers"][0].update(name="ave", route="avenue")
    add_supplier(data, "ring", route="ring", part={"cards": 20})
    add_supplier(data, "free", route=None, part={"cards": 20})
    data["disruptions"] = [{"name": "jam", "kind": "road", "route": "ring", "start_day": 0, "duration_h": 1,
                            "extra_min": 20}]
    sc = build(data)
    tables = run_replication(sc).tables
    trips = tables.trips
    ave, ring, free = (trips[trips["supplier"] == s] for s in range(3))
    assert rows(ave, n=4) == [
        (540.0, 600.0, 900.0, 900.0, 990.0, 1290.0),
        (1140.0, 1350.0, 1650.0, 1650.0, 1740.0, 2040.0),
        (1740.0, 2100.0, 2400.0, 2400.0, 2490.0, 2790.0),
        (2340.0, 2850.0, 3150.0, 3150.0, 3240.0, 3540.0),
    ]
    assert rows(ring, n=2) == [(540.0, 600.0, 2100.0, 2100.0, 2190.0, 3690.0),
                               (1140.0, 3750.0, 4050.0, 4050.0, 4140.0, 4440.0)]
    assert ring["delay_s"][:2].tolist() == [2400.0, 0.0]
    for mine in (ave, free):
        assert len(mine) >= 8
        assert (mine["arrive"] - mine["depart"] == 300.0).all()
        assert (mine["returned"] - mine["unloaded"] == 300.0).all()
        assert (mine["delay_s"] == 0.0).all()
    m = measure(Frame.of(sc), tables)
    assert [(r["cycle"], r["start"], r["end"]) for r in tables.stoppages[:2]] == [(40, 2400.0, 2490.0),
                                                                                  (50, 3090.0, 3240.0)]
    assert set(m.by_disruption) == {"none"}


def test_a_stop_within_one_loop_time_of_a_road_disruption_is_blamed_on_it():
    """The tight loop of test_transcript.py on route "ring", with a 20 min jam on it in [0, 900 s).
    The first truck sets off at 600, inside: line-side at 600 + 300 + 1200 + 90 = 2190, and the line,
    out of parts at cycle 20 (1200 s, after the jam ended), stops 1200-2190. The truck is back at
    2490 for the card of 1140: line-side 2940; the line ran cycles 20..29 from 2190 and stops
    2790-2940; card 3 (cycle 29, 2730) leaves 3300 and is line-side 3690: stop 3540-3690.
    A stop is blamed on a disruption of its supplier's route that started before the stop ended and
    ended at most one loop time before it began: load 1 + unload 1.5 + dispatch wait 30 + 2 x 5 min
    drive = 42.5 min = 2550 s, so up to 900 + 2550 = 3450 s: the first two stops, not the third."""
    data = kanban_loop(cards=2, pack=10, trucks=1, days=0.05)
    data["suppliers"][0]["route"] = "ring"
    data["disruptions"] = [{"name": "jam", "kind": "road", "route": "ring", "start_day": 0, "duration_h": 0.25,
                            "extra_min": 20}]
    sc = build(data)
    stops = stoppage_table(Frame.of(sc), run_replication(sc).tables)
    assert list(zip(stops["start"].tolist(), stops["end"].tolist(), stops["disruption"].tolist()))[:3] == [
        (1200.0, 2190.0, "jam"), (2790.0, 2940.0, "jam"), (3540.0, 3690.0, "")]


# -- the dispatch rule ---------------------------------------------------------------------------------

@pytest.mark.parametrize("max_wait, departs, items", [
    # a full load comes first: packs ready at 180 + 240 k (k = 0, 1, ...), the truck leaves with two
    # when the second is ready (420, 900, 1380, ...), loaded 60 s later
    (30, [480.0, 960.0, 1440.0], [2, 2, 2]),
    # the oldest pack has waited 1 min before a second is ready: each truck leaves with one pack at
    # 180 + 240 k + 60, loaded 60 s later
    (1, [300.0, 540.0, 780.0], [1, 1, 1]),
    # no wait allowed: each pack leaves as soon as it is ready
    (0, [240.0, 480.0, 720.0], [1, 1, 1]),
])
def test_a_truck_leaves_full_or_when_the_oldest_load_has_waited_its_limit(max_wait, departs, items):
    """Kanban, packs of 4 at 1 unit a car, 2 packs a truck, 4 trucks, 6 cards (the line never waits).
    The part is at station 1 of 2: car c + 1 takes its unit in cycle c, so pack k (cars 4k+1..4k+4)
    is emptied in cycle 4k + 3 and its card goes at 180 + 240 k s. A truck is sent when two packs
    are ready or when the oldest has waited ``dispatch_max_wait_min``, whichever comes first."""
    trips = run_replication(build(kanban_loop(cards=6, pack=4, per_truck=2, max_wait=max_wait,
                                              days=0.05))).tables.trips
    assert trips["depart"][:3].tolist() == departs
    assert trips["items"][:3].tolist() == items
    assert trips["units"][:3].tolist() == [4 * n for n in items]


# -- an urgent partial JIS rack ------------------------------------------------------------------------

def test_the_line_waiting_for_an_open_rack_ships_it_at_once_as_a_partial_rack():
    """JIS, 10 stations, part at station 5, broadcast 0, racks of 8, two racks a truck (a truck would
    wait 30 min for a second rack), build 30 s.

    Car k is called off at cycle k - 9 and needed at cycle k - 5: only 4 cars of call-off lead, half
    a rack. At t = 0 cars 0..8 are called off: they completed rack 0 (units 0..7), line-side (3 left
    after cars 0..4), and unit 8 sits, built, in the open rack 8..15, whose last call-off would be at
    cycle 6. Car 8 is needed at cycle 3 (180 s): the line stops at 180 and the supplier closes the
    rack with the units called off by then (cars 8..11; 9..11 called at 0, 60, 120, the last built
    by 150) and ships it at once, not waiting for a second rack: loaded 180-240, driven 240-540,
    unloaded 540-600. The line runs again at 600 with cycle 3, builds cycles 3..6 (calling off cars
    12..15 at 600..780, built by 630..810) and stops at cycle 7 (840 s) for car 12: the same again,
    4 cars and a 420 s stop every 660 s. Without the urgent shipment the rack would wait the 30 min
    limit."""
    tables = run_replication(build(jis_loop(broadcast=0, rack=8, per_truck=2, days=0.05))).tables
    assert tables.initial_stock.tolist() == [3]
    assert rows(tables.stoppages, ("cycle", "start", "end"), 3) == [(3, 180.0, 600.0), (7, 840.0, 1260.0),
                                                                    (11, 1500.0, 1920.0)]
    assert rows(tables.trips, ("first_car", "released", "ready", "depart", "arrive", "unloaded", "items",
                               "units"), 2) == [(8, 180.0, 150.0, 240.0, 540.0, 600.0, 1, 4),
                                                (12, 840.0, 810.0, 900.0, 1200.0, 1260.0, 1, 4)]
    assert (tables.releases["units"] == 4).all()
    # stops start at 180 + 660 j; those ending before the horizon (4,320 s) are j = 0..5
    stops = tables.stoppages[tables.stoppages["end"] < 0.05 * 86400]  # the last is cut at the horizon
    assert len(stops) == 6 and (stops["end"] - stops["start"] == 420.0).all()


def test_a_rack_overtaken_on_the_road_holds_the_line_until_it_arrives():
    """JIS as in test_analytic.py (broadcast 7: each rack line-side 30 s before its first car's
    cycle), on a route slowed by 10 min for trucks setting off in [240, 300) s. Rack 0 (cars
    16..19, ready 210) sets off at 270, inside: line-side at 270 + 300 + 600 + 60 = 1230. Rack 1
    (cars 20..23, ready 450) sets off at 510, after: line-side at 870, first. The line needs car 16
    at cycle 11 (660 s) and waits for rack 0 until 1230, then builds from both racks: car 20 (cycle
    15 at 1470) is already there, and rack 2, whose last call-off went out with cycle 11 at 1230, is
    line-side at 1230 + 30 + 60 + 300 + 60 = 1680 for car 24 at cycle 19 (1710): one stop only."""
    data = jis_loop(days=0.05)
    data["suppliers"][0]["route"] = "ring"
    data["disruptions"] = [{"name": "slow", "kind": "road", "route": "ring", "start_day": 240 / 86400,
                            "duration_h": 1 / 60, "extra_min": 10}]
    tables = run_replication(build(data)).tables
    assert rows(tables.trips, ("first_car", "depart", "unloaded"), 3) == [(20, 510.0, 870.0), (16, 270.0, 1230.0),
                                                                          (24, 1320.0, 1680.0)]
    assert rows(tables.stoppages, ("cycle", "start", "end")) == [(11, 660.0, 1230.0)]


# -- per-part call-off lead ----------------------------------------------------------------------------

def test_each_jis_part_is_called_off_with_its_own_broadcast_cars():
    """Two JIS suppliers as in test_analytic.py (station 5 of 10, racks of 4, build 30 s, one rack a
    truck), at takt 90 s. The lead from call-off to need is (station - 1 + B) cycles; the rack's last
    car is called 3 cycles after its first and then takes 30 + 60 + 300 + 60 = 450 s to reach the
    line, so a rack arrives (1 + B) x 90 - 450 s before its first car needs it:

    - the line's broadcast_cars 3 would be 360 - 450 = -90 s: the line would wait 1.5 min a rack;
    - the first part overrides it with 5: 540 - 450 = 90 s = 1.5 min early, never a stop;
    - the second with 20: 1890 - 450 = 1440 s = 24 min early.
    Around the clock at takt 90 the line builds 86,400 / 90 = 960 cars."""
    data = jis_loop(broadcast=3, takt=90.0, days=1)
    data["suppliers"][0]["parts"][0]["broadcast_cars"] = 5
    add_supplier(data, "far", part={"broadcast_cars": 20})
    m = measure(Frame.of(sc := build(data)), run_replication(sc).tables)
    assert m.kpis["stoppages"] == 0 and m.kpis["cars_built"] == 960
    for part, margin in (("part", 1.5), ("far-part", 24.0)):
        row = m.by_part[part]
        assert (row["jis_margin_min_min"], row["jis_margin_min_mean"]) == pytest.approx((margin, margin))
    without = jis_loop(broadcast=3, takt=90.0, days=1)
    m = measure(Frame.of(sc := build(without)), run_replication(sc).tables)
    assert m.by_part["part"]["jis_margin_min_min"] == pytest.approx(-1.5)


@pytest.mark.timeout(30)  # a sequence cut at the line's own lead made this loop forever (well under 1 s)
def test_a_long_per_part_lead_with_per_model_usage_runs_to_the_horizon():
    """A part used by model A only (2 units) with a per-part broadcast of 400 cars on a 10-station
    line whose own broadcast is 0: car c + 409 is called off in cycle c, so in the last cycle of the
    day (1,439) the call-offs reach car 1,848 and the car sequence must hold at least 1,849 cars.
    With ample lead the part never stops the line and the line builds its 1,440 cars."""
    data = jis_loop(broadcast=0, models={"A": 0.5, "B": 0.5}, usage={"A": 2, "B": 0}, days=1)
    data["suppliers"][0]["parts"][0]["broadcast_cars"] = 400
    sc = build(data)
    tables = run_replication(sc).tables
    m = measure(Frame.of(sc), tables)
    assert m.kpis["stoppages"] == 0 and m.kpis["cars_built"] == 1440
    assert len(tables.sequence) >= 1849


# -- a supplier's calendar with its down windows ----------------------------------------------------------

def _calendar_and_down(**disruption) -> dict:
    """Kanban, packs of 4, 40 cards (160 min of stock), one pack a truck, 20 trucks (never short of
    one), the supplier working 00:00-24:00 with a break 01:00-01:30; the line works around the clock.
    Cards go at 180 + 240 k s."""
    data = kanban_loop(cards=40, pack=4, trucks=20, days=0.25)
    data["suppliers"][0]["calendar"] = {"shifts": [{"name": "all", "start": "00:00", "end": "24:00",
                                                    "breaks": [{"start": "01:00", "end": "01:30"}]}]}
    if disruption:
        data["disruptions"] = [dict(name="down", kind="supplier_down", supplier="sup", **disruption)]
    return data


def test_a_supplier_ships_only_when_its_calendar_and_its_down_windows_both_allow():
    """Break 01:00-01:30 (3600-5400 s) and supplier_down 01:07:30-02:00 (day 3/64 = 4050 s, for
    0.875 h to 7200 s): the supplier is idle from 3600 to 7200. The cards of 3780, 4020, ..., 7140
    (k = 15..29, 15 cards) all leave at 7200, loaded by 7260; the others leave as they go (dispatch =
    release, depart 60 s later). The line never waits: 15 packs away is 60 units of 160."""
    sc = build(_calendar_and_down(start_day=3 / 64, duration_h=0.875))
    tables = run_replication(sc).tables
    trips = tables.trips
    released, dispatched = trips["released"], trips["depart"] - 60.0
    idle = (released >= 3600.0) & (released < 7200.0)
    assert released[idle].tolist() == [180.0 + 240 * k for k in range(15, 30)]
    assert (dispatched[idle] == 7200.0).all() and (trips["ready"][idle] == 7200.0).all()
    assert (dispatched[~idle] == released[~idle]).all()
    assert measure(Frame.of(sc), tables).kpis["stoppages"] == 0


def test_a_supplier_with_breakdowns_and_a_calendar_ships_at_the_first_moment_both_allow():
    """Sampled breakdowns (mean up 1 h, mean repair 20 min) on top of the 01:00-01:30 break. With a
    truck always free and one pack a truck, each card leaves at the first moment the supplier is
    working and not broken down, computed here from the recorded breakdown windows."""
    data = _calendar_and_down()
    data["suppliers"][0]["breakdowns"] = {"mtbf_h": 1.0, "mttr_min": 20.0}
    tables = run_replication(build(data)).tables
    down = [(a, b) for _, a, b in tables.supplier_down.tolist()] + [(3600.0, 5400.0)]
    assert len(down) >= 3

    def first_up(t: float) -> float:
        moved = True
        while moved:
            moved = False
            for a, b in down:
                if a <= t < b:
                    t, moved = b, True
        return t

    expected = [first_up(t) for t in tables.trips["released"].tolist()]
    assert (tables.trips["depart"] - 60.0).tolist() == expected
    assert sum(e > t for e, t in zip(expected, tables.trips["released"].tolist())) >= 5


def test_a_truck_back_while_its_supplier_is_idle_loads_when_it_works_again():
    """The tight loop of test_transcript.py with the supplier on a break 00:20-00:25 (1200-1500 s).
    The card of 1140 came before the break; the truck is back at 1290, during it, and loads only at
    1500: sets off 1560, line-side 1950 (not 1740). The line, short from cycle 30 (1800), waits
    1800-1950."""
    data = kanban_loop(cards=2, pack=10, trucks=1, days=0.05)
    data["suppliers"][0]["calendar"] = {"shifts": [{"name": "all", "start": "00:00", "end": "24:00",
                                                    "breaks": [{"start": "00:20", "end": "00:25"}]}]}
    tables = run_replication(build(data)).tables
    assert rows(tables.trips, ("released", "ready", "depart", "unloaded"), 2) == [(540.0, 540.0, 600.0, 990.0),
                                                                                  (1140.0, 1140.0, 1560.0, 1950.0)]
    assert rows(tables.stoppages, ("cycle", "start", "end"), 1) == [(30, 1800.0, 1950.0)]


# -- a JIS build slower than the takt ------------------------------------------------------------------

def test_a_jis_build_slower_than_the_takt_paces_the_line():
    """JIS as in test_analytic.py with broadcast 8 (lead 17 cars) and build_s 90 s > takt 60 s.

    At t = 0 cars 0..16 are called off: they completed racks 0..3 (units 0..15, 11 left line-side
    after cars 0..4) and unit 16, built before t = 0, sits in the open rack 16..19. Cars 17..19 are
    called off at cycles 0..2 (0, 60, 120 s); one unit at a time, each starting when called off and
    the builder is free: 90, 180, 270: ready 270. Rack 20..23 is called off at 180..360, but the
    builder is free only at 270: 360, 450, 540, 630 (a rule that looked at the last call-off only
    would say 360 + 90 = 450). The builder never idles again: rack r is ready at 270 + 360 r,
    loaded 60 s, driven 300 s, unloaded 60 s: line-side at 690 + 360 r. Car 16 is needed at cycle 11
    (660 s): the line stops 660-690. Cars 16..19 take cycles 11..14 (690..870); car 20 at cycle 15
    (930) waits for rack 1 until 1050, and so on: 4 cars per 360 s, one car per build time.

    Over a day: cycle 15 + 4 j + i starts at 1050 + 360 j + 60 i; the last to end by 86,400 is
    j = 236, i = 3 (cycle 962, 86,190-86,250): cycles 0..962, 963 cars built. Stops: 30 s, then
    120 s at 930 + 360 j for j = 0..237: 30 + 238 x 120 = 28,590 s = 476.5 min in 239 stoppages."""
    sc = build(jis_loop(broadcast=8, build_s=90.0, days=1))
    tables = run_replication(sc).tables
    assert tables.trips["ready"][:4].tolist() == [270.0, 630.0, 990.0, 1350.0]
    assert rows(tables.stoppages, ("cycle", "start", "end"), 3) == [(11, 660.0, 690.0), (15, 930.0, 1050.0),
                                                                    (19, 1290.0, 1410.0)]
    k = measure(Frame.of(sc), tables).kpis
    assert (k["cars_built"], k["stoppages"], k["stoppage_min"]) == (963, 239, 476.5)


# -- the dock queue ------------------------------------------------------------------------------------

def test_trucks_queue_for_a_dock_first_come_first_served():
    """Three kanban suppliers on the tight loop of test_transcript.py at 5, 5.5 and 6 km (300, 330,
    360 s), one dock, unload 90 s. All three cards go at 540, trucks set off at 600 and reach the
    plant at 900, 930 and 960. The first docks at once (900-990); the second came first of the two
    waiting and docks next (990-1080), the third last (1080-1170)."""
    data = kanban_loop(cards=2, pack=10, trucks=1, docks=1, days=0.05)
    add_supplier(data, "b", distance_km=5.5)
    add_supplier(data, "c", distance_km=6.0)
    trips = run_replication(build(data)).tables.trips
    assert rows(trips, ("supplier", "arrive", "dock", "unloaded"), 3) == [
        (0, 900.0, 900.0, 990.0), (1, 930.0, 990.0, 1080.0), (2, 960.0, 1080.0, 1170.0)]


def test_a_suppliers_own_unload_time_replaces_the_plants():
    """Two suppliers of the tight loop, the second unloading in 4 min instead of the plant's 1.5:
    both trucks reach their docks at 900, the first is unloaded at 990, the second at 1140."""
    data = kanban_loop(cards=2, pack=10, trucks=1, docks=2, days=0.02)
    add_supplier(data, "slow", unload_min=4.0)
    trips = run_replication(build(data)).tables.trips
    assert rows(trips, ("supplier", "dock", "unloaded"), 2) == [(0, 900.0, 990.0), (1, 900.0, 1140.0)]


def test_parts_of_one_supplier_share_its_trucks_first_come_first_served():
    """One supplier, one truck, three kanban parts at station 1 with packs of 10, 11 and 12 (their
    first cards go at cycles 9, 10 and 11: 540, 600, 660 s). The truck takes the first at 540 and is
    back at 540 + 750 = 1290; the two waiting parts get it in the order they asked: pack of 11 at
    1290 (back 2040), pack of 12 at 2040."""
    data = kanban_loop(cards=20, pack=10, trucks=1, docks=3, days=0.05)
    part = data["suppliers"][0]["parts"][0]
    data["suppliers"][0]["parts"] = [dict(part, name=f"p{n}", pack_size=n) for n in (10, 11, 12)]
    trips = run_replication(build(data)).tables.trips
    assert rows(trips, ("part", "released", "depart"), 3) == [(0, 540.0, 600.0), (1, 600.0, 1350.0),
                                                              (2, 660.0, 2100.0)]


# -- time-weighted stock -----------------------------------------------------------------------------

@pytest.mark.parametrize("warmup, mean", [(0.0, 3.025), (0.25, 3.0)])
def test_stock_mean_is_the_time_weighted_line_side_stock(warmup, mean):
    """Kanban, 3 cards of 4, 4 trucks, around the clock for one day; each card's pack is line-side
    450 s after its release (180 + 240 k s), at 630 + 240 k, between cycle starts (multiples of 60).

    From 12 units, cycle c leaves 11 - c: 11, 10, ..., 2 for 60 s each until 600 s, then 1 until
    the first delivery at 630: 60 x (11 + ... + 2) + 30 = 3,930 unit-seconds. Then every 240 s
    the same tooth: 5 for 30 s, 4, 3, 2 for 60 s each, 1 for 30 s = 720 unit-seconds (mean 3). From
    630 to 86,310 are 357 teeth; the last 90 s hold 5 for 30 s and 4 for 60 s = 390. Whole day:
    (3,930 + 357 x 720 + 390) / 86,400 = 261,360 / 86,400 = 3.025.

    A warm-up of 0.25 day starts the window at 21,600 s, a cycle start just after the tooth of
    21,510: 3 for 60 s, 2 for 60 s, 1 for 30 s = 330, then 269 whole teeth to 86,310 and 390:
    (330 + 269 x 720 + 390) / 64,800 = 3.0 exactly.

    Minimum 1 (before each delivery); peak 12 over the day, the full level at t = 0 before car 1
    takes its unit (an instant, but the stock does touch it), and 5 after the warm-up (a delivery
    on 1)."""
    sc = build(kanban_loop(cards=3, pack=4, trucks=4), horizon={"days": 1, "warmup_days": warmup})
    row = measure(Frame.of(sc), run_replication(sc).tables).by_part["part"]
    assert row["stock_mean"] == pytest.approx(mean, rel=1e-12)
    # the peak of the whole day is the full loop, 12 units, at t = 0 before car 0 takes its unit (an
    # instant: it adds nothing to the mean); after the warm-up, a tooth's top: 5
    assert (row["stock_min"], row["stock_peak"]) == (1.0, 12.0 if warmup == 0 else 5.0)


# -- shift changes and warm-up -------------------------------------------------------------------------

def _shifts(**horizon):
    """Mon-Fri 06:00-14:00 and 14:00-22:00, a 30 min break in each, takt 90 s, never short of parts:
    each shift works 7.5 h = 300 cars. The line works 06:00-10:00 (160 cars), 10:30-18:00 (300),
    18:30-22:00 (140): car 300 ends exactly at 14:00, the shift change, and car 600 at 22:00."""
    sc = build(kanban_loop(cards=40, pack=50, takt=90.0), calendar=THREE_SHIFTS, horizon=horizon)
    frame = Frame.of(sc)
    tables = run_replication(sc).tables
    return frame, tables, cycle_times(frame, tables)[1]


def test_a_car_finishing_exactly_at_a_shift_change_counts_in_the_shift_that_ends():
    frame, tables, ends = _shifts(days=2)
    assert ends[299] == 14 * 3600.0 and ends[599] == 22 * 3600.0
    table = shift_table(frame, ends)
    assert table["shift"].tolist() == ["early", "late"] * 2
    assert table["built"].tolist() == [300] * 4 and table["planned"].tolist() == [300.0] * 4


def test_a_run_ending_exactly_as_a_car_finishes_counts_that_car():
    """A horizon of 22 h: the run ends as Monday's car 600 finishes."""
    frame, tables, _ = _shifts(days=22 / 24)
    k = measure(frame, tables).kpis
    assert (k["cars_planned"], k["cars_built"]) == (600.0, 600)


@pytest.mark.parametrize("warmup, shifts, cars", [
    # the warm-up ends at Monday 14:00 as car 300 finishes: that car belongs to the warm-up
    (7 / 12, ["late", "early", "late"], 900),
    # the warm-up covers all of Monday's shifts and ends as Tuesday's first begins
    (1.25, ["early", "late"] * 2, 1200),
])
def test_a_warm_up_of_whole_shifts_leaves_them_out_entirely(warmup, shifts, cars):
    """Shifts wholly inside the warm-up are not in the shift table; the measured shifts keep their
    300 cars each, and the car finishing as the warm-up ends is not counted."""
    frame, tables, ends = _shifts(days=3 if warmup > 1 else 2, warmup_days=warmup)
    table = shift_table(frame, ends)
    assert table["shift"].tolist() == shifts
    assert table["built"].tolist() == [300] * len(shifts)
    k = measure(frame, tables).kpis
    assert (k["cars_planned"], k["cars_built"]) == (float(cars), cars)
    assert table["start"][0] == frame.start


@pytest.mark.parametrize("warmup, trips", [(0.0, 358), (0.25, 269)])
def test_trips_count_from_the_end_of_the_warm_up(warmup, trips):
    """Kanban, 3 cards of 4, 4 trucks, one day: trip k sets off at 180 + 240 k + 60 and is unloaded
    390 s later; only unloaded trips are recorded, so the last is k = 357 (sets off 85,920, unloaded
    86,310). A warm-up of 0.25 day (21,600 s) leaves out the trips setting off before it: k = 0..88.
    Each trip drives 2 x 5 km."""
    sc = build(kanban_loop(cards=3, pack=4, trucks=4), horizon={"days": 1, "warmup_days": warmup})
    k = measure(Frame.of(sc), run_replication(sc).tables).kpis
    assert (k["truck_trips"], k["truck_km"]) == (trips, 10.0 * trips)


@pytest.mark.parametrize("calendar, cars, last_end", [(None, 1440, 86_400.0), (THREE_SHIFTS, 600, 22 * 3600.0)])
def test_the_line_records_only_the_cycles_that_start_within_the_calendar(calendar, cars, last_end):
    """Never short of parts, one day: around the clock at takt 60 s, cycles 0..1,439 start at
    working seconds 0..86,340 and cycle 1,440 would start at 86,400, the end of the calendar; with
    the two shifts at takt 90 s (see _shifts) 600 cycles fit 06:00-22:00. No cycle past the calendar
    is recorded as started (they used to be, at clock time inf, up to the next card's cycle)."""
    extra = {"calendar": calendar} if calendar else {}
    sc = build(kanban_loop(cards=40, pack=50, takt=60.0 if calendar is None else 90.0, **extra))
    tables = run_replication(sc).tables
    starts, ends = cycle_times(Frame.of(sc), tables)
    assert int(tables.segments["count"].sum()) == len(starts) == cars
    assert ends[-1] == last_end
