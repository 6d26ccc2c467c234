"""The car sequence and, per part, the cumulative units the sequence needs.

Loops never walk the sequence car by car: they ask a :class:`UsageProfile` which car a number of
units reaches, by arithmetic for a constant usage and by binary search for a per-model usage.
"""

from __future__ import annotations

import numpy as np


def draw_sequence(rng: np.random.Generator, shares: list[float], cars: int) -> np.ndarray:
    """Model index of each car in the build sequence, drawn independently from the mix."""
    p = np.asarray(shares, dtype=float)
    return rng.choice(len(p), size=cars, p=p / p.sum()).astype(np.int8)


class UsageProfile:
    """Cumulative units of one part needed by cars ``0..k-1`` of the sequence."""

    def __init__(self, per_model: tuple[int, ...], sequence: np.ndarray):
        self.per_model = per_model
        self.constant = per_model[0] if len(set(per_model)) == 1 else None
        if self.constant is None:
            per_car = np.asarray(per_model, dtype=np.int64)[sequence]
            self._cum = np.concatenate(([0], np.cumsum(per_car)))
        self.cars = len(sequence)
        self.max_per_car = max(per_model)

    def cum(self, cars: int) -> int:
        """Units needed by the first ``cars`` cars."""
        if self.constant is not None:
            return self.constant * cars
        return int(self._cum[min(cars, self.cars)])

    def served(self, units: int) -> int:
        """How many cars, from the first, ``units`` units serve (cars with zero usage included)."""
        if self.constant is not None:
            return units // self.constant
        return int(np.searchsorted(self._cum, units, side="right")) - 1

    def car_of_unit(self, unit: int) -> int:
        """The car that consumes unit number ``unit`` (0-based)."""
        if self.constant is not None:
            return unit // self.constant
        return int(np.searchsorted(self._cum, unit, side="right")) - 1
