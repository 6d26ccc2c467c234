"""The scenario loader: schema defaults, key-path errors, cross-checks, YAML, ``extends:`` and ``--set``.

Every error test asserts the exact key path (``exc.path``) and the words of the problem, because those
are what a planner reads. Scenarios are built as dicts in this file and written to ``tmp_path``.
"""

from __future__ import annotations

import copy
import os
import threading
from pathlib import Path

import numpy as np
import pydantic
import pytest
import micro
import yaml

from sim.errors import ScenarioError
from sim.scenario import JisPart, KanbanPart, RoadClosed, Scenario, load_scenario, resolve_file, scenario_from_dict
from sim.scenario import yamltext
from sim.scenario.loader import deep_merge

REPO = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted((REPO / "scenarios").glob("*.yaml"))


@pytest.fixture(params=["libyaml", "python"])
def yaml_loader(request, monkeypatch):
    """Runs a test with libyaml's parser (as a run does when PyYAML has it) and with PyYAML's own
    (as on a machine without it): scenarios and refusals must not depend on which one a machine has."""
    if request.param == "python":
        monkeypatch.setattr(yamltext, "LibyamlLoader", None)
    elif yamltext.LibyamlLoader is None:
        pytest.skip("PyYAML is built without libyaml here")
    return request.param


def tiny() -> dict:
    """A small valid scenario: one JIS supplier on a named route, one kanban supplier."""
    return micro.tiny()


