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


def tiny(**top) -> dict:
    """One JIS supplier on a named route and one kanban supplier, around the clock, at 60 s takt
    (1,440 cars a day); ``top`` overrides top-level keys."""
    data = {
        "name": "tiny",
        "horizon": {"days": 2, "warmup_days": 0.5},
        "line": {"takt_s": 60, "stations": 10, "models": {"A": 0.6, "B": 0.4}, "broadcast_cars": 20},
        "plant": {"docks": 2, "unload_min": 5},
        "suppliers": [
            {"name": "seats", "distance_km": 1.0, "speed_kmh": 30, "trucks": 2, "load_min": 3, "route": "ave",
             "parts": [{"name": "seat-set", "station": 5, "usage": {"A": 1, "B": 1}, "mode": "jis",
                        "rack_size": 4, "racks_per_truck": 2, "build_s": 30}]},
            {"name": "bolts", "distance_km": 2.0, "speed_kmh": 30, "trucks": 1, "load_min": 3,
             "parts": [{"name": "bolt", "station": 2, "usage": 4, "mode": "kanban",
                        "pack_size": 100, "cards": 4, "packs_per_truck": 2}]},
        ],
    }
    data.update(top)
    return data


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
