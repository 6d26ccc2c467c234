"""What a supply loop needs to know of its plant: plain holders built once by ``plant.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sim.calendar import WorkTime
from sim.disruptions import Roads
from sim.model.line import Line
from sim.model.pool import Pool
from sim.model.usage import UsageProfile
from sim.recorder import Recorder
from sim.streams import LognormalFactor


class Orders(Protocol):
    """What a supply loop hands its loads to: its part's shipper (:class:`sim.model.fleet.Shipper`)."""

    def add(self, ready: float, item: int, released: float, urgent: bool = False) -> None:
        """A load (``item``: rack or card) ready at the supplier at ``ready``, needed since ``released``."""


@dataclass
class SupplierContext:
    """A supplier's fleet, roads and up-time (seconds, km)."""

    index: int
    name: str
    up: WorkTime  # production and dispatch time: calendar minus down windows
    fleet: Pool
    roads: Roads
    travel: LognormalFactor
    one_way_s: float
    one_way_km: float
    load_s: float
    unload_s: float
    trips: int = 0  # trips dispatched so far


@dataclass
class PartContext:
    """One part's view of the line and its supplier."""

    index: int
    line: Line
    rec: Recorder
    profile: UsageProfile
    offset: int  # the car at the part's station during cycle c is c + offset
    line_stations: int
    takt_s: float
    supplier: SupplierContext
    shipper: Orders | None = None
    changes: object = None  # the replication's sequence changes (sim.model.sequence.ChangeEvents), if any
