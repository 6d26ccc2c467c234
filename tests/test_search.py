"""The sizing search on its own: whatever the evaluations answer (noise can make a knob look
non-monotone), the answer agrees with the evidence. Checked exhaustively on a small whole-number
knob (every pattern of met/missed, every start and every pair of bounds), so CI never passes by
luck, and on float knobs with deterministic pseudo-random answers."""

from __future__ import annotations

import itertools
import re

import pytest

from sim.knob import Knob, KnobError
from sim.scenario import load_scenario
from sim.search import MAX_STEPS, bracket, search

TOP = 8  # whole-number knob 0..8: 2**9 patterns of met/missed


def recorder(met):
    """evaluate() over a table or function of answers, remembering what was tried, in order."""
    tried = []

    def evaluate(v):
        tried.append(v)
        return met[v] if isinstance(met, tuple) else met(v)

    return evaluate, tried


def check_agrees(answer, tried, met, largest, lowest, highest, whole=True):
    """The answer is a value tried that met; every value tried beyond it missed; for whole numbers
    the neighbour beyond it was tried (the search finished) unless the answer is the limit; with no
    answer, every value tried missed; nothing outside [lowest, highest] and nothing twice."""
    assert len(tried) == len(set(tried)), tried
    assert all(lowest <= v <= highest for v in tried), tried
    if answer is None:
        assert not any(met[v] for v in tried), tried
        return
    assert answer in tried and met[answer], (answer, tried)
    beyond = [v for v in tried if (v > answer if largest else v < answer)]
    assert not any(met[v] for v in beyond), (answer, tried)
    neighbour = answer + 1 if largest else answer - 1
    if whole and lowest <= neighbour <= highest:
        assert neighbour in tried, (answer, tried)


@pytest.mark.parametrize("largest", [False, True])
def test_given_bounds_every_pattern_and_every_pair(largest):
    knob = Knob("k", current=3, integral=True, lower=0.0, upper=float(TOP))
    for met in itertools.product([False, True], repeat=TOP + 1):
        for lo, hi in itertools.product(range(TOP + 1), repeat=2):
            evaluate, tried = recorder(met)
            if lo > hi:  # refused before anything runs (it used to answer lo although hi met)
                with pytest.raises(KnobError, match="is above"):
                    search(evaluate, knob, lo=lo, hi=hi, largest=largest)
                assert tried == []
                continue
            answer = search(evaluate, knob, lo=lo, hi=hi, largest=largest)
            check_agrees(answer, tried, met, largest, lo, hi)


@pytest.mark.parametrize("largest", [False, True])
def test_bracketing_every_pattern_and_every_start(largest):
    for met in itertools.product([False, True], repeat=TOP + 1):
        for current in range(TOP + 1):
            knob = Knob("k", current=current, integral=True, lower=0.0, upper=float(TOP))
            evaluate, tried = recorder(met)
            answer = search(evaluate, knob, largest=largest)
            check_agrees(answer, tried, met, largest, 0, TOP)
            assert tried[0] == current


def test_lo_above_hi_is_refused_before_anything_runs():
    """The defect: --lo 5 --hi 1 took 1 as the safe end, found it met, and answered 5."""
    evaluate, tried = recorder(lambda v: True)
    with pytest.raises(KnobError, match="--lo 5 is above --hi 1"):
        search(evaluate, Knob("k", current=3, integral=True, lower=1.0), lo=5, hi=1)
    assert tried == []


def test_bracketing_by_hand():
    """Cards from 6, met from 3 up: 6 meets, halve to 3 (meets), 1 (misses); bisect 3..1 at 2
    (misses): answer 3 after 6, 3, 1, 2."""
    evaluate, tried = recorder(lambda v: v >= 3)
    assert search(evaluate, Knob("k", current=6, integral=True, lower=1.0)) == 3
    assert tried == [6, 3, 1, 2]
    # largest distance from 5 km, met up to 6.5: 5 meets, 10 misses, then bisection of 5..10 to 5/64
    evaluate, tried = recorder(lambda v: v <= 6.5)
    answer = search(evaluate, Knob("d", current=5.0, integral=False, lower=0.0, lower_open=True), largest=True)
    assert tried[:3] == [5.0, 10.0, 7.5]
    assert 6.5 - 5 / 64 <= answer <= 6.5


