"""Builders of tiny deterministic scenarios whose behaviour can be derived by hand."""

from __future__ import annotations

import copy

from sim.scenario import Scenario, scenario_from_dict


def kanban_loop(*, cards=3, pack=4, per_truck=1, trucks=4, takt=60.0, stations=2, station=1,
                km=5.0, speed=60.0, load=1.0, unload=1.5, docks=1, days=1.0, max_wait=30.0, **extra) -> dict:
    """One supplier, one kanban part, no randomness: one-way trip = km/speed hours."""
    return {
        "name": "micro-kanban", "seed": 1, "horizon": {"days": days}, "replications": 1,
        "line": {"takt_s": takt, "stations": stations, "models": {"A": 1.0}, "broadcast_cars": 0},
        "plant": {"docks": docks, "unload_min": unload},
        "suppliers": [{
            "name": "sup", "distance_km": km, "speed_kmh": speed, "trucks": trucks, "load_min": load,
            "parts": [{"name": "part", "station": station, "usage": 1, "mode": "kanban", "pack_size": pack,
                       "cards": cards, "packs_per_truck": per_truck, "dispatch_max_wait_min": max_wait}],
        }],
        **extra,
    }


def jis_loop(*, broadcast=7, rack=4, per_truck=1, build_s=30.0, trucks=4, takt=60.0, stations=10, station=5,
             km=5.0, speed=60.0, load=1.0, unload=1.0, docks=2, days=1.0, usage=1, models=None, **extra) -> dict:
    """One supplier, one JIS part, no randomness."""
    return {
        "name": "micro-jis", "seed": 1, "horizon": {"days": days}, "replications": 1,
        "line": {"takt_s": takt, "stations": stations, "models": models or {"A": 1.0}, "broadcast_cars": broadcast},
        "plant": {"docks": docks, "unload_min": unload},
        "suppliers": [{
            "name": "sup", "distance_km": km, "speed_kmh": speed, "trucks": trucks, "load_min": load,
            "parts": [{"name": "part", "station": station, "usage": usage, "mode": "jis", "rack_size": rack,
                       "racks_per_truck": per_truck, "build_s": build_s}],
        }],
        **extra,
    }


def build(data: dict, **changes) -> Scenario:
    """Validate ``data`` with top-level ``changes`` applied."""
    data = copy.deepcopy(data)
    data.update(changes)
    return scenario_from_dict(data, "micro")


THREE_SHIFTS = {
    "workdays": ["mon", "tue", "wed", "thu", "fri"],
    "shifts": [
        {"name": "early", "start": "06:00", "end": "14:00", "breaks": [{"start": "10:00", "end": "10:30"}]},
        {"name": "late", "start": "14:00", "end": "22:00", "breaks": [{"start": "18:00", "end": "18:30"}]},
    ],
}