def write(folder: Path, data: dict | str, name: str = "tiny.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def error_of(data: dict) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, "tiny.yaml")
    return info.value


def mutated(change) -> dict:
    data = tiny()
    change(data)
    return data


def seats(d: dict) -> dict:
    return d["suppliers"][0]


def seat_set(d: dict) -> dict:
    return d["suppliers"][0]["parts"][0]


def bolts(d: dict) -> dict:
    return d["suppliers"][1]


def bolt(d: dict) -> dict:
    return d["suppliers"][1]["parts"][0]


# --- a minimal valid scenario -------------------------------------------------------------------


def test_minimal_scenario_loads_into_typed_objects(tmp_path):
    sc = load_scenario(write(tmp_path, tiny()))
    assert isinstance(sc, Scenario)
    assert sc.name == "tiny"
    assert [s.name for s in sc.suppliers] == ["seats", "bolts"]
    (_, jis), (_, kanban) = sc.parts
    assert isinstance(jis, JisPart) and jis.mode == "jis" and jis.rack_size == 4
    assert isinstance(kanban, KanbanPart) and kanban.mode == "kanban" and kanban.cards == 4
    assert jis.usage_of("A") == 1 and kanban.usage_of("B") == 4
    assert sc.suppliers[0].one_way_km == 1.0
    assert sc.suppliers[0].one_way_h == pytest.approx(1.0 / 30.0)


def test_scenario_is_frozen():
    sc = scenario_from_dict(tiny())
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        sc.name = "other"
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        sc.suppliers[0].trucks = 9
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        sc.suppliers[0].parts[0].rack_size = 9
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        sc.line.takt_s = 1
    assert isinstance(sc.suppliers, tuple) and isinstance(sc.suppliers[0].parts, tuple)
    assert sc.suppliers[0].trucks == 2


def test_defaults_are_applied():
    sc = scenario_from_dict(tiny())
    assert sc.seed == 0 and sc.replications == 1 and sc.description == "" and sc.disruptions == ()
    for supplier in sc.suppliers:
        assert supplier.travel_cv == 0.0
        assert supplier.unload_min is None and supplier.breakdowns is None and supplier.calendar is None
        assert supplier.parts[0].dispatch_max_wait_min == 30.0
    assert sc.suppliers[1].route is None
    assert sc.line.breakdowns is None
    # no calendar: around the clock, every day
    assert sc.calendar.workdays == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    assert [(s.start, s.end, s.breaks) for s in sc.calendar.shifts] == [("00:00", "24:00", ())]
    assert sc.calendar.holidays == ()


def test_horizon_warmup_defaults_to_zero():
    sc = scenario_from_dict(mutated(lambda d: d["horizon"].pop("warmup_days")))
    assert sc.horizon.warmup_days == 0.0 and sc.horizon.days == 2.0


def test_part_usage_defaults_to_one_per_car():
    sc = scenario_from_dict(mutated(lambda d: bolt(d).pop("usage")))
    assert sc.suppliers[1].parts[0].usage == 1


def test_broadcast_falls_back_to_the_line():
    sc = scenario_from_dict(tiny())
    part = sc.suppliers[0].parts[0]
    assert part.broadcast_cars is None
    assert sc.broadcast_of(part) == 20


@pytest.mark.parametrize("own", [35, 0])
def test_broadcast_of_a_part_overrides_the_line(own):
    # 0 is a real value (call-off as the car enters station 1), not "unset"
    sc = scenario_from_dict(mutated(lambda d: seat_set(d).update(broadcast_cars=own)))
    assert sc.broadcast_of(sc.suppliers[0].parts[0]) == own


def test_legs_give_the_one_way_trip():
    def to_legs(d):
        del seats(d)["distance_km"], seats(d)["speed_kmh"]
        seats(d)["legs"] = [{"km": 10, "speed_kmh": 20}, {"km": 90, "speed_kmh": 90}]

    supplier = scenario_from_dict(mutated(to_legs)).suppliers[0]
    assert supplier.distance_km is None
    assert supplier.one_way_km == 100.0
    assert supplier.one_way_h == pytest.approx(0.5 + 1.0)


def test_kanban_usage_per_model_may_leave_models_out():
    sc = scenario_from_dict(mutated(lambda d: bolt(d).update(usage={"A": 2})))
    part = sc.suppliers[1].parts[0]
    assert part.usage_of("A") == 2 and part.usage_of("B") == 0


# --- schema errors: unknown keys, missing keys, wrong types, bad values ---------------------------


def test_unknown_key_names_its_path():
    exc = error_of(mutated(lambda d: seat_set(d).update(rak_size=3)))
    assert exc.path == "suppliers.seats.parts.seat-set.rak_size"
    assert exc.problem.startswith("unknown key")
    assert "more problem" not in exc.problem  # one typo is one problem
    assert exc.file == "tiny.yaml"
    assert str(exc) == f"tiny.yaml: suppliers.seats.parts.seat-set.rak_size: {exc.problem}"


@pytest.mark.parametrize("change, path", [
    (lambda d: d.update(replication=3), "replication"),
    (lambda d: d["line"].update(takt=90), "line.takt"),
    (lambda d: d["plant"].update(doors=3), "plant.doors"),
    (lambda d: bolts(d).update(truck=1), "suppliers.bolts.truck"),
    (lambda d: bolt(d).update(pack=5), "suppliers.bolts.parts.bolt.pack"),
    (lambda d: d.update(calendar={"shift": []}), "calendar.shift"),
    (lambda d: d.update(disruptions=[{"name": "jam", "kind": "road", "start_day": 1, "duration_h": 1,
                                      "extra_min": 5, "extra_h": 1}]), "disruptions.jam.extra_h"),
    (lambda d: seat_set(d).update(pack_size=10), "suppliers.seats.parts.seat-set.pack_size"),  # a kanban key on JIS
])
def test_unknown_keys_are_rejected(change, path):
    exc = error_of(mutated(change))
    assert exc.path == path
    assert "unknown key" in exc.problem


@pytest.mark.parametrize("change, path", [
    (lambda d: d.pop("name"), "name"),
    (lambda d: d.pop("horizon"), "horizon"),
    (lambda d: d["horizon"].pop("days"), "horizon.days"),
    (lambda d: d["line"].pop("takt_s"), "line.takt_s"),
    (lambda d: d["plant"].pop("docks"), "plant.docks"),
    (lambda d: bolts(d).pop("trucks"), "suppliers.bolts.trucks"),
    (lambda d: seat_set(d).pop("rack_size"), "suppliers.seats.parts.seat-set.rack_size"),
    (lambda d: bolt(d).pop("cards"), "suppliers.bolts.parts.bolt.cards"),
    (lambda d: seat_set(d).pop("mode"), "suppliers.seats.parts.seat-set.mode"),
    (lambda d: d.update(disruptions=[{"supplier": "seats", "start_day": 1, "duration_h": 1}]), "disruptions.0.kind"),
    (lambda d: d.update(disruptions=[{"kind": "road", "start_day": 1, "duration_h": 1}]), "disruptions.0.extra_min"),
])
def test_missing_required_key(change, path):
    exc = error_of(mutated(change))
    assert exc.path == path
    assert exc.problem == "required key is missing"


@pytest.mark.parametrize("change, path, words", [
    (lambda d: seats(d).update(trucks="many"), "suppliers.seats.trucks", "valid integer"),
    (lambda d: seats(d).update(trucks=1.5), "suppliers.seats.trucks", "valid integer"),
    (lambda d: seats(d).update(trucks=True), "suppliers.seats.trucks", "valid integer"),
    (lambda d: d["line"].update(takt_s=True), "line.takt_s", "valid number"),
    (lambda d: d["line"].update(takt_s="fast"), "line.takt_s", "valid number"),
    (lambda d: d["line"].update(stations=[60]), "line.stations", "valid integer"),
    (lambda d: d.update(seed="abc"), "seed", "valid integer"),
    (lambda d: seat_set(d).update(mode="jit"), "suppliers.seats.parts.seat-set.mode", "'jis', 'kanban'"),
    (lambda d: d.update(disruptions=[{"kind": "flood", "start_day": 1, "duration_h": 1}]),
     "disruptions.0.kind", "'road', 'road_closed', 'supplier_down'"),
    (lambda d: bolt(d).update(usage="two"), "suppliers.bolts.parts.bolt.usage", "valid integer"),
    (lambda d: d.update(calendar={"workdays": ["monday"]}), "calendar.workdays.0", "'mon', 'tue'"),
    (lambda d: d.update(calendar={"shifts": [{"name": "A", "start": "6h", "end": "14:00"}]}),
     "calendar.shifts.A.start", '"HH:MM"'),
    (lambda d: d.update(calendar={"shifts": [{"name": "A", "start": "06:00", "end": "24:30"}]}),
     "calendar.shifts.A.end", '"HH:MM"'),
    (lambda d: d["line"].update(models=["A", "B"]), "line.models", "valid dictionary"),
    (lambda d: d.update(name="two words"), "name", "pattern"),
    (lambda d: seat_set(d).update(name="Seat Set!"), "suppliers.seats.parts.Seat Set!.name", "pattern"),
])
def test_wrong_types_are_rejected(change, path, words):
    exc = error_of(mutated(change))
    assert exc.path == path
    assert words in exc.problem


def test_wrong_mode_message_is_short():
    exc = error_of(mutated(lambda d: seat_set(d).update(mode="jit")))
    assert exc.problem == "value 'jit' found using 'mode' does not match any of the expected tags: 'jis', 'kanban'"


@pytest.mark.parametrize("change, path, words", [
    (lambda d: seats(d).update(distance_km=-1), "suppliers.seats.distance_km", "greater than 0"),
    (lambda d: seats(d).update(speed_kmh=0), "suppliers.seats.speed_kmh", "greater than or equal to 1"),
    (lambda d: d["line"].update(takt_s=0), "line.takt_s", "greater than or equal to 10"),
    (lambda d: d["line"].update(takt_s=float("inf")), "line.takt_s", "finite number"),
    (lambda d: d["line"].update(stations=0), "line.stations", "greater than or equal to 1"),
    (lambda d: d["line"].update(broadcast_cars=-1), "line.broadcast_cars", "greater than or equal to 0"),
    (lambda d: d["line"].update(models={"A": 0.6, "B": 0}), "line.models.B", "greater than 0"),
    (lambda d: d["line"].update(models={}), "line.models", "at least 1 item"),
    (lambda d: d["plant"].update(docks=0), "plant.docks", "greater than or equal to 1"),
    (lambda d: d["plant"].update(unload_min=-5), "plant.unload_min", "greater than or equal to 0"),
    (lambda d: d["horizon"].update(days=0), "horizon.days", "greater than 0"),
    (lambda d: d.update(replications=0), "replications", "greater than or equal to 1"),
    (lambda d: d.update(seed=-1), "seed", "greater than or equal to 0"),
    (lambda d: bolts(d).update(travel_cv=-0.1), "suppliers.bolts.travel_cv", "greater than or equal to 0"),
    (lambda d: bolts(d).update(trucks=0), "suppliers.bolts.trucks", "greater than or equal to 1"),
    (lambda d: bolts(d).update(bearing_deg=360), "suppliers.bolts.bearing_deg", "less than 360"),
    (lambda d: bolt(d).update(cards=0), "suppliers.bolts.parts.bolt.cards", "greater than or equal to 1"),
    (lambda d: bolt(d).update(dispatch_max_wait_min=-1), "suppliers.bolts.parts.bolt.dispatch_max_wait_min",
     "greater than or equal to 0"),
    (lambda d: seat_set(d).update(build_s=0), "suppliers.seats.parts.seat-set.build_s", "greater than 0"),
    (lambda d: seat_set(d).update(usage={"A": -1, "B": 1}), "suppliers.seats.parts.seat-set.usage", ""),
    (lambda d: bolts(d).update(parts=[]), "suppliers.bolts.parts", "at least 1 item"),
    (lambda d: d.update(suppliers=[]), "suppliers", "at least 1 item"),
    (lambda d: d.update(disruptions=[{"kind": "road", "start_day": -1, "duration_h": 1, "extra_min": 5}]),
     "disruptions.0.start_day", "greater than or equal to 0"),
    (lambda d: d.update(disruptions=[{"kind": "road_closed", "start_day": 1, "duration_h": 0}]),
     "disruptions.0.duration_h", "greater than 0"),
    (lambda d: seats(d).update(distance_km=None, speed_kmh=None, legs=[{"km": 0, "speed_kmh": 30}]),
     "suppliers.seats.legs.0.km", "greater than 0"),
    (lambda d: d["line"].update(sequence_changes={"leave_share": 0.6, "stretch_cars": 10}),
     "line.sequence_changes.leave_share", "less than or equal to 0.5"),
    (lambda d: d["line"].update(sequence_changes={"unplanned_share": -0.1, "stretch_cars": 10}),
     "line.sequence_changes.unplanned_share", "greater than or equal to 0"),
    (lambda d: d["line"].update(sequence_changes={"stretch_cars": 0}),
     "line.sequence_changes.stretch_cars", "greater than or equal to 1"),
    (lambda d: d["line"].update(sequence_changes={"stretch_cars": 10_001}),
     "line.sequence_changes.stretch_cars", "less than or equal to 10000"),
    (lambda d: d["line"].update(sequence_changes={"return_delay_min": -1, "stretch_cars": 10}),
     "line.sequence_changes.return_delay_min", "greater than or equal to 0"),
    (lambda d: seats(d).update(express={"speed_kmh": 0}), "suppliers.seats.express.speed_kmh",
     "greater than or equal to 1"),
    (lambda d: seats(d).update(express={"load_min": -1}), "suppliers.seats.express.load_min",
     "greater than or equal to 0"),
    (lambda d: seat_set(d).update(buffer_units=-1), "suppliers.seats.parts.seat-set.buffer_units",
     "greater than or equal to 0"),
])
def test_negative_and_zero_values_are_rejected(change, path, words):
    exc = error_of(mutated(change))
    assert exc.path == path
    assert words in exc.problem


def test_one_typo_inside_a_list_item_is_one_problem():
    # pydantic also reports the enclosing list as too short; the loader must not count that echo
    exc = error_of(mutated(lambda d: bolt(d).update(cards=0)))
    assert exc.problem == "Input should be greater than or equal to 1"


def test_several_problems_are_counted():
    exc = error_of(mutated(lambda d: (d["line"].pop("takt_s"), d["plant"].pop("docks"), d.update(seed=-1))))
    assert exc.path == "seed"  # the first in the schema's order
    assert exc.problem == "Input should be greater than or equal to 0 (and 2 more problems)"


# --- cross-checks -----------------------------------------------------------------------------------


def _shift(start, end, *breaks):
    return {"shifts": [{"name": "A", "start": start, "end": end,
                        "breaks": [{"start": b0, "end": b1} for b0, b1 in breaks]}]}


@pytest.mark.parametrize("change, path, words", [
    (lambda d: seat_set(d).update(station=11), "suppliers.seats.parts.seat-set.station",
     "station 11 is beyond the line's 10 stations"),
    (lambda d: seat_set(d).update(usage={"A": 1}), "suppliers.seats.parts.seat-set.usage",
     "a JIS part needs its usage for every model; missing ['B']"),
    (lambda d: bolt(d).update(usage={"A": 1, "C": 2}), "suppliers.bolts.parts.bolt.usage",
     "unknown model 'C'; the line builds ['A', 'B']"),
    (lambda d: seat_set(d).update(usage={"A": 1, "B": 1, "X9": 1}), "suppliers.seats.parts.seat-set.usage",
     "unknown model 'X9'"),
    (lambda d: bolt(d).update(usage=0), "suppliers.bolts.parts.bolt.usage", "used by no model"),
    (lambda d: seat_set(d).update(buffer_units=2), "suppliers.seats.parts.seat-set.buffer_units",
     "a sequencing buffer serves rush orders, which need line.sequence_changes"),
    (lambda d: seats(d).update(express={"speed_kmh": 80}), "suppliers.seats.express",
     "express trips carry rush orders, which need line.sequence_changes"),
    (lambda d: (d["line"].update(sequence_changes={"stretch_cars": 10}), bolts(d).update(express={})),
     "suppliers.bolts.express", "express trips carry rush orders of JIS parts; this supplier has none"),
    (lambda d: d.update(disruptions=[{"kind": "supplier_down", "supplier": "nobody", "start_day": 1, "duration_h": 2}]),
     "disruptions.0.supplier", "no supplier named 'nobody'"),
    (lambda d: d.update(disruptions=[{"name": "outage", "kind": "supplier_down", "supplier": "Seats",
                                      "start_day": 1, "duration_h": 2}]),
     "disruptions.outage.supplier", "no supplier named 'Seats'"),
    (lambda d: d.update(disruptions=[{"name": "jam", "kind": "road", "route": "nowhere", "start_day": 1,
                                      "duration_h": 2, "extra_min": 30}]),
     "disruptions.jam.route", "no supplier uses the route 'nowhere' (routes: ave)"),
    (lambda d: d.update(disruptions=[{"kind": "road_closed", "route": "nowhere", "start_day": 1, "duration_h": 2}]),
     "disruptions.0.route", "no supplier uses the route 'nowhere'"),
    (lambda d: d["suppliers"].append(copy.deepcopy(bolts(d)) | {"parts": [dict(bolt(d), name="nut")]}),
     "suppliers", "two suppliers are named 'bolts'"),
    (lambda d: bolts(d)["parts"].append(dict(bolt(d), station=3)), "suppliers",
     "two parts are named 'bolt'"),
    (lambda d: bolts(d)["parts"].append(dict(bolt(d), name="seat-set")), "suppliers",
     "two parts are named 'seat-set'"),  # across suppliers too
    (lambda d: d.update(disruptions=[
        {"name": "x", "kind": "road_closed", "start_day": 1, "duration_h": 2},
        {"name": "x", "kind": "road_closed", "start_day": 1.5, "duration_h": 2}]),
     "disruptions", "two disruptions are named 'x'"),
    (lambda d: d.update(calendar=_shift("06:00", "14:00", ("15:00", "15:30"))), "calendar.shifts.A.breaks",
     "break 15:00-15:30 does not lie inside the shift 06:00-14:00"),
    (lambda d: d.update(calendar=_shift("06:00", "14:00", ("13:30", "14:30"))), "calendar.shifts.A.breaks",
     "break 13:30-14:30 does not lie inside the shift 06:00-14:00"),
    (lambda d: d.update(calendar=_shift("22:00", "06:00", ("21:50", "22:10"))), "calendar.shifts.A.breaks",
     "does not lie inside the shift 22:00-06:00"),
    (lambda d: d.update(calendar=_shift("06:00", "06:00")), "calendar.shifts.A",
     "must not start and end at the same time"),
    (lambda d: d.update(calendar={"workdays": []}), "calendar.workdays", "at least one workday"),
    (lambda d: seats(d).update(calendar=_shift("06:00", "14:00", ("05:00", "05:30"))),
     "suppliers.seats.calendar.shifts.A.breaks", "does not lie inside the shift"),
    (lambda d: seats(d).update(legs=[{"km": 1, "speed_kmh": 30}]), "suppliers.seats",
     "give either distance_km and speed_kmh, or legs, not both"),
    (lambda d: (seats(d).pop("distance_km"), seats(d).pop("speed_kmh")), "suppliers.seats",
     "give distance_km and speed_kmh, or legs"),
    (lambda d: seats(d).pop("speed_kmh"), "suppliers.seats", "give distance_km and speed_kmh, or legs"),
    (lambda d: (seats(d).pop("distance_km"), seats(d).pop("speed_kmh"), seats(d).update(legs=[])),
     "suppliers.seats", "legs must list at least one leg"),
])
def test_cross_checks_name_the_key_path(change, path, words):
    exc = error_of(mutated(change))
    assert exc.path == path
    assert words in exc.problem


def test_disruption_after_the_horizon_is_allowed(tiny_file):
    # a shorter run (--days 1) of a scenario must still load; the late disruption simply never happens
    data = mutated(lambda d: d.update(disruptions=[
        {"name": "late", "kind": "supplier_down", "supplier": "seats", "start_day": 1.5, "duration_h": 1}]))
    path = write(tiny_file.parent, data, "late.yaml")
    sc = load_scenario(path, overrides=["horizon.days=1", "horizon.warmup_days=0"])
    assert sc.horizon.days == 1.0 and sc.disruptions[0].start_day == 1.5


@pytest.mark.parametrize("warmup", [2, 3])
def test_warmup_must_be_shorter_than_the_horizon(warmup):
    exc = error_of(mutated(lambda d: d["horizon"].update(warmup_days=warmup)))
    assert exc.path == "horizon.warmup_days"
    assert f"the warm-up ({warmup} days) must be shorter than the run (horizon.days = 2)" in exc.problem


@pytest.mark.parametrize("calendar", [
    _shift("22:00", "06:00", ("02:00", "02:30")),  # crosses midnight, break after midnight
    _shift("16:00", "24:00", ("23:30", "24:00")),  # break up to the shift's end
    _shift("00:00", "24:00", ("12:00", "12:30")),  # a whole-day shift with a break
    {"workdays": ["mon", "wed"], "holidays": [2]},
], ids=["overnight", "break-at-end", "whole-day", "workdays-only"])
def test_valid_calendars_pass(calendar):
    sc = scenario_from_dict(mutated(lambda d: d.update(calendar=calendar)))
    assert sc.calendar == scenario_from_dict({**tiny(), "calendar": calendar}).calendar
    if "shifts" in calendar:
        assert sc.calendar.shifts[0].breaks[0].start == calendar["shifts"][0]["breaks"][0]["start"]


def test_road_disruption_without_route_applies_everywhere():
    sc = scenario_from_dict(mutated(lambda d: d.update(disruptions=[
        {"kind": "road_closed", "start_day": 1, "duration_h": 3},
        {"kind": "road", "route": "ave", "start_day": 1.9, "duration_h": 1, "extra_min": 10}])))
    closed, road = sc.disruptions
    assert isinstance(closed, RoadClosed) and closed.route is None
    assert road.route == "ave" and road.extra_min == 10.0


# --- YAML --------------------------------------------------------------------------------------------

TINY_YAML = """\
name: tiny-yaml
horizon: {days: 2}
calendar:
  workdays: [mon, tue, wed, thu, fri]
  shifts:
    - {name: early, start: 06:00, end: 14:00, breaks: [{start: 10:00, end: 10:30}]}
    - {name: late, start: 14:00, end: 24:00}
line: {takt_s: 60, stations: 10, models: {A: 1}, broadcast_cars: 20}
plant: {docks: 1, unload_min: 5}
suppliers:
  - name: bolts
    distance_km: 0.8
    speed_kmh: 30
    trucks: 1
    load_min: 3
    parts:
      - {name: bolt, station: 2, usage: 4, mode: kanban, pack_size: 100, cards: 4, packs_per_truck: 2}
"""


@pytest.mark.usefixtures("yaml_loader")
def test_unquoted_clock_times_stay_strings(tmp_path):
    # plain YAML 1.1 reads 14:00 as the sexagesimal integer 840
    assert yaml.safe_load("end: 14:00") == {"end": 840}
    sc = load_scenario(write(tmp_path, TINY_YAML))
    early, late = sc.calendar.shifts
    assert (early.start, early.end, early.breaks[0].start, early.breaks[0].end) == ("06:00", "14:00", "10:00", "10:30")
    assert (late.start, late.end) == ("14:00", "24:00")


@pytest.mark.usefixtures("yaml_loader")
def test_yaml_numbers_stay_numbers(tmp_path):
    sc = load_scenario(write(tmp_path, TINY_YAML))
    supplier = sc.suppliers[0]
    assert supplier.distance_km == 0.8 and supplier.trucks == 1 and supplier.parts[0].pack_size == 100


@pytest.mark.parametrize("text, line", [
    ("name: broken\nline:\n  takt_s: [60\nplant: {docks: 1}\n", 4),
    ("name: broken\nline:\n  takt_s: 60\n   stations: 3\n", 4),
    ("name: broken\nseed: 1\n\tline: 2\n", 3),
])
@pytest.mark.usefixtures("yaml_loader")
def test_invalid_yaml_gives_a_line_number(tmp_path, text, line):
    path = write(tmp_path, text, "broken.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.file == str(path)
    assert info.value.problem.startswith(f"not valid YAML: line {line}, column ")


def test_file_not_found(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.file, info.value.path, info.value.problem) == (str(path), "", "file not found")
    assert str(info.value) == f"{path}: file not found"


@pytest.mark.parametrize("text", ["- name: a\n- name: b\n", "just a string\n", "", "# only a comment\n", "42\n"])
@pytest.mark.usefixtures("yaml_loader")
def test_top_level_must_be_a_mapping(tmp_path, text):
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text, "flat.yaml"))
    assert "must be a mapping" in info.value.problem


