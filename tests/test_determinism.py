"""Same scenario and seed, same results, bit for bit, whatever the process, the number of workers or
the string-hash seed of the interpreter.

Running the same code twice in one process cannot catch what differs between processes: a random
stream keyed by ``hash(name)``, a loop over a set of names, a worker pool that returns replications
in finishing order. So the digests are computed in fresh interpreters with different
``PYTHONHASHSEED`` values and worker counts (a pool's workers are fresh processes too), and compared
with one computed here.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import fields
from pathlib import Path

import numpy as np
from micro import build, tiny

from sim.model import run_replication
from sim.runner import run
from sim.store import write_run
from sim.scenario import load_scenario

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "data" / "golden.yaml"


def _scenarios():
    """The golden plant (shifts, a per-model JIS part, travel noise, a road disruption, line and
    supplier breakdowns; 3 replications) and the tiny plant with travel noise."""
    noisy = tiny(replications=2)
    for supplier in noisy["suppliers"]:
        supplier["travel_cv"] = 0.3
    return [load_scenario(GOLDEN), build(noisy)]


def _column_bytes(array: np.ndarray) -> bytes:
    """A column's content: numbers as their bytes, names (object arrays hold pointers) as text."""
    if array.dtype.kind == "O":
        return "\x1f".join(map(str, array.tolist())).encode()
    return array.tobytes()


def digest(workers: int) -> dict[str, str]:
    """sha256 of the model's own tables of every replication (run here, in this interpreter), of
    every event table of every replication (as the workers handed them back), of summary.json's
    document and of the run folder's files (all but manifest.json, which records the time, the
    wall time and the workers), per scenario."""
    out = {}
    for scenario in _scenarios():
        result = run(scenario, workers=workers)
        model = hashlib.sha256()
        for r in range(scenario.replications):
            raw = run_replication(scenario, r).tables
            for f in fields(raw):
                array = getattr(raw, f.name)
                model.update(f"{f.name}{array.dtype}{array.shape}".encode())
                model.update(array.tobytes())
        tables = hashlib.sha256()
        assert result.tables.seen == list(range(scenario.replications))  # every replication's tables, in order
        for r in result.tables.seen:
            for name, columns in result.tables.tables_of(r).items():
                for column, array in columns.items():
                    tables.update(f"{r}{name}{column}{array.dtype}{array.shape}".encode())
                    tables.update(_column_bytes(array))
        summary = json.dumps(result.summary.to_json()).encode()
        files = hashlib.sha256()
        with tempfile.TemporaryDirectory() as parent:
            folder = write_run(result, out=Path(parent) / "run")
            paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")
            assert {p.relative_to(folder).as_posix() for p in paths} >= {
                "summary.json", "scenario.yaml", "by_supplier.csv", "by_part.csv", "stoppages.csv",
                "tables/deliveries.parquet", "tables/stoppages.parquet"}
            for path in paths:
                files.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
        out[scenario.name] = {"model": model.hexdigest(), "tables": tables.hexdigest(), "summary": hashlib.sha256(summary).hexdigest(),
                              "files": files.hexdigest()}
    return out


def digest_in_fresh_process(workers: int, hash_seed: str) -> dict:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), *filter(None, [env.get("PYTHONPATH")])])
    code = f"import json, test_determinism as t; print(json.dumps(t.digest({workers})))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=100)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_results_are_identical_across_processes_hash_seeds_and_worker_counts():
    one = digest_in_fresh_process(workers=1, hash_seed="0")
    three = digest_in_fresh_process(workers=3, hash_seed="4242")
    here = digest(workers=2)  # this interpreter's own hash seed (random unless PYTHONHASHSEED is set)
    assert set(one) == {"golden", "tiny"}
    assert one == three == here
