"""Work stays linear in suppliers and parts: counted, not timed.

Three counts over validate + run + KPIs + result tables, for a plant of n suppliers (one part each)
and one of 2n: how often ``Scenario.parts`` rebuilds its list (must not grow with n), the Python
function calls (must about double, not quadruple), and the array elements that numpy operations
read from the recorded tables (a per-part scan of the whole trips table grows as n²).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np

from sim.metrics import Frame, Reading, event_tables, measure
from sim.model import run_replication
from sim.results import ReplicationMetrics
from sim.scenario import Scenario, scenario_from_dict


def plant(n: int, days: float = 0.25) -> dict:
    """n suppliers of one part each: every fifth a JIS part, the rest kanban parts short of cards so
    that the line stops; three routes with a road disruption on one; every seventh supplier breaks
    down. Nothing in it grows faster than n."""
    suppliers = []
    for i in range(n):
        part = ({"name": f"p{i}", "station": 1 + i % 20, "usage": 1, "mode": "jis", "rack_size": 6,
                 "racks_per_truck": 2, "build_s": 30} if i % 5 == 0 else
                {"name": f"p{i}", "station": 1 + i % 20, "usage": 1, "mode": "kanban", "pack_size": 20 + i % 11,
                 "cards": 2, "packs_per_truck": 1})
        supplier = {"name": f"s{i}", "distance_km": 2 + i % 7, "speed_kmh": 30, "trucks": 1, "load_min": 3,
                    "route": f"r{i % 3}", "travel_cv": 0.2, "parts": [part]}
        if i % 7 == 0:
            supplier["breakdowns"] = {"mtbf_h": 2, "mttr_min": 20}
        suppliers.append(supplier)
    return {"name": f"plant-{n}", "horizon": {"days": days}, "replications": 1,
            "line": {"takt_s": 90, "stations": 20, "models": {"A": 1.0}, "broadcast_cars": 30},
            "plant": {"docks": max(2, n // 10), "unload_min": 5}, "suppliers": suppliers,
            "disruptions": [{"name": "jam", "kind": "road", "route": "r1", "start_day": 0.05, "duration_h": 1,
                             "extra_min": 30}]}


def validate_run_and_tabulate(data: dict, wrap=lambda tables: tables) -> ReplicationMetrics:
    """What ``sim run --no-plots`` does for one replication (as :func:`sim.runner.one_replication`:
    the KPIs and every event table of the run folder), with the model's tables passed through ``wrap``."""
    scenario = scenario_from_dict(data, "scale")
    tables = wrap(run_replication(scenario).tables)
    frame = Frame.of(scenario)
    reading = Reading(frame, tables)
    metrics = measure(frame, tables, 0, reading)
    made = event_tables(frame, tables, reading)
    assert set(made) == {"stoppages", "deliveries", "breakdowns", "shifts", "downtime"}
    return metrics


def test_scenario_parts_is_built_a_fixed_number_of_times(monkeypatch):
    """``Scenario.parts`` rebuilds a list of every part on each call; called once per part (or per
    stoppage), 10,000 suppliers took hours."""
    calls = []
    original = Scenario.parts.fget

    def counted(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(Scenario, "parts", property(counted))
    counts = []
    for n in (20, 40):
        calls.clear()
        metrics = validate_run_and_tabulate(plant(n))
        assert metrics.kpis["stoppages"] > 0
        counts.append(len(calls))
    assert counts[0] == counts[1], counts


def _python_steps(data: dict) -> int:
    """Python lines executed (and calls and returns), loop iterations inside comprehensions included."""
    steps = 0

    def tracer(frame, event, arg):
        nonlocal steps
        steps += 1
        return tracer

    sys.settrace(tracer)
    try:
        validate_run_and_tabulate(data)
    finally:
        sys.settrace(None)
    return steps


def test_python_work_grows_linearly_with_the_suppliers():
    """Python steps for 200 and 400 suppliers: linear work about doubles (measured 1.94: a fixed
    part and a plant that differs a little); the model before this test, which rebuilt
    ``Scenario.parts`` per part and looked suppliers up with ``tuple.index`` per stoppage, took
    2.67 times as many."""
    small, large = _python_steps(plant(200)), _python_steps(plant(400))
    assert large / small < 2.3, (small, large)


def _size(args) -> int:
    """Elements of the Counted arrays among ``args`` (and in lists or tuples among them)."""
    return sum(x.size if isinstance(x, Counted) else _size(x) if isinstance(x, (list, tuple)) else 0 for x in args)


class Counted(np.ndarray):
    """An array (and what numpy derives from it) that adds up the elements every numpy function or
    ufunc reads from it: a count of array work that, unlike wall time, does not depend on the machine."""

    elements = 0

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        Counted.elements += _size(inputs)
        inputs = tuple(x.view(np.ndarray) if isinstance(x, Counted) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        Counted.elements += _size(args)
        return super().__array_function__(func, types, args, kwargs)


def test_array_work_on_the_trips_table_grows_linearly():
    """Elements read from the recorded trips by the KPIs and result tables for 100 and 200
    suppliers: about double (measured 1.84). Filtering the whole trips table once per part
    (``trips["part"] == p``, as before this test) reads parts x trips elements: 3.6 times as many."""
    work = []
    for n in (100, 200):
        Counted.elements = 0
        validate_run_and_tabulate(plant(n), lambda t: dataclasses.replace(t, trips=t.trips.view(Counted)))
        work.append(Counted.elements)
    assert work[0] > 0
    assert work[1] / work[0] < 2.5, work


def test_per_supplier_charts_keep_to_the_top_rows(tmp_path):
    """400 suppliers (80 JIS parts): the charts with a row per supplier or part show TOP_ROWS rows
    and say how many there were; a row for each of 10,000 suppliers made a figure 2,600 inches tall
    that took ten minutes to save."""
    from sim.plots import network, supply
    from sim.plots.style import TOP_ROWS
    from sim.runner import run
    from sim.store import RunRecord, write_run

    scenario = scenario_from_dict(plant(400, days=0.25), "scale")
    data = RunRecord.open(write_run(run(scenario, workers=1), out=tmp_path / "run"))
    assert len(data.summary.by_supplier) == 400
    for draw, what in ((network.trucks, "of 400"), (supply.jis_margins, "of 80 JIS parts")):
        fig = draw(data)
        rows = fig.axes[0].get_yticklabels()
        assert len(rows) == TOP_ROWS
        assert what in (fig._suptitle.get_text() if fig._suptitle else fig.axes[0].get_title())
