"""JIS loads timed to need: shipped when ready or on time, the yard, rack places, coverage.

The micro loop (tests/micro.py ``jis_loop``): takt 60 s, 10 stations, the part at station 5, so car
``k`` is at the part's station during cycle ``k - 5`` (clock ``(k - 5) * 60`` s, the line never
stopping). Racks of 4 units (one per car), built 30 s each; the truck loads 1 min, drives 5 km at
60 km/h (5 min) and unloads 1 min: the nominal trip is 7 min. With ``broadcast`` cars, car ``k`` is
called off at cycle ``k - 9 - broadcast``; rack ``j`` (cars ``4j .. 4j+3``) closes when its last
car is called off, at cycle ``4j + 3 - 9 - broadcast``, and is built 30 s later (one unit left to
build, the others built a takt apart before it). Its first car needs it at cycle ``4j - 5``.

Coverage is how long the line could run on what is line-side: n cars' units last n cycles and what
is left of the current one (a car takes its unit as its cycle starts), half a takt on average. A
rack arriving m minutes before its first car's cycle every 4 min gives m + 4 / 2 minutes.
"""

from __future__ import annotations

import numpy as np
import pytest
from micro import build, jis_loop

from sim.errors import ScenarioError
from sim.metrics import Frame, measure
from sim.model import run_replication
from sim.scenario import scenario_from_dict

HORIZON = {"days": 1.0, "warmup_days": 0.1}  # 0.9 day = 1,296 min: 324 whole rack intervals of 4 min


def run(**kw):
    part = {k: kw.pop(k) for k in ("ship", "window_min", "lineside_racks") if k in kw}
    data = jis_loop(**kw)
    data["suppliers"][0]["parts"][0].update(part)
    scenario = build(data, horizon=HORIZON)
    tables = run_replication(scenario).tables
    return measure(Frame.of(scenario), tables).by_part["part"], tables


def test_when_ready_a_rack_waits_line_side_from_its_arrival():
    """broadcast 40: rack j closes at cycle 4j - 46 and is built 30 s later, ships at once and is
    unloaded 7 min later: (4j - 46) * 60 + 450 s, 2,010 s = 33.5 min before its first car needs it
    at (4j - 5) * 60. A rack arrives every 4 min, so the line-side stock runs from 33.5 + 4 to 33.5
    cars: coverage 33.5 + 4 / 2 = 35.5 min. The default window is 15 min: no load comes within
    15 min of its due time (33.5 - 15 = 18.5 min early)."""
    row, tables = run(broadcast=40)
    assert row["stoppages"] == 0
    assert row["jis_margin_min_mean"] == pytest.approx(33.5, abs=1e-9)
    assert row["jis_coverage_min"] == pytest.approx(35.5, abs=1e-6)
    assert row["jis_in_window_share"] == 0.0
    assert np.all(tables.trips["lineside"] == tables.trips["unloaded"])


@pytest.mark.parametrize("broadcast", [40, 42])
def test_on_time_a_load_arrives_at_its_due_time_and_coverage_is_window_plus_half_a_load_interval(broadcast):
    """Window 10 min: rack j is due at need - 600 s; it may leave at due - 420 s (the nominal trip),
    which is after it is built (need - 2,430 s at broadcast 40), so it leaves then and arrives
    exactly at its due time: margin 10 min, coverage 10 + 4 / 2 = 12 min, every load inside its
    window. Broadcast 42: a rack closes at cycle 0 (4 * 12 + 3 - 51), in the same instant as the
    racks built before t = 0 are handed to the shipper: they must go first."""
    row, tables = run(broadcast=broadcast, ship="on-time", window_min=10)
    assert len(tables.stoppages) == 0  # warm-up included
    assert row["jis_margin_min_mean"] == pytest.approx(10.0, abs=1e-9)
    assert row["jis_coverage_min"] == pytest.approx(12.0, abs=1e-6)
    assert row["jis_in_window_share"] == 1.0
    trips = tables.trips[tables.trips["depart"] > 3600]
    assert np.allclose(trips["unloaded"], trips["due"], rtol=0, atol=1e-6)
    assert np.allclose(trips["ready"] - trips["released"], (broadcast + 1) * 60 - 600 - 420, rtol=0, atol=1e-6)


def test_on_time_with_two_racks_a_truck_covers_window_plus_half_a_truck_load_interval():
    """Two racks per truck: the load is due with its first rack; it carries 8 cars, one load every
    8 min: coverage 10 + 8 / 2 = 14 min."""
    row, _ = run(broadcast=40, ship="on-time", window_min=10, per_truck=2)
    assert row["stoppages"] == 0
    assert row["jis_coverage_min"] == pytest.approx(14.0, abs=1e-6)


def test_on_time_a_load_built_after_its_departure_time_ships_at_once():
    """broadcast 20, window 20 min: rack j closes at cycle 4j - 26, built at need - 1,230 s; its
    planned departure, need - 1,200 - 420 s, has passed: it leaves when built, arrives at
    need - 810 s (margin 13.5 min, 390 s after its due time: inside the 20 min window), exactly as
    when shipping when ready."""
    on_time, tables = run(broadcast=20, ship="on-time", window_min=20)
    ready, _ = run(broadcast=20, window_min=20)
    assert on_time["jis_margin_min_mean"] == pytest.approx(13.5, abs=1e-9)
    assert on_time["jis_coverage_min"] == pytest.approx(15.5, abs=1e-6)
    assert on_time["jis_in_window_share"] == 1.0
    trips = tables.trips[tables.trips["depart"] > 3600]
    assert np.allclose(trips["ready"] - trips["released"], 30.0, rtol=0, atol=1e-6)
    assert {k: on_time[k] for k in ("stoppages", "trips", "stock_mean")} == \
        {k: ready[k] for k in ("stoppages", "trips", "stock_mean")}


