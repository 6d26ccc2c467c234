"""``sim diff``: the exact changes between two resolved scenarios, by key path, and their lines.

Each test writes a tiny scenario (two suppliers, two shifts) into ``tmp_path`` and changes one
thing, by ``--set`` or by a child file that ``extends:`` it; the last test compares the shipped
Nanshan scenario with its detour variant against the keys the variant file itself sets.
"""

from __future__ import annotations

import copy
from pathlib import Path

import micro
import yaml

from sim.scenario import Scenario, load_scenario, resolve_file
from sim.scenario_diff import Change, diff_scenarios, format_changes

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

BASE = micro.tiny(horizon={"days": 2}, calendar={
    "workdays": ["mon", "tue", "wed", "thu", "fri"],
    "shifts": [{"name": "early", "start": "06:00", "end": "14:00", "breaks": [{"start": "10:00", "end": "10:30"}]},
               {"name": "late", "start": "14:00", "end": "22:00"}],
})
del BASE["suppliers"][1]["parts"][0]["usage"]  # left to its default (1): the default tests rely on it


def write(folder: Path, name: str, data: dict) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def diff(tmp_path: Path, *overrides: str, child: dict | None = None, base: dict = BASE) -> list[Change]:
    """The changes from the base file to the base file with ``overrides``, or to ``child`` (which
    extends the base file)."""
    a = write(tmp_path, "base.yaml", base)
    b = write(tmp_path, "child.yaml", {"extends": "base.yaml", **child}) if child is not None else a
    return diff_scenarios(load_scenario(a), load_scenario(b, overrides=list(overrides)))


def test_a_scenario_against_itself_has_no_change(tmp_path):
    assert diff(tmp_path) == []
    nanshan = load_scenario(SCENARIOS / "nanshan.yaml")
    assert diff_scenarios(nanshan, load_scenario(SCENARIOS / "nanshan.yaml")) == []
    assert format_changes([]) == []


def test_one_set_gives_exactly_that_change(tmp_path):
    changes = diff(tmp_path, "suppliers.seats.distance_km=4")
    assert changes == [Change("suppliers.seats.distance_km", 1.0, 4.0, "changed")]
    assert format_changes(changes) == ["suppliers.seats.distance_km: 1.0 -> 4.0"]


def test_changes_come_in_schema_order_whatever_the_order_of_the_sets(tmp_path):
    changes = diff(tmp_path, "suppliers.bolts.trucks=2", "plant.docks=3", "suppliers.seats.load_min=4", "seed=5",
                   "horizon.days=3")
    assert [(c.path, c.old, c.new) for c in changes] == [
        ("seed", 0, 5), ("horizon.days", 2.0, 3.0), ("plant.docks", 2, 3),
        ("suppliers.seats.load_min", 3.0, 4.0), ("suppliers.bolts.trucks", 1, 2)]


def test_defaults_written_out_are_no_change(tmp_path):
    explicit = copy.deepcopy(BASE)
    explicit.update(description="", seed=0, replications=1, disruptions=[])
    explicit["horizon"]["warmup_days"] = 0
    explicit["calendar"]["shifts"][1]["breaks"] = []
    explicit["calendar"]["holidays"] = []
    for supplier in explicit["suppliers"]:
        supplier["travel_cv"] = 0
        for part in supplier["parts"]:
            part["dispatch_max_wait_min"] = 30
    explicit["suppliers"][1]["parts"][0]["usage"] = 1
    a, b = write(tmp_path, "implicit.yaml", BASE), write(tmp_path, "explicit.yaml", explicit)
    assert diff_scenarios(load_scenario(a), load_scenario(b)) == []
    assert diff_scenarios(load_scenario(b), load_scenario(a)) == []


