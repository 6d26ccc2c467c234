"""The sizing search over one knob: bracketing from the scenario's current value, then bisection,
as pure functions of ``evaluate(value) -> bool`` (True: the target is met), so the logic is tested
on its own.

The knob must act one way: for the smallest value, meeting the target at v means meeting it at every
larger v (cards, trucks, call-off lead); with ``largest``, at every smaller v (distance). Noise can
break that assumption, but whatever ``evaluate`` answers, the answer is a value that met, and every
value tried beyond it (below it for the smallest, above for the largest) missed: each new value is
tried strictly between the nearest value that met and the nearest that missed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sim.knob import Knob, KnobError

MAX_STEPS = 10  # doublings or halvings when bracketing: a factor of 1,024 either way
BISECTION_PARTS = 64  # a float knob is bisected to 1/64 of its bracket

Evaluate = Callable[[int | float], bool]


def search(evaluate: Evaluate, knob: Knob, *, lo: float | None = None, hi: float | None = None,
           largest: bool = False, tolerance: float | None = None) -> int | float | None:
    """The smallest (``largest``: largest) value in [lo, hi] that meets the target, or None.

    With both ``lo`` and ``hi`` the ends are tried first; otherwise the search brackets from the
    knob's current value (see :func:`bracket`). Whole-number knobs are searched exactly; others to
    ``tolerance``, default 1/64 of the bracket. Raises KnobError for ``lo`` above ``hi``.
    """
    check_bounds(lo, hi)
    if lo is not None and hi is not None:
        good, bad = (knob.value(lo), knob.value(hi)) if largest else (knob.value(hi), knob.value(lo))
        if not evaluate(good):
            return None
        if bad == good or evaluate(bad):
            return bad
    else:
        found = bracket(evaluate, knob, lo=lo, hi=hi, largest=largest)
        if found is None or found[1] is None:
            return None if found is None else found[0]
        good, bad = found
    if knob.integral:
        tol = 1
    else:
        tol = tolerance if tolerance else abs(good - bad) / BISECTION_PARTS
    return bisect(evaluate, knob, good, bad, tol)


def check_bounds(lo: float | None, hi: float | None) -> None:
    """Raise KnobError when both bounds are given and ``lo`` is above ``hi`` (taking ``hi`` for the
    safe end would answer ``lo`` although a value below it met)."""
    if lo is not None and hi is not None and lo > hi:
        raise KnobError(f"--lo {lo:g} is above --hi {hi:g}; give the lower value as --lo")


def bracket(evaluate: Evaluate, knob: Knob, *, lo: float | None = None, hi: float | None = None,
            largest: bool = False) -> tuple[int | float, int | float | None] | None:
    """(a value that met, the nearest value that missed) around the knob's current value.

    From the current value (moved into [lo, hi]): if it meets, step away from safety (halve for the
    smallest, double for the largest) until a value misses; if it misses, step toward safety until
    one meets. At most MAX_STEPS steps, never past ``lo``/``hi`` or the schema's bounds. Returns
    (met, None) when the limit itself still meets, and None when no value up to the limit meets.
    Raises KnobError when there is no current value to start from.
    """
    start = starting_value(knob, lo=lo, hi=hi, largest=largest)
    riskier, safer = (_up, _down) if largest else (_down, _up)
    if evaluate(start):
        good = start
        for _ in range(MAX_STEPS):
            candidate = riskier(good, knob, lo, hi)
            if candidate is None:
                break
            if not evaluate(candidate):
                return good, candidate
            good = candidate
        return good, None
    bad = start
    for _ in range(MAX_STEPS):
        candidate = safer(bad, knob, lo, hi)
        if candidate is None:
            break
        if evaluate(candidate):
            return candidate, bad
        bad = candidate
    return None


def starting_value(knob: Knob, *, lo: float | None = None, hi: float | None = None,
                   largest: bool = False) -> int | float:
    """The knob's current value, moved into [lo, hi]; raises KnobError (before anything runs) when
    the scenario gives it no value, or a float knob stands at 0 with no bound to step toward."""
    if knob.current is None:
        raise KnobError(f"--knob {knob.path} has no value of its own in the scenario (it follows another "
                        "key): give --lo and --hi")
    if knob.current < 0:
        raise KnobError(f"--knob {knob.path} is negative in the scenario: give --lo and --hi")
    start = knob.current
    start = max(start, lo) if lo is not None else start
    start = min(start, hi) if hi is not None else start
    if start == 0 and not knob.integral and (hi is None):
        raise KnobError(f"--knob {knob.path} is 0 in the scenario and doubling 0 goes nowhere: give --hi")
    return knob.value(start)


def bisect(evaluate: Evaluate, knob: Knob, good, bad, tol: float):
    """Narrow [bad, good] (``good`` met, ``bad`` missed) to ``tol``; returns the value nearest
    ``bad`` that met."""
    while abs(good - bad) > tol:
        mid = knob.value((good + bad) / 2)
        if mid in (good, bad):
            break
        if evaluate(mid):
            good = mid
        else:
            bad = mid
    return good


def _down(v, knob: Knob, lo, hi):
    """Half of ``v`` (whole numbers rounded down), not below ``lo`` or the schema's lower bound;
    None when ``v`` is already there."""
    candidate = math.floor(v / 2) if knob.integral else v / 2
    floor = _lowest(knob, lo)
    if floor is not None and candidate < floor:
        candidate = floor
    candidate = knob.value(candidate)
    return None if candidate >= v else candidate


def _up(v, knob: Knob, lo, hi):
    """Twice ``v`` (0 -> 1 for whole numbers), not above ``hi`` or the schema's upper bound; None
    when ``v`` is already there."""
    ceiling = _highest(knob, hi)
    candidate = 2 * v if v > 0 else (1 if knob.integral else ceiling)
    if candidate is None:
        return None
    if ceiling is not None and candidate > ceiling:
        candidate = ceiling
    if knob.upper is not None and knob.upper_open and candidate >= knob.upper:
        candidate = knob.upper - 1 if knob.integral else (v + knob.upper) / 2
    candidate = knob.value(candidate)
    return None if candidate <= v else candidate


def _lowest(knob: Knob, lo):
    bound = knob.lower
    if bound is not None and knob.lower_open:
        bound = math.floor(bound) + 1 if knob.integral else None  # a float never reaches an open bound by halving
    if lo is not None:
        bound = lo if bound is None else max(bound, lo)
    return bound


def _highest(knob: Knob, hi):
    bound = knob.upper if (knob.upper is not None and not knob.upper_open) else None
    if hi is not None:
        bound = hi if bound is None else min(bound, hi)
    return bound
