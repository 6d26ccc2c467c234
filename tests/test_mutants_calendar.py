"""Working time with no working interval at all (a supplier down for the whole run, a calendar with
no shift in the horizon): every conversion answers "never" (inf), none fails. Found unchecked by
mutation testing (README, "Mutation testing")."""

from __future__ import annotations

import math

from micro import build, kanban_loop

from sim.calendar import WorkTime
from sim.model import run_replication


def test_no_working_interval_means_never():
    empty = WorkTime([])
    assert empty.total == 0.0
    assert (empty.clock(0.0), empty.clock_end(0.0), empty.next_up(0.0)) == (math.inf, math.inf, math.inf)
    assert empty.work(1000.0) == 0.0 and empty.worked_between(0.0, 1000.0) == 0.0


def test_a_supplier_down_for_the_whole_run_never_ships():
    """The tight loop of test_transcript.py with its supplier down from t = 0 past the horizon: the
    line uses its 20 units (cars 1..20, cycles 0..19) and waits from cycle 20 (1200 s) to the end."""
    data = kanban_loop(cards=2, pack=10, trucks=1, days=0.05)
    data["disruptions"] = [{"name": "gone", "kind": "supplier_down", "supplier": "sup", "start_day": 0,
                            "duration_h": 2}]
    tables = run_replication(build(data)).tables
    assert len(tables.trips) == 0
    assert tables.stoppages[["cycle", "start", "end"]].tolist() == [(20, 1200.0, 0.05 * 86400)]