# --- extends: ----------------------------------------------------------------------------------------


@pytest.fixture
def family(tmp_path, monkeypatch):
    """base/tiny.yaml and a folder for variants; the working directory is elsewhere on purpose."""
    write(tmp_path / "base", tiny())
    (tmp_path / "variants").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return tmp_path


def test_extends_overrides_one_supplier_without_repeating_its_parts(family):
    child = write(family / "variants", "extends: ../base/tiny.yaml\nname: far\n"
                                        "suppliers:\n  - {name: seats, distance_km: 40}\n", "far.yaml")
    sc = load_scenario(child)
    base = load_scenario(family / "base" / "tiny.yaml")
    assert sc.name == "far"
    far, same = sc.suppliers
    assert far.name == "seats" and far.distance_km == 40.0
    assert far.speed_kmh == 30.0 and far.trucks == 2 and far.route == "ave"  # the rest of the supplier is kept
    assert far.parts == base.suppliers[0].parts
    assert same == base.suppliers[1]
    assert sc.line == base.line and sc.plant == base.plant and sc.horizon == base.horizon


def test_extends_merges_mappings_key_by_key(family):
    child = write(family / "variants", "extends: ../base/tiny.yaml\nline: {takt_s: 45}\nplant: {docks: 4}\n", "c.yaml")
    sc = load_scenario(child)
    assert sc.line.takt_s == 45.0
    assert sc.line.stations == 10 and sc.line.models == {"A": 0.6, "B": 0.4} and sc.line.broadcast_cars == 20
    assert sc.plant.docks == 4 and sc.plant.unload_min == 5.0


