"""Exact transcripts of tiny deterministic models, derived by hand.

The kanban loop: takt 60 s, 2 stations, the part at station 1 (the car at station 1 in cycle c is car
c + 1, so car 0 has already passed at t = 0), 1 unit per car, 2 cards of 10, one truck, one-way trip
5 km at 60 km/h = 300 s, load 60 s, unload 90 s, one dock, no randomness.

- Stock at t = 0 is 20 units: cars 1..20, i.e. cycles 0..19. Container 1 (cars 1..10) is emptied
  by car 10 in cycle 9: its card is released at 9 x 60 = 540 s. The truck loads 540-600, drives
  600-900, unloads 900-990 (10 more units line-side: cycles up to 29) and is back at 1290.
- Card 2 (car 20, cycle 19) at 1140 waits for the truck: 1290 load, 1350 off, 1650 at the plant,
  1740 unloaded (cycles up to 39), back 2040.
- Card 3 (car 30, cycle 29, 1740): 2040 load, 2100 off, 2400 plant, 2490 unloaded. Cycle 40 is
  due at 2400: the line stops 2400-2490 (90 s), then runs cycle 40 at 2490.
- Card 4 (car 40, cycle 39, 2340): truck back 2790 -> off 2850 -> unloaded 3240. Cycle 50 is due
  at 2490 + 10 x 60 = 3090: stop 3090-3240 (150 s).
- From then on the truck's round trip (750 s) paces the line: 10 cars per 750 s, a 150 s stop each.
"""

from __future__ import annotations

from micro import build, jis_loop, kanban_loop

from sim.model import run_replication


def _tables(**kw):
    return run_replication(build(kanban_loop(cards=2, pack=10, trucks=1, unload=1.5, **kw))).tables


def test_kanban_trip_transcript():
    trips = _tables(days=0.1).trips
    got = [(r["released"], r["depart"], r["arrive"], r["dock"], r["unloaded"], r["returned"]) for r in trips[:4]]
    assert got == [
        (540.0, 600.0, 900.0, 900.0, 990.0, 1290.0),
        (1140.0, 1350.0, 1650.0, 1650.0, 1740.0, 2040.0),
        (1740.0, 2100.0, 2400.0, 2400.0, 2490.0, 2790.0),
        (2340.0, 2850.0, 3150.0, 3150.0, 3240.0, 3540.0),
    ]
    assert set(trips["units"].tolist()) == {10}
    assert set(trips["km"].tolist()) == {10.0}


def test_kanban_stoppage_transcript():
    stops = _tables(days=0.1).stoppages
    assert [(r["cycle"], r["start"], r["end"]) for r in stops[:2]] == [(40, 2400.0, 2490.0), (50, 3090.0, 3240.0)]
    # steady state: every 750 s truck cycle costs 150 s
    steady = stops[1:8]
    assert ((steady["end"] - steady["start"]) == 150.0).all()
    assert (steady["start"][1:] - steady["start"][:-1] == 750.0).all()


def test_card_releases_follow_consumption():
    releases = _tables(days=0.1).releases
    # cards at cycles 9, 19, 29, 39 (10 cars a container), then every 10 cycles after the stops
    assert releases["cycle"][:6].tolist() == [9, 19, 29, 39, 49, 59]
    assert releases["time"][:4].tolist() == [540.0, 1140.0, 1740.0, 2340.0]
    assert releases["time"][4] == 2490.0 + 9 * 60  # cycle 49 after the line resumed at 2490


def test_jis_transcript():
    """JIS: 10 stations, part at station 5, broadcast 7, racks of 4, build 30 s, one rack per truck.

    Car k is called off at cycle k - (10 - 1 + 7) = k - 16 and needed at cycle k - 5. At t = 0 the
    cars called off are 0..15: racks 0..3 (cars 0..15) are line-side. Rack 4 (cars 16..19) closes
    when car 19 is called off at cycle 3 (180 s); its last unit is built by 210, loaded 210-270,
    driven 270-570, unloaded 570-630 (one minute). Car 16 is needed at cycle 11 (660 s): 30 s early.
    """
    trips = run_replication(build(jis_loop(days=0.05))).tables.trips
    first = trips[0]
    assert (first["first_car"], first["released"], first["ready"], first["depart"], first["arrive"],
            first["unloaded"]) == (16, 180.0, 210.0, 270.0, 570.0, 630.0)
    # every later rack keeps the same rhythm: one every 4 cycles
    assert (trips["released"][1:6] - trips["released"][:5] == 240.0).all()
    assert trips["first_car"][:4].tolist() == [16, 20, 24, 28]
