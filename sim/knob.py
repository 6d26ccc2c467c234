"""A knob: one number of a scenario, named by its key path as ``--set`` takes it, with its current
value and the bounds the schema puts on it.

Looking a knob up in the validated scenario (not in the raw file) means a misspelt key or item is
refused, with the nearest names, before anything runs or is written; and the bounds come from the
schema, the one place that holds them.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.errors import SimError, did_you_mean


class KnobError(SimError):
    """A key path that does not name one number of the scenario, or a value it cannot take."""


@dataclass(frozen=True)
class Knob:
    """``path``'s ``current`` value (None: unset, it follows another key), whether it takes whole
    numbers only, and its schema bounds (None: unbounded; ``*_open``: the bound itself excluded)."""

    path: str
    current: int | float | None
    integral: bool
    lower: float | None = None
    lower_open: bool = False
    upper: float | None = None
    upper_open: bool = False

    @classmethod
    def of(cls, scenario: BaseModel, path: str, option: str = "--knob") -> "Knob":
        """Look ``path`` up in ``scenario``; raises KnobError naming the first wrong step."""
        node, annotation, metadata = scenario, type(scenario), []
        steps = path.split(".")
        if not all(steps):
            raise KnobError(f"{option} {path!r}: a key path is names joined by single dots, "
                            "e.g. suppliers.front-seats.distance_km")
        for depth, step in enumerate(steps):
            where = ".".join(steps[:depth])
            node, annotation, metadata = _step(node, annotation, step, where, option, path)
            if node is None and depth < len(steps) - 1:
                raise KnobError(f"{option} {path}: {'.'.join(steps[:depth + 1])} is not set in the scenario")
        number = _number_type(annotation, metadata)
        if isinstance(node, (BaseModel, tuple, list, dict)):
            raise KnobError(f"{option} {path}: a section, not a number")
        if number is None or isinstance(node, bool) or not (node is None or isinstance(node, (int, float))):
            raise KnobError(f"{option} {path}: not a number in the scenario (it is {node!r})")
        bounds = _bounds(annotation, metadata)
        return cls(path, node, number is int, **bounds)

    def check(self, value: float, option: str) -> None:
        """Raise KnobError unless ``value`` (given as ``option``) is one this knob can take."""
        if self.integral and not float(value).is_integer():
            raise KnobError(f"{option} {value:g}: {self.path} takes whole numbers")
        if self.lower is not None and (value <= self.lower if self.lower_open else value < self.lower):
            raise KnobError(f"{option} {value:g}: {self.path} must be {'above' if self.lower_open else 'at least'} "
                            f"{self.lower:g}")
        if self.upper is not None and (value >= self.upper if self.upper_open else value > self.upper):
            raise KnobError(f"{option} {value:g}: {self.path} must be {'below' if self.upper_open else 'at most'} "
                            f"{self.upper:g}")

    def value(self, x: float) -> int | float:
        """``x`` as this knob's value: a whole number, or a float to 6 significant digits."""
        return int(round(x)) if self.integral else float(f"{x:.6g}") + 0.0


def _step(node, annotation, step: str, where: str, option: str, path: str):
    """One step of a key path: (child node, its annotation, its constraint metadata)."""
    at_where = f" under {where}" if where else ""
    if isinstance(node, BaseModel):
        fields = type(node).model_fields
        if step not in fields:
            raise KnobError(f"{option} {path}: no key '{step}'{at_where}{did_you_mean(step, fields)}")
        info = fields[step]
        return getattr(node, step), info.annotation, list(info.metadata)
    if isinstance(node, (tuple, list)):
        names = [getattr(item, "name", None) for item in node]
        if step in names:
            index = names.index(step)
        elif step.isdigit() and int(step) < len(node):
            index = int(step)
        else:
            known = [n for n in names if n]
            raise KnobError(f"{option} {path}: no item named '{step}'{at_where}{did_you_mean(step, known)}")
        return node[index], _item_type(annotation), []
    if isinstance(node, dict):
        if step not in node:
            raise KnobError(f"{option} {path}: no key '{step}'{at_where}{did_you_mean(step, node)}")
        args = typing.get_args(_strip_optional(annotation))
        return node[step], (args[1] if len(args) == 2 else typing.Any), []
    raise KnobError(f"{option} {path}: {where} is a value, not a section")


def _strip_optional(annotation):
    if typing.get_origin(annotation) is typing.Union:
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation


def _item_type(annotation):
    args = typing.get_args(_strip_optional(annotation))
    return args[0] if args else typing.Any


def _number_type(annotation, metadata) -> type | None:
    """int or float when the annotation (through Optional, Union and Annotated) admits a plain number."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _number_type(typing.get_args(annotation)[0], [])
    if origin is typing.Union:
        found = [_number_type(a, []) for a in typing.get_args(annotation)]
        return next((t for t in found if t is not None), None)
    if annotation in (int, float):
        return annotation
    return None


def _constraints(annotation, metadata) -> list:
    """Every annotated_types bound found in ``metadata`` and inside the annotation's Annotated parts."""
    found = []
    for item in metadata:
        if isinstance(item, FieldInfo):
            found += _constraints(None, item.metadata)
        elif isinstance(item, (at.Ge, at.Gt, at.Le, at.Lt)):
            found.append(item)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        found += _constraints(typing.get_args(annotation)[0], list(typing.get_args(annotation)[1:]))
    elif origin is typing.Union:
        for arm in typing.get_args(annotation):
            if _number_type(arm, []) is not None:
                found += _constraints(arm, [])
                break
    return found


def _bounds(annotation, metadata) -> dict:
    lower, lower_open, upper, upper_open = None, False, None, False
    for c in _constraints(annotation, metadata):
        if isinstance(c, at.Ge) and (lower is None or c.ge > lower):
            lower, lower_open = c.ge, False
        elif isinstance(c, at.Gt) and (lower is None or c.gt >= lower):
            lower, lower_open = c.gt, True
        elif isinstance(c, at.Le) and (upper is None or c.le < upper):
            upper, upper_open = c.le, False
        elif isinstance(c, at.Lt) and (upper is None or c.lt <= upper):
            upper, upper_open = c.lt, True
    as_float = {k: (float(v) if v is not None and math.isfinite(v) else None) for k, v in
                (("lower", lower), ("upper", upper))}
    return {"lower": as_float["lower"], "lower_open": lower_open, "upper": as_float["upper"], "upper_open": upper_open}
