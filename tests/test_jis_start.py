"""The JIS start state follows from the loop: line-side at t = 0 are the whole racks that the
call-offs made before t = 0 completed, never a rack still being filled."""

from __future__ import annotations

from micro import build, jis_loop

from sim.model import run_replication


def _tables(**kw):
    return run_replication(build(jis_loop(**kw))).tables


def test_a_rack_longer_than_the_call_off_window_is_not_line_side_at_start():
    """Ten stations, the part at station 5 (offset 5: cars 0-4 are past it at t = 0), broadcast 7:
    car k is called off at the start of cycle k - 16, so cars 0-15 were called off before t = 0,
    1 unit each, takt 60 s, 24/7. A rack of 40 is never completed by those 16 call-offs, so no
    rack is line-side; the 5 units cars 0-4 used are all the line had. The line stops at cycle 0
    (t = 0) for car 5; the supplier closes the rack being filled with units 5-15 (called off, hence
    built, before t = 0) and ships it at once: load 60 s, 5 km at 60 km/h 300 s, unload 60 s:
    unloaded at 420. Cars 5-15 then run, cycles 0-10 at 420-1020, calling off cars 16-26. Cycle 11
    (1080) waits for car 16: the partial rack 16-26 (built 30 s a unit after each call-off, the
    last at 1020 + 30 = 1050) leaves at 1080 and is unloaded at 1080 + 420 = 1500. Every 1080 s
    the same: 11 cars, then 420 s waiting, each time for a partial rack of 11 units that the
    supplier delivers."""
    tables = _tables(rack=40)
    assert tables.initial_stock.tolist() == [0]
    stops = tables.stoppages
    assert stops["cycle"][:3].tolist() == [0, 11, 22]
    assert stops["start"][:3].tolist() == [0.0, 1080.0, 2160.0]
    assert stops["end"][:3].tolist() == [420.0, 1500.0, 2580.0]
    trips = tables.trips
    assert trips["units"][:3].tolist() == [11, 11, 11]
    assert trips["ready"][:3].tolist() == [0.0, 1050.0, 2130.0]
    assert trips["unloaded"][:3].tolist() == [420.0, 1500.0, 2580.0]
    # cars built in the day: 80 periods of 1080 s hold 80 x 11 = 880 cars
    assert len(stops) == 80


def test_a_huge_rack_behaves_like_any_rack_longer_than_the_call_off_window():
    """rack_size 100,000 used to put a full rack line-side at t = 0: the line ran all day and the
    supplier never delivered. Any rack longer than the 16-car call-off window gives the loop above,
    up to the largest rack a scenario may declare (10,000)."""
    huge, forty = _tables(rack=10_000), _tables(rack=40)
    assert huge.stoppages.tolist() == forty.stoppages.tolist()
    assert huge.trips["unloaded"].tolist() == forty.trips["unloaded"].tolist()


def test_only_completed_racks_are_line_side_at_start():
    """Rack of 6 with the 16-car call-off window: the call-offs before t = 0 (cars 0-15) completed
    racks 0-5 and 6-11; units 12-15 sit in the rack being filled, not line-side. Line-side after
    cars 0-4: 12 - 5 = 7 units. The rack 12-17 closes when car 17 is called off, at cycle 1
    (t = 60); units 12-15 were built before t = 0, 16 and 17 after their call-offs at 0 and 60:
    ready at 90; loaded at 150, unloaded at 150 + 300 + 60 = 510. Cars 5-11 use cycles 0-6
    (0-360); car 12 needs it at cycle 7 (420): the line waits 420-510."""
    tables = _tables(rack=6)
    assert tables.initial_stock.tolist() == [7]
    first = tables.trips[0]
    assert (first["units"], first["ready"], first["unloaded"]) == (6, 90.0, 510.0)
    stop = tables.stoppages[0]
    assert (stop["cycle"], stop["start"], stop["end"]) == (7, 420.0, 510.0)
