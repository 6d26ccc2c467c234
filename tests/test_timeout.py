"""A hanging test fails on its own and the run goes on: the suite's pytest-timeout settings at work.

Five mutants of the model once hung the whole suite (an event loop that never ends, a wait that
never returns); CI must report them as failures, not stall. This runs pytest, with the project's own
configuration but a 1 s limit, on a file whose tests hang in the ways a model or a subprocess can.
"""

from __future__ import annotations

import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HANGING = '''
import subprocess, sys, threading

def test_a_python_loop_that_never_ends():
    while True:
        pass

def test_a_child_process_that_never_ends():
    subprocess.run([sys.executable, "-c", "import time; time.sleep(600)"])

def test_a_wait_that_never_returns():
    threading.Event().wait()

def test_after_the_hangs():
    assert True
'''


def test_the_suite_has_a_default_timeout():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert 0 < options["timeout"] <= 300 and options["timeout_method"] == "signal"


def test_a_hanging_test_fails_and_the_run_goes_on(tmp_path):
    (tmp_path / "test_hang.py").write_text(HANGING, encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(ROOT / "pyproject.toml"),
         "--rootdir", str(tmp_path), "-o", "timeout=1", "-rN", str(tmp_path / "test_hang.py")],
        capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert time.monotonic() - started < 30
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "3 failed, 1 passed" in proc.stdout, proc.stdout
    # -rN: no short summary, whose lines repeat the message or not depending on the terminal width
    assert proc.stdout.count("Timeout (>1.0s) from pytest-timeout") == 3, proc.stdout