def test_extends_merges_parts_by_name(family):
    child = write(family / "variants", "extends: ../base/tiny.yaml\nsuppliers:\n"
                                        "  - {name: seats, parts: [{name: seat-set, rack_size: 6}]}\n", "c.yaml")
    part = load_scenario(child).suppliers[0].parts[0]
    assert part.rack_size == 6
    assert (part.station, part.racks_per_truck, part.build_s, part.mode) == (5, 2, 30.0, "jis")


def test_extends_appends_a_new_supplier(family):
    child = write(family / "variants", """\
extends: ../base/tiny.yaml
suppliers:
  - name: lamps
    distance_km: 5
    speed_kmh: 40
    trucks: 1
    load_min: 2
    parts:
      - {name: lamp, station: 3, usage: 2, mode: kanban, pack_size: 10, cards: 3, packs_per_truck: 1}
""", "c.yaml")
    sc = load_scenario(child)
    assert [s.name for s in sc.suppliers] == ["seats", "bolts", "lamps"]
    assert [p.name for _, p in sc.parts] == ["seat-set", "bolt", "lamp"]


def test_extends_null_deletes_a_key(family):
    child = write(family / "variants", """\
extends: ../base/tiny.yaml
suppliers:
  - name: seats
    distance_km: null
    speed_kmh: null
    legs: [{km: 3, speed_kmh: 30}, {km: 60, speed_kmh: 60}]
""", "c.yaml")
    seats_ = load_scenario(child).suppliers[0]
    assert seats_.distance_km is None and seats_.speed_kmh is None
    assert seats_.one_way_km == 63.0
    assert seats_.parts[0].name == "seat-set"
    assert "distance_km" not in resolve_file(child)["suppliers"][0]