def test_bracketing_stops_at_the_schema_bound_and_after_max_steps():
    evaluate, tried = recorder(lambda v: True)  # meets everywhere: the smallest is the schema's 1
    assert search(evaluate, Knob("k", current=37, integral=True, lower=1.0)) == 1
    assert tried == [37, 18, 9, 4, 2, 1]
    evaluate, tried = recorder(lambda v: False)  # never meets: doubles MAX_STEPS times, then gives up
    assert bracket(evaluate, Knob("k", current=3, integral=True, lower=1.0)) is None
    assert tried == [3 * 2**i for i in range(MAX_STEPS + 1)]
    evaluate, tried = recorder(lambda v: False)  # never meets, stepping down to the given --lo
    assert search(evaluate, Knob("d", current=4.0, integral=False, lower=0.0, lower_open=True), lo=1.5,
                  largest=True) is None
    assert tried == [4.0, 2.0, 1.5]


@pytest.mark.parametrize("largest", [False, True])
def test_float_knobs_agree_with_noisy_evidence(largest):
    """Answers drawn from a deterministic hash of the value: as non-monotone as noise can be."""
    for seed in range(300):
        def met(v, seed=seed):
            return hash((round(v, 9), seed)) % 3 != 0

        knob = Knob("d", current=[0.8, 2.9, 12.0][seed % 3], integral=False, lower=0.0, lower_open=True)
        bounds = [{}, {"lo": 0.5, "hi": 40.0}, {"lo": 1.0}, {"hi": 5.0}][seed % 4]
        table = {}
        evaluate, tried = recorder(lambda v: table.setdefault(v, met(v)))
        answer = search(evaluate, knob, largest=largest, **bounds)
        lowest, highest = bounds.get("lo", 0.0), bounds.get("hi", float("inf"))
        check_agrees(answer, tried, table, largest, lowest, highest, whole=False)


NANSHAN = "scenarios/nanshan.yaml"


@pytest.mark.parametrize("path, message", [
    ("suppliers.front-seat.distance_km", "no item named 'front-seat' under suppliers (did you mean front-seats?)"),
    ("suppliers.front-seats.distanc_km", "no key 'distanc_km' under suppliers.front-seats (did you mean distance_km?)"),
    ("../../../../x", "a key path is names joined by single dots"),
    ("suppliers.front-seats.route", "not a number"),
    ("suppliers.front-seats", "a section, not a number"),
    ("line.takt_s.x", "line.takt_s is a value, not a section"),
])
def test_a_knob_is_looked_up_with_the_nearest_names(path, message):
    with pytest.raises(KnobError, match=re.escape(message)):
        Knob.of(load_scenario(NANSHAN), path)


def test_a_knob_knows_its_value_and_the_schema_bounds():
    sc = load_scenario(NANSHAN)
    cards = Knob.of(sc, "suppliers.moulding-exterior.parts.underbody-panel.cards")
    assert (cards.current, cards.integral, cards.lower, cards.lower_open) == (7, True, 1.0, False)
    km = Knob.of(sc, "suppliers.front-seats.distance_km")
    assert (km.current, km.integral, km.lower, km.lower_open) == (0.8, False, 0.0, True)
    engine = Knob.of(sc, "suppliers.aurora-bay-engines.parts.engine.broadcast_cars")
    assert engine.current is None and engine.integral and engine.lower == 0.0  # unset: follows line.broadcast_cars
    with pytest.raises(KnobError, match="at least 1"):
        cards.check(0, "--lo")
    with pytest.raises(KnobError, match="whole numbers"):
        cards.check(2.5, "--hi")
