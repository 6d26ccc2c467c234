"""Back test: the KPIs of a small committed scenario against a committed golden summary.

A change that moves these numbers changes the model's behaviour: check why, then regenerate with
``SIM_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`` and commit the new file with a message
that says what changed and why.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from sim.runner import run
from sim.scenario import load_scenario

HERE = Path(__file__).parent
GOLDEN = HERE / "golden" / "golden-summary.json"


def _essentials(doc: dict) -> dict:
    return {
        "kpis": doc["kpis"],
        "per_replication": [r["kpis"] for r in doc["per_replication"]],
        "by_part": {p: {k: v for k, v in row.items() if k in ("stoppage_min", "stoppages", "trips")}
                    for p, row in doc["by_part"].items()},
        "by_disruption": doc["by_disruption"],
    }


def _close(a, b, path="") -> list[str]:
    if isinstance(a, dict):
        keys = set(a) | set(b)
        return [d for k in sorted(keys) for d in (_close(a.get(k), b.get(k), f"{path}.{k}") if k in a and k in b
                                                  else [f"{path}.{k}: only in one"])]
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _close(x, y, f"{path}[{i}]")]
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return [] if a == b else [f"{path}: {a} != {b}"]
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {a} != {b}"]


def test_golden_summary():
    result = run(load_scenario(HERE / "data" / "golden.yaml"), workers=1)
    got = _essentials(json.loads(json.dumps(result.summary.to_json())))
    if os.environ.get("SIM_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    differences = _close(got, want)
    assert not differences, "golden summary moved:\n" + "\n".join(differences[:20])