def test_extends_switching_to_legs_without_null_is_an_error(family):
    child = write(family / "variants", "extends: ../base/tiny.yaml\n"
                                        "suppliers:\n  - {name: seats, legs: [{km: 3, speed_kmh: 30}]}\n", "c.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert info.value.file == str(child)
    assert info.value.path == "suppliers.seats"
    assert "not both" in info.value.problem


def test_extends_replaces_plain_lists(family):
    base = tiny() | {"calendar": {"workdays": ["mon", "tue", "wed"]}}
    write(family / "base", base, "cal.yaml")
    child = write(family / "variants", "extends: ../base/cal.yaml\ncalendar: {workdays: [sat]}\n", "c.yaml")
    assert load_scenario(child).calendar.workdays == ("sat",)


@pytest.mark.usefixtures("yaml_loader")
def test_extends_chain_resolves_each_parent_next_to_its_child(family):
    write(family / "variants", "extends: ../base/tiny.yaml\nname: mid\nline: {takt_s: 45}\n", "mid.yaml")
    leaf = write(family / "variants" / "deeper", "extends: ../mid.yaml\nname: leaf\nplant: {docks: 7}\n", "leaf.yaml")
    sc = load_scenario(leaf)
    assert (sc.name, sc.line.takt_s, sc.plant.docks, sc.line.stations) == ("leaf", 45.0, 7, 10)
    assert "extends" not in resolve_file(leaf)


def test_circular_extends_is_detected(family):
    write(family / "variants", "extends: b.yaml\nname: a\n", "a.yaml")
    write(family / "variants", "extends: a.yaml\nname: b\n", "b.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(family / "variants" / "a.yaml")
    assert info.value.path == "extends"
    assert info.value.problem == "circular extends: a.yaml -> b.yaml -> a.yaml"


def test_a_file_extending_itself_is_circular(family):
    path = write(family / "variants", "extends: self.yaml\nname: self\n", "self.yaml")
    with pytest.raises(ScenarioError, match="circular extends: self.yaml -> self.yaml"):
        load_scenario(path)


def test_missing_parent_file(family):
    path = write(family / "variants", "extends: nope.yaml\nname: orphan\n", "orphan.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.file == str(path)
    assert info.value.path == "extends"
    assert "the file 'nope.yaml' does not exist" in info.value.problem
    assert str(family / "variants" / "nope.yaml") in info.value.problem


def test_extends_must_be_a_path(family):
    path = write(family / "variants", "extends: [a.yaml, b.yaml]\nname: two\n", "two.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.path == "extends" and "must be the path" in info.value.problem


@pytest.mark.usefixtures("yaml_loader")
def test_invalid_parent_yaml_names_the_parent(family):
    write(family / "base", "name: [oops\n", "broken.yaml")
    child = write(family / "variants", "extends: ../base/broken.yaml\n", "c.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert info.value.file.endswith("broken.yaml") and "not valid YAML" in info.value.problem


def test_deep_merge_leaves_its_inputs_alone():
    base = {"a": {"b": 1, "c": [1, 2]}, "items": [{"name": "x", "v": 1}], "gone": 5}
    over = {"a": {"b": 2}, "items": [{"name": "x", "v": 2}, {"name": "y", "v": 3}], "gone": None}
    before = copy.deepcopy((base, over))
    merged = deep_merge(base, over)
    assert merged == {"a": {"b": 2, "c": [1, 2]}, "items": [{"name": "x", "v": 2}, {"name": "y", "v": 3}]}
    assert (base, over) == before


# --- --set overrides ---------------------------------------------------------------------------------


@pytest.fixture
def tiny_file(tmp_path):
    return write(tmp_path, tiny())


def test_override_nested_by_names(tiny_file):
    sc = load_scenario(tiny_file, overrides=["suppliers.seats.parts.seat-set.rack_size=6"])
    assert sc.suppliers[0].parts[0].rack_size == 6
    assert sc.suppliers[0].parts[0].racks_per_truck == 2
    assert load_scenario(tiny_file).suppliers[0].parts[0].rack_size == 4  # the file is not changed


def test_override_top_level(tiny_file):
    sc = load_scenario(tiny_file, overrides=["replications=3", "seed=42"])
    assert sc.replications == 3 and sc.seed == 42


def test_override_list_items_by_index(tiny_file):
    sc = load_scenario(tiny_file, overrides=["suppliers.1.distance_km=7.5", "suppliers.seats.parts.0.station=3"])
    assert sc.suppliers[1].distance_km == 7.5
    assert sc.suppliers[0].parts[0].station == 3


@pytest.mark.usefixtures("yaml_loader")
def test_override_values_are_yaml(tiny_file):
    sc = load_scenario(tiny_file, overrides=[
        "line.models={A: 1, B: 3}",
        "suppliers.seats.distance_km=",  # empty: null
        "suppliers.seats.speed_kmh=",
        "suppliers.seats.legs=[{km: 4, speed_kmh: 40}, {km: 10, speed_kmh: 50}]",
        "description=made at 16:00",
        "horizon.days=3",
    ])
    assert sc.line.models == {"A": 1.0, "B": 3.0}
    assert sc.suppliers[0].distance_km is None and sc.suppliers[0].one_way_km == 14.0
    assert sc.description == "made at 16:00"
    assert sc.horizon.days == 3.0 and isinstance(sc.horizon.days, float)


@pytest.mark.usefixtures("yaml_loader")
def test_override_clock_time_stays_a_string(tmp_path):
    path = write(tmp_path, TINY_YAML)
    sc = load_scenario(path, overrides=["calendar.shifts.late.end=22:00", "calendar.shifts.early.breaks.0.end=10:15"])
    assert sc.calendar.shifts[1].end == "22:00"
    assert sc.calendar.shifts[0].breaks[0].end == "10:15"


def test_later_overrides_win(tiny_file):
    assert load_scenario(tiny_file, overrides=["replications=3", "replications=5"]).replications == 5


def test_overrides_apply_after_extends(family):
    child = write(family / "variants", "extends: ../base/tiny.yaml\nname: child\n", "c.yaml")
    sc = load_scenario(child, overrides=["suppliers.bolts.trucks=4"])
    assert sc.name == "child" and sc.suppliers[1].trucks == 4


@pytest.mark.parametrize("assignment, path, words", [
    ("suppliers.nobody.trucks=3", "suppliers.nobody", "no list item named 'nobody'"),
    ("suppliers.5.trucks=3", "suppliers.5", "no list item named '5'"),
    ("nosuch.key=1", "nosuch", "unknown key"),  # a missing section is created, then rejected by the schema
    ("line.nosuch.key=1", "line.nosuch", "unknown key"),
    ("line.takt_s.x=1", "line.takt_s.x", "is a value, not a mapping"),
    ("line.takt=80", "line.takt", "unknown key"),  # a new last key reaches validation
    ("seed", "seed", "key.path=value"),
    ("=3", "=3", "key.path=value"),
])
def test_unknown_override_path_is_named(tiny_file, assignment, path, words):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tiny_file, overrides=[assignment])
    assert info.value.file == str(tiny_file)
    assert info.value.path == path
    assert words in info.value.problem


@pytest.mark.parametrize("assignment, path, words", [
    ("suppliers.seats.trucks=0", "suppliers.seats.trucks", "greater than or equal to 1"),
    ("suppliers.seats.trucks=many", "suppliers.seats.trucks", "valid integer"),
    ("suppliers.seats.parts.seat-set.station=99", "suppliers.seats.parts.seat-set.station", "beyond the line's"),
    ("line.models={A: 1, B: 1, C: 1}", "suppliers.seats.parts.seat-set.usage", "missing ['C']"),
    ("horizon.warmup_days=5", "horizon.warmup_days", "must be shorter than the run"),
    ("suppliers.seats.legs=[{km: 1, speed_kmh: 30}]", "suppliers.seats", "not both"),
    ("seed=-1", "seed", "greater than or equal to 0"),
])
def test_override_to_an_invalid_value_is_caught(tiny_file, assignment, path, words):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tiny_file, overrides=[assignment])
    assert info.value.path.startswith(path)
    assert words in info.value.problem


# --- the scenario files in scenarios/ ----------------------------------------------------------------


def test_scenario_folder_is_not_empty():
    assert {"nanshan.yaml", "nanshan-detour.yaml", "nanshan-2019.yaml", "nanshan-winter.yaml"} <= {
        p.name for p in SCENARIO_FILES}


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
@pytest.mark.usefixtures("yaml_loader")
def test_every_scenario_file_loads(path):
    sc = load_scenario(path)
    assert sc.name == path.stem
    modes = {p.mode for _, p in sc.parts}
    assert modes == {"jis", "kanban"}
    assert sc.horizon.warmup_days < sc.horizon.days
    assert all(p.station <= sc.line.stations for _, p in sc.parts)


@pytest.fixture(scope="module")
def nanshan():
    return load_scenario(REPO / "scenarios" / "nanshan.yaml")


def _by_name(items):
    return {i.name: i for i in items}


def test_detour_lengthens_the_avenue_suppliers_trips(nanshan):
    detour = load_scenario(REPO / "scenarios" / "nanshan-detour.yaml")
    base, new = _by_name(nanshan.suppliers), _by_name(detour.suppliers)
    assert list(base) == list(new)
    avenue = [name for name, s in base.items() if s.route == "nanshan-avenue"]
    assert len(avenue) >= 20
    for name in avenue:
        before, after = base[name], new[name]
        assert after.route == "yangxin-road"
        assert 3.0 - 1e-9 <= after.distance_km / before.distance_km <= 5.0 + 1e-9, name  # detour factor x3-5
        assert after.travel_cv > before.travel_cv
        assert after.parts == before.parts and after.trucks == before.trucks  # merged by name, not repeated
    assert all(new[name] == s for name, s in base.items() if name not in avenue)
    assert (detour.line, detour.plant, detour.calendar, detour.seed) == (
        nanshan.line, nanshan.plant, nanshan.calendar, nanshan.seed)
    accident = _by_name(detour.disruptions)["nanshan-avenue-accident"]
    base_accident = _by_name(nanshan.disruptions)["nanshan-avenue-accident"]
    assert accident.route == "yangxin-road"
    assert accident.model_copy(update={"route": "nanshan-avenue"}) == base_accident
    assert [d.name for d in detour.disruptions][: len(nanshan.disruptions)] == [d.name for d in nanshan.disruptions]
    assert len(detour.disruptions) > len(nanshan.disruptions)


def test_2019_moves_most_suppliers_far_away(nanshan):
    old = load_scenario(REPO / "scenarios" / "nanshan-2019.yaml")
    base, new = _by_name(nanshan.suppliers), _by_name(old.suppliers)
    assert list(base) == list(new)
    moved = [name for name in base if new[name] != base[name]]
    assert len(moved) >= 30
    for name in moved:
        assert base[name].one_way_km < 10 and new[name].one_way_km > 150, name  # ring supplier now long-haul
        assert new[name].legs is not None and new[name].distance_km is None and new[name].speed_kmh is None
        assert [p.name for p in new[name].parts] == [p.name for p in base[name].parts]
    local = [name for name, s in new.items() if s.one_way_km < 10]
    assert "front-seats" in local and len(local) < 0.1 * len(new)  # under 10 % local sourcing
    engine = next(p for _, p in old.parts if p.name == "engine")
    base_engine = next(p for _, p in nanshan.parts if p.name == "engine")
    assert old.broadcast_of(engine) == 340 and nanshan.broadcast_of(base_engine) == 150  # early call-off when far
    assert old.plant.docks > nanshan.plant.docks
    assert (old.line, old.calendar) == (nanshan.line, nanshan.calendar)


def test_winter_adds_snow_disruptions_and_keeps_the_base_ones(nanshan):
    winter = load_scenario(REPO / "scenarios" / "nanshan-winter.yaml")
    assert winter.suppliers == nanshan.suppliers and winter.line == nanshan.line
    names = [d.name for d in winter.disruptions]
    assert names[: len(nanshan.disruptions)] == [d.name for d in nanshan.disruptions]
    snow = winter.disruptions[len(nanshan.disruptions):]
    assert snow and all(d.name.startswith("snow-") for d in snow)
    assert any(isinstance(d, RoadClosed) and d.route is None for d in snow)  # every road closed


@pytest.mark.usefixtures("yaml_loader")
def test_a_key_written_twice_is_an_error(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("name: a\nname: b\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "'name' appears twice" in info.value.problem and "line 2" in info.value.problem


@pytest.mark.usefixtures("yaml_loader")
def test_yaml_merge_keys_work_and_a_key_twice_is_still_refused(tmp_path):
    """``<<:`` lays a mapping under another, the keys written beside it winning (days 2 over 5,
    warm-up 1 from the merge); the check for keys written twice used to refuse every merge key."""
    merged = TINY_YAML.replace("horizon: {days: 2}", "horizon: {<<: {days: 5, warmup_days: 1}, days: 2}")
    sc = load_scenario(write(tmp_path, merged, "merge.yaml"))
    assert (sc.horizon.days, sc.horizon.warmup_days) == (2, 1)
    twice = TINY_YAML.replace("horizon: {days: 2}", "horizon: {<<: {days: 5}, days: 2, days: 3}")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, twice, "twice.yaml"))
    assert "'days' appears twice" in info.value.problem


@pytest.mark.usefixtures("yaml_loader")
def test_a_list_as_a_key_is_one_line(tmp_path):
    """A list as a mapping key (``? [1, 2]``) used to escape as a Python TypeError (a traceback)."""
    path = write(tmp_path, "name: x\n? [1, 2]\n: pair\n", "key.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problem == "not valid YAML: line 2, column 3: found unhashable key"


def test_set_creates_a_missing_section(tiny_file):
    sc = load_scenario(tiny_file, overrides=["calendar.workdays=[mon, tue]"])
    assert sc.calendar.workdays == ("mon", "tue")


def test_set_null_deletes_a_key_as_extends_does(tiny_file):
    sc = load_scenario(tiny_file, overrides=["seed=5"])
    assert sc.seed == 5
    assert load_scenario(tiny_file, overrides=["seed=5", "seed=null"]).seed == 0  # back to the default
    assert load_scenario(tiny_file, overrides=["disruptions=null"]).disruptions == ()


# --- shifts: no overlap, unique names (issue 7, item 2) -----------------------------------------------


def _shifts(*spans, name=None):
    """A calendar of shifts "HH:MM-HH:MM" named s0, s1, ... (or all ``name``)."""
    return {"shifts": [{"name": name or f"s{n}", "start": span[:5], "end": span[6:]} for n, span in enumerate(spans)]}


@pytest.mark.parametrize("spans, path, words", [
    # 06-14 and 12-22 both work 12:00-14:00: shifts.csv planned 1,770 cars against a KPI of 1,530
    (("06:00-14:00", "12:00-22:00"), "calendar.shifts.s1", "overlaps the shift s0 (06:00-14:00) from 12:00 to 14:00"),
    # a night shift reaches into the next day's early shift, whichever is written first
    (("22:00-06:00", "05:00-13:00"), "calendar.shifts.s1", "overlaps the shift s0 (22:00-06:00) from 05:00 to 06:00"),
    (("05:00-13:00", "22:00-06:00"), "calendar.shifts.s1", "overlaps the shift s0 (05:00-13:00) from 05:00 to 06:00"),
    (("00:00-24:00", "06:00-14:00"), "calendar.shifts.s1", "from 06:00 to 14:00"),
    (("06:00-14:00", "14:00-22:00", "21:00-23:00"), "calendar.shifts.s2", "overlaps the shift s1"),
    (("08:00-16:00", "08:00-16:00"), "calendar.shifts.s1", "from 08:00 to 16:00"),
])
def test_overlapping_shifts_are_rejected(spans, path, words):
    exc = error_of(mutated(lambda d: d.update(calendar=_shifts(*spans))))
    assert exc.path == path
    assert words in exc.problem and "shifts must not overlap" in exc.problem


def test_overlap_in_a_supplier_calendar_is_rejected_too():
    exc = error_of(mutated(lambda d: seats(d).update(calendar=_shifts("06:00-14:00", "13:00-15:00"))))
    assert exc.path == "suppliers.seats.calendar.shifts.s1"


def test_two_shifts_with_one_name_are_rejected():
    exc = error_of(mutated(lambda d: d.update(calendar=_shifts("06:00-14:00", "14:00-22:00", name="day"))))
    assert (exc.path, exc.problem) == ("calendar.shifts", "two shifts are named 'day'")


@pytest.mark.parametrize("spans", [
    ("22:00-06:00", "06:00-14:00", "14:00-22:00"),  # three shifts that touch, one across midnight
    ("00:00-08:00", "08:00-16:00", "16:00-24:00"),
    ("06:00-14:00",),
], ids=["night-early-late", "midnight-to-midnight", "one"])
def test_shifts_that_only_touch_are_fine(spans):
    assert len(scenario_from_dict(mutated(lambda d: d.update(calendar=_shifts(*spans)))).calendar.shifts) == len(spans)


def test_planned_cars_per_shift_add_up_to_the_run_kpi():
    """Early 06:00-14:00 with a 30 min break and late 14:00-22:00 with a 30 min break, every day, 60 s
    takt, 1 day, no warm-up: each shift plans (8 h - 0.5 h) x 60 = 450 cars, the day 900. The sum of
    shifts.csv and the run KPI are the same 900."""
    from sim.metrics import Frame, measure, shift_table
    from sim.model import run_replication
    calendar = {"shifts": [
        {"name": "early", "start": "06:00", "end": "14:00", "breaks": [{"start": "10:00", "end": "10:30"}]},
        {"name": "late", "start": "14:00", "end": "22:00", "breaks": [{"start": "18:00", "end": "18:30"}]}]}
    sc = scenario_from_dict(tiny() | {"calendar": calendar, "horizon": {"days": 1}})
    table = shift_table(Frame.of(sc), np.empty(0))
    assert list(table["shift"]) == ["early", "late"]
    assert list(table["planned"]) == [450.0, 450.0]
    assert measure(Frame.of(sc), run_replication(sc, 0).tables).kpis["cars_planned"] == 900.0


# --- files that are not scenario text, and values that are not YAML (issue 7, item 6) ----------------


GOOD_TEXT = yaml.safe_dump(tiny(), sort_keys=False)


@pytest.mark.parametrize("content, words", [
    ("name: café\n".encode("latin-1") + GOOD_TEXT.encode(), "not a UTF-8 text file (byte 0xe9 on line 1): save it as UTF-8"),
    (GOOD_TEXT.encode("utf-16"), "not a UTF-8 text file (it is UTF-16 or UTF-32): save it as UTF-8"),
    (GOOD_TEXT.encode("utf-32"), "not a UTF-8 text file (it is UTF-16 or UTF-32): save it as UTF-8"),
    (GOOD_TEXT.encode("utf-16-le"), "not a UTF-8 text file (a NUL byte on line 1: a binary file?)"),
    (b"name: x\n\x00\x01\x02\xff", "not a UTF-8 text file (a NUL byte on line 2: a binary file?)"),
    (b"name: x\ndescription: a\x01b\n", "not valid YAML: character #x0001 at position 22 is not allowed in YAML"),
], ids=["latin-1", "utf-16", "utf-32", "utf-16-no-bom", "binary", "control-character"])
@pytest.mark.usefixtures("yaml_loader")
def test_a_file_that_is_not_utf8_text_is_one_line(tmp_path, content, words):
    path = tmp_path / "odd.yaml"
    path.write_bytes(content)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.file, info.value.path, info.value.problem) == (str(path), "", words)
    assert "\n" not in str(info.value)


@pytest.mark.usefixtures("yaml_loader")
def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD_TEXT.encode())
    assert load_scenario(path).name == "tiny"


def test_a_file_over_the_size_cap_is_not_read(tmp_path):
    from sim.scenario.yamltext import MAX_FILE_BYTES
    path = tmp_path / "big.yaml"
    path.write_text(GOOD_TEXT + "#" * (MAX_FILE_BYTES - len(GOOD_TEXT)), encoding="utf-8")
    assert load_scenario(path).name == "tiny"  # exactly at the cap: read
    with path.open("a") as f:
        f.write("#")
    with pytest.raises(ScenarioError, match="the file is larger than 5 MB"):
        load_scenario(path)


def test_a_folder_is_not_a_scenario_file(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path)
    assert info.value.problem == "is a folder, not a scenario file (a YAML text file)"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    outcome = {}

    def load():
        try:
            load_scenario(path)
        except ScenarioError as exc:
            outcome["error"] = exc

    reader = threading.Thread(target=load, daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # the loader waits in open(): a writer that closes at once releases it
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("opening a named pipe waited for a writer")
    assert outcome["error"].problem == "is a named pipe, not a scenario file (a YAML text file)"


@pytest.mark.parametrize("text, words", [
    ("name: x\nline: " + "[" * 200 + "]" * 200 + "\n", "the YAML nests more than 40 levels deep"),
    ("name: x\nline: " + "[" * 5000 + "\n", "not valid YAML: nested more than 40 levels deep"),  # Python's stack
    ("name: x\nline: &a [*a]\n", "the YAML nests more than 40 levels deep"),  # an alias of itself
    ("a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 7)),
     "the YAML expands to more than 1,000,000 values (YAML aliases?)"),  # 10**7 values from 800 bytes
], ids=["deep", "deeper-than-python", "self-alias", "billion-laughs"])
@pytest.mark.usefixtures("yaml_loader")
def test_yaml_that_would_exhaust_the_stack_or_memory_is_refused(tmp_path, text, words):
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text, "odd.yaml"))
    assert words in info.value.problem


def test_a_long_extends_chain_is_refused(tmp_path):
    write(tmp_path, tiny(), "f0.yaml")
    for n in range(1, 20):
        write(tmp_path, f"extends: f{n - 1}.yaml\n", f"f{n}.yaml")
    assert load_scenario(tmp_path / "f15.yaml").name == "tiny"  # 16 files
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "f16.yaml")
    assert (info.value.path, info.value.problem) == ("extends", "more than 16 files in the extends: chain")


