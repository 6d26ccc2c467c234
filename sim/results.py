"""Run folders: written atomically (a hidden temporary folder renamed into place when complete),
and read back by ``plot``, ``compare`` and ``sweep`` without re-running anything.

A run folder holds ``summary.json``, ``manifest.json``, ``scenario.yaml`` (resolved), the event tables
``stoppages.csv``, ``deliveries.csv``, ``stock.csv``, ``breakdowns.csv``, ``shifts.csv``,
``downtime.csv``, ``plots/`` and ``report.html``. A folder
without ``manifest.json`` is not a complete run.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
import yaml

from sim.errors import ResultsError
from sim.folders import check_new_folder, check_writable, new_folder
from sim.metrics import (Frame, PerPart, cycle_times, jis_margins, shift_table, stock_steps, stoppage_table,
                         upgrade_summary)
from sim.runner import RunResult
from sim.scenario.schema import JisPart, Scenario

PACKAGES = ("simpy", "numpy", "matplotlib", "pydantic", "pyyaml", "typer", "rich")
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


def manifest(result: RunResult, argv: list[str] | None = None) -> dict:
    from sim import __version__
    s = result.scenario
    return {
        "scenario": s.name, "scenario_hash": scenario_hash(s), "sim_version": __version__,
        "git_commit": _git_commit(), "seed": s.seed, "replications": s.replications,
        "horizon_days": s.horizon.days, "warmup_days": s.horizon.warmup_days,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "wall_s": round(result.wall_s, 3), "simpy_events": result.events, "workers": result.meta.get("workers"),
        "command": argv if argv is not None else sys.argv, "platform": platform.platform(),
        "packages": _versions(),
    }


def _column(values, digits: int | None = None) -> list:
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


def _stack(parts: list[dict[str, np.ndarray]], names: list[str]) -> dict[str, np.ndarray]:
    return {n: np.concatenate([p[n] for p in parts]) if parts else np.zeros(0) for n in names}


def _labels(times) -> list[str]:
    return [clock_label(t) for t in np.asarray(times, dtype=float).tolist()]


def stoppage_columns(result: RunResult) -> dict[str, list]:
    frame, names = Frame.of(result.scenario), ["start", "end", "minutes", "station", "part", "supplier", "disruption"]
    parts = []
    for rep in result.replications:
        st = stoppage_table(frame, rep.tables)
        parts.append({"replication": np.full(len(st["minutes"]), rep.replication), **{n: st[n] for n in names}})
    t = _stack(parts, ["replication", *names])
    return {"replication": _column(t["replication"]), "start_s": _column(t["start"], 1), "end_s": _column(t["end"], 1),
            "start": _labels(t["start"]), "minutes": _column(t["minutes"], 3), "station": _column(t["station"]),
            "part": _column(t["part"]), "supplier": _column(t["supplier"]), "disruption": _column(t["disruption"])}


def delivery_columns(result: RunResult) -> dict[str, list]:
    s = result.scenario
    frame = Frame.of(s)
    supplier_names = np.array([x.name for x in s.suppliers], dtype=object)
    part_names = np.array([p.name for _, p in frame.parts], dtype=object)
    kanban = np.array([p.mode == "kanban" for _, p in frame.parts])
    parts = []
    for rep in result.replications:
        trips = rep.tables.trips
        starts, _ = cycle_times(frame, rep.tables)
        stops = stoppage_table(frame, rep.tables)
        margin = np.full(len(trips), np.nan)
        by_part, held = PerPart(trips["part"], len(frame.parts)), PerPart(stops["part_index"], len(frame.parts))
        for p, (_, part) in enumerate(frame.parts):
            if isinstance(part, JisPart):
                rows = by_part[p]
                mine = rows[trips["unloaded"][rows] >= frame.start]
                margin[mine] = jis_margins(frame, rep.tables, p, starts, stops, trips[rows], held[p])
        lead = np.where(kanban[trips["part"]], (trips["unloaded"] - trips["released"]) / 60.0, np.nan)
        parts.append({"replication": np.full(len(trips), rep.replication), "margin": margin, "lead": lead,
                      **{n: trips[n] for n in trips.dtype.names}})
    t = _stack(parts, ["replication", "margin", "lead", *rep.tables.trips.dtype.names]) if parts else {}
    return {
        "replication": _column(t["replication"]), "supplier": _column(supplier_names[t["supplier"]]),
        "part": _column(part_names[t["part"]]), "truck": _column(t["truck"]), "items": _column(t["items"]),
        "units": _column(t["units"]), "released_s": _column(t["released"], 1), "ready_s": _column(t["ready"], 1),
        "depart_s": _column(t["depart"], 1), "depart": _labels(t["depart"]), "arrive_s": _column(t["arrive"], 1),
        "dock_s": _column(t["dock"], 1), "dock_wait_min": _column((t["dock"] - t["arrive"]) / 60.0, 3),
        "unloaded_s": _column(t["unloaded"], 1),
        "returned_s": _column(t["returned"], 1), "delay_min": _column(t["delay_s"] / 60.0, 3),
        "km": _column(t["km"], 3), "jis_margin_min": _column(t["margin"], 3), "kanban_lead_min": _column(t["lead"], 3),
    }


def stock_columns(result: RunResult) -> dict[str, list]:
    """Line-side units of each part just before and just after each delivery: the low and high
    points of the sawtooth (between deliveries stock falls car by car at takt)."""
    frame = Frame.of(result.scenario)
    parts = []
    for rep in result.replications:
        starts, _ = cycle_times(frame, rep.tables)
        by_part = PerPart(rep.tables.trips["part"], len(frame.parts))
        for p in range(len(frame.parts)):
            trips = rep.tables.trips[by_part[p]]
            _, level, at = stock_steps(frame, rep.tables, p, starts, trips)
            inside = trips["unloaded"] <= frame.end
            trips, after = trips[inside], level[at[inside]]  # the level right after this delivery
            parts.append({"replication": np.full(len(trips), rep.replication), "part": np.full(len(trips), p),
                          "time": trips["unloaded"], "before": after - trips["units"], "after": after})
    t = _stack(parts, ["replication", "part", "time", "before", "after"])
    order = np.lexsort((t["time"], t["replication"]))
    names = np.array([p.name for _, p in frame.parts], dtype=object)
    return {"replication": _column(t["replication"][order]), "part": _column(names[t["part"][order].astype(int)]),
            "time_s": _column(t["time"][order], 1), "before": _column(t["before"][order]),
            "after": _column(t["after"][order])}


def breakdown_columns(result: RunResult) -> dict[str, list]:
    parts = [{"replication": np.full(len(r.tables.breakdowns), r.replication),
              **{n: r.tables.breakdowns[n] for n in ("cycle", "start", "end", "repair_w")}} for r in result.replications]
    t = _stack(parts, ["replication", "cycle", "start", "end", "repair_w"])
    return {"replication": _column(t["replication"]), "cycle": _column(t["cycle"]), "start_s": _column(t["start"], 1),
            "end_s": _column(t["end"], 1), "start": _labels(t["start"]), "repair_min": _column(t["repair_w"] / 60.0, 3)}


def shift_columns(result: RunResult) -> dict[str, list]:
    """Cars planned and built per shift and replication (the window's first and last shifts cut)."""
    frame = Frame.of(result.scenario)
    parts = []
    for rep in result.replications:
        _, ends = cycle_times(frame, rep.tables)
        table = shift_table(frame, ends)
        parts.append({"replication": np.full(len(table["start"]), rep.replication), **table})
    t = _stack(parts, ["replication", "shift", "start", "end", "planned", "built"])
    return {"replication": _column(t["replication"]), "shift": _column(t["shift"]), "start_s": _column(t["start"], 1),
            "end_s": _column(t["end"], 1), "start": _labels(t["start"]), "planned": _column(t["planned"], 2),
            "built": _column(t["built"])}


def downtime_columns(result: RunResult) -> dict[str, list]:
    """Sampled supplier breakdown windows (declared disruptions are in scenario.yaml)."""
    names = np.array([s.name for s in result.scenario.suppliers], dtype=object)
    parts = [{"replication": np.full(len(r.tables.supplier_down), r.replication),
              **{n: r.tables.supplier_down[n] for n in ("supplier", "start", "end")}} for r in result.replications]
    t = _stack(parts, ["replication", "supplier", "start", "end"])
    return {"replication": _column(t["replication"]), "supplier": _column(names[t["supplier"].astype(int)]),
            "start_s": _column(t["start"], 1), "end_s": _column(t["end"], 1), "start": _labels(t["start"]),
            "minutes": _column((t["end"] - t["start"]) / 60.0, 2)}


def write_tables(folder: Path, result: RunResult) -> None:
    _write_csv(folder / "stoppages.csv", stoppage_columns(result))
    _write_csv(folder / "deliveries.csv", delivery_columns(result))
    _write_csv(folder / "stock.csv", stock_columns(result))
    _write_csv(folder / "breakdowns.csv", breakdown_columns(result))
    _write_csv(folder / "shifts.csv", shift_columns(result))
    _write_csv(folder / "downtime.csv", downtime_columns(result))


def json_ready(x):
    if isinstance(x, dict):
        return {k: json_ready(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_ready(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, np.generic):
        return json_ready(x.item())
    return x


def summary_document(result: RunResult) -> dict:
    s = result.scenario
    return json_ready({
        "scenario": s.name, "replications": s.replications, "seed": s.seed,
        "window_days": [s.horizon.warmup_days, s.horizon.days], **result.summary,
        "per_replication": [{"replication": r, **m} for r, m in enumerate(result.per_replication)],
    })


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


def save(result: RunResult, out: str | Path | None = None, root: str | Path = "results",
         argv: list[str] | None = None, plots: bool = True) -> Path:
    """Write the run folder and return its path. ``out`` names the folder itself (it must not
    exist yet); by default it is ``<root>/<scenario>/<run-id>``, with ``-2``, ``-3``... appended
    when identical runs finish in the same second. Nothing is left behind on failure."""
    final = Path(out) if out is not None else Path(root) / result.scenario.name / new_run_id(result.scenario)
    folder = new_folder(final, unique=out is None)
    with folder as tmp:
        (tmp / "scenario.yaml").write_text(scenario_yaml(result.scenario), encoding="utf-8")
        (tmp / "summary.json").write_text(json.dumps(summary_document(result), indent=1, allow_nan=False),
                                          encoding="utf-8")
        write_tables(tmp, result)
        facts = json_ready(manifest(result, argv))
        if plots:
            from sim.plots import run_plots
            from sim.report import write_run_report
            from sim.rundata import RunData
            data = RunData.load(tmp, manifest=facts)
            run_plots(tmp, data)
            write_run_report(tmp, data)
        (tmp / "manifest.json").write_text(json.dumps(facts, indent=1, allow_nan=False), encoding="utf-8")
    return folder.final


def read_run(folder: str | Path) -> tuple[dict, dict]:
    """(summary, manifest) of a complete run folder."""
    folder = Path(folder)
    if not (folder / "manifest.json").is_file() or not (folder / "summary.json").is_file():
        raise ResultsError(f"{folder} is not a complete sim run folder (no manifest.json or summary.json)")
    try:
        return (upgrade_summary(json.loads((folder / "summary.json").read_text(encoding="utf-8"))),
                json.loads((folder / "manifest.json").read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{folder}: unreadable JSON ({exc})") from None
