"""A run folder read back: summary, manifest, scenario and event tables, for plots, reports and
comparisons that never re-run a model.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from sim.errors import ResultsError, ScenarioError
from sim.results import read_run
from sim.scenario import Scenario, scenario_from_dict

TEXT_COLUMNS = {"supplier", "part", "start", "depart", "disruption", "shift"}
TABLES = ("stoppages", "deliveries", "stock", "breakdowns", "shifts", "downtime")


def read_csv(path: Path) -> dict[str, np.ndarray]:
    """A CSV table as columns: text columns as object arrays, the rest as floats (empty = NaN)."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows = list(reader)
    except (OSError, StopIteration) as exc:
        raise ResultsError(f"{path}: cannot read the table ({exc})") from None
    columns = list(zip(*rows)) if rows else [()] * len(header)
    out = {}
    for name, values in zip(header, columns):
        if name in TEXT_COLUMNS:
            out[name] = np.array(values, dtype=object)
        else:
            out[name] = np.array([float(v) if v != "" else np.nan for v in values], dtype=float)
    return out


@dataclass(frozen=True)
class RunData:
    """Everything in one run folder. ``tables[name]`` maps column names to arrays."""

    folder: Path
    summary: dict
    manifest: dict
    scenario: Scenario
    tables: dict[str, dict[str, np.ndarray]]

    @classmethod
    def load(cls, folder: str | Path, manifest: dict | None = None) -> "RunData":
        """Read a complete run folder (or, with ``manifest`` given, one still being written)."""
        folder = Path(folder)
        if manifest is None:
            summary, manifest = read_run(folder)
        else:
            summary = read_run_summary(folder)
        try:
            data = yaml.load((folder / "scenario.yaml").read_text(encoding="utf-8"),
                             Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when there
            scenario = scenario_from_dict(data, str(folder / "scenario.yaml"))
        except (OSError, yaml.YAMLError, ScenarioError) as exc:
            raise ResultsError(f"{folder}: unreadable scenario.yaml ({exc})") from None
        tables = {name: read_csv(folder / f"{name}.csv") for name in TABLES}
        return cls(folder, summary, manifest, scenario, tables)

    def replication(self, table: str, replication: int = 0) -> dict[str, np.ndarray]:
        """The rows of one replication."""
        t = self.tables[table]
        keep = t["replication"] == replication
        return {k: v[keep] for k, v in t.items()}


def read_run_summary(folder: Path) -> dict:
    try:
        return json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ResultsError(f"{folder}: unreadable summary.json ({exc})") from None