@pytest.mark.parametrize("assignment, path, words", [
    ("line.takt_s=[1,", "line.takt_s", "the --set value '[1,' is not valid YAML (line 1, column 4: "),
    ("line.models={A: 1", "line.models", "the --set value '{A: 1' is not valid YAML"),
    ("description=a: b: c", "description", "is not valid YAML"),
    ("line.takt_s=\x01", "line.takt_s", "character #x0001 at position 0 is not allowed in YAML"),
])
@pytest.mark.usefixtures("yaml_loader")
def test_a_set_value_that_is_not_yaml_is_one_line(tiny_file, assignment, path, words):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tiny_file, overrides=[assignment])
    assert (info.value.file, info.value.path) == (str(tiny_file), path)
    assert words in info.value.problem and "\n" not in str(info.value)


# --- nearest names, bulk edits and new items with --set (issue 7, item 17) ----------------------------


@pytest.mark.parametrize("assignment, path, problem", [
    ("suppliers.seat.trucks=3", "suppliers.seat",
     "no list item named 'seat' (from --set suppliers.seat.trucks=3); did you mean seats?"),
    ("suppliers.seats.parts.seatset.rack_size=6", "suppliers.seats.parts.seatset",
     "no list item named 'seatset' (from --set suppliers.seats.parts.seatset.rack_size=6); did you mean seat-set?"),
    ("line.takt=80", "line.takt", "unknown key; did you mean takt_s?"),
    ("suppliers.seats.parts.seat-set.rak_size=6", "suppliers.seats.parts.seat-set.rak_size",
     "unknown key; did you mean rack_size?"),  # the JIS part's keys, not the kanban part's
    ("suppliers.bolts.parts.bolt.card=6", "suppliers.bolts.parts.bolt.card", "unknown key; did you mean cards?"),
    ("line.breakdown={mtbf_min: 60, mttr_min: 5}", "line.breakdown", "unknown key; did you mean breakdowns?"),
    ("suppliers[route=avenue].trucks=3", "suppliers[route=avenue]",
     "no item has route = avenue (from --set suppliers[route=avenue].trucks=3); did you mean ave?"),
    ("disruptions.jam.extra_min=5", "disruptions.jam", "no list item named 'jam' (from --set disruptions.jam.extra_min=5); "
     "to add it, give the whole item: --set disruptions.jam={...}"),
    ("suppliers.xyz.trucks=3", "suppliers.xyz", "no list item named 'xyz' (from --set suppliers.xyz.trucks=3); "
     "to add it, give the whole item: --set suppliers.xyz={...}"),
    ("zzz=1", "zzz", "unknown key (check its spelling against the scenario reference in README.md)"),
    ("line[a=b].x=1", "line", "is a mapping; [field=value] selects list items (from --set line[a=b].x=1)"),
    ("suppliers[route=ave.trucks=3", "suppliers[route=ave.trucks=3", "a [ without its ] (a selection is key[field=value])"),
    ("suppliers.se[ats.trucks]=3", "suppliers.se[ats.trucks]", "'se[ats.trucks]' is not a key, '*' or key[field=value]"),
    ("disruptions.x={name: y, kind: road_closed, start_day: 1, duration_h: 6}", "disruptions.x",
     "the new item's name: 'y' differs from the path's 'x'"),
])
def test_unknown_names_suggest_the_nearest(tiny_file, assignment, path, problem):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tiny_file, overrides=[assignment])
    assert info.value.path == path
    assert info.value.problem.startswith(problem)


