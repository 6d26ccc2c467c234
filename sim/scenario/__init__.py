"""Scenario files: the typed, validated description of one plant and its supply loops."""

from sim.scenario.checks import scenario_warnings
from sim.scenario.loader import load_scenario, scenario_from_dict, resolve_file
from sim.scenario.paths import did_you_mean, resolve_key_path
from sim.scenario.schema import (
    Calendar,
    Disruption,
    JisPart,
    KanbanPart,
    LineSpec,
    Part,
    PlantSpec,
    RoadClosed,
    RoadDisruption,
    Scenario,
    Supplier,
    SupplierDown,
)

__all__ = [
    "Calendar", "Disruption", "JisPart", "KanbanPart", "LineSpec", "Part", "PlantSpec", "RoadClosed",
    "RoadDisruption", "Scenario", "Supplier", "SupplierDown", "did_you_mean", "load_scenario", "resolve_file",
    "resolve_key_path", "scenario_from_dict", "scenario_warnings",
]
