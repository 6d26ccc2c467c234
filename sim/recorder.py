"""The recorder: model code appends flat rows per event; ``freeze`` turns them into numpy arrays.

Rows are recorded per event (a stoppage, a trip, a card release, a segment of line cycles), never
per unit or per station, so a simulated year fits comfortably in memory. Clock times are seconds
since day 0, Monday 00:00; ``*_w`` fields are seconds of line working time.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np

STOPPAGE_FIELDS = [("cycle", "i8"), ("start", "f8"), ("end", "f8"), ("start_w", "f8"), ("end_w", "f8"), ("part", "i4")]
BREAKDOWN_FIELDS = [("cycle", "i8"), ("start", "f8"), ("end", "f8"), ("repair_w", "f8")]
TRIP_FIELDS = [
    ("supplier", "i4"), ("part", "i4"), ("truck", "i4"), ("items", "i4"), ("units", "i8"),
    ("first_car", "i8"), ("released", "f8"), ("ready", "f8"), ("depart", "f8"), ("arrive", "f8"),
    ("dock", "f8"), ("unloaded", "f8"), ("returned", "f8"), ("delay_s", "f8"), ("km", "f8"),
    ("due", "f8"), ("lineside", "f8"),  # JIS: when the load was due at the plant (NaN: kanban); when it went line-side
]
RELEASE_FIELDS = [("part", "i4"), ("time", "f8"), ("cycle", "i8"), ("units", "i8")]
SEGMENT_FIELDS = [("cycle", "i8"), ("count", "i8"), ("start_w", "f8"), ("start_t", "f8")]
DOWN_FIELDS = [("supplier", "i4"), ("start", "f8"), ("end", "f8")]
# a rush order: the car (slot entering station 1) it is for, when it was issued, the cycle that needs
# it at the part's station, when it was ready at the supplier and line-side, the express trip's km
# (0 when the sequencing buffer served it) and whether the buffer served it (1) or an express trip (0)
RUSH_FIELDS = [("part", "i4"), ("car", "i8"), ("issued", "f8"), ("need_cycle", "i8"), ("ready", "f8"),
               ("arrive", "f8"), ("km", "f8"), ("from_buffer", "i4")]
ASIDE_FIELDS = [("part", "i4"), ("cycle", "i8"), ("units", "i8")]  # units set aside: their car left


def _freeze(rows: array, fields: list[tuple[str, str]]) -> np.ndarray:
    flat = np.frombuffer(rows, dtype=np.float64).reshape(-1, len(fields)) if len(rows) else np.zeros((0, len(fields)))
    out = np.empty(len(flat), dtype=fields)
    for n, (name, _) in enumerate(fields):
        out[name] = flat[:, n]
    return out


def _rows() -> array:
    return array("d")


@dataclass
class Recorder:
    """Rows of one replication, each table a flat ``array('d')`` that rows extend (8 bytes a field,
    integers exact up to 2**53): a year of trips takes tens of MB, not the hundreds tuples would.
    Fields as in the ``*_FIELDS`` lists above, in order."""

    stoppages: array = field(default_factory=_rows)  # supply stoppages, one row per blocking part
    breakdowns: array = field(default_factory=_rows)  # line breakdowns
    trips: array = field(default_factory=_rows)  # one row per delivered truck load, written when it is line-side
    releases: array = field(default_factory=_rows)  # kanban cards released / JIS racks closed (units)
    segments: list[tuple] = field(default_factory=list)  # runs of cycles started every takt;
    # start_t is the exact clock start of a run's first cycle (see sim.model.line)
    supplier_down: array = field(default_factory=_rows)  # sampled supplier breakdown windows
    rush: array = field(default_factory=_rows)  # rush orders (sequence changes)
    aside: array = field(default_factory=_rows)  # called-off units set aside, per car that left
    initial_stock: list[int] = field(default_factory=list)  # units line-side at t = 0, per part
    sequence: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))  # model of each car

    def freeze(self) -> "Tables":
        return Tables(
            stoppages=_freeze(self.stoppages, STOPPAGE_FIELDS),
            breakdowns=_freeze(self.breakdowns, BREAKDOWN_FIELDS),
            trips=_freeze(self.trips, TRIP_FIELDS),
            releases=_freeze(self.releases, RELEASE_FIELDS),
            segments=np.array(self.segments, dtype=SEGMENT_FIELDS) if self.segments else np.zeros(0, SEGMENT_FIELDS),
            supplier_down=_freeze(self.supplier_down, DOWN_FIELDS),
            rush=_freeze(self.rush, RUSH_FIELDS),
            aside=_freeze(self.aside, ASIDE_FIELDS),
            initial_stock=np.asarray(self.initial_stock, dtype=np.int64),
            sequence=self.sequence,
        )


@dataclass(frozen=True)
class Tables:
    """The frozen event tables of one replication (structured numpy arrays)."""

    stoppages: np.ndarray
    breakdowns: np.ndarray
    trips: np.ndarray
    releases: np.ndarray
    segments: np.ndarray
    supplier_down: np.ndarray
    initial_stock: np.ndarray
    sequence: np.ndarray
    rush: np.ndarray = field(default_factory=lambda: np.zeros(0, RUSH_FIELDS))
    aside: np.ndarray = field(default_factory=lambda: np.zeros(0, ASIDE_FIELDS))

    def cycle_starts_w(self, takt_s: float) -> np.ndarray:
        """Working time (s) at which each started cycle started; the index is the cycle number."""
        seg = self.segments
        if not len(seg):
            return np.zeros(0)
        offsets = np.arange(int(seg["count"].sum())) - np.repeat(seg["cycle"], seg["count"])
        return np.repeat(seg["start_w"], seg["count"]) + offsets * takt_s