def test_a_misspelt_key_in_a_file_suggests_too():
    exc = error_of(mutated(lambda d: d["plant"].update(dock=d["plant"].pop("docks"))))
    assert (exc.path, exc.problem) == ("plant.dock", "unknown key; did you mean docks? (and 1 more problem)")
    exc = error_of(mutated(lambda d: d["plant"].update(dock=3)))
    assert (exc.path, exc.problem) == ("plant.dock", "unknown key; did you mean docks?")


def test_set_star_edits_every_item(tiny_file):
    sc = load_scenario(tiny_file, overrides=["suppliers.*.travel_cv=0.3", "line.models.*=1"])
    assert [s.travel_cv for s in sc.suppliers] == [0.3, 0.3]
    assert sc.line.models == {"A": 1.0, "B": 1.0}


def test_set_selects_items_by_a_field(tiny_file):
    # only seats is on the route "ave"; bolts has no route
    sc = load_scenario(tiny_file, overrides=["suppliers[route=ave].trucks=5", "suppliers[trucks=1].load_min=7"])
    assert [(s.name, s.trucks, s.load_min) for s in sc.suppliers] == [("seats", 5, 3.0), ("bolts", 1, 7.0)]


def test_set_selection_after_a_star_needs_one_match_in_all(tiny_file):
    # seats has no kanban part, bolts has one: only the bolt changes
    sc = load_scenario(tiny_file, overrides=["suppliers.*.parts[mode=kanban].dispatch_max_wait_min=45"])
    assert [(p.name, p.dispatch_max_wait_min) for _, p in sc.parts] == [("seat-set", 30.0), ("bolt", 45.0)]
    with pytest.raises(ScenarioError) as info:
        load_scenario(tiny_file, overrides=["suppliers.*.parts[mode=kanbam].cards=2"])
    assert info.value.path == "suppliers.seats.parts[mode=kanbam]" and "did you mean jis?" not in info.value.problem


def test_set_adds_a_named_item_and_then_edits_or_deletes_it(tiny_file):
    new = "disruptions.snow-day={kind: road_closed, start_day: 1, duration_h: 6}"
    sc = load_scenario(tiny_file, overrides=[new])
    assert [(d.name, d.kind, d.start_day, d.duration_h, d.route) for d in sc.disruptions] == [
        ("snow-day", "road_closed", 1.0, 6.0, None)]
    assert load_scenario(tiny_file, overrides=[new, "disruptions.snow-day.duration_h=8"]).disruptions[0].duration_h == 8.0
    assert load_scenario(tiny_file, overrides=[new, "disruptions.snow-day="]).disruptions == ()


def test_set_adds_a_supplier_and_deletes_one(tiny_file):
    lamps = ("suppliers.lamps={distance_km: 3, speed_kmh: 30, trucks: 1, load_min: 1, parts: [{name: lamp, "
             "station: 3, mode: kanban, pack_size: 10, cards: 3, packs_per_truck: 1}]}")
    sc = load_scenario(tiny_file, overrides=[lamps, "suppliers.seats="])
    assert [s.name for s in sc.suppliers] == ["bolts", "lamps"]
    assert [p.name for _, p in sc.parts] == ["bolt", "lamp"]


def test_set_replacing_an_item_by_name_keeps_its_name(tiny_file):
    sc = load_scenario(tiny_file, overrides=[
        "suppliers.bolts.parts.bolt={station: 3, mode: kanban, pack_size: 10, cards: 3, packs_per_truck: 1}"])
    assert sc.suppliers[1].parts[0].name == "bolt" and sc.suppliers[1].parts[0].pack_size == 10


