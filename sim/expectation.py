"""Sweep expectations: ``KPI nondecreasing|nonincreasing in KEY.PATH``, a relation a planner knows
must hold, checked against the finished sweep.

An expectation is parsed and checked against the sweep's KPIs and varied keys before any point
runs, so a typo costs nothing. Neighbouring points along the key (other keys fixed) are compared
replication by replication (common random numbers); noise alone never counts as a violation, a
reversal significant at 95 % does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sim import kpis
from sim.errors import SimError, did_you_mean
from sim.stats import mean_ci
from sim.store import read_summary

KPIS = kpis.names("run")

_FORM = re.compile(r"^\s*(\S+)\s+(nondecreasing|nonincreasing)\s+in\s+(\S+)\s*$")
_EXAMPLE = "'stoppage_min nondecreasing in suppliers.front-seats.distance_km'"


class ExpectationError(SimError):
    """An --expect text that is not a relation between a KPI and a varied key."""


@dataclass(frozen=True)
class Expectation:
    kpi: str
    direction: str  # "nondecreasing" or "nonincreasing"
    axis: str
    text: str

    @classmethod
    def parse(cls, text: str, axes) -> "Expectation":
        """Parse ``text`` and check its KPI is a run KPI and its key one of ``axes``."""
        m = _FORM.match(text)
        if not m:
            raise ExpectationError(f"--expect must look like {_EXAMPLE}, got {text!r}")
        kpi, direction, axis = m.groups()
        if kpi not in KPIS:
            raise ExpectationError(f"--expect {text!r}: {kpi!r} is not a KPI{did_you_mean(kpi, KPIS)}; "
                                   f"KPIs: {', '.join(KPIS)}")
        if axis not in axes:
            raise ExpectationError(f"--expect {text!r}: {axis!r} is not a varied key{did_you_mean(axis, axes)}; "
                                   f"varied: {', '.join(axes)}")
        return cls(kpi, direction, axis, text.strip())

    def violations(self, points: list, folder: Path, axes) -> list[str]:
        """One sentence per pair of neighbouring points (objects with ``key`` and ``values``) whose
        paired difference goes the wrong way with 95 % confidence."""
        per_rep = {p.key: self._per_replication(folder / "points" / p.key) for p in points}
        others = [n for n in axes if n != self.axis]
        lines: dict[tuple, list] = {}
        for p in points:
            lines.setdefault(tuple(p.values[n] for n in others), []).append(p)
        problems = []
        for fixed, pts in lines.items():
            pts = sorted(pts, key=lambda p: p.values[self.axis])
            for a, b in zip(pts, pts[1:]):
                d = mean_ci(per_rep[b.key] - per_rep[a.key])
                rising = self.direction == "nondecreasing"
                if (d["mean"] + d["ci95"] < 0) if rising else (d["mean"] - d["ci95"] > 0):
                    where = ", ".join(f"{n} = {v}" for n, v in zip(others, fixed))
                    problems.append(f"{self.kpi} goes {'down' if rising else 'up'} from {self.axis} = "
                                    f"{a.values[self.axis]} to {b.values[self.axis]}"
                                    + (f" ({where})" if where else "") + f": {d['mean']:+.2f} ± {d['ci95']:.2f}")
        return problems

    def _per_replication(self, run_folder: Path):
        return read_summary(run_folder).values(self.kpi)
