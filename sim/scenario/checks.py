"""Cross-checks that span several parts of a scenario: each names the key path it concerns."""

from __future__ import annotations

from collections import Counter

from sim.scenario.schema import (Calendar, JisPart, RoadClosed, RoadDisruption, Scenario, Shift, SupplierDown,
                                 clock_minutes)


def _duplicate(names: list[str]) -> str | None:
    return next((n for n, count in Counter(names).items() if count > 1), None)


def _clock(minutes: int) -> str:
    return f"{minutes % 1440 // 60:02d}:{minutes % 60:02d}"


def _overlap(a: Shift, b: Shift) -> tuple[int, int] | None:
    """The first stretch (minutes after midnight) where two shifts overlap when both are worked on
    every day: a shift that crosses midnight reaches into the next day's shifts."""
    a0 = clock_minutes(a.start)
    a1 = a0 + ((clock_minutes(a.end) - a0) % 1440 or 1440)  # 00:00-24:00 is a whole day, as in calendar.py
    b0 = clock_minutes(b.start)
    b1 = b0 + ((clock_minutes(b.end) - b0) % 1440 or 1440)
    for shift in (-1440, 0, 1440):  # b on the day before, the same day, the day after
        lo, hi = max(a0, b0 + shift), min(a1, b1 + shift)
        if lo < hi:
            return lo, hi
    return None


def _shifts_problem(cal: Calendar, where: str) -> tuple[str, str] | None:
    """Shifts must have unique names and must not overlap: overlapping shifts would plan the same
    working minutes twice per shift (cars_per_shift) and hide the breaks under the overlap."""
    duplicate = _duplicate([s.name for s in cal.shifts])
    if duplicate:
        return f"{where}.shifts", f"two shifts are named {duplicate!r}"
    for n, a in enumerate(cal.shifts):
        for b in cal.shifts[n + 1:]:
            hit = _overlap(a, b)
            if hit:
                return (f"{where}.shifts.{b.name}", f"the shift {b.start}-{b.end} overlaps the shift {a.name} "
                        f"({a.start}-{a.end}) from {_clock(hit[0])} to {_clock(hit[1])}; shifts must not overlap "
                        "(they repeat every workday, and one that crosses midnight reaches into the next day)")
    return None


def _calendar_problem(cal: Calendar, where: str) -> tuple[str, str] | None:
    if not cal.workdays:
        return f"{where}.workdays", "at least one workday is needed"
    if not cal.shifts:
        return f"{where}.shifts", "at least one shift is needed"
    overlap = _shifts_problem(cal, where)
    if overlap:
        return overlap
    for shift in cal.shifts:
        start, end = clock_minutes(shift.start), clock_minutes(shift.end)
        if start == end:
            return f"{where}.shifts.{shift.name}", "a shift must not start and end at the same time"
        length = (end - start) % 1440 or 1440  # 00:00-24:00 is a whole day, as in calendar.py
        for brk in shift.breaks:
            b0 = (clock_minutes(brk.start) - start) % 1440
            b1 = (clock_minutes(brk.end) - start) % 1440 or 1440
            if not b0 < b1 <= length:
                return (f"{where}.shifts.{shift.name}.breaks",
                        f"break {brk.start}-{brk.end} does not lie inside the shift {shift.start}-{shift.end}")
    return None


def _part_problem(scenario: Scenario) -> tuple[str, str] | None:
    models = set(scenario.line.models)
    for supplier in scenario.suppliers:
        for part in supplier.parts:
            where = f"suppliers.{supplier.name}.parts.{part.name}"
            if part.station > scenario.line.stations:
                return f"{where}.station", f"station {part.station} is beyond the line's {scenario.line.stations} stations"
            if isinstance(part.usage, dict):
                unknown = sorted(set(part.usage) - models)
                if unknown:
                    return f"{where}.usage", f"unknown model {unknown[0]!r}; the line builds {sorted(models)}"
                missing = sorted(models - set(part.usage))
                if missing and isinstance(part, JisPart):
                    return f"{where}.usage", f"a JIS part needs its usage for every model; missing {missing}"
            if all(part.usage_of(m) == 0 for m in models):
                return f"{where}.usage", "the part is used by no model"
            if isinstance(part, JisPart) and part.lineside_racks is not None and part.lineside_racks < part.racks_per_truck:
                return (f"{where}.lineside_racks", f"{part.lineside_racks} rack places cannot take a truck load "
                        f"of {part.racks_per_truck} racks (racks_per_truck)")
    return None


