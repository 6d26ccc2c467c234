"""Ctrl-C at any moment of `sim run`: one line saying what was kept, exit status 130, no traceback,
no temporary folder and no worker process left behind.

Each test starts `python -m sim` in its own process group and sends SIGINT to the whole group, as a
terminal does, at a moment it observes rather than after a guessed delay: while the command line
loads (seen in -X importtime output), while worker processes simulate, while the folder is written.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import micro
import pytest
import yaml

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def start(*args: str, cwd: Path, importtime: bool = False) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env["NO_COLOR"] = "1"
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "sim", *args]
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_ctrl_c_as_in_a_terminal)


def _ctrl_c_as_in_a_terminal() -> None:
    """In the child before it runs sim: Ctrl-C does what it does in a terminal. A test run started in
    the background of a script (``pytest &``, ``nohup``) inherits SIGINT ignored, and sim, rightly,
    would then ignore it too."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for(proc: subprocess.Popen, what, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert proc.poll() is None, "sim finished before the moment to interrupt it"
        assert time.monotonic() < deadline, "the moment to interrupt never came"
        time.sleep(0.01)


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def interrupt(proc: subprocess.Popen, group: bool = True) -> tuple[list[str], float]:
    """Ctrl-C to the whole group (as a terminal sends it), or to sim alone (as `kill -INT` does);
    the lines of stderr (import-time lines left out) and the seconds it took to exit."""
    sent = time.monotonic()
    if group:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGINT)
    stderr = proc.stderr.read()  # not communicate(): it would skip what readline() buffered
    proc.stdout.read()
    proc.wait(60)
    lines = [line for line in stderr.splitlines() if not line.startswith("import time:")]
    return lines, time.monotonic() - sent


def assert_group_gone(proc: subprocess.Popen) -> None:
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # no worker of that run still runs


@pytest.fixture
def scenario(tmp_path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(micro.tiny(seed=3, horizon={"days": 2, "warmup_days": 0.25})), encoding="utf-8")
    return path


def test_ctrl_c_while_the_command_line_loads(tmp_path, scenario):
    proc = start("run", scenario.name, "--days", "1", "--out", "r", cwd=tmp_path, importtime=True)
    for line in proc.stderr:  # typer and rich are imported by sim.cli only: we are inside its import
        if re.search(r"\|\s+(typer|rich)\b", line):
            break
    else:
        pytest.fail("sim finished before it imported typer")
    lines, _ = interrupt(proc)
    assert proc.returncode == 130, lines
    assert lines == ["interrupted: nothing was written"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml"]


@pytest.mark.parametrize("group", [True, False], ids=["terminal", "kill-INT"])
def test_ctrl_c_while_workers_simulate(tmp_path, scenario, group):
    """A replication of 120 days of tiny takes over 10 s here: the workers must be stopped, not
    waited for."""
    proc = start("run", scenario.name, "--days", "120", "--replications", "4", "--workers", "2", "--no-plots",
                 "--out", "r", cwd=tmp_path)
    wait_for(proc, lambda: len(children(proc.pid)) >= 2)
    time.sleep(0.3)  # the workers are inside a replication
    lines, took = interrupt(proc, group)
    assert proc.returncode == 130, lines
    assert lines == ["interrupted: nothing was written"]
    assert took < 8
    assert_group_gone(proc)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml"]


def test_ctrl_c_while_the_folder_is_written(tmp_path, scenario):
    """The temporary folder is made before the run starts (each replication's event tables go into
    it as it finishes); here the Ctrl-C comes once the simulation is over and its summary is
    written, while the plots are drawn."""
    proc = start("run", scenario.name, "--days", "2", "--replications", "1", "--out", "r", cwd=tmp_path)
    wait_for(proc, lambda: any(p.name.startswith(".tmp-r-") and (p / "summary.json").is_file()
                               for p in tmp_path.iterdir()))
    lines, _ = interrupt(proc)
    assert proc.returncode == 130, lines
    assert lines == ["interrupted: nothing was written"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml"]
