"""A pool of identical units (a supplier's trucks, the plant's docks), first come, first served."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

Taker = Callable[[int], None]


class Pool:
    """Identical units (trucks, docks) handed out first come, first served.

    ``acquire(taker)`` calls ``taker(unit)`` at once when a unit is free, else when one is released.
    """

    def __init__(self, size: int):
        if size < 1:
            raise ValueError(f"a pool needs at least one unit, got {size}")
        self.size = size
        self._free = list(range(size - 1, -1, -1))
        self._waiting: deque[Taker] = deque()

    def acquire(self, taker: Taker) -> None:
        if self._free:
            taker(self._free.pop())
        else:
            self._waiting.append(taker)

    def release(self, unit: int) -> None:
        if self._waiting:
            self._waiting.popleft()(unit)
        else:
            self._free.append(unit)
