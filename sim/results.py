"""Typed results: what one replication measured, and a run's summary over its replications.

Computed once, by :mod:`sim.metrics`, and only written (``to_json``) and read back (``from_json``)
by :mod:`sim.store`; compare, sweep, size, the plots and the reports read these objects, never a
JSON document. Figure names are those of the KPI registry (:mod:`sim.kpis`); a figure of one part
or supplier is addressed as ``by_part.NAME.FIGURE`` / ``by_supplier.NAME.FIGURE``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from sim import kpis
from sim.stats import mean_ci

TABLES = ("by_part", "by_supplier", "by_disruption")
LABELS = ("supplier", "mode", "station")  # the descriptive fields of a part's row


@dataclass(frozen=True)
class Stat:
    """A figure over replications: mean and the half-width of its 95 % interval (NaN when
    undefined: one replication, or no value), of ``n`` replications that had one."""

    mean: float
    ci95: float
    n: int

    @classmethod
    def of(cls, values) -> "Stat":
        s = mean_ci(values)
        return cls(s["mean"], s["ci95"], s["n"])

    @classmethod
    def from_json(cls, doc: Mapping) -> "Stat":
        return cls(_float(doc.get("mean")), _float(doc.get("ci95")), int(doc.get("n") or 0))

    def to_json(self) -> dict:
        return {"mean": self.mean, "ci95": self.ci95, "n": self.n}

    @property
    def defined(self) -> bool:
        return math.isfinite(self.mean)


def _float(v) -> float:
    return math.nan if v is None else float(v)


@dataclass(frozen=True)
class Row:
    """One part, supplier or disruption: its labels (a part's supplier, mode and station) and its
    figures (numbers in a replication, :class:`Stat` in a summary)."""

    labels: dict[str, str | int]
    figures: dict

    def __getitem__(self, figure: str):
        return self.figures[figure]

    def get(self, figure: str, default=None):
        return self.figures.get(figure, default)

    def to_json(self) -> dict:
        return {**self.labels, **{k: (v.to_json() if isinstance(v, Stat) else v) for k, v in self.figures.items()}}


def _row_from_json(doc: Mapping, stats: bool) -> Row:
    labels = {k: v for k, v in doc.items() if k in LABELS}
    figures = {k: (Stat.from_json(v) if stats else _float(v)) for k, v in doc.items() if k not in LABELS}
    return Row(labels, figures)


@dataclass(frozen=True)
class ReplicationMetrics:
    """Every figure of one replication: run KPIs, and the rows by part, supplier and disruption."""

    replication: int
    kpis: dict[str, float]
    by_part: dict[str, Row]
    by_supplier: dict[str, Row]
    by_disruption: dict[str, Row]

    def table(self, name: str) -> dict[str, Row]:
        return getattr(self, _table_name(name))

    def value(self, path: str) -> float:
        """A figure by its path: ``stoppage_min`` or ``by_supplier.seats.stoppage_min``; 0 for a
        row this replication does not have (a disruption that stopped nothing), NaN for a figure the
        row does not report."""
        if "." not in path:
            return self.kpis[path]
        table, name, figure = split_path(path)
        row = self.table(table).get(name)
        return 0.0 if row is None else row.get(figure, math.nan)

    def to_json(self) -> dict:
        return {"replication": self.replication, "kpis": dict(self.kpis),
                **{t: {name: row.to_json() for name, row in self.table(t).items()} for t in TABLES}}

    @classmethod
    def from_json(cls, doc: Mapping, replication: int) -> "ReplicationMetrics":
        return cls(int(doc.get("replication", replication)), {k: _float(v) for k, v in doc["kpis"].items()},
                   *({n: _row_from_json(r, False) for n, r in doc.get(t, {}).items()} for t in TABLES))


def _table_name(name: str) -> str:
    if name not in TABLES:
        raise KeyError(f"no table {name!r}: one of {', '.join(TABLES)}")
    return name


def split_path(path: str) -> tuple[str, str, str]:
    """``by_part.front-seats.stoppage_min`` -> (table, row name, figure); names may hold dots."""
    table, _, rest = path.partition(".")
    name, _, figure = rest.rpartition(".")
    return table, name, figure


@dataclass(frozen=True)
class RunSummary:
    """A run over its replications: each figure's mean and 95 % interval, and every replication's
    own figures (what paired comparisons and expectations need)."""

    scenario: str
    replications: int
    seed: int
    window_days: tuple[float, float]  # (warm-up end, horizon end): the measured window
    kpis: dict[str, Stat]
    by_part: dict[str, Row]
    by_supplier: dict[str, Row]
    by_disruption: dict[str, Row]
    per_replication: tuple[ReplicationMetrics, ...] = field(default=())

    @classmethod
    def of(cls, scenario, per_rep: list[ReplicationMetrics]) -> "RunSummary":
        """Mean and 95 % CI across replications of every KPI and every part/supplier/disruption
        figure (a disruption that stopped nothing in a replication counts 0 there)."""
        def over(get):
            return Stat.of([get(r) for r in per_rep])

        run_kpis = {k: over(lambda r, k=k: r.kpis[k]) for k in kpis.names("run")}
        tables = {}
        for table in ("by_part", "by_supplier"):
            scope = table.removeprefix("by_")
            tables[table] = {}
            for name, first in per_rep[0].table(table).items():
                figures = {k: over(lambda r, k=k, name=name: r.table(table)[name][k])
                           for k in kpis.names(scope) if k in first.figures}
                tables[table][name] = Row(dict(first.labels), figures)
        labels = sorted({label for r in per_rep for label in r.by_disruption})
        tables["by_disruption"] = {
            label: Row({}, {k: over(lambda r, k=k, label=label: r.value(f"by_disruption.{label}.{k}"))
                            for k in kpis.names("disruption")})
            for label in labels
        }
        h = scenario.horizon
        return cls(scenario.name, scenario.replications, scenario.seed, (h.warmup_days, h.days), run_kpis,
                   tables["by_part"], tables["by_supplier"], tables["by_disruption"], tuple(per_rep))

    @property
    def days(self) -> float:
        """Length of the measured window, days."""
        return self.window_days[1] - self.window_days[0]

    def table(self, name: str) -> dict[str, Row]:
        return getattr(self, _table_name(name))

    def stat(self, path: str) -> Stat:
        """A figure's :class:`Stat` by its path (see :meth:`ReplicationMetrics.value`); KeyError
        when the run has no such figure."""
        if "." not in path:
            return self.kpis[path]
        table, name, figure = split_path(path)
        return self.table(table)[name][figure]

    def values(self, path: str, per_day: bool = False) -> np.ndarray:
        """One figure per replication (per day of window with ``per_day``)."""
        x = np.array([r.value(path) for r in self.per_replication], dtype=float)
        return x / self.days if per_day else x

    def to_json(self) -> dict:
        """The ``summary.json`` document (NaN and infinity as null)."""
        return json_ready({
            "scenario": self.scenario, "replications": self.replications, "seed": self.seed,
            "window_days": list(self.window_days), "kpis": {k: s.to_json() for k, s in self.kpis.items()},
            **{t: {name: row.to_json() for name, row in self.table(t).items()} for t in TABLES},
            "per_replication": [r.to_json() for r in self.per_replication],
        })

    @classmethod
    def from_json(cls, doc: dict) -> "RunSummary":
        """A ``summary.json`` document, also one written before ``availability`` became
        ``supply_availability`` and ``run_ratio`` was added."""
        doc = _upgrade(doc)
        reps = tuple(ReplicationMetrics.from_json(r, i) for i, r in enumerate(doc.get("per_replication", [])))
        window = doc.get("window_days") or [0.0, 0.0]
        return cls(doc.get("scenario", ""), int(doc.get("replications") or len(reps)), int(doc.get("seed") or 0),
                   (float(window[0]), float(window[1])), {k: Stat.from_json(v) for k, v in doc["kpis"].items()},
                   *({n: _row_from_json(r, True) for n, r in doc.get(t, {}).items()} for t in TABLES), reps)


def _upgrade(summary: dict) -> dict:
    """A summary.json written before ``availability`` became ``supply_availability`` and
    ``run_ratio`` was added, brought up to date in place."""
    reps = summary.get("per_replication", [])
    for k in [summary.get("kpis", {})] + [r.get("kpis", {}) for r in reps]:
        if "availability" in k:
            k["supply_availability"] = k.pop("availability")
    if reps and "run_ratio" not in summary.get("kpis", {"run_ratio": None}):
        for r in reps:
            k = r["kpis"]
            k["run_ratio"] = k["cars_built"] / k["cars_planned"] if k["cars_planned"] else None
        summary["kpis"]["run_ratio"] = mean_ci([r["kpis"]["run_ratio"] for r in reps])
    return summary


def json_ready(x):
    """``x`` with NaN and infinity as None and numpy scalars as Python numbers (strict JSON)."""
    if isinstance(x, dict):
        return {k: json_ready(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_ready(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, np.generic):
        return json_ready(x.item())
    return x


@dataclass(frozen=True)
class ReplicationResult:
    """What a worker hands back of one replication: its figures, its event tables (name ->
    columns, see :data:`sim.metrics.EVENT_TABLES`; None when not asked for) and its SimPy event count."""

    replication: int
    metrics: ReplicationMetrics
    tables: dict[str, dict[str, np.ndarray]] | None
    events: int


Columns = dict[str, np.ndarray]


def stack(parts: list[tuple[int, Columns]]) -> Columns:
    """Tables of several replications as one, with a ``replication`` column first."""
    parts = [(r, t) for r, t in parts if t]
    if not parts:
        return {"replication": np.zeros(0, dtype=np.int64)}
    names = list(parts[0][1])
    out = {"replication": np.concatenate([np.full(len(next(iter(t.values()))), r, dtype=np.int64) for r, t in parts])}
    for name in names:
        out[name] = np.concatenate([t[name] for _, t in parts])
    return out


class MemoryTables:
    """The event tables of a run's replications that are held in memory (see
    :func:`sim.runner.run`'s ``keep``), read as :meth:`columns`, like a run folder's."""

    def __init__(self):
        self.seen: list[int] = []  # every replication handed in, in order, kept or not
        self._held: dict[int, dict[str, Columns]] = {}

    def add(self, replication: int, tables: dict[str, Columns] | None) -> None:
        self.seen.append(replication)
        if tables is not None:
            self._held[replication] = tables

    def holds(self, replication: int) -> bool:
        return replication in self._held

    def tables_of(self, replication: int) -> dict[str, Columns] | None:
        """Every event table of one replication, None when it is not held."""
        return self._held.get(replication)

    def columns(self, table: str, replication: int | None = None, names=None) -> Columns:
        """The rows of one replication, or (``None``) of all of them, with a ``replication``
        column first (``names``: only those columns); LookupError when a replication asked for is not held."""
        wanted = self.seen if replication is None else [replication]
        missing = [r for r in wanted if r not in self._held]
        if missing:
            raise LookupError(f"the event tables of replication {missing[0]} are not in memory")
        pick = (lambda t: t) if names is None else (lambda t: {n: t[n] for n in names if n != "replication"})
        return stack([(r, pick(self._held[r][table])) for r in wanted])
