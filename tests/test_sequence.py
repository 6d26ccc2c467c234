"""Sequence changes after the call-off and rush orders (sim/model/sequence.py), derived by hand.

The micro JIS loop (tests/micro.py): takt 60 s, 10 stations, the part at station 5 (offset 5),
call-off 7 cars before station 1 (b = 7), build 30 s a unit, 1 unit per car, one-way 5 km at
60 km/h = 300 s, supplier load 1 min, unload 1 min, around the clock, no randomness. Car (slot) e
enters station 1 in cycle e - 9 and is at station 5 in cycle e - 5.

An express trip with the defaults (load 5 min, the supplier's speed and unload) takes
lead = build 30 + load 300 + travel 300 + unload 60 = 690 s from the rush order to line-side. A car
inserted d cars before station 1 is inserted at the start of cycle e - 9 - d and needed at the start
of cycle e - 5: (d + station - 1) = d + 4 cycles later. The line stops iff 690 > (d + 4) x 60, for
lead - (d + 4) x 60 seconds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from micro import build, jis_loop

from sim.metrics import Frame, measure
from sim.model.plant import Plant
from sim.model.sequence import ChangeEvents, draw_changes

TAKT = 60.0


def _scenario(days=0.2, stretch=10, express=None, buffer=0, **changes):
    data = jis_loop(days=days)
    data["line"]["sequence_changes"] = {"stretch_cars": stretch, **changes}
    if express is not None:
        data["suppliers"][0]["express"] = express
    data["suppliers"][0]["parts"][0]["buffer_units"] = buffer
    return build(data)


def _run(scenario, changes):
    return Plant(scenario, 0, changes).run().tables


def test_without_changes_the_line_never_stops():
    """The micro loop alone keeps the line running (so every stop below is a rush order's)."""
    tables = _run(_scenario(), ChangeEvents.fixed())
    assert len(tables.stoppages) == 0 and len(tables.rush) == 0


@pytest.mark.parametrize("d, stop_s", [(0, 690 - 4 * TAKT), (6, 690 - 10 * TAKT)])
def test_unplanned_car_stops_the_line_for_lead_minus_positions_times_takt(d, stop_s):
    """Unplanned car in slot 100 inserted d cars before station 1: issued at the start of cycle
    91 - d (t = (91 - d) x 60), needed in cycle 95 (t = 5700); ready 30 s after issue, line-side
    690 s after issue; the line stops at cycle 95 from 5700 for 690 - (d + 4) x 60 s."""
    tables = _run(_scenario(), ChangeEvents.fixed(unplanned=[(100, d)]))
    (rush,) = tables.rush.tolist()
    issued = (91 - d) * TAKT
    assert rush == (0, 100, issued, 95, issued + 30, issued + 690, 10.0, 0)
    (stop,) = tables.stoppages.tolist()
    assert stop[0] == 95 and stop[1] == 95 * TAKT and stop[2] - stop[1] == stop_s


@pytest.mark.parametrize("d, stop_s", [(4, 0.0), (3, 450 - 7 * TAKT)])
def test_fast_express_stops_only_when_lead_exceeds_positions(d, stop_s):
    """Express at 300 km/h: travel 60 s, lead = 30 + 300 + 60 + 60 = 450 s. d = 4: 8 cycles =
    480 s > 450: no stop; d = 3: 7 cycles = 420 s < 450: a 30 s stop."""
    tables = _run(_scenario(express={"speed_kmh": 300}), ChangeEvents.fixed(unplanned=[(100, d)]))
    assert tables.rush["arrive"][0] - tables.rush["issued"][0] == 450.0
    durations = (tables.stoppages["end"] - tables.stoppages["start"]).tolist()
    assert durations == ([stop_s] if stop_s else [])


def test_a_change_before_the_call_off_needs_nothing():
    """d = 7 = b: the call-off (7 cars before station 1) sees the unplanned car: no rush order."""
    tables = _run(_scenario(), ChangeEvents.fixed(unplanned=[(100, 7)]))
    assert len(tables.rush) == 0 and len(tables.stoppages) == 0


def test_a_car_that_left_after_the_call_off_takes_its_aside_unit():
    """Car 100 leaves 3 cars before station 1 (3 < b: its unit is set aside, at cycle 91 - 3 = 88)
    and comes back R = 20 cars later 2 cars before station 1 (2 < b): it is served from its aside
    unit, no rush order, no stop. Car 200 leaves 9 cars before station 1 (9 >= b: never called off)
    and comes back 2 cars before: slot 200 - 9 + 20 + 2 = 213 needs a rush order, issued at cycle
    213 - 9 - 2 = 202, needed at cycle 208, stop 690 - 6 x 60 = 330 s. Car 300 leaves and comes back
    exactly b = 7 cars before station 1 and 8 cars before: both seen by the call-off, nothing."""
    scenario = _scenario(stretch=10, return_delay_min=20)
    changes = ChangeEvents.fixed(leaves=[(100, 3, 2), (200, 9, 2), (300, 7, 8)], return_cars=20)
    tables = _run(scenario, changes)
    assert tables.aside.tolist() == [(0, 88, 1)]
    assert tables.rush[["car", "need_cycle"]].tolist() == [(213, 208)]
    assert tables.rush["issued"][0] == 202 * TAKT
    (stop,) = tables.stoppages.tolist()
    assert stop[0] == 208 and stop[2] - stop[1] == 690 - 6 * TAKT
    m = measure(Frame.of(scenario), tables)
    row = m.by_part["part"]
    assert (row["sequence_changes"], row["rush_orders"], row["rush_trips"], row["units_aside"]) == (2, 1, 1, 1)
    assert row["rush_km"] == 10.0 and row["rush_stoppage_min"] == 330 / 60
    assert m.by_supplier["sup"]["rush_stoppage_min"] == 330 / 60


def test_the_sequencing_buffer_serves_a_rush_order_at_once_and_is_refilled():
    """buffer_units 1. Unplanned cars in slots 100 (d 0, issued 91 x 60 = 5460), 103 (d 0, issued
    5640) and 110 (d 0, issued 6060). The buffer serves car 100 at once (no stop) and is refilled
    build 30 + load 60 + travel 300 + unload 60 = 450 s later, at 5910. Car 103 finds it empty:
    express, stop 690 - 4 x 60 = 450 s at cycle 98. Car 110 (issued after the stop: 6060 + 450) is
    served by the refilled buffer."""
    tables = _run(_scenario(buffer=1), ChangeEvents.fixed(unplanned=[(100, 0), (103, 0), (110, 0)]))
    rush = tables.rush
    assert rush["from_buffer"].tolist() == [1, 0, 1]
    assert rush["km"].tolist() == [0.0, 10.0, 0.0]
    assert rush["arrive"][0] == rush["issued"][0] == 5460.0
    (stop,) = tables.stoppages.tolist()
    assert stop[0] == 98 and stop[2] - stop[1] == 450.0


def test_zero_shares_change_nothing():
    """A sequence_changes key with both shares 0 draws no change: the same trips and stops as
    without the key."""
    base = build(jis_loop(days=0.5, build_s=50.0, km=30.0))
    data = jis_loop(days=0.5, build_s=50.0, km=30.0)
    data["line"]["sequence_changes"] = {"stretch_cars": 50}
    a, b = Plant(base, 0).run().tables, Plant(build(data), 0).run().tables
    assert np.array_equal(a.trips, b.trips) and np.array_equal(a.stoppages, b.stoppages)
    assert len(b.rush) == 0 and len(b.aside) == 0


def test_rush_order_count_matches_the_hand_derived_rate():
    """leave_share 0.1, unplanned_share 0.05, stretch 20, b = 7, return delay 10 min (10 cars):
    P(point < b) = 7/20 = 0.35. Per car slot: a rush order for a return after the call-off of a
    car that left before it, 0.1 x 0.35 x 0.65 = 0.02275, and for an unplanned entry after the
    call-off, 0.05 x 0.35 = 0.0175: p = 0.04025 per started cycle. Over N started cycles the count
    is about binomial(N, p); allow 4 standard deviations. Units set aside: 0.1 x 0.35 per car."""
    scenario = _scenario(days=5, stretch=20, leave_share=0.1, unplanned_share=0.05, return_delay_min=10,
                         express={"speed_kmh": 300})
    tables = Plant(scenario, 0).run().tables
    n = int(tables.segments["count"].sum())
    for got, p in ((len(tables.rush), 0.1 * 0.35 * 0.65 + 0.05 * 0.35), (len(tables.aside), 0.1 * 0.35)):
        assert abs(got - n * p) < 4 * math.sqrt(n * p * (1 - p)), (got, n * p)


def test_draws_come_from_their_own_stream():
    """The same seed and replication draw the same changes; another replication others."""
    scenario = _scenario(leave_share=0.1, unplanned_share=0.05)
    a, b, c = (draw_changes(scenario, r, 1000) for r in (0, 0, 1))
    assert np.array_equal(a.leave_car, b.leave_car) and not np.array_equal(a.leave_car, c.leave_car)
    assert a.return_cars == round(180 * 60 / TAKT)


def test_a_car_inserted_at_its_station_is_ordered_when_the_line_stops_for_it():
    """Part at station 1 (call-off 40 cars ahead, so that racks come in time), unplanned car in
    slot 100 inserted 0 cars before station 1: issued and needed at the start of cycle 91
    (t = 5460); the line stops there for the whole lead, 690 s."""
    data = jis_loop(days=0.2, station=1, broadcast=40)
    data["line"]["sequence_changes"] = {"stretch_cars": 10}
    tables = _run(build(data), ChangeEvents.fixed(unplanned=[(100, 0)]))
    assert tables.rush[["issued", "need_cycle", "arrive"]].tolist() == [(5460.0, 91, 5460.0 + 690)]
    (stop,) = tables.stoppages.tolist()
    assert stop[:3] == (91, 5460.0, 5460.0 + 690)
