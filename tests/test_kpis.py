"""The KPI registry is the one list of figures: what metrics compute and what every reader shows."""

from __future__ import annotations

import pytest

from sim import kpis
from sim.metrics import Frame, measure
from sim.model.plant import run_replication
from sim.scenario import load_scenario


def test_measure_reports_exactly_the_registered_figures():
    scenario = load_scenario("tests/data/golden.yaml")
    m = measure(Frame.of(scenario), run_replication(scenario, 0).tables)
    assert tuple(m.kpis) == kpis.names("run")
    for name, row in m.by_part.items():
        mode = row.labels["mode"]
        expected = {k.name for k in kpis.entries("part") if k.modes is None or mode in k.modes}
        assert set(row.figures) == expected, name
    for row in m.by_supplier.values():
        assert set(row.figures) == set(kpis.names("supplier"))
    for row in m.by_disruption.values():
        assert set(row.figures) == set(kpis.names("disruption"))


def test_every_entry_is_complete():
    for k in kpis.REGISTRY.values():
        assert k.scopes <= {"run", "part", "supplier", "disruption"}
        assert k.better in ("", "lower", "higher")
        assert k.label and k.name.replace("_", "").isalnum()
        if k.high == 1.0:
            assert k.low == 0.0 and not k.summed  # a ratio is no total
    assert kpis.bounds("by_supplier.x.stoppage_min") == (0.0, None)
    assert kpis.bounds("supply_availability") == (0.0, 1.0)
    assert kpis.bounds("jis_margin_min_p5") == (None, None)


@pytest.mark.parametrize("mean, ci, text", [
    (171.3, 12.4, ("171", "12")), (0.8423, 0.0123, ("0.842", "0.012")), (1080, 0.0, ("1,080", "0")),
    (12.5, float("nan"), ("12.50", "–")), (float("nan"), float("nan"), ("–", "–")), (3, None, ("3", "–")),
])
def test_mean_and_ci(mean, ci, text):
    assert kpis.mean_and_ci(mean, ci) == text


@pytest.mark.parametrize("value, text", [(1710.4, "1,710"), (201, "201"), (12.54, "12.5"), (3.421, "3.42"),
                                         (0.4151, "0.415"), (0.008213, "0.00821"), (0, "0"), (None, "–")])
def test_number(value, text):
    assert kpis.number(value) == text


def test_worse_follows_the_better_direction():
    assert kpis.kpi("stoppage_min").worse(+1.0) is True
    assert kpis.kpi("supply_availability").worse(+0.01) is False
    assert kpis.kpi("cars_planned").worse(5) is None
