"""Behaviour checked against numbers derived by hand (the derivations are in the docstrings)."""

from __future__ import annotations

import math

import pytest
from micro import THREE_SHIFTS, build, jis_loop, kanban_loop

from sim.metrics import Frame, measure
from sim.model import run_replication


def kpis(scenario, replication: int = 0) -> dict:
    return measure(Frame.of(scenario), run_replication(scenario, replication).tables)


# -- the calendar and the paced line ---------------------------------------------------------------

def test_well_supplied_line_builds_exactly_the_planned_cars():
    """Mon-Fri, 06-14 and 14-22 with a 30 min break each: 15 h a day, 75 h in the first week.
    At takt 90 s that is 75 x 40 = 3,000 cars, and a line that never waits for parts builds all of
    them (the last cycle of Friday ends exactly at 22:00)."""
    sc = build(kanban_loop(cards=40, pack=50, takt=90.0, days=7), calendar=THREE_SHIFTS)
    m = kpis(sc)
    assert m.kpis["cars_planned"] == 3000
    assert m.kpis["cars_built"] == 3000
    assert m.kpis["stoppages"] == 0 and m.kpis["supply_availability"] == 1.0


def test_warm_up_is_cut_from_planned_and_built_cars():
    """Warm-up of one day removes Monday: 4 days x 600 cars."""
    sc = build(kanban_loop(cards=40, pack=50, takt=90.0), calendar=THREE_SHIFTS, horizon={"days": 7, "warmup_days": 1})
    m = kpis(sc).kpis
    assert m["cars_planned"] == 2400 and m["cars_built"] == 2400


def test_holidays_and_weekends_are_not_worked():
    calendar = dict(THREE_SHIFTS, holidays=[2])  # Wednesday off
    sc = build(kanban_loop(cards=40, pack=50, takt=90.0, days=7), calendar=calendar)
    assert kpis(sc).kpis["cars_built"] == 2400


def test_cars_lost_equal_stoppage_time_over_takt():
    """A starved loop at takt 90 s (so that dividing by the takt and by 60 s differ): 2 cards of 4,
    one truck with a 60 + 300 + 90 + 300 = 750 s round trip, one day around the clock: planned
    86,400 / 90 = 960 cars. Pack 1 (cars 1..4) is emptied at cycle 3 (270 s): the truck is back at
    1020. Pack 2 (cars 5..8, cycle 7, 630 s) leaves then and is line-side at 1470; cycle 12 was due
    at 1080: a 390 s stop. From then on each trip brings 4 cars (360 s of work) every 750 s: stop k
    is 1080 + 750 k to + 390 s, k = 0..113 (the last ends at 86,220). 114 x 390 s = 741 min,
    741 x 60 / 90 = 494 cars lost, 960 - 494 = 466 built."""
    m = kpis(build(kanban_loop(cards=2, pack=4, trucks=1, takt=90.0))).kpis
    assert (m["cars_planned"], m["stoppages"], m["stoppage_min"]) == (960, 114, 741.0)
    assert m["lost_cars"] == pytest.approx(494.0)
    assert m["cars_built"] == 466


def test_breakdowns_and_supply_stops_together_account_for_lost_cars():
    """Breakdowns and supply stops never overlap (a breakdown happens while the line runs), so at
    takt 90 s every minute of either costs 60 / 90 of a car (to the cycle in progress)."""
    data = kanban_loop(cards=2, pack=4, trucks=1, takt=90.0, days=2)
    data["line"]["breakdowns"] = {"mtbf_min": 120, "mttr_min": 10}
    m = kpis(build(data)).kpis
    assert m["breakdown_min"] > 60 and m["stoppage_min"] > 60
    assert m["lost_cars"] == pytest.approx(m["stoppage_min"] * 60 / 90)
    lost = (m["stoppage_min"] + m["breakdown_min"]) * 60 / 90
    assert abs(m["cars_planned"] - m["cars_built"] - lost) <= 1


# -- kanban: the minimum card count ----------------------------------------------------------------

