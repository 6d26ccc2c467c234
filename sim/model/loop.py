"""What the plant and the shipper need of a supply loop, and the registry of delivery modes.

A delivery mode is one module in :mod:`sim.model.modes`: a loop class decorated with
``@mode(PartClass)``, ``PartClass`` being the mode's entry in the scenario schema's part union. The
plant looks the loop class up here by the type of each part; it names no mode itself. Importing
:mod:`sim.model` imports every module of :mod:`sim.model.modes`, so the registry is full before any
plant is built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sim.errors import SimError
from sim.model.context import PartContext
from sim.scenario.schema import Scenario


class SupplyLoop(Protocol):
    """One part's supply loop, as the plant builds it and its shipper calls it back.

    The class side (``build``, ``cars_ahead``, ``nominal_extra_s``, ``walks_cars``) is what the plant,
    metrics and the work estimate ask before any loop exists; the instance side is what a truck calls when it unloads.
    """

    index: int  # the loop's part index at the line

    @classmethod
    def build(cls, ctx: "PartContext", part, scenario: "Scenario") -> "SupplyLoop":
        """The loop of ``part``; it registers with ``ctx.line`` and reaches its shipper through
        ``ctx.shipper``, which the plant sets before the simulation starts."""

    @staticmethod
    def cars_ahead(scenario: "Scenario", part) -> int:
        """How many cars beyond the line's last station the loop reads the car sequence (>= 0)."""

    @staticmethod
    def nominal_extra_s(part) -> float:
        """Seconds a load's loop time takes beyond fill, load, drive and unload (e.g. building it)."""

    @staticmethod
    def walks_cars(scenario: "Scenario", part) -> bool:
        """Whether the loop does work per car, not only per load (for the work estimate)."""

    def deliver(self, items: list[int], trip) -> None:
        """Loads ``items`` were unloaded at the plant by ``trip``; the loop puts them line-side, now or
        later, and then calls ``trip.line_side(now, units, due)`` (:meth:`sim.model.fleet.Trip.line_side`)."""

    def first_car(self, item: int) -> int:
        """The first car load ``item`` serves, or -1 when loads do not belong to cars."""


L = TypeVar("L")
MODES: dict[type, type] = {}  # schema part class -> loop class; filled by @mode, read-only after import


def mode(part_class: type) -> Callable[[type[L]], type[L]]:
    """Class decorator: the decorated loop class serves parts of ``part_class``."""
    def register(loop_class: type[L]) -> type[L]:
        if part_class in MODES:
            raise SimError(f"two delivery modes for {part_class.__name__}: "
                           f"{MODES[part_class].__name__} and {loop_class.__name__}")
        MODES[part_class] = loop_class
        return loop_class
    return register


def loop_class(part) -> type[SupplyLoop]:
    """The loop class of ``part``; :class:`SimError` when its schema class has no mode module."""
    try:
        return MODES[type(part)]
    except KeyError:
        raise SimError(f"no delivery mode is registered for {type(part).__name__}") from None

