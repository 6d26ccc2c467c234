"""Scenario files: the typed, validated description of one plant and its supply loops."""

from sim.scenario.loader import load_scenario, scenario_from_dict, resolve_file
from sim.scenario.schema import (
    Calendar,
    Disruption,
    JisPart,
    KanbanPart,
    Line,
    Part,
    Plant,
    RoadClosed,
    RoadDisruption,
    Scenario,
    Supplier,
    SupplierDown,
)

__all__ = [
    "Calendar", "Disruption", "JisPart", "KanbanPart", "Line", "Part", "Plant", "RoadClosed",
    "RoadDisruption", "Scenario", "Supplier", "SupplierDown", "load_scenario", "resolve_file",
    "scenario_from_dict",
]