def test_the_default_calendar_written_out_is_no_change(tmp_path):
    implicit = {k: v for k, v in BASE.items() if k != "calendar"}
    explicit = {**implicit, "calendar": {"workdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                                         "shifts": [{"name": "all-day", "start": "00:00", "end": "24:00"}]}}
    a, b = write(tmp_path, "implicit.yaml", implicit), write(tmp_path, "explicit.yaml", explicit)
    assert diff_scenarios(load_scenario(a), load_scenario(b)) == []


GLASS = {"name": "glass", "distance_km": 3.0, "speed_kmh": 30, "trucks": 1, "load_min": 2,
         "parts": [{"name": "windscreen", "station": 3, "mode": "kanban", "pack_size": 10, "cards": 3,
                    "packs_per_truck": 1}]}
GLASS_RESOLVED = {"name": "glass", "distance_km": 3.0, "speed_kmh": 30.0, "travel_cv": 0.0, "trucks": 1,
                  "load_min": 2.0,
                  "parts": [{"name": "windscreen", "station": 3, "usage": 1, "dispatch_max_wait_min": 30.0,
                             "mode": "kanban", "pack_size": 10, "cards": 3, "packs_per_truck": 1}]}


def test_a_supplier_added_is_one_change_with_the_whole_resolved_item(tmp_path):
    changes = diff(tmp_path, child={"suppliers": [GLASS]})
    assert changes == [Change("suppliers.glass", None, GLASS_RESOLVED, "added")]
    assert format_changes(changes) == [
        "+ suppliers.glass: {distance_km: 3.0, speed_kmh: 30.0, travel_cv: 0.0, trucks: 1, load_min: 2.0, "
        "parts: [{name: windscreen, station: 3, usage: 1, dispatch_max_wait_min: 30.0, mode: kanban, "
        "pack_size: 10, cards: 3, packs_per_truck: 1}]}"]


def test_a_supplier_removed_is_one_change(tmp_path):
    with_glass = {**BASE, "suppliers": [*BASE["suppliers"], GLASS]}
    a, b = write(tmp_path, "with.yaml", with_glass), write(tmp_path, "without.yaml", BASE)
    changes = diff_scenarios(load_scenario(a), load_scenario(b))
    assert changes == [Change("suppliers.glass", GLASS_RESOLVED, None, "removed")]
    assert format_changes(changes) == ["- suppliers.glass"]


def test_part_rack_size_changed(tmp_path):
    changes = diff(tmp_path, "suppliers.seats.parts.seat-set.rack_size=6")
    assert changes == [Change("suppliers.seats.parts.seat-set.rack_size", 4, 6, "changed")]
    assert format_changes(changes) == ["suppliers.seats.parts.seat-set.rack_size: 4 -> 6"]


def test_distance_switched_to_legs_shows_both_removed_and_legs_added(tmp_path):
    legs = [{"km": 1.5, "speed_kmh": 20}, {"km": 4, "speed_kmh": 60}]
    child = {"suppliers": [{"name": "seats", "distance_km": None, "speed_kmh": None, "legs": legs}]}
    changes = diff(tmp_path, child=child)
    resolved_legs = [{"km": 1.5, "speed_kmh": 20.0}, {"km": 4.0, "speed_kmh": 60.0}]
    assert changes == [Change("suppliers.seats.distance_km", 1.0, None, "removed"),
                       Change("suppliers.seats.speed_kmh", 30.0, None, "removed"),
                       Change("suppliers.seats.legs", None, resolved_legs, "added")]
    assert format_changes(changes) == ["- suppliers.seats.distance_km: 1.0",
                                       "- suppliers.seats.speed_kmh: 30.0",
                                       "+ suppliers.seats.legs: [{km: 1.5, speed_kmh: 20.0}, "
                                       "{km: 4.0, speed_kmh: 60.0}]"]


def test_a_key_set_to_null_is_removed(tmp_path):
    changes = diff(tmp_path, "suppliers.seats.route=")
    assert changes == [Change("suppliers.seats.route", "ave", None, "removed")]
    assert format_changes(changes) == ["- suppliers.seats.route: ave"]


def test_model_share_changed(tmp_path):
    changes = diff(tmp_path, "line.models.B=0.5")
    assert changes == [Change("line.models.B", 0.4, 0.5, "changed")]
    assert format_changes(changes) == ["line.models.B: 0.4 -> 0.5"]


def test_calendar_shift_break_moved(tmp_path):
    changes = diff(tmp_path, 'calendar.shifts.early.breaks=[{start: "11:00", end: "11:30"}]')
    assert changes == [Change("calendar.shifts.early.breaks", [{"start": "10:00", "end": "10:30"}],
                              [{"start": "11:00", "end": "11:30"}], "changed")]
    assert format_changes(changes) == [
        "calendar.shifts.early.breaks: [{start: 10:00, end: 10:30}] -> [{start: 11:00, end: 11:30}]"]


def test_disruption_added(tmp_path):
    accident = {"name": "ave-accident", "kind": "road", "route": "ave", "start_day": 1.2, "duration_h": 3,
                "extra_min": 40}
    changes = diff(tmp_path, child={"disruptions": [accident]})
    assert changes == [Change("disruptions.ave-accident", None,
                              {**accident, "duration_h": 3.0, "extra_min": 40.0}, "added")]
    assert format_changes(changes) == [
        "+ disruptions.ave-accident: {kind: road, route: ave, start_day: 1.2, duration_h: 3.0, extra_min: 40.0}"]


def test_unnamed_disruptions_compare_as_one_list(tmp_path):
    changes = diff(tmp_path, "disruptions=[{kind: road_closed, start_day: 1, duration_h: 2}]")
    assert changes == [Change("disruptions", [], [{"kind": "road_closed", "start_day": 1.0, "duration_h": 2.0}],
                              "changed")]
    assert format_changes(changes) == ["disruptions: [] -> [{kind: road_closed, start_day: 1.0, duration_h: 2.0}]"]


def test_text_that_would_not_read_back_is_quoted(tmp_path):
    changes = diff(tmp_path, "description=before the avenue, with detours")
    assert format_changes(changes) == ['description: "" -> "before the avenue, with detours"']


def test_nanshan_detour_differs_exactly_in_the_keys_its_file_sets():
    detour_file = yaml.safe_load((SCENARIOS / "nanshan-detour.yaml").read_text(encoding="utf-8"))
    base_disruptions = {d["name"] for d in resolve_file(SCENARIOS / "nanshan.yaml")["disruptions"]}
    expected = {("name", "changed"), ("description", "changed")}
    new_values = {}
    for supplier in detour_file["suppliers"]:
        for key, value in supplier.items():
            if key != "name":
                expected.add((f"suppliers.{supplier['name']}.{key}", "changed"))
                new_values[f"suppliers.{supplier['name']}.{key}"] = value
    for d in detour_file["disruptions"]:
        if d["name"] in base_disruptions:
            expected |= {(f"disruptions.{d['name']}.{key}", "changed") for key in d if key != "name"}
        else:
            expected.add((f"disruptions.{d['name']}", "added"))
            new_values[f"disruptions.{d['name']}"] = d

    changes = diff_scenarios(load_scenario(SCENARIOS / "nanshan.yaml"),
                             load_scenario(SCENARIOS / "nanshan-detour.yaml"))

    assert len(expected) == 30 * 3 + 1 + 3 + 2  # the file: 30 suppliers x 3 keys, 1 + 3 disruptions, name, description
    assert len(changes) == len(expected)
    assert {(c.path, c.kind) for c in changes} == expected
    assert {c.path: c.new for c in changes if c.path in new_values} == new_values
    assert changes[0] == Change("name", "nanshan", "nanshan-detour", "changed")
    assert "suppliers.front-seats.distance_km: 0.8 -> 3.6" in format_changes(changes)


def test_shifts_with_a_repeated_name_compare_as_one_list():
    # load_scenario refuses repeated shift names (checks.py); the diff still copes with such a list,
    # built here without the cross-checks
    twice = copy.deepcopy(BASE)
    twice["calendar"]["shifts"][1]["name"] = "early"
    later = copy.deepcopy(twice)
    later["calendar"]["shifts"][1]["end"] = "23:00"
    changes = diff_scenarios(Scenario.model_validate(twice), Scenario.model_validate(later))
    assert [(c.path, c.kind) for c in changes] == [("calendar.shifts", "changed")]
    assert changes[0].new[1] == {"name": "early", "start": "14:00", "end": "23:00", "breaks": []}