def test_kanban_minimum_count_never_stops_the_line():
    """Pack 4 at 1 unit a car, takt 60 s; a card's replacement is line-side L = load 60 + drive 300 +
    unload 90 = 450 s after release. The card goes when its container's last unit is taken; the
    other N - 1 full containers then last (N - 1) x 4 cycles, and the car after them starts one
    cycle later: (N - 1) x 240 + 60 >= 450 needs N >= 3. With 3 cards the line never waits."""
    m = kpis(build(kanban_loop(cards=3, pack=4, trucks=4)))
    assert m.kpis["stoppages"] == 0
    assert m.kpis["cars_built"] == 1440
    assert m.by_part["part"]["stock_min"] >= 0


def test_kanban_one_card_below_minimum_starves_at_the_card_cycle_rate():
    """With 2 cards each card cycles in L + (pack - 1) x takt = 450 + 180 = 630 s (it goes back to
    the supplier 3 cycles after its container arrives at a waiting line), so 2 x 4 = 8 cars are
    built per 630 s: 1,440 x 480 / 630 = 1,097 cars a day, the line stopped 150 s in every 630 s."""
    m = kpis(build(kanban_loop(cards=2, pack=4, trucks=4))).kpis
    assert abs(m["cars_built"] - 1440 * 480 / 630) <= 8
    assert m["stoppage_min"] * 60 == pytest.approx(86_400 * 150 / 630, rel=0.02)


def test_kanban_line_side_stock_never_exceeds_cards_times_pack():
    m = kpis(build(kanban_loop(cards=5, pack=4, trucks=4)))
    assert m.by_part["part"]["stock_peak"] <= 20


# -- JIS: call-off lead time against the replenishment chain ---------------------------------------

def _jis(broadcast: int):
    return kpis(build(jis_loop(broadcast=broadcast)))


def test_jis_lead_time_that_covers_the_chain_never_stops():
    """Station 5 of 10, racks of 4, build 30 s, load 60, drive 300, unload 60, takt 60 s.
    Call-off to need: (5 - 1 + B) cycles; the rack's last car is called 3 cycles after its first;
    after that the chain takes 30 + 60 + 300 + 60 = 450 s. B = 7: (4 + 7 - 3) x 60 = 480 s >= 450,
    every rack arrives 30 s before its first car needs it."""
    m = _jis(7)
    assert m.kpis["stoppages"] == 0
    assert m.by_part["part"]["jis_margin_min_min"] == pytest.approx(0.5)
    assert m.by_part["part"]["jis_margin_min_mean"] == pytest.approx(0.5)


def test_jis_lead_time_one_car_short_stops_for_every_rack():
    """B = 6: 420 s < 450 s, a rack is 30 s late and the line stops 30 s for its first car. That stop
    delays only call-offs not yet made: rack r + 1 closed 4 cycles before the stop, is needed 30 s
    later than planned and arrives just in time; rack r + 2 closes at the stopped cycle, is delayed
    with it and is 30 s late again. So every other rack costs a 30 s stop: 8 cars per 510 s."""
    m = _jis(6)
    k = m.kpis
    assert k["stoppages"] > 0
    assert k["stoppage_min"] * 60 / k["stoppages"] == pytest.approx(30.0)
    assert abs(k["cars_built"] - 86_400 * 8 / 510) <= 8
    assert m.by_part["part"]["jis_margin_min_min"] == pytest.approx(-0.5)


def test_jis_part_used_by_few_models_ships_a_partial_rack_instead_of_deadlocking():
    """A part on 1 car in 50 whose rack of 6 spans ~300 cars, far beyond the call-off window: the
    line waits for a rack that could only fill if the line ran. The supplier ships what is called
    off (a partial rack) and the line goes on.

    Each unit's 30 s build starts at its call-off, at least a takt before the stop, so the partial
    rack is ready when the line stops and leaves at once: the stop lasts load 60 + drive 300 +
    unload 60 = 420 s, and the line, waiting for nothing else, builds planned - 7 cars per stop. Six
    A cars among the 11 between a call-off and its need would fill a rack: it does not happen here."""
    data = jis_loop(broadcast=7, rack=6, usage={"A": 1, "B": 0}, models={"A": 0.02, "B": 0.98}, days=2)
    sc = build(data)
    tables = run_replication(sc).tables
    stops = tables.stoppages
    assert len(stops) > 20 and (tables.releases["units"] < 6).all()
    assert len(tables.releases) == len(tables.trips) == len(stops)
    assert (stops["end"] - stops["start"] == 420.0).all()
    m = measure(Frame.of(sc), tables).kpis
    assert m["cars_planned"] == 2880 and m["cars_built"] == 2880 - 7 * len(stops)


