"""Key paths into a scenario: which keys the schema has at a path, the nearest names to a misspelt
one, and the value a path names in a validated scenario.

A key path is dotted, list items named by their ``name`` (or index):
``suppliers.front-seats.parts.seat-set.rack_size``. :func:`resolve_key_path` is what ``--knob`` and
other options that name one value call; :func:`did_you_mean` what any "unknown name" message adds.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from sim.errors import ScenarioError
from sim.scenario.schema import Scenario


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"did you mean front-seats?"`` for the names in ``choices`` closest to ``word``, or ``""``."""
    close = difflib.get_close_matches(str(word), sorted({str(c) for c in choices}), n=3, cutoff=0.6)
    return f"did you mean {' or '.join(close)}?" if close else ""


def with_hint(problem: str, word: str, choices: Iterable[str]) -> str:
    """``problem`` followed by the nearest names in ``choices`` when there are any."""
    hint = did_you_mean(word, choices)
    return f"{problem}; {hint}" if hint else problem


def unknown_key(key: str, known: Iterable[str]) -> str:
    """The problem of a key the schema does not have at its place, with the nearest known keys."""
    hint = did_you_mean(key, known)
    return f"unknown key; {hint}" if hint else "unknown key (check its spelling against the scenario reference in README.md)"


def _options(tp: Any) -> list[Any]:
    """The types ``tp`` may be: Annotated stripped, unions (Optional included) opened, None left out."""
    if typing.get_origin(tp) is typing.Annotated:
        return _options(typing.get_args(tp)[0])
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [o for arg in typing.get_args(tp) for o in _options(arg)]
    return [] if tp is type(None) else [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _tags(model: type[BaseModel]) -> dict[str, tuple]:
    """The model's discriminating fields (``mode: Literal["jis"]``: required literals; a literal
    with a default, such as ``ship``, is an option, not a tag) and their allowed values."""
    return {name: typing.get_args(f.annotation) for name, f in model.model_fields.items()
            if typing.get_origin(f.annotation) is typing.Literal and f.is_required()}


def models_of(tp: Any, data: Any = None) -> list[type[BaseModel]]:
    """The model classes a value of type ``tp`` may be; of a union (JIS or kanban part, the three
    disruption kinds), the one ``data``'s tag (``mode:``, ``kind:``) picks, when it picks one."""
    models = [o for o in _options(tp) if _is_model(o)]
    if len(models) > 1 and isinstance(data, dict):
        picked = [m for m in models if all(data.get(k) in allowed for k, allowed in _tags(m).items())]
        return picked or models
    return models


def keys_of(tp: Any, data: Any = None) -> list[str]:
    """The keys the schema allows in a mapping of type ``tp`` (empty when it is not a model)."""
    return sorted({k for m in models_of(tp, data) for k in m.model_fields})


def is_list(tp: Any) -> bool:
    """True when values of type ``tp`` are lists (tuples in the schema)."""
    return any(typing.get_origin(o) is tuple for o in _options(tp))


def child_type(tp: Any, step: str | int, data: Any = None) -> Any:
    """The type one step below ``tp``: a model's field, a list's item, a mapping's value (or None)."""
    for option in _options(tp):
        origin, args = typing.get_origin(option), typing.get_args(option)
        if origin is tuple and args:
            return args[0]
        if origin is dict and len(args) == 2:
            return args[1]
    for model in models_of(tp, data):
        if isinstance(step, str) and step in model.model_fields:
            return model.model_fields[step].annotation
    return None


def _step_into(node: Any, tp: Any, part: str, where: str, file: str) -> tuple[Any, Any]:
    """(value, type) one step below ``node`` (a model, a list of items or a mapping)."""
    if isinstance(node, (tuple, list)):
        names = [getattr(i, "name", None) for i in node]
        if part in names:
            return node[names.index(part)], child_type(tp, part)
        if part.isdigit() and int(part) < len(node):
            return node[int(part)], child_type(tp, part)
        raise ScenarioError(file, where, with_hint(f"no list item named '{part}'", part, filter(None, names)))
    if isinstance(node, dict):
        if part not in node:
            raise ScenarioError(file, where, with_hint(f"no key '{part}'", part, node))
        return node[part], child_type(tp, part)
    models = models_of(tp) if node is None else [type(node)] if isinstance(node, BaseModel) else []
    if not models:
        raise ScenarioError(file, where, "is a value, not a mapping")
    if part not in models[0].model_fields:
        raise ScenarioError(file, where, unknown_key(part, models[0].model_fields))
    return (None if node is None else getattr(node, part)), models[0].model_fields[part].annotation


def resolve_key_path(scenario: Scenario, path: str, file: str = "<scenario>") -> Any:
    """The value ``path`` names in ``scenario``; None for an optional key left unset (such as a part's
    ``broadcast_cars`` or ``line.breakdowns.mtbf_min`` without breakdowns). Raises one
    :class:`~sim.errors.ScenarioError` naming the first step that names nothing, with the nearest
    names (``suppliers.front-seat: no list item named 'front-seat'; did you mean front-seats?``)."""
    if not path or any(not p for p in path.split(".")):
        raise ScenarioError(file, path, "a key path is dotted names, e.g. suppliers.seats.trucks")
    node, tp = scenario, Scenario
    parts = path.split(".")
    for depth, part in enumerate(parts):
        node, tp = _step_into(node, tp, part, ".".join(parts[: depth + 1]), file)
    return node
