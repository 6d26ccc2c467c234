"""A delivery mode is one module: the plant wires loops from a registry, disruption windows answer
for themselves, and the line keeps its own state instead of reading the recorder back."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest
from micro import build, jis_loop, tiny

import sim.model  # noqa: F401  (fills the registry)
from sim.errors import SimError
from sim.disruptions import (ClosedRoadWindow, Roads, SlowRoadWindow, SupplierDownWindow, declared_windows,
                                   supplier_downtime)
from sim.model.loop import MODES, loop_class, mode
from sim.model.plant import Plant
from sim.scenario.schema import Disruption, JisPart, KanbanPart, Part

SIM = Path(sim.model.__file__).resolve().parent.parent


def _union(annotated) -> tuple[type, ...]:
    return get_args(get_args(annotated)[0])


def _literals(cls, field: str) -> tuple[str, ...]:
    return get_args(cls.model_fields[field].annotation)


def test_every_part_class_of_the_schema_has_a_loop_class():
    part_classes = _union(Part)
    assert set(part_classes) == {JisPart, KanbanPart}  # the union is read right
    assert set(MODES) == set(part_classes)
    for part_class in part_classes:
        loop = MODES[part_class]
        for name in ("build", "cars_ahead", "nominal_extra_s", "walks_cars", "deliver", "first_car"):
            assert callable(getattr(loop, name, None)), f"{loop.__name__} lacks {name}"


def test_the_plant_names_no_mode():
    source = (SIM / "model" / "plant.py").read_text()
    names = [c.__name__ for c in MODES] + [c.__name__ for c in MODES.values()]
    names += [value for c in MODES for value in _literals(c, "mode")]
    for name in names:
        assert not re.search(rf"\b{re.escape(name)}\b", source, re.IGNORECASE), name
    assert "isinstance(" not in source


def test_no_disruption_kind_is_dispatched_on_by_string():
    kinds = [value for c in _union(Disruption) for value in _literals(c, "kind")]
    assert "supplier_down" in kinds  # the union is read right
    files = [*(SIM / "model").rglob("*.py"), SIM / "metrics.py", *(SIM / "plots").rglob("*.py")]
    for path in files:
        source = path.read_text()
        assert not re.search(r"\bkind\s*[!=]=", source), path
        for kind in kinds:
            assert f'"{kind}"' not in source and f"'{kind}'" not in source, (path, kind)


def test_every_disruption_class_becomes_its_own_window():
    scenario = build(tiny(disruptions=[
        {"kind": "road", "route": "ave", "start_day": 0.5, "duration_h": 2, "extra_min": 10},
        {"kind": "road_closed", "start_day": 1, "duration_h": 1},
        {"kind": "supplier_down", "supplier": "bolts", "start_day": 1.5, "duration_h": 3},
    ]))
    slow, closed, down = declared_windows(scenario)
    seats, bolts = scenario.suppliers  # seats on route "ave", bolts on no route
    assert isinstance(slow, SlowRoadWindow) and isinstance(closed, ClosedRoadWindow)
    assert isinstance(down, SupplierDownWindow)
    # 0.5 day = 43,200 s, 2 h = 7,200 s, 10 min = 600 s
    assert (slow.start, slow.end, slow.extra_s) == (43_200.0, 50_400.0, 600.0)
    assert [w.affects(seats) for w in (slow, closed, down)] == [True, True, False]
    assert [w.affects(bolts) for w in (slow, closed, down)] == [False, True, True]
    assert [w.downs_supplier("bolts") for w in (slow, closed, down)] == [False, False, True]
    assert [(w.holds_trips, w.delays_trips) for w in (slow, closed, down)] == [(False, True), (True, False),
                                                                             (False, False)]
    declared, _ = supplier_downtime(scenario, bolts, [slow, closed, down], 0, 2 * 86_400.0)
    assert declared == [(1.5 * 86_400.0, 1.5 * 86_400.0 + 3 * 3600.0)]
    assert supplier_downtime(scenario, seats, [slow, closed, down], 0, 2 * 86_400.0)[0] == []
    # a truck ready inside the closure (day 1 = 86,400 s, for 3,600 s) waits until it ends; one
    # ready in the slow window drives 600 s longer; the supplier-down window is no road's business
    roads = Roads([slow, closed, down])
    assert roads.set_off(87_000.0) == (90_000.0, 0.0)
    assert roads.set_off(45_000.0) == (45_000.0, 600.0)
    assert Roads([down]).set_off(1.5 * 86_400.0 + 60.0) == (1.5 * 86_400.0 + 60.0, 0.0)


def test_a_part_class_without_a_mode_is_refused():
    with pytest.raises(SimError, match="no delivery mode"):
        loop_class(object())
    before = dict(MODES)
    with pytest.raises(SimError, match="two delivery modes"):
        mode(JisPart)(type("AnotherJisLoop", (), {}))
    assert MODES == before


def test_each_shipper_holds_its_own_loops_callbacks_from_the_start():
    plant = Plant(build(tiny()))
    assert len(plant.shippers) == len(plant.loops) == 2
    for shipper, loop in zip(plant.shippers, plant.loops):
        assert shipper.deliver == loop.deliver and shipper.first_car == loop.first_car
    # the mode decides how far the sequence is drawn: 2 days at 60 s takt = 2,880 cars, + 10
    # stations + the JIS part's broadcast of 20 cars + 2
    assert len(plant.sequence) == 2_880 + 10 + 20 + 2


class WriteOnly(list):
    """A recorder table the model may append to and overwrite, never read."""

    def __getitem__(self, i):
        raise AssertionError("the model read the recorder back")

    def __iter__(self):
        raise AssertionError("the model read the recorder back")


def test_the_line_does_not_read_the_recorder_back():
    """A JIS loop asks the line when past cycles started (its builds follow the call-offs); the
    line answers from its own state, and records the same segments as when nothing is in the way."""
    scenario = build(jis_loop(rack=40))  # stops every 11 cars (test_jis_start): many segments
    expected = Plant(scenario).run().tables.segments.tolist()
    plant = Plant(scenario)
    plant.rec.segments = written = WriteOnly()
    plant.start()
    plant.env.run(until=plant.horizon_s)
    rows = [list.__getitem__(written, i) for i in range(len(written))]
    assert len(rows) > 1 and rows == expected
