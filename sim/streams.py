"""Random streams: one ``numpy.random.Generator`` per source of randomness per replication.

A stream is keyed by the scenario seed, the replication number and the *name* of its source
("sequence", "line-breakdowns", "travel:seats", ...), never by creation order. The same supplier in
two scenarios therefore draws the same numbers (common random numbers), however many other suppliers
either scenario has.
"""

from __future__ import annotations

from array import array

import math
import zlib

import numpy as np


def stream(seed: int, replication: int, source: str) -> np.random.Generator:
    """The generator of ``source`` in replication ``replication`` of a run seeded ``seed``."""
    key = zlib.crc32(source.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication, key))))


class LognormalFactor:
    """Multiplicative noise with mean 1 and coefficient of variation ``cv`` (lognormal).

    Draw ``i`` is fixed by the stream alone (:meth:`at`), so a caller that numbers its draws (trip
    ``n`` takes draws ``2n`` and ``2n + 1``) gets the same value for the same trip whatever else
    the scenario changes: common random numbers. Draws come in blocks so that the hot path pays for
    a list index, not a numpy call.
    """

    BLOCK = 512

    def __init__(self, rng: np.random.Generator, cv: float):
        if cv < 0:
            raise ValueError(f"cv must be >= 0, got {cv}")
        self.cv = cv
        self._rng = rng
        self._sigma = math.sqrt(math.log1p(cv * cv))
        self._mu = -0.5 * self._sigma**2
        self._normals = array("d")  # 8 bytes a draw; a list of floats took 32

    @property
    def mean(self) -> float:
        return 1.0

    def at(self, i: int) -> float:
        """Draw number ``i`` (0-based) of this stream."""
        if self.cv == 0.0:
            return 1.0
        while i >= len(self._normals):
            self._normals.frombytes(self._rng.standard_normal(self.BLOCK).tobytes())
        return math.exp(self._mu + self._sigma * self._normals[i])

    def __repr__(self) -> str:
        return f"LognormalFactor(mean=1, cv={self.cv:g})"


def alternating_windows(rng: np.random.Generator, mean_up_s: float, mean_down_s: float,
                        horizon_s: float) -> list[tuple[float, float]]:
    """Down windows of a unit that fails after exponential up times and is repaired after
    exponential down times, starting up at t = 0, up to ``horizon_s``."""
    windows, t = [], 0.0
    while True:
        t += rng.exponential(mean_up_s)
        if t >= horizon_s:
            return windows
        down = rng.exponential(mean_down_s)
        windows.append((t, t + down))
        t += down
