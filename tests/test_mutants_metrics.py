"""Metrics that mutation testing found unchecked (README, "Mutation testing"): mean and interval
across replications and summaries of older runs, on hand-made replications whose figures are known,
so that a change in what is averaged, kept or defaulted shows; the shifts of a window that ends as
a shift begins; the ratios of a window with little or no working time."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
from micro import THREE_SHIFTS, build, kanban_loop

from sim import kpis
from sim.metrics import Frame, cycle_times, measure, shift_table
from sim.model import run_replication
from sim.results import ReplicationMetrics, Row, RunSummary

# what RunSummary.of reads of a scenario: its name, replications, seed and horizon
SCENARIO = SimpleNamespace(name="hand-made", replications=2, seed=0,
                           horizon=SimpleNamespace(warmup_days=0.0, days=1.0))


def _replication(stoppage_min: float, disruptions: dict) -> ReplicationMetrics:
    """One replication as :func:`sim.metrics.measure` returns it: one kanban part of one supplier."""
    part = Row({"supplier": "bolts", "mode": "kanban", "station": 3},
               {"stoppage_min": stoppage_min, "stoppages": 1, "trips": 10, "truck_km": 100.0, "stock_mean": 5.0,
                "stock_peak": 9.0, "stock_min": 1.0, "kanban_lead_min_mean": 20.0})
    return ReplicationMetrics(0, {k: 1.0 for k in kpis.names("run")}, {"bolt": part},
                              {"bolts": Row({}, {"stoppage_min": stoppage_min, "stoppages": 1, "trips": 10,
                                                 "truck_km": 100.0})},
                              {name: Row({}, figures) for name, figures in disruptions.items()})


def summarize(per_rep: list[ReplicationMetrics]) -> RunSummary:
    return RunSummary.of(SCENARIO, per_rep)


def test_summary_rows_keep_their_names_and_station_and_average_the_figures():
    """Two replications with 10 and 30 stoppage minutes: mean 20, half-width t(0.975, 1) x s / sqrt 2
    = 12.7062 x 14.142... / 1.414... = 12.7062 x 10 = 127.062 (t(0.975, 1) = tan(0.475 pi) = 12.70620...).
    The row keeps the supplier, the mode and
    the station as they are (not averaged, not dropped)."""
    out = summarize([_replication(10.0, {}), _replication(30.0, {})])
    row = out.by_part["bolt"]
    assert row.labels == {"supplier": "bolts", "mode": "kanban", "station": 3}
    assert row["stoppage_min"].mean == 20.0 and math.isclose(row["stoppage_min"].ci95, 10 * math.tan(0.475 * math.pi))
    assert row["stoppage_min"].n == 2
    assert set(row.figures) == {"stoppage_min", "stoppages", "trips", "truck_km", "stock_mean", "stock_peak",
                                "stock_min", "kanban_lead_min_mean"}
    assert set(out.by_supplier["bolts"].figures) == {"stoppage_min", "stoppages", "trips", "truck_km"}
    # and in summary.json the labels sit beside the figures, as they always did
    assert out.to_json()["by_part"]["bolt"]["supplier"] == "bolts"
    assert out.to_json()["by_part"]["bolt"]["station"] == 3


def test_a_disruption_missing_from_a_replication_counts_as_zero_there():
    """A jam caused 30 minutes in two stops in the first replication and nothing in the second: over
    the two, 15 minutes and 1 stop on average (n = 2), not 30 and 2 from the first alone."""
    out = summarize([_replication(30.0, {"jam": {"stoppage_min": 30.0, "stoppages": 2}}), _replication(0.0, {})])
    jam = out.by_disruption["jam"]
    assert (jam["stoppage_min"].mean, jam["stoppage_min"].n) == (15.0, 2)
    assert (jam["stoppages"].mean, jam["stoppages"].n) == (1.0, 2)
    assert out.values("by_disruption.jam.stoppage_min").tolist() == [30.0, 0.0]


def _old_summary(planned: list[float], built: list[int]) -> dict:
    """A summary.json written before run_ratio existed: ``availability``, no ``run_ratio``."""
    reps = [{"replication": r, "kpis": {"cars_planned": p, "cars_built": b, "availability": 0.9}}
            for r, (p, b) in enumerate(zip(planned, built))]
    return {"kpis": {"cars_planned": {"mean": sum(planned) / len(planned)}, "availability": {"mean": 0.9}},
            "per_replication": reps}


def test_an_old_summary_gains_run_ratio_per_replication_and_its_mean():
    """Built / planned per replication: 450 / 500 = 0.9 and 490 / 500 = 0.98, mean 0.94;
    ``availability`` becomes ``supply_availability`` in the summary and in every replication
    (``RunSummary.from_json`` upgrades an old document)."""
    s = RunSummary.from_json(_old_summary([500.0, 500.0], [450, 490]))
    assert [r.kpis["run_ratio"] for r in s.per_replication] == [0.9, 0.98]
    assert s.values("run_ratio").tolist() == [0.9, 0.98]
    assert math.isclose(s.kpis["run_ratio"].mean, 0.94) and s.kpis["run_ratio"].n == 2
    assert s.kpis["supply_availability"].mean == 0.9 and "availability" not in s.kpis
    assert all(r.kpis["supply_availability"] == 0.9 and "availability" not in r.kpis
               for r in s.per_replication)


def test_an_old_replication_with_nothing_planned_has_no_run_ratio():
    """A replication whose window held no working time planned 0 cars: its run_ratio is unknown
    (NaN, left out of the mean), not a division by zero."""
    s = RunSummary.from_json(_old_summary([0.0, 500.0], [0, 450]))
    ratios = [r.kpis["run_ratio"] for r in s.per_replication]
    assert math.isnan(ratios[0]) and ratios[1] == 0.9
    assert (s.kpis["run_ratio"].mean, s.kpis["run_ratio"].n) == (0.9, 1)


def test_a_run_ending_as_a_shift_starts_has_no_row_for_that_shift():
    """Monday 06:00-14:00 and 14:00-22:00 at takt 90 s, never short of parts, a horizon of 14 h:
    the run ends as the late shift begins. The shift table holds the early shift alone (300 cars
    planned and built), not an empty late shift of 0 cars."""
    sc = build(kanban_loop(cards=40, pack=50, takt=90.0), calendar=THREE_SHIFTS, horizon={"days": 14 / 24})
    frame = Frame.of(sc)
    table = shift_table(frame, cycle_times(frame, run_replication(sc).tables)[1])
    assert table["shift"].tolist() == ["early"]
    assert (table["planned"].tolist(), table["built"].tolist()) == ([300.0], [300])


@pytest.mark.parametrize("days, planned, run_ratio, supply", [
    (0.25, 0.0, None, None),  # Monday 00:00-06:00: no working time at all
    (21_600.5 / 86_400, 0.5 / 60, 0.0, 1.0),  # half a second of work from 06:00: no car, no stop
])
def test_a_window_with_little_or_no_working_time(days, planned, run_ratio, supply):
    """On Monday's shifts a run ending at 06:00 plans no car: both ratios are unknown (nan), not a
    division by zero. Ending half a second later it plans 0.5 / 60 car and builds none: run_ratio 0,
    and no stop in that half second: supply_availability 1."""
    sc = build(kanban_loop(), calendar=THREE_SHIFTS, horizon={"days": days})
    k = measure(Frame.of(sc), run_replication(sc).tables).kpis
    assert (k["cars_planned"], k["cars_built"], k["stoppages"]) == (planned, 0, 0)
    for got, want in ((k["run_ratio"], run_ratio), (k["supply_availability"], supply)):
        assert math.isnan(got) if want is None else got == want
