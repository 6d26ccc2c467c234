"""Folders written atomically: unique run folders, stale temporaries removed safely, plots swapped
in whole, write failures as one planner error."""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.errors import ResultsError
from sim.folders import DEAD_OWNER_AGE_S, MARKER, STALE_AGE_S, new_folder, remove_stale
from sim.runner import run
from sim.scenario import load_scenario
from sim.store import write_run

GOLDEN = Path(__file__).parent / "data" / "golden.yaml"


@pytest.fixture(scope="module")
def result():
    return run(load_scenario(GOLDEN, ["replications=1", "horizon.days=1"]), workers=1)


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def temporary(parent: Path, name: str, *, pid: int | None, host: str | None = None, age_s: float = 0.0) -> Path:
    """A temporary folder as a writer leaves it: its marker says who made it and when."""
    folder = parent / name
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text("{}")
    if pid is not None:
        marker = {"pid": pid, "host": host or socket.gethostname(), "created": time.time() - age_s}
        (folder / MARKER).write_text(json.dumps(marker))
    else:
        os.utime(folder, (time.time() - age_s, time.time() - age_s))
    return folder


def test_identical_runs_in_the_same_second_get_distinct_folders(result, tmp_path, monkeypatch):
    """Run ids have one-second resolution: the second and third identical run of that second get
    -2 and -3 instead of failing after simulating."""
    monkeypatch.setattr("sim.store.new_run_id", lambda scenario: "20260101-120000-abcdef-s7")
    folders = [write_run(result, root=tmp_path) for _ in range(3)]
    base = tmp_path / "golden" / "20260101-120000-abcdef-s7"
    assert folders == [base, base.with_name(base.name + "-2"), base.with_name(base.name + "-3")]
    assert all((f / "manifest.json").is_file() and not (f / MARKER).exists() for f in folders)
    assert sorted(p.name for p in base.parent.iterdir()) == sorted(f.name for f in folders)


def test_an_explicit_out_is_never_suffixed_or_replaced(result, tmp_path):
    (tmp_path / "mine").mkdir()  # even empty: a rename onto an empty folder would silently replace it
    with pytest.raises(ResultsError, match="already exists"):
        write_run(result, out=tmp_path / "mine")
    assert list((tmp_path / "mine").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_the_name_is_claimed_at_the_end_without_replacing_a_folder_made_meanwhile(tmp_path):
    """Another process creates the target while this one writes: this one fails cleanly and
    leaves the other's (empty) folder alone."""
    target = tmp_path / "run"
    with pytest.raises(ResultsError, match="already exists"):
        with new_folder(target) as tmp:
            (tmp / "a.txt").write_text("mine")
            target.mkdir()
    assert list(target.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_stale_temporaries_are_removed_and_live_ones_kept(result, tmp_path):
    parent = tmp_path / "golden"
    old = DEAD_OWNER_AGE_S + 60
    dead = temporary(parent, ".tmp-a-dead", pid=dead_pid(), age_s=old)
    fresh_dead = temporary(parent, ".tmp-b-fresh-dead", pid=dead_pid(), age_s=60)  # may be a pid of another namespace
    alive = temporary(parent, ".tmp-c-alive", pid=os.getpid(), age_s=old)
    elsewhere = temporary(parent, ".tmp-d-other-host", pid=1, host="another-host", age_s=old)
    ancient = temporary(parent, ".tmp-e-other-host-old", pid=1, host="another-host", age_s=STALE_AGE_S + 60)
    unmarked_new = temporary(parent, ".tmp-f-unmarked", pid=None, age_s=60)
    unmarked_old = temporary(parent, ".tmp-g-unmarked-old", pid=None, age_s=STALE_AGE_S + 60)
    outside = tmp_path / "outside"
    outside.mkdir()
    link = parent / ".tmp-h-link"
    link.symlink_to(outside)
    os.utime(link, (0, 0), follow_symlinks=False)
    mine = parent / "not-a-temporary"
    mine.mkdir()
    os.utime(mine, (0, 0))

    folder = write_run(result, root=tmp_path)

    left = {p.name for p in parent.iterdir()}
    assert left == {fresh_dead.name, alive.name, elsewhere.name, unmarked_new.name, link.name, mine.name,
                    folder.name}
    assert not {dead.name, ancient.name, unmarked_old.name} & left
    assert outside.is_dir()


def test_remove_stale_handles_a_marker_it_cannot_read(tmp_path):
    folder = tmp_path / ".tmp-x"
    folder.mkdir()
    (folder / MARKER).write_text("not json")
    assert remove_stale(tmp_path) == []
    os.utime(folder, (time.time() - STALE_AGE_S - 60,) * 2)
    assert remove_stale(tmp_path) == [folder]


@pytest.mark.parametrize("where", ["sim.store.write_summary", "sim.store.TableWriter.add"],
                         ids=["summary-and-small-tables", "parquet-event-tables"])
def test_a_disk_error_while_writing_is_one_planner_error_and_leaves_nothing(result, tmp_path, monkeypatch, where):
    """Whether the disk fills while the event tables (Parquet) or the summary are written."""
    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(where, full)
    with pytest.raises(ResultsError, match="cannot write .*run: .*No space left on device.*nothing was written"):
        write_run(result, out=tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def sweep_rows() -> tuple[list[dict], dict]:
    axes = {"a.x": [1, 2], "a.y": [3, 4]}
    rows = [{"point": f"{x}-{y}", "a.x": x, "a.y": y, "kpi": k, "mean": float(x * y), "ci95": 0.5,
             "replications": 2, "folder": "points/p"}
            for x in axes["a.x"] for y in axes["a.y"] for k in ("stoppage_min", "supply_availability", "truck_km")]
    return rows, axes


def test_sweep_plots_are_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    from sim.app import sweep_plots
    rows, axes = sweep_rows()
    written = sweep_plots(tmp_path, rows, axes)
    names = {p.name for p in (tmp_path / "plots").iterdir()}
    assert names == {p.name for p in written} and len(names) == 8  # 3 KPI plots and a heatmap, PNG and SVG
    before = {p.name: p.read_bytes() for p in (tmp_path / "plots").iterdir()}

    def killed(*_a, **_k):  # interrupted at the last plot, after the three KPI plots were drawn
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.app.heatmap", killed)
    with pytest.raises(KeyboardInterrupt):
        sweep_plots(tmp_path, [{**r, "mean": 0.0} for r in rows], axes)
    assert {p.name: p.read_bytes() for p in (tmp_path / "plots").iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["plots"]