def test_resolve_key_path_gives_the_value_or_the_nearest_names():
    from sim.scenario.paths import resolve_key_path
    sc = scenario_from_dict(tiny())
    assert resolve_key_path(sc, "suppliers.bolts.parts.bolt.cards") == 4
    assert resolve_key_path(sc, "suppliers.1.trucks") == 1
    assert resolve_key_path(sc, "line.models.B") == 0.4
    assert resolve_key_path(sc, "suppliers.seats.parts.seat-set.broadcast_cars") is None  # unset: the line's applies
    assert resolve_key_path(sc, "line.breakdowns.mtbf_min") is None  # no breakdowns section
    for path, where, problem in [
        ("suppliers.bolt.trucks", "suppliers.bolt", "no list item named 'bolt'; did you mean bolts?"),
        ("suppliers.bolts.parts.bolt.card", "suppliers.bolts.parts.bolt.card",
         "unknown key; did you mean cards?"),
        ("line.breakdowns.mtbf", "line.breakdowns.mtbf", "unknown key; did you mean mtbf_min?"),
        ("line.xyz", "line.xyz", "unknown key (check its spelling against the scenario reference in README.md)"),
        ("line.takt_s.x", "line.takt_s.x", "is a value, not a mapping"),
        ("suppliers..trucks", "suppliers..trucks", "a key path is dotted names, e.g. suppliers.seats.trucks"),
    ]:
        with pytest.raises(ScenarioError) as info:
            resolve_key_path(sc, path, "tiny.yaml")
        assert (info.value.file, info.value.path, info.value.problem) == ("tiny.yaml", where, problem)


def test_did_you_mean_lists_up_to_three_names():
    from sim.scenario.paths import did_you_mean
    assert did_you_mean("front-seat", ["front-seats", "rear-seats", "bumpers"]) == "did you mean front-seats or rear-seats?"
    assert did_you_mean("xyz", ["front-seats"]) == ""


# --- bounds: values that validated but hung or filled memory (issue 7, item 7) -------------------------


@pytest.mark.parametrize("change, path, words", [
    (lambda d: d["horizon"].update(days=1e9), "horizon.days", "less than or equal to 3660"),
    (lambda d: d.update(replications=10**9), "replications", "less than or equal to 10000"),
    (lambda d: d["line"].update(takt_s=1e-6), "line.takt_s", "greater than or equal to 10"),
    (lambda d: d["line"].update(stations=10**9), "line.stations", "less than or equal to 1000"),
    (lambda d: d["line"].update(broadcast_cars=10**9), "line.broadcast_cars", "less than or equal to 10000"),
    (lambda d: seat_set(d).update(broadcast_cars=10**9), "suppliers.seats.parts.seat-set.broadcast_cars",
     "less than or equal to 10000"),
    (lambda d: bolts(d).update(trucks=10**9), "suppliers.bolts.trucks", "less than or equal to 1000"),
    (lambda d: d["plant"].update(docks=10**9), "plant.docks", "less than or equal to 1000"),
    (lambda d: d["line"].update(breakdowns={"mtbf_min": 1e-9, "mttr_min": 5}), "line.breakdowns.mtbf_min",
     "greater than or equal to 1"),
    (lambda d: bolts(d).update(breakdowns={"mtbf_h": 1e-9, "mttr_min": 5}), "suppliers.bolts.breakdowns.mtbf_h",
     "greater than or equal to 0.1"),
    (lambda d: d["line"].update(models={f"M{n}": 1 for n in range(101)}), "line.models", "at most 100 items"),
    (lambda d: bolts(d).update(travel_cv=1e300), "suppliers.bolts.travel_cv", "less than or equal to 10"),
    (lambda d: bolt(d).update(usage=10**9), "suppliers.bolts.parts.bolt.usage", "less than or equal to 10000"),
    (lambda d: bolt(d).update(pack_size=10**9), "suppliers.bolts.parts.bolt.pack_size", "less than or equal to 1000000"),
    (lambda d: bolt(d).update(cards=10**9), "suppliers.bolts.parts.bolt.cards", "less than or equal to 100000"),
    (lambda d: seat_set(d).update(rack_size=10**9), "suppliers.seats.parts.seat-set.rack_size", "less than or equal to 10000"),
    (lambda d: seats(d).update(distance_km=1e12), "suppliers.seats.distance_km", "less than or equal to 20000"),
    (lambda d: d.update(seed=2**64), "seed", "less than or equal to 9223372036854775807"),
    (lambda d: d.update(calendar=_shifts(*[f"{h:02d}:00-{h:02d}:30" for h in range(24)] + ["00:30-00:40"])),
     "calendar.shifts", "at most 24 items"),
    (lambda d: d.update(disruptions=[{"kind": "road_closed", "start_day": 1e9, "duration_h": 1}]),
     "disruptions.0.start_day", "less than or equal to 3660"),
])
def test_values_that_would_hang_or_fill_memory_are_out_of_bounds(change, path, words):
    exc = error_of(mutated(change))
    assert exc.path == path
    assert words in exc.problem


def test_values_at_the_bounds_validate():
    sc = scenario_from_dict(mutated(lambda d: (
        d["horizon"].update(days=3660), d.update(replications=10_000), d["line"].update(takt_s=10, stations=1000),
        bolts(d).update(trucks=1000), d["plant"].update(docks=1000))))
    assert (sc.horizon.days, sc.replications, sc.line.takt_s, sc.line.stations) == (3660, 10_000, 10, 1000)


# --- warnings: disruptions outside the measured window (issue 7, item 18) -----------------------------


def test_disruptions_outside_the_measured_window_are_warned_about():
    """tiny runs 2 days and measures [0.5, 2). A window [2, 2.25) never happens; [0.1, 0.35) (6 h from
    day 0.1) lies in the warm-up; [0.4, 0.65) reaches into the window and [1.99, 2.24) starts inside
    it: no warning for those two."""
    from sim.scenario import scenario_warnings

    def closed(name, start, hours):
        return {"name": name, "kind": "road_closed", "start_day": start, "duration_h": hours}

    sc = scenario_from_dict(tiny() | {"disruptions": [
        closed("late", 2.0, 6), closed("early", 0.1, 6), closed("across-warmup", 0.4, 6), closed("last", 1.99, 6),
        {"kind": "supplier_down", "supplier": "seats", "start_day": 3, "duration_h": 1}]})
    assert scenario_warnings(sc) == [
        "disruptions.late starts on day 2, after the run ends (horizon.days = 2): it never happens in this run",
        "disruptions.early ends on day 0.35, within the warm-up (horizon.warmup_days = 0.5): no KPI measures its window",
        "disruptions.4 starts on day 3, after the run ends (horizon.days = 2): it never happens in this run",
    ]


def test_a_week_of_nanshan_warns_of_the_two_later_disruptions():
    # nanshan.yaml: accident on day 3.35 (inside a 7-day run), outage on day 10.35, congestion on day 17.3
    from sim.scenario import scenario_warnings
    sc = load_scenario(REPO / "scenarios" / "nanshan.yaml", ["horizon.days=7"])
    assert [w.split(" starts on day ")[0] for w in scenario_warnings(sc)] == [
        "disruptions.moulding-exterior-outage", "disruptions.jingzang-expressway-congestion"]
    assert scenario_warnings(load_scenario(REPO / "scenarios" / "nanshan.yaml")) == []


@pytest.mark.usefixtures("yaml_loader")
def test_exponent_numbers_without_a_dot_are_numbers(tmp_path):
    # YAML 1.1 (PyYAML) reads 1e9 as the string "1e9": the bound was hidden behind "a valid number"
    path = write(tmp_path, TINY_YAML.replace("horizon: {days: 2}", "horizon: {days: 1e9}"), "e.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.path, info.value.problem) == ("horizon.days", "Input should be less than or equal to 3660")
    sc = load_scenario(tmp_path / "e.yaml", ["horizon.days=2e0", "line.takt_s=6E1", "plant.unload_min=5e-1"])
    assert (sc.horizon.days, sc.line.takt_s, sc.plant.unload_min) == (2.0, 60.0, 0.5)


def test_vary_splits_a_selection_like_set():
    from sim.sweep import parse_vary
    assert parse_vary(["suppliers[route=ave].trucks=1,2", "suppliers.*.travel_cv=0,0.3"]) == {
        "suppliers[route=ave].trucks": [1, 2], "suppliers.*.travel_cv": [0, 0.3]}
