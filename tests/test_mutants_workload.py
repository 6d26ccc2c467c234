"""The work estimate and its limits, on the cases test_workload.py leaves open: model shares that do
not add up to 1, per-model usage, a call-off lead, a calendar, no dispatch wait (or one under a
second), a build exactly one takt long, a run exactly at a limit, and the figures the refusal
prints. Counts derived by hand as in test_workload.py: events = working intervals + items + 3 x trips,
memory = base + sequence cars x (1 + 8 per per-model profile) + 100 per event."""

from __future__ import annotations

import pytest
from micro import THREE_SHIFTS, build, jis_loop, kanban_loop

import sim.workload as workload
from sim.workload import BASE_BYTES, WorkLimitError, check_work, estimate_work

ADVICE = "shorten horizon.days or replications, or give --force to run it anyway"


def test_per_model_usage_with_shares_that_do_not_add_up_to_one():
    """JIS, racks of 4, model shares 3 : 1 (normalised: 0.75, 0.25), model A takes 2 units, B none:
    1.5 units a car on average, 1,440 cars a day, 540 racks, 540 one-rack trips (the 48 partial
    loads of a 30 min wait do not bind): events 1 + 540 + 1,620 = 2,161. A build of 2 x 30 s is
    exactly the 60 s takt: not slower, no car-by-car walk. Broadcast 0 and no per-part lead: the
    sequence holds 1,440 + 10 stations = 1,450 cars, each with a per-model profile of 8 bytes:
    memory base + 1,450 x 9 + 216,100 = base + 229,150."""
    work = estimate_work(build(jis_loop(broadcast=0, rack=4, per_truck=1, build_s=30.0, usage={"A": 2, "B": 0},
                                        models={"A": 3.0, "B": 1.0}, days=1.0)))
    assert (work.cars, work.events) == (1440.0, 2161.0)
    assert work.memory_bytes == BASE_BYTES + 229_150


def test_a_build_slower_than_the_takt_for_one_model_only_walks_car_by_car():
    """As above with a 31 s build: model A's 2 units take 62 s > 60 s takt: + 1,440 events."""
    work = estimate_work(build(jis_loop(broadcast=0, rack=4, per_truck=1, build_s=31.0, usage={"A": 2, "B": 0},
                                        models={"A": 3.0, "B": 1.0}, days=1.0)))
    assert work.events == 2161.0 + 1440.0


def test_a_calendar_and_a_call_off_lead_count():
    """Monday's two shifts (see micro.THREE_SHIFTS): 15 working hours in three intervals
    (06:00-10:00, 10:30-18:00, 18:30-22:00), 900 cars at 60 s; racks of 4: 225 racks and trips,
    events 3 + 225 + 675 = 903. Broadcast 7: the sequence holds 900 + 10 + 7 = 917 cars."""
    work = estimate_work(build(jis_loop(rack=4, per_truck=1, days=1.0), calendar=THREE_SHIFTS))
    assert (work.cars, work.events) == (900.0, 903.0)
    assert work.memory_bytes == BASE_BYTES + 917 + 903 * 100


def test_no_dispatch_wait_bounds_nothing():
    """dispatch_max_wait_min 0: a load never waits, so partial loads give no bound and every pack
    may go alone: 360 trips of 360 packs (two a truck would be 180): 1 + 360 + 1,080 = 1,441."""
    assert estimate_work(build(kanban_loop(pack=4, per_truck=2, max_wait=0, days=1.0))).events == 1441.0


def test_a_dispatch_wait_under_a_second_still_bounds_the_trips():
    """Takt 10 s (8,640 cars a day), 100 units a car in packs of 1: 864,000 packs, two a truck
    (432,000 full loads) or one partial load per 0.5 s wait (172,800): at most 604,800 trips, fewer
    than the 864,000 packs. Events 1 + 864,000 + 1,814,400 = 2,678,401."""
    data = kanban_loop(pack=1, per_truck=2, max_wait=1 / 120, takt=10.0, days=1.0)
    data["suppliers"][0]["parts"][0]["usage"] = 100
    assert estimate_work(build(data)).events == 2_678_401.0


# -- the limits --------------------------------------------------------------------------------------

def _kanban_day(**top):
    """1,441 events, 1,440 cars, memory base + 1,442 + 144,100 (test_workload.py)."""
    return build(kanban_loop(cards=3, pack=4, per_truck=1, days=1.0), **top)


def test_a_run_exactly_at_the_limits_runs(monkeypatch):
    sc = _kanban_day(replications=1000)  # 1,441,000 events in all
    monkeypatch.setattr(workload, "MAX_EVENTS", 1_441_000)
    monkeypatch.setattr(workload, "MAX_MEMORY_BYTES", BASE_BYTES + 145_542)
    assert check_work(sc).total_events == 1_441_000


@pytest.mark.parametrize("limit, shown", [(1_000_000, "1.0 million"), (1_050_000, "1.1 million"),
                                          (1_440_999, "1.4 million")])
def test_a_refusal_gives_the_events_in_millions(monkeypatch, limit, shown):
    """1,000 replications of 1,441 events: 1,441,000 = 1.4 million, beyond the limit; figures of a
    million or more are given in millions to one decimal, smaller ones in full."""
    monkeypatch.setattr(workload, "MAX_EVENTS", limit)
    with pytest.raises(WorkLimitError) as info:
        check_work(_kanban_day(replications=1000))
    assert str(info.value) == (f"micro-kanban: the run would take about 1.4 million events (1,000 replications x "
                               f"1,441; the limit is {shown}, about 20 minutes of one core): {ADVICE}")


@pytest.mark.parametrize("base, limit, held, shown", [
    (BASE_BYTES, BASE_BYTES + 145_541, "0.1", "0.100146"),  # one byte short: 100,145,542 B held
    (1_050_000_000 - 145_542, 1_000_005_000, "1.1", "1.00001"),  # 1.05 GB held, to one decimal
])
def test_a_refusal_gives_the_memory_in_gigabytes(monkeypatch, base, limit, held, shown):
    """One replication would hold base + 145,542 bytes, beyond the limit: the message gives it in GB
    to one decimal and the limit in GB to six significant digits."""
    monkeypatch.setattr(workload, "BASE_BYTES", base)
    monkeypatch.setattr(workload, "MAX_MEMORY_BYTES", limit)
    with pytest.raises(WorkLimitError) as info:
        check_work(_kanban_day())
    assert str(info.value) == (f"micro-kanban: one replication would hold about {held} GB (1,440 cars, 1,441 events; "
                               f"the limit is {shown} GB): {ADVICE}")
