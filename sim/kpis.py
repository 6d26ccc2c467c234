"""The KPI registry: every figure a run reports, once, with its unit, label, scope, bounds and the
direction that is better, and the two ways figures are written as text.

Everything that shows or checks a figure reads it from here: the terminal tables, ``compare``,
``sweep``, ``size`` targets, ``--expect``, the plots and the HTML reports. A new KPI is one entry
below (and the line of :func:`sim.metrics.measure` that computes it).

Scopes: ``run`` figures describe a whole replication; ``part``, ``supplier`` and ``disruption``
figures one row of the per-part, per-supplier and per-disruption tables. A figure that is a total
over the measured window (``summed``) is also shown per day of window, so runs of different length
compare.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# How widely a KPI is shown (lower: more widely). Narrow tables show the PRIMARY ones; comparison
# panels those up to PANEL; comparisons and sweep tables those up to HEADLINE; full tables all.
PRIMARY, PANEL, HEADLINE, DETAIL = 1, 2, 3, 4


@dataclass(frozen=True)
class Kpi:
    """One figure. ``unit`` is what one of it is ("min", "cars", "" for a ratio); ``summed``: a
    total over the measured window (so per day of window is meaningful); ``better``: "lower",
    "higher" or "" (neither); ``low``/``high``: the values it cannot leave (None: unbounded);
    ``scopes``: the tables that report it; ``modes``: for a part figure reported only for some
    delivery modes, those modes."""

    name: str
    label: str
    unit: str
    scopes: frozenset[str]
    summed: bool = False
    better: str = ""
    low: float | None = None
    high: float | None = None
    rank: int = DETAIL
    modes: frozenset[str] | None = None

    @property
    def axis_label(self) -> str:
        """``stoppage [min per run window]``: the label with its unit, as an axis shows it."""
        if not self.unit:
            return self.label
        return f"{self.label} [{self.unit} per run window]" if self.summed else f"{self.label} [{self.unit}]"

    @property
    def per_day_unit(self) -> str:
        """``min/day``: the unit of the figure per day of measured window."""
        return f"{self.unit or 'count'}/day"

    def worse(self, difference: float) -> bool | None:
        """Whether a change by ``difference`` is for the worse (None when neither way is better)."""
        if not self.better or difference == 0:
            return None
        return (difference > 0) == (self.better == "lower")


def _kpi(name, label, unit, scopes, **kw) -> Kpi:
    return Kpi(name, label, unit, frozenset(scopes.split()), **kw)


_NON_NEG = {"low": 0.0}
_RATIO = {"low": 0.0, "high": 1.0}
_JIS_COUNT = {"low": 0.0, "modes": frozenset({"jis"})}  # sequence changes concern JIS parts only
REGISTRY: dict[str, Kpi] = {k.name: k for k in (
    _kpi("cars_built", "cars built", "cars", "run", summed=True, better="higher", rank=PANEL, **_NON_NEG),
    _kpi("cars_planned", "cars planned", "cars", "run", summed=True, **_NON_NEG),
    _kpi("run_ratio", "run ratio (cars built / planned)", "", "run", better="higher", rank=PANEL, **_RATIO),
    _kpi("stoppages", "stoppages", "stops", "run part supplier disruption", summed=True, better="lower",
         rank=HEADLINE, **_NON_NEG),
    _kpi("stoppage_min", "stoppage", "min", "run part supplier disruption", summed=True, better="lower",
         rank=PRIMARY, **_NON_NEG),
    _kpi("supply_availability", "supply availability (supply stops only)", "", "run", better="higher",
         rank=PRIMARY, **_RATIO),
    _kpi("lost_cars", "cars lost to supply stops", "cars", "run", summed=True, better="lower", rank=HEADLINE,
         **_NON_NEG),
    _kpi("breakdown_min", "line breakdown", "min", "run", summed=True, better="lower", rank=HEADLINE, **_NON_NEG),
    _kpi("truck_trips", "truck trips", "trips", "run", summed=True, better="lower", rank=PANEL, **_NON_NEG),
    _kpi("truck_km", "truck-km", "km", "run part supplier", summed=True, better="lower", rank=PRIMARY, **_NON_NEG),
    _kpi("trips", "truck trips", "trips", "part supplier", summed=True, **_NON_NEG),
    _kpi("stock_mean", "mean line-side stock", "units", "part", **_NON_NEG),
    _kpi("stock_peak", "peak line-side stock", "units", "part", **_NON_NEG),
    _kpi("stock_min", "lowest line-side stock", "units", "part", better="higher", **_NON_NEG),
    _kpi("jis_margin_min_p5", "JIS margin, 5th percentile", "min", "part", better="higher",
         modes=frozenset({"jis"})),
    _kpi("jis_margin_min_mean", "JIS margin, mean", "min", "part", better="higher", modes=frozenset({"jis"})),
    _kpi("jis_margin_min_min", "JIS margin, lowest", "min", "part", better="higher", modes=frozenset({"jis"})),
    _kpi("jis_coverage_min", "JIS line-side coverage", "min", "part", better="lower", modes=frozenset({"jis"}),
         **_NON_NEG),
    _kpi("jis_in_window_share", "JIS loads inside their window", "", "part", better="higher",
         modes=frozenset({"jis"}), **_RATIO),
    _kpi("sequence_changes", "sequence changes after the call-off", "cars", "part", summed=True, **_JIS_COUNT),
    _kpi("rush_orders", "rush orders", "orders", "part supplier", summed=True, better="lower", **_JIS_COUNT),
    _kpi("rush_trips", "express trips", "trips", "part supplier", summed=True, better="lower", **_JIS_COUNT),
    _kpi("rush_km", "express truck-km", "km", "part supplier", summed=True, better="lower", **_JIS_COUNT),
    _kpi("units_aside", "units set aside (their car left)", "units", "part supplier", summed=True, **_JIS_COUNT),
    _kpi("rush_stoppage_min", "stoppage for late rush orders", "min", "part supplier", summed=True,
         better="lower", **_JIS_COUNT),
    _kpi("kanban_lead_min_mean", "kanban lead time, mean", "min", "part", better="lower", modes=frozenset({"kanban"})),
)}


def kpi(name: str) -> Kpi:
    """The entry of ``name`` (a bare figure name, or the last part of ``by_part.x.stoppage_min``)."""
    return REGISTRY[name.rpartition(".")[2]]


def names(scope: str = "run", rank: int = DETAIL) -> tuple[str, ...]:
    """The figures of ``scope`` shown at ``rank`` or wider, in registry order."""
    return tuple(k.name for k in REGISTRY.values() if scope in k.scopes and k.rank <= rank)


def entries(scope: str = "run", rank: int = DETAIL) -> Iterator[Kpi]:
    return (REGISTRY[n] for n in names(scope, rank))


def bounds(name: str) -> tuple[float | None, float | None]:
    """(lowest, highest) value a figure can take; None where it is unbounded or unknown."""
    entry = REGISTRY.get(name.rpartition(".")[2])
    return (None, None) if entry is None else (entry.low, entry.high)


# --- figures as text -------------------------------------------------------------------------------

def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _decimals(x: float, significant: int) -> int:
    return min(4, max(0, significant - 1 - math.floor(math.log10(abs(x)))))


def mean_and_ci(mean, ci) -> tuple[str, str]:
    """A mean and its 95 % half-width as text, to the same decimals: those of two significant
    digits of the half-width, or of four of the mean when there is none (0 to 4 decimals,
    thousands separated, whole numbers without decimals); a half-width of exactly 0 is "0". An
    undefined figure (the half-width of a single replication, a mean of nothing) is "–". Every
    table of figures with intervals (terminal, report) goes through this."""
    defined = [_finite(v) for v in (mean, ci)]
    if defined[1] and ci > 0:
        digits = _decimals(ci, 2)
    elif defined[0] and mean != 0 and not float(mean).is_integer():
        digits = _decimals(mean, 4)
    else:
        digits = 0
    text = tuple(f"{v:,.{digits}f}" if ok else "–" for v, ok in zip((mean, ci), defined))
    return text[0], "0" if defined[1] and ci == 0 else text[1]


def plus_minus(mean, ci) -> str:
    """``5.7 ± 0.5`` (see :func:`mean_and_ci`)."""
    return " ± ".join(mean_and_ci(mean, ci))


def number(value) -> str:
    """A single number as a planner reads it, never in scientific notation: 1,710 · 201 · 12.5 ·
    3.42 · 0.415 · 0.00821 (three significant digits below 100, whole numbers with thousands
    separators from 100 up); "–" when undefined. Labels in figures go through this."""
    if value is None or not _finite(value):
        return "–"
    if value == 0:
        return "0"
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    decimals = min(2 - int(math.floor(math.log10(size))), 8)
    return f"{value:,.{decimals}f}"


def check_names(requested: Iterable[str], scope: str = "run") -> list[str]:
    """The names in ``requested`` that are not figures of ``scope``."""
    known = set(names(scope))
    return [n for n in requested if n not in known]