# -- trucks ------------------------------------------------------------------------------------------

def test_truck_round_trips_pace_a_starved_loop():
    """One truck, round trip 60 + 300 + 90 + 300 = 750 s: at most one trip per 750 s."""
    trips = run_replication(build(kanban_loop(cards=2, pack=10, trucks=1))).tables.trips
    assert len(trips) == pytest.approx(86_400 / 750, abs=2)
    assert (trips["returned"] - trips["depart"] + 60 == 750).all()


def test_truck_km_is_two_one_way_distances_per_trip():
    m = kpis(build(kanban_loop(cards=3, pack=4, trucks=4, km=7.5))).kpis
    assert m["truck_km"] == pytest.approx(15.0 * m["truck_trips"])


def test_road_disruption_adds_its_minutes_to_trips_that_set_off_inside_it():
    data = kanban_loop(cards=3, pack=4, trucks=4)
    data["suppliers"][0]["route"] = "ring"
    data["disruptions"] = [{"name": "jam", "kind": "road", "route": "ring", "start_day": 0.25, "duration_h": 2,
                            "extra_min": 20}]
    trips = run_replication(build(data)).tables.trips
    inside = (trips["depart"] >= 0.25 * 86400) & (trips["depart"] < 0.25 * 86400 + 7200)
    assert inside.any()
    assert (trips["arrive"][inside] - trips["depart"][inside] == 300 + 1200).all()
    assert (trips["arrive"][~inside & (trips["depart"] < 0.25 * 86400)] - trips["depart"][~inside & (trips["depart"] < 0.25 * 86400)] == 300).all()


def test_road_closure_holds_trucks_until_it_ends():
    data = kanban_loop(cards=3, pack=4, trucks=4)
    data["disruptions"] = [{"name": "snow", "kind": "road_closed", "start_day": 0.5, "duration_h": 1}]
    sc = build(data)
    tables = run_replication(sc).tables
    t0, t1 = 0.5 * 86400, 0.5 * 86400 + 3600
    assert not ((tables.trips["depart"] > t0) & (tables.trips["depart"] < t1)).any()
    assert (tables.trips["depart"] == t1).any()
    m = measure(Frame.of(sc), tables)
    assert m.kpis["stoppages"] > 0
    assert set(m.by_disruption) == {"snow"}


def test_supplier_down_stops_dispatch_and_is_blamed():
    data = kanban_loop(cards=3, pack=4, trucks=4)
    data["disruptions"] = [{"name": "fire", "kind": "supplier_down", "supplier": "sup", "start_day": 0.5,
                            "duration_h": 2}]
    sc = build(data)
    tables = run_replication(sc).tables
    t0, t1 = 0.5 * 86400, 0.5 * 86400 + 7200
    dispatched = tables.trips["depart"] - 60
    assert not ((dispatched > t0) & (dispatched < t1)).any()
    m = measure(Frame.of(sc), tables)
    # the line runs dry after the stock of 3 packs: about 2 h - 12 min lost
    assert m.by_disruption["fire"]["stoppage_min"] == pytest.approx(m.kpis["stoppage_min"])
    assert 90 < m.kpis["stoppage_min"] < 120


def test_dock_capacity_makes_trucks_queue():
    """Two suppliers' trucks arriving together at one dock: the second waits one unload time."""
    data = kanban_loop(cards=3, pack=4, trucks=4)
    twin = dict(data["suppliers"][0], name="sup2")
    twin["parts"] = [dict(twin["parts"][0], name="part2")]
    data["suppliers"].append(twin)
    trips = run_replication(build(data)).tables.trips
    waits = trips["dock"] - trips["arrive"]
    assert math.isclose(waits.max(), 90.0)