@pytest.mark.parametrize("places, coverage", [(2, 8.0), (1, 4.0)])
def test_rack_places_hold_early_racks_in_the_yard(places, coverage):
    """Shipping when ready (33.5 min early) with ``lineside_racks`` places: a place frees when the
    line starts the cycle before the rack's last car. Two places: rack j goes line-side when rack
    j - 2's place frees, at the start of cycle 4j - 11; the line-side units after that car took its
    unit are 1 (rack j - 2) + 4 + 4 = 9, then 8, 7, 6 a minute apart: mean 7.5 cars, coverage
    7.5 + 0.5 = 8 min. One place: at cycle 4j - 7, 1 + 4 = 5, then 4, 3, 2: 3.5 + 0.5 = 4 min. The
    line never waits."""
    row, tables = run(broadcast=40, lineside_racks=places)
    assert row["stoppages"] == 0
    assert row["jis_coverage_min"] == pytest.approx(coverage, abs=1e-6)
    trips = tables.trips[tables.trips["depart"] > 3600]
    yard = 33.5 * 60 - (6 if places == 2 else 2) * 60
    assert np.allclose(trips["lineside"] - trips["unloaded"], yard, rtol=0, atol=1e-6)


def test_moving_the_supplier_away_keeps_on_time_coverage_but_when_ready_coverage_falls():
    """The seed story: shipping when ready, a supplier farther away (the same call-off) has less
    stock line-side; shipping on time, coverage is the window plus half a rack whatever the distance
    (as long as the call-off covers build and trip): 5 km -> 30 km, trip 7 -> 32 min, 25 min less
    coverage when ready (trucks enough for the 62 min round trip every 4 min)."""
    near_ready, _ = run(broadcast=60, km=5.0)
    far_ready, _ = run(broadcast=60, km=30.0, trucks=20)
    near, _ = run(broadcast=60, km=5.0, ship="on-time", window_min=10)
    far, _ = run(broadcast=60, km=30.0, ship="on-time", window_min=10, trucks=20)
    assert near_ready["jis_coverage_min"] - far_ready["jis_coverage_min"] == pytest.approx(25.0, abs=1e-6)
    assert near["jis_coverage_min"] == pytest.approx(12.0, abs=1e-6)
    assert far["jis_coverage_min"] == pytest.approx(12.0, abs=1e-6)


@pytest.mark.parametrize("part, path, words", [
    ({"ship": "later"}, "ship", "'when-ready' or 'on-time'"),
    ({"window_min": 0}, "window_min", "greater than 0"),
    ({"lineside_racks": 0}, "lineside_racks", "greater than or equal to 1"),
    ({"racks_per_truck": 3, "lineside_racks": 2}, "lineside_racks", "cannot take a truck load"),
])
def test_bad_timing_keys_name_their_key_path(part, path, words):
    data = jis_loop()
    data["suppliers"][0]["parts"][0].update(part)
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, "micro.yaml")
    assert info.value.path == f"suppliers.sup.parts.part.{path}"
    assert words in info.value.problem


def test_on_time_loads_go_line_side_at_their_due_time_in_sequence():
    """Travel time varies (lognormal, cv 0.3): shipped on time, about half the loads arrive before
    their due time. A load goes line-side at the latest of its unload, its due time and the moment
    the load ahead of it in sequence went line-side."""
    data = jis_loop(broadcast=40, trucks=8)
    data["suppliers"][0].update(travel_cv=0.3)
    data["suppliers"][0]["parts"][0].update(ship="on-time", window_min=10)
    trips = run_replication(build(data, horizon=HORIZON)).tables.trips
    trips = trips[np.argsort(trips["first_car"])]
    assert 0.2 < (trips["unloaded"] < trips["due"]).mean() < 0.8
    expected = np.maximum.accumulate(np.maximum(trips["unloaded"], trips["due"]))
    assert np.array_equal(trips["lineside"], expected)
    assert (trips["lineside"] > trips["unloaded"]).mean() > 0.2  # the yard was used


def test_on_time_a_truck_leaves_at_its_planned_departure_with_the_racks_ready_then():
    """Two racks per truck, broadcast 18 (call-off at cycle k - 27): rack 2g (cars 8g..8g+3) is
    built at (8g - 24) * 60 + 30, before its planned departure, due - 420 = (8g - 22) * 60; rack
    2g + 1 is built at (8g - 20) * 60 + 30, after it. The truck leaves at (8g - 22) * 60 with rack
    2g alone (it sets off after the 1 min loading), which arrives at its due time; rack 2g + 1 leaves as soon as it is built and arrives
    at (8g - 13) * 60 + 30, 90 s before its own due time, (8g - 1) * 60 - 600: it waits 90 s in
    the yard. Each rack goes line-side at its due time: coverage 10 + 4 / 2 = 12 min, a trip per
    rack."""
    row, tables = run(broadcast=18, ship="on-time", window_min=10, per_truck=2)
    assert len(tables.stoppages) == 0
    trips = tables.trips[tables.trips["depart"] > 3600]
    assert set(trips["items"].tolist()) == {1}
    first = trips[trips["first_car"] % 8 == 0]
    assert np.allclose(first["depart"], (first["first_car"] - 22) * 60.0 + 60, rtol=0, atol=1e-6)  # set off after loading
    second = trips[trips["first_car"] % 8 == 4]
    assert np.allclose(second["lineside"] - second["unloaded"], 90.0, rtol=0, atol=1e-6)
    assert row["jis_coverage_min"] == pytest.approx(12.0, abs=1e-6)