def _disruption_problem(scenario: Scenario) -> tuple[str, str] | None:
    suppliers = {s.name for s in scenario.suppliers}
    routes = {s.route for s in scenario.suppliers if s.route}
    for n, d in enumerate(scenario.disruptions):
        where = f"disruptions.{d.name or n}"
        if isinstance(d, SupplierDown) and d.supplier not in suppliers:
            return f"{where}.supplier", f"no supplier named {d.supplier!r}"
        if isinstance(d, (RoadDisruption, RoadClosed)) and d.route is not None and d.route not in routes:
            known = ", ".join(sorted(routes)) or "none: no supplier names a route"
            return f"{where}.route", f"no supplier uses the route {d.route!r} (routes: {known})"
    return None


def _sequence_problem(scenario: Scenario) -> tuple[str, str] | None:
    """Express trips and sequencing buffers serve rush orders, which only sequence changes cause,
    and only for JIS parts."""
    changes = scenario.line.sequence_changes is not None
    for supplier in scenario.suppliers:
        jis = [p for p in supplier.parts if isinstance(p, JisPart)]
        if supplier.express is not None:
            where = f"suppliers.{supplier.name}.express"
            if not jis:
                return where, "express trips carry rush orders of JIS parts; this supplier has none"
            if not changes:
                return where, "express trips carry rush orders, which need line.sequence_changes"
        for part in jis:
            if part.buffer_units and not changes:
                return (f"suppliers.{supplier.name}.parts.{part.name}.buffer_units",
                        "a sequencing buffer serves rush orders, which need line.sequence_changes")
    return None


def cross_check(scenario: Scenario) -> tuple[str, str] | None:
    """The first (key path, problem) that makes the scenario unusable, or None."""
    if scenario.horizon.warmup_days >= scenario.horizon.days:
        return ("horizon.warmup_days", f"the warm-up ({scenario.horizon.warmup_days:g} days) must be shorter than "
                f"the run (horizon.days = {scenario.horizon.days:g})")
    duplicate = _duplicate([s.name for s in scenario.suppliers])
    if duplicate:
        return "suppliers", f"two suppliers are named {duplicate!r}"
    duplicate = _duplicate([p.name for _, p in scenario.parts])
    if duplicate:
        return "suppliers", f"two parts are named {duplicate!r}; part names must be unique in a scenario"
    duplicate = _duplicate([d.name for d in scenario.disruptions if d.name])
    if duplicate:
        return "disruptions", f"two disruptions are named {duplicate!r}"
    checks = [_calendar_problem(scenario.calendar, "calendar"), _part_problem(scenario), _disruption_problem(scenario),
              _sequence_problem(scenario)]
    checks += [_calendar_problem(s.calendar, f"suppliers.{s.name}.calendar") for s in scenario.suppliers if s.calendar]
    return next((c for c in checks if c), None)


def scenario_warnings(scenario: Scenario) -> list[str]:
    """Things a planner should know that do not make the scenario unusable, one line each: declared
    disruptions whose window lies wholly outside the measured window [warmup_days, days), so that
    no KPI shows them (a 7-day run of a file written for 28 days)."""
    days, warmup = scenario.horizon.days, scenario.horizon.warmup_days
    warnings = []
    for n, d in enumerate(scenario.disruptions):
        where, end = f"disruptions.{d.name or n}", d.start_day + d.duration_h / 24.0
        if d.start_day >= days:
            warnings.append(f"{where} starts on day {d.start_day:g}, after the run ends (horizon.days = {days:g}): "
                            "it never happens in this run")
        elif end <= warmup:
            warnings.append(f"{where} ends on day {end:g}, within the warm-up (horizon.warmup_days = {warmup:g}): "
                            "no KPI measures its window")
    return warnings
