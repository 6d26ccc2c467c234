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

from micro import build, tiny

from sim.results import summary_document, write_tables
from sim.runner import run
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


def digest(workers: int) -> dict[str, str]:
    """sha256 of every event table, of summary.json's document and of the CSV tables, per scenario."""
    out = {}
    for scenario in _scenarios():
        result = run(scenario, workers=workers)
        tables = hashlib.sha256()
        for rep in result.replications:
            for f in fields(rep.tables):
                array = getattr(rep.tables, f.name)
                tables.update(f"{f.name}{array.dtype}{array.shape}".encode())
                tables.update(array.tobytes())
        summary = json.dumps(summary_document(result)).encode()
        csvs = hashlib.sha256()
        with tempfile.TemporaryDirectory() as folder:
            write_tables(Path(folder), result)
            for path in sorted(Path(folder).iterdir()):
                csvs.update(path.name.encode() + path.read_bytes())
        out[scenario.name] = {"tables": tables.hexdigest(), "summary": hashlib.sha256(summary).hexdigest(),
                              "csv": csvs.hexdigest()}
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
