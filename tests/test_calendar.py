"""Working time: intervals from shifts, and conversions between clock and working seconds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.calendar import DAY_S, INF, WorkTime, calendar_intervals, subtract
from sim.scenario.schema import Calendar

H = 3600.0


def cal(**kw) -> Calendar:
    return Calendar.model_validate(kw)


def test_two_shifts_with_breaks_on_weekdays():
    c = cal(workdays=["mon", "tue"], shifts=[
        {"name": "a", "start": "06:00", "end": "14:00", "breaks": [{"start": "10:00", "end": "10:30"}]},
        {"name": "b", "start": "14:00", "end": "22:00"}])
    iv = calendar_intervals(c, 7 * DAY_S)
    assert iv == [(6 * H, 10 * H), (10.5 * H, 22 * H), (DAY_S + 6 * H, DAY_S + 10 * H), (DAY_S + 10.5 * H, DAY_S + 22 * H)]


def test_shift_across_midnight_belongs_to_its_start_day_and_sunday_night_counts():
    c = cal(workdays=["sun"], shifts=[{"name": "night", "start": "22:00", "end": "06:00"}])
    iv = calendar_intervals(c, 14 * DAY_S)
    # Sunday is day 6 and day 13; the shift of day -1 (a Sunday) reaches into Monday 00:00-06:00
    assert iv == [(0.0, 6 * H), (6 * DAY_S + 22 * H, 7 * DAY_S + 6 * H), (13 * DAY_S + 22 * H, 14 * DAY_S)]


def test_holidays_are_skipped():
    c = cal(workdays=["mon", "tue", "wed"], holidays=[1], shifts=[{"name": "d", "start": "08:00", "end": "16:00"}])
    assert calendar_intervals(c, 3 * DAY_S) == [(8 * H, 16 * H), (2 * DAY_S + 8 * H, 2 * DAY_S + 16 * H)]


def test_subtract_holes():
    assert subtract([(0, 10), (20, 30)], [(5, 22), (25, 26)]) == [(0, 5), (22, 25), (26, 30)]


def test_work_and_clock_conversions():
    wt = WorkTime([(10.0, 20.0), (30.0, 40.0)])
    assert wt.total == 20.0
    assert [wt.work(t) for t in (0, 10, 15, 20, 25, 30, 35, 50)] == [0, 0, 5, 10, 10, 10, 15, 20]
    # a working instant on a boundary starts after the gap (clock) or ends before it (clock_end)
    assert wt.clock(10.0) == 30.0 and wt.clock_end(10.0) == 20.0
    assert wt.clock(5.0) == 15.0 and wt.clock_end(5.0) == 15.0
    assert wt.clock(20.0) == INF and wt.clock_end(20.0) == 40.0
    assert wt.next_up(25.0) == 30.0 and wt.next_up(12.0) == 12.0 and wt.next_up(45.0) == INF


@given(st.lists(st.tuples(st.floats(0, 1000), st.floats(0.1, 50)), min_size=1, max_size=8),
       st.floats(0, 1))
def test_work_of_clock_of_a_working_instant_is_itself(spans, fraction):
    """Round trips in working time hold everywhere; in clock time a boundary may land on either
    side of a gap (the same working instant)."""
    wt = WorkTime([(a, a + d) for a, d in spans])
    w = fraction * wt.total
    assert wt.work(wt.clock(w)) == pytest.approx(w) if w < wt.total else wt.clock(w) == INF
    assert wt.work(wt.clock_end(w)) == pytest.approx(w)
    t = wt.clock(w)
    if t < INF and wt.clock(wt.work(t)) != t:  # only at a boundary: the gap's start, same instant
        assert wt.work(t) == pytest.approx(wt.work(wt.clock(wt.work(t))))


def test_array_versions_agree_with_scalars():
    wt = WorkTime([(10.0, 20.0), (30.0, 40.0), (55.0, 60.0)])
    t = np.linspace(0, 70, 141)
    assert np.allclose(wt.work_array(t), [wt.work(x) for x in t])
    w = np.linspace(0, 25, 51)
    assert np.array_equal(wt.clock_array(w), [wt.clock(x) for x in w])
    assert np.array_equal(wt.clock_array(w, end=True), [wt.clock_end(x) for x in w])
