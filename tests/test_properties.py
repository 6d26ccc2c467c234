"""Properties and metamorphic relations over random small scenarios (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from micro import THREE_SHIFTS, build, jis_loop, kanban_loop

from sim.metrics import Frame, cycle_times, measure, stock_steps
from sim.model import run_replication

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def mixed(draw, cv: float) -> dict:
    """A two-supplier plant with a kanban part and a per-model JIS part, drawn at random."""
    kan = kanban_loop(cards=draw(st.integers(1, 6)), pack=draw(st.integers(1, 12)),
                      per_truck=draw(st.integers(1, 3)), trucks=draw(st.integers(1, 3)),
                      km=draw(st.floats(0.5, 20)), max_wait=draw(st.sampled_from([0, 10, 30])), days=1.0)
    jis = jis_loop(broadcast=draw(st.integers(0, 30)), rack=draw(st.integers(1, 8)),
                   per_truck=draw(st.integers(1, 3)), build_s=draw(st.floats(5, 80)),
                   trucks=draw(st.integers(1, 3)), km=draw(st.floats(0.5, 20)),
                   usage={"A": draw(st.integers(0, 2)), "B": 1}, models={"A": 0.6, "B": 0.4})
    data = kan
    data["line"] = dict(jis["line"], takt_s=draw(st.sampled_from([60.0, 61.3, 47.7, 90.0])))
    if draw(st.booleans()):  # shifts and breaks: clock and working time do not convert back exactly
        data["calendar"] = THREE_SHIFTS
    data["suppliers"][0]["travel_cv"] = cv
    jis_supplier = jis["suppliers"][0]
    jis_supplier["parts"] = [dict(jis_supplier["parts"][0], name="jis-part")]
    data["suppliers"].append(dict(jis_supplier, name="sup-jis", travel_cv=cv))
    data["seed"] = draw(st.integers(0, 2**31))
    return data


@st.composite
def plants(draw, cv=st.sampled_from([0.0, 0.3])):
    return build(mixed(draw, draw(cv)))


def _assert_loop_accounts_for(scenario, tables, p: int, consumed: int, starts: np.ndarray) -> None:
    """The units the cars took (from the stock curve) against what the loop itself recorded.

    Kanban: a card goes when its container is emptied, so after ``consumed`` units exactly
    ``consumed // pack_size`` cards have gone. JIS: racks close as call-offs complete; after the
    cycles started, cars up to ``started - 1 + lead`` are called off, so every rack whose units are
    all called off is closed and the open rack lacks at least one call-off; and nothing arrives that
    was not closed."""
    part = scenario.parts[p][1]
    mine = tables.releases["part"] == p
    if part.mode == "kanban":
        assert mine.sum() == consumed // part.pack_size
        return
    usage = np.array([part.usage_of(m) for m in scenario.line.models], dtype=np.int64)
    cum = np.concatenate(([0], np.cumsum(usage[tables.sequence.astype(np.int64)])))
    offset, lead = scenario.line.stations - part.station, scenario.line.stations - 1 + scenario.broadcast_of(part)
    started = int((starts <= Frame.of(scenario).end).sum())
    assert consumed == cum[offset + started] - cum[offset]
    # units line-side at t = 0 (jis.py): the whole racks the call-offs before t = 0 completed, at least
    # what the cars past the station used
    opened = max(cum[lead] // part.rack_size * part.rack_size, cum[offset])
    closed = opened + tables.releases["units"][mine].sum()
    called = cum[started + lead]
    assert closed <= max(called, opened) and called - closed < part.rack_size
    assert tables.trips["units"][tables.trips["part"] == p].sum() <= closed - opened


@FAST
@given(plants())
def test_stock_never_negative_and_units_are_conserved(scenario):
    tables = run_replication(scenario).tables
    frame = Frame.of(scenario)
    starts, _ = cycle_times(frame, tables)
    for p, (_, part) in enumerate(scenario.parts):
        times, level, at = stock_steps(frame, tables, p, starts)
        assert level.min() >= 0, f"{part.name} went negative"
        before = level[at] - tables.trips["units"][tables.trips["part"] == p]
        assert (before >= 0).all(), f"{part.name}: a delivery found a negative stock"
        delivered = tables.trips["units"][tables.trips["part"] == p].sum()
        # cycles recorded past the horizon (the line's last jump) start at infinity: count to the end
        consumed = tables.initial_stock[p] + delivered - level[times <= frame.end][-1]
        _assert_loop_accounts_for(scenario, tables, p, consumed, starts)
        if part.mode == "kanban":
            assert level.max() <= part.cards * part.pack_size
            # packs delivered + packs line-side + cards waiting never exceed the cards
            released = (tables.releases["part"] == p).sum()
            delivered_packs = delivered // part.pack_size
            assert released - delivered_packs <= part.cards


def _stoppage(data) -> float:
    sc = build(data)
    return measure(Frame.of(sc), run_replication(sc).tables).kpis["stoppage_min"]


@FAST
@given(st.integers(1, 5), st.integers(1, 10), st.integers(1, 3), st.floats(1, 30))
def test_more_cards_never_increase_stoppage(cards, pack, trucks, km):
    base = kanban_loop(cards=cards, pack=pack, trucks=trucks, km=km, days=0.5)
    more = kanban_loop(cards=cards + 1, pack=pack, trucks=trucks, km=km, days=0.5)
    assert _stoppage(more) <= _stoppage(base) + 1e-9


@FAST
@given(st.integers(1, 5), st.integers(1, 10), st.integers(1, 3), st.floats(1, 30))
def test_more_trucks_never_increase_stoppage(cards, pack, trucks, km):
    base = kanban_loop(cards=cards, pack=pack, trucks=trucks, km=km, days=0.5)
    more = kanban_loop(cards=cards, pack=pack, trucks=trucks + 1, km=km, days=0.5)
    assert _stoppage(more) <= _stoppage(base) + 1e-9


@FAST
@given(st.integers(0, 20), st.integers(1, 6), st.floats(1, 15))
def test_earlier_jis_call_off_never_increases_stoppage(broadcast, rack, km):
    base = jis_loop(broadcast=broadcast, rack=rack, km=km, days=0.5)
    earlier = jis_loop(broadcast=broadcast + 5, rack=rack, km=km, days=0.5)
    assert _stoppage(earlier) <= _stoppage(base) + 1e-9


@FAST
@given(st.integers(1, 5), st.integers(1, 10), st.floats(1, 10), st.floats(0.5, 10))
def test_a_farther_supplier_never_stops_the_line_less(cards, pack, km, extra_km):
    near = kanban_loop(cards=cards, pack=pack, trucks=2, km=km, days=0.5)
    far = kanban_loop(cards=cards, pack=pack, trucks=2, km=km + extra_km, days=0.5)
    assert _stoppage(far) >= _stoppage(near) - 1e-9
