"""The store: a run folder written and read back, and nothing else (no plotting, no statistics).

A run folder holds ``summary.json`` (:class:`~sim.results.RunSummary`), ``manifest.json`` (how the
run was made; written last: a folder without it is not a complete run), ``scenario.yaml`` (the
resolved scenario), three small tables a planner opens in a spreadsheet (``by_supplier.csv``,
``by_part.csv``, ``stoppages.csv``) and the event tables of every replication in Parquet
(``tables/<name>.parquet``, zstd; one row group per replication, written as each replication
finishes, so memory stays flat in the number of replications). The presentation layer adds
``plots/`` and ``report.html``. ``sim export RUN --csv`` writes the event tables as CSV.

Folders are written atomically (:mod:`sim.folders`): a hidden temporary folder renamed into place
when complete.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim import kpis
from sim.errors import ResultsError, ScenarioError
from sim.folders import check_new_folder, check_writable, new_folder, replace_folder, staged
from sim.metrics import EVENT_TABLES, event_digits
from sim.results import Columns, MemoryTables, ReplicationResult, RunSummary, json_ready, stack
from sim.runner import RunResult
from sim.scenario import scenario_from_dict
from sim.scenario.schema import Scenario
from sim.version import __version__

PACKAGES = ("simpy", "numpy", "matplotlib", "pydantic", "pyyaml", "typer", "rich", "pyarrow")
TABLES_DIR = "tables"
SMALL_TABLES = ("by_supplier", "by_part", "stoppages")  # CSV in every run folder
TEXT_COLUMNS = frozenset({"supplier", "part", "disruption", "shift"})
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def scenario_dict(scenario: Scenario) -> dict:
    return scenario.model_dump(mode="json", exclude_none=True)


def scenario_yaml(scenario: Scenario) -> str:
    """The resolved scenario as YAML text (libyaml's emitter when PyYAML has it: the same text, and
    linear in the suppliers where the pure-Python one took minutes for 10,000)."""
    return yaml.dump(scenario_dict(scenario), Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False,
                     allow_unicode=True)


def scenario_hash(scenario: Scenario) -> str:
    canonical = json.dumps(scenario_dict(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def clock_label(t: float) -> str:
    """'d3 Thu 14:05' for clock seconds since day 0, Monday 00:00."""
    if not math.isfinite(t):
        return ""
    day, rest = divmod(int(t), 86_400)
    return f"d{day} {DAYS[day % 7]} {rest // 3600:02d}:{rest % 3600 // 60:02d}"


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=here, capture_output=True,
                               text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def manifest(result: RunResult, argv: list[str] | None = None, detail: bool = True) -> dict:
    """How the run was made: scenario hash, seed, versions, command, and what the folder holds."""
    s = result.scenario
    return {
        "scenario": s.name, "scenario_hash": scenario_hash(s), "sim_version": __version__,
        "git_commit": _git_commit(), "seed": s.seed, "replications": s.replications,
        "horizon_days": s.horizon.days, "warmup_days": s.horizon.warmup_days,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "wall_s": round(result.wall_s, 3), "simpy_events": result.events, "workers": result.workers,
        "event_tables": list(EVENT_TABLES) if detail else [],
        "command": argv if argv is not None else sys.argv, "platform": platform.platform(),
        "packages": _versions(),
    }


# --- writing -------------------------------------------------------------------------------------------

def _arrow(columns: Columns, replication: int | None = None) -> pa.Table:
    """Columns as an Arrow table (numbers as they are: event tables come rounded, see
    :func:`sim.metrics.event_digits`); text as dictionary-encoded strings (a few names, repeated)."""
    arrays = {}
    if replication is not None:
        n = len(next(iter(columns.values()))) if columns else 0
        arrays["replication"] = pa.array(np.full(n, replication, dtype=np.int32))
    for name, values in columns.items():
        if name in TEXT_COLUMNS:
            arrays[name] = pa.array(np.asarray(values, dtype=object).tolist(), type=pa.string()).dictionary_encode()
        else:
            arrays[name] = pa.array(np.asarray(values))
    return pa.table(arrays)


class TableWriter:
    """Appends each replication's event tables to ``tables/<name>.parquet`` as it arrives (one row
    group per replication and table; replications must come in order, as the runner hands them)."""

    def __init__(self, folder: Path, names: Iterable[str] = tuple(EVENT_TABLES)):
        self.folder, self.names = Path(folder) / TABLES_DIR, tuple(names)
        self._writers: dict[str, pq.ParquetWriter] = {}
        self.written: list[int] = []

    def add(self, replication: int, tables: dict[str, Columns] | None) -> None:
        if tables is None:
            raise ValueError(f"replication {replication} has no event tables to store")
        self.folder.mkdir(exist_ok=True)
        for name in self.names:
            table = _arrow(tables[name], replication)
            writer = self._writers.get(name)
            if writer is None:
                writer = pq.ParquetWriter(self.folder / f"{name}.parquet", table.schema, compression="zstd",
                                          compression_level=9, use_dictionary=_texts(table.schema))
                self._writers[name] = writer
            writer.write_table(table.cast(writer.schema), row_group_size=max(table.num_rows, 1))
        self.written.append(replication)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()


def _texts(schema: pa.Schema) -> list[str]:
    """The columns worth a Parquet dictionary: names (numbers compress better without one)."""
    return [f.name for f in schema if pa.types.is_dictionary(f.type)]


def _rounded(values, digits: int | None) -> list:
    """A CSV column: numbers rounded to ``digits``, NaN and infinity as empty cells."""
    arr = np.asarray(values)
    if digits is None or arr.dtype.kind not in "fc":
        return arr.tolist()
    rounded = np.round(arr.astype(float), digits)
    return [x if math.isfinite(x) else "" for x in rounded.tolist()]


def _write_csv(path: Path, columns: dict[str, list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(list(columns))
        writer.writerows(zip(*columns.values()))


# Decimals of each column in CSV (seconds to 0.1 s, minutes to 0.001 min); unlisted: as they are.
CSV_DIGITS = {"km": 3, "planned": 2}  # and event_digits: seconds to 0.1 s, minutes to 0.001 min
CLOCK_OF = {"start_s": "start", "depart_s": "depart"}  # a readable clock column for these
WHOLE = frozenset({"replication", "station", "truck", "items", "units", "cycle", "built", "stock_before",
                   "stock_after"})  # whole numbers, an empty cell where unknown


def csv_columns(table: Columns) -> dict[str, list]:
    """An event table as CSV columns: rounded (:data:`CSV_DIGITS`, :func:`sim.metrics.event_digits`),
    whole numbers as whole numbers (an empty cell where unknown, as stock after the window's end),
    and a readable clock time ("d3 Thu 14:05") for ``start_s`` (after ``end_s``, where the table
    has one) and ``depart_s``."""
    out: dict[str, list] = {}
    labels = {source: [clock_label(t) for t in np.asarray(table[source], dtype=float).tolist()]
              for source in CLOCK_OF if source in table}
    for name, values in table.items():
        arr = np.asarray(values)
        if name in WHOLE:
            out[name] = [int(x) if math.isfinite(x) else "" for x in arr.astype(float).tolist()]
        else:
            out[name] = _rounded(arr, CSV_DIGITS.get(name, event_digits(name)))
        for source, label in CLOCK_OF.items():
            after = "end_s" if source == "start_s" and "end_s" in table else source
            if name == after and source in labels:
                out[label] = labels[source]
    return out


def figure_rows(summary: RunSummary, table: str) -> dict[str, list]:
    """``by_supplier.csv`` / ``by_part.csv``: a row per supplier or part, its labels, and each
    figure's mean over replications and 95 % half-width (empty where undefined)."""
    scope = table.removeprefix("by_")
    rows = summary.table(table)
    figures = [k for k in kpis.names(scope) if any(k in r.figures for r in rows.values())]
    out: dict[str, list] = {scope: list(rows)}
    for label in ("supplier", "mode", "station"):
        if any(label in r.labels for r in rows.values()):
            out[label] = [r.labels.get(label, "") for r in rows.values()]
    for k in figures:
        stats = [r.figures.get(k) for r in rows.values()]
        out[k] = _rounded([s.mean if s else math.nan for s in stats], 4)
        out[f"{k}_ci95"] = _rounded([s.ci95 if s else math.nan for s in stats], 4)
    return out


def write_summary(folder: Path, result: RunResult, stoppages: Columns) -> None:
    """``scenario.yaml``, ``summary.json`` and the small CSV tables (``stoppages``: the stoppage
    rows of every replication, with a ``replication`` column)."""
    (folder / "scenario.yaml").write_text(scenario_yaml(result.scenario), encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps(result.summary.to_json(), indent=1, allow_nan=False),
                                         encoding="utf-8")
    for table in ("by_supplier", "by_part"):
        _write_csv(folder / f"{table}.csv", figure_rows(result.summary, table))
    _write_csv(folder / "stoppages.csv", csv_columns(stoppages))


def write_manifest(folder: Path, facts: dict) -> None:
    """The manifest, last: it marks the folder complete."""
    (folder / "manifest.json").write_text(json.dumps(json_ready(facts), indent=1, allow_nan=False), encoding="utf-8")


class StoppageRows:
    """Collects the stoppage rows of every replication as they come (they make ``stoppages.csv``;
    a few per replication, unlike the other event tables)."""

    def __init__(self):
        self.parts: list[tuple[int, Columns]] = []

    def add(self, replication: int, tables: dict[str, Columns] | None) -> None:
        if tables is not None:
            self.parts.append((replication, tables["stoppages"]))

    def columns(self) -> Columns:
        return stack(self.parts) if self.parts else stack([(0, _empty_stoppages())])


def _empty_stoppages() -> Columns:
    return {"start_s": np.zeros(0), "end_s": np.zeros(0), "minutes": np.zeros(0), "station": np.zeros(0, np.int64),
            "part": np.zeros(0, object), "supplier": np.zeros(0, object), "disruption": np.zeros(0, object)}


def new_run_id(scenario: Scenario) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{scenario_hash(scenario)[:6]}-s{scenario.seed}"


def check_target(scenario: Scenario, out: str | Path | None = None, root: str | Path = "results") -> None:
    """Raise ResultsError now, before anything is simulated, unless the run folder can be written:
    ``out`` must not exist, and its parent (or ``<root>/<scenario>``) must be a writable folder."""
    if out is not None:
        check_new_folder(out)
    else:
        check_writable(Path(root) / scenario.name)



class RunSink:
    """A run folder being written (see :func:`writing_run`): hand it each replication as it
    finishes (:meth:`add`), then the finished run (:meth:`finish`), then :meth:`seal` it."""

    def __init__(self, folder: Path, scenario: Scenario, detail: bool):
        self.folder, self.scenario, self.detail = folder, scenario, detail
        self.writer = TableWriter(folder) if detail else None
        self.stoppages = StoppageRows()
        self.facts: dict | None = None
        self.final: Path | None = None  # the folder's name once complete

    def add(self, rep: ReplicationResult) -> None:
        """One finished replication (the runner's ``on_replication``)."""
        self.add_tables(rep.replication, rep.tables)

    def add_tables(self, replication: int, tables: dict[str, Columns] | None) -> None:
        if self.writer is not None:
            self.writer.add(replication, tables)
        self.stoppages.add(replication, tables)

    def finish(self, result: RunResult, argv: list[str] | None = None) -> "RunRecord":
        """Write everything but the manifest; returns the run as its folder will record it (its
        event tables read from memory where the result still holds them, else from the folder)."""
        if self.writer is not None:
            self.writer.close()
        write_summary(self.folder, result, self.stoppages.columns())
        self.facts = manifest(result, argv, self.detail)
        return RunRecord(self.folder, result.scenario, result.summary, self.facts,
                         StoredTables(self.folder, result.tables))

    def seal(self) -> None:
        if self.facts is None:
            raise RuntimeError("finish() the run before sealing its folder")
        write_manifest(self.folder, self.facts)


@contextmanager
def writing_run(scenario: Scenario, out: str | Path | None = None, root: str | Path = "results",
                detail: bool = True) -> Iterator[RunSink]:
    """Write a run folder atomically: ``out`` (which must not exist) or a new
    ``<root>/<scenario>/<run-id>`` (``-2``, ``-3``... when identical runs finish in the same
    second). Made before the run starts, so each replication can be written as it finishes; on any
    failure or Ctrl-C nothing is left. ``detail``: keep the Parquet event tables (a sweep point
    keeps only the summary and the small tables). ``sink.final`` names the folder afterwards."""
    final = Path(out) if out is not None else Path(root) / scenario.name / new_run_id(scenario)
    folder = new_folder(final, unique=out is None)
    with folder as tmp:
        sink = RunSink(tmp, scenario, detail)
        try:
            yield sink
        finally:
            if sink.writer is not None:
                sink.writer.close()
        if sink.facts is None:
            raise RuntimeError("a run folder was left without its run")
    sink.final = folder.final


def write_run(result: RunResult, out: str | Path | None = None, root: str | Path = "results",
              argv: list[str] | None = None, detail: bool = True) -> Path:
    """Write the run folder of a finished run whose event tables are all in memory (``sim.run``);
    no plots. Returns the folder."""
    with writing_run(result.scenario, out, root, detail) as sink:
        for r in result.tables.seen:
            sink.add_tables(r, result.tables.tables_of(r))
        sink.finish(result, argv)
        sink.seal()
    return sink.final



# --- reading ---------------------------------------------------------------------------------------------

def read_summary(folder: str | Path) -> RunSummary:
    """The summary of a complete run folder."""
    return read_run(folder)[0]


def read_run(folder: str | Path) -> tuple[RunSummary, dict]:
    """(summary, manifest) of a complete run folder."""
    folder = Path(folder)
    if not (folder / "manifest.json").is_file() or not (folder / "summary.json").is_file():
        raise ResultsError(f"{folder} is not a complete sim run folder (no manifest.json or summary.json)")
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        facts = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsError(f"{folder}: unreadable summary.json or manifest.json ({exc})") from None
    try:
        return RunSummary.from_json(summary), facts
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ResultsError(f"{folder}: summary.json is not a sim summary ({type(exc).__name__}: {exc})") from None


def read_scenario(folder: Path) -> Scenario:
    try:
        data = yaml.load((folder / "scenario.yaml").read_text(encoding="utf-8"),
                         Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when there
        return scenario_from_dict(data, str(folder / "scenario.yaml"))
    except (OSError, yaml.YAMLError, ScenarioError) as exc:
        raise ResultsError(f"{folder}: unreadable scenario.yaml ({exc})") from None


class StoredTables:
    """The event tables of a run folder (``tables/*.parquet``), read column by column as asked;
    replications held in ``memory`` (the run just simulated) are taken from there instead."""

    def __init__(self, folder: Path, memory: MemoryTables | None = None):
        self.folder, self.memory = Path(folder), memory

    def path(self, table: str) -> Path:
        return self.folder / TABLES_DIR / f"{table}.parquet"

    def columns(self, table: str, replication: int | None = None, names: Iterable[str] | None = None) -> Columns:
        """One replication's rows, or (``None``) every replication's, with a ``replication``
        column first; text as object arrays, numbers as numpy arrays (NaN where undefined).
        ``names``: only these columns (a pooled plot reads two columns, not the whole table)."""
        if self.memory is not None and replication is not None and self.memory.holds(replication):
            return self.memory.columns(table, replication, names)
        path = self.path(table)
        if not path.is_file():
            if (self.folder / "deliveries.csv").is_file():
                raise ResultsError(f"{self.folder} was written by an earlier sim (event tables as CSV, not "
                                   f"{TABLES_DIR}/*.parquet); run its scenario.yaml again with sim run")
            raise ResultsError(f"{self.folder} has no event table {table!r} (a sweep point keeps them only with "
                               "--detail; run the scenario with sim run to have them)")
        try:
            filters = None if replication is None else [("replication", "=", replication)]
            wanted = None if names is None else ["replication", *(n for n in names if n != "replication")]
            arrow = pq.read_table(path, columns=wanted, filters=filters)
        except (OSError, pa.ArrowException) as exc:
            raise ResultsError(f"{path}: unreadable Parquet table ({exc})") from None
        return _numpy(arrow)


def _numpy(table: pa.Table) -> Columns:
    out = {}
    for name in table.column_names:
        column = table.column(name)
        if name in TEXT_COLUMNS:
            out[name] = _texts_of(column)
        else:
            out[name] = column.to_numpy()
    return out


def _texts_of(column: pa.ChunkedArray) -> np.ndarray:
    """A text column as an object array that shares one str per distinct name (a year of trips
    names a few dozen parts hundreds of thousands of times)."""
    parts = []
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            words = np.array(chunk.dictionary.to_pylist(), dtype=object)
            parts.append(words[chunk.indices.to_numpy(zero_copy_only=False)])
        else:
            parts.append(np.array(chunk.to_pylist(), dtype=object))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=object)


@dataclass(frozen=True)
class RunRecord:
    """A run as its folder records it: scenario, summary, manifest and event tables (the folder of
    a run just simulated, with its tables partly still in memory, reads the same)."""

    folder: Path
    scenario: Scenario
    summary: RunSummary
    manifest: dict
    tables: StoredTables

    @classmethod
    def open(cls, folder: str | Path) -> "RunRecord":
        """A complete run folder."""
        folder = Path(folder)
        summary, facts = read_run(folder)
        return cls(folder, read_scenario(folder), summary, facts, StoredTables(folder))

    @property
    def has_event_tables(self) -> bool:
        """Whether the run kept its event tables (a sweep point does only with ``--detail``)."""
        return self.tables.path("deliveries").is_file() or (
            self.tables.memory is not None and self.tables.memory.holds(0))

    def columns(self, table: str, replication: int | None = None, names: Iterable[str] | None = None) -> Columns:
        """See :meth:`StoredTables.columns`."""
        return self.tables.columns(table, replication, names)


def export_csv(folder: str | Path, out: str | Path | None = None) -> tuple[Path, list[Path]]:
    """``sim export RUN --csv``: every event table of a run folder as CSV (rounded as
    :data:`CSV_DIGITS`, with readable clock times), into ``out`` (a new folder) or the run folder's
    ``csv/`` (replaced whole). Written atomically; returns (folder, files)."""
    run = RunRecord.open(folder)
    missing = [t for t in EVENT_TABLES if not run.tables.path(t).is_file()]
    if missing:
        raise ResultsError(f"{run.folder} holds no event tables ({', '.join(missing)} missing): a sweep point "
                           "keeps them only with --detail")

    def write(dest: Path) -> list[str]:
        dest.mkdir(exist_ok=True)
        for t in EVENT_TABLES:
            _write_csv(dest / f"{t}.csv", csv_columns(run.columns(t)))
        return [f"{t}.csv" for t in EVENT_TABLES]

    if out is not None:
        with new_folder(out) as tmp:
            names = write(tmp)
        return Path(out), [Path(out) / n for n in names]
    check_writable(run.folder)
    with staged(run.folder, "csv") as tmp:
        names = write(tmp / "csv")
        replace_folder(tmp / "csv", run.folder / "csv")
    return run.folder / "csv", [run.folder / "csv" / n for n in names]
