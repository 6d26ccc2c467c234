"""What changed between two scenarios once ``extends:`` and defaults are resolved, as one
:class:`Change` per key path, in the dotted form ``--set`` takes (list items named by their ``name``).

Both scenarios are compared as their validated, defaults-filled dumps, so a default written out in
one file and left implicit in the other is no change, and a key set in one file only (``route``, or
``distance_km`` giving way to ``legs``) is ``added`` or ``removed``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sim.scenario.schema import Scenario

Kind = Literal["changed", "added", "removed"]


@dataclass(frozen=True)
class Change:
    """One difference: ``old`` is None when ``added``, ``new`` is None when ``removed``. Values are
    as in a resolved ``scenario.yaml``: plain numbers, strings, lists and dicts, without None keys."""

    path: str
    old: Any
    new: Any
    kind: Kind


def diff_scenarios(a: Scenario, b: Scenario) -> list[Change]:
    """The changes that turn ``a`` into ``b``, in schema order (list items in file order).

    The dumps keep None values (unlike ``scenario_dict``) so that every model mapping lists all its
    keys in schema order; a None then counts as an absent key, and a key None in both never shows.
    """
    return list(_diff(a.model_dump(mode="json"), b.model_dump(mode="json"), ""))


def _diff(old: Any, new: Any, path: str) -> Iterator[Change]:
    """Mappings and lists of named mappings key by key; any other value as a whole."""
    if isinstance(old, dict) and isinstance(new, dict):
        yield from _diff_keyed(old, new, path)
        return
    old_items, new_items = _by_name(old), _by_name(new)
    if old_items is not None and new_items is not None:
        yield from _diff_keyed(old_items, new_items, path)
    elif old != new:
        yield Change(path, _pruned(old), _pruned(new), "changed")


def _diff_keyed(old: dict, new: dict, path: str) -> Iterator[Change]:
    for key in _merged_keys(list(old), list(new)):
        where = f"{path}.{key}" if path else str(key)
        was, now = old.get(key), new.get(key)  # a missing key and a None value mean the same
        if was is None and now is not None:
            yield Change(where, None, _pruned(now), "added")
        elif now is None and was is not None:
            yield Change(where, _pruned(was), None, "removed")
        elif was is not None:
            yield from _diff(was, now, where)


def _pruned(value: Any) -> Any:
    """``value`` without the None-valued keys of its mappings, at any depth."""
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _by_name(value: Any) -> dict[str, dict] | None:
    """A list of mappings with distinct ``name``s as {name: item}; None for any other value.

    Unnamed lists (workdays, legs, breaks, disruptions without names) compare as whole values:
    an index is no stable identity once an item is inserted.
    """
    if not isinstance(value, list) or not all(isinstance(i, dict) and i.get("name") is not None for i in value):
        return None
    items = {i["name"]: i for i in value}
    return items if len(items) == len(value) else None


def _merged_keys(old: list, new: list) -> list:
    """The keys of both in order: ``old``'s, with each key only in ``new`` placed after the key
    that precedes it in ``new`` (models list all their keys; this orders names and model shares)."""
    keys = list(old)
    for n, key in enumerate(new):
        if key not in keys:
            keys.insert(keys.index(new[n - 1]) + 1 if n else 0, key)
    return keys


def format_changes(changes: list[Change]) -> list[str]:
    """One planner-readable line per change.

    ``path: old -> new`` for a change, ``+ path: value`` for an addition, ``- path: old`` for a
    removal (``- path`` alone when a whole mapping, such as a supplier, is removed). Mappings and
    lists are written inline in YAML flow style.
    """
    return [_line(c) for c in changes]


def _line(change: Change) -> str:
    if change.kind == "added":
        return f"+ {change.path}: {_flow(_unnamed(change.new, change.path))}"
    if change.kind == "removed":
        return f"- {change.path}" if isinstance(change.old, dict) else f"- {change.path}: {_flow(change.old)}"
    return f"{change.path}: {_flow(change.old)} -> {_flow(change.new)}"


def _unnamed(value: Any, path: str) -> Any:
    """A named item without its ``name``, which already ends its path."""
    if isinstance(value, dict) and value.get("name") == path.rsplit(".", 1)[-1]:
        return {k: v for k, v in value.items() if k != "name"}
    return value


def _flow(value: Any) -> str:
    """A compact inline YAML rendering: {k: v, ...}, [a, b], strings unquoted unless they must be."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, str):
        plain = value and value == value.strip() and ": " not in value and not any(c in value for c in ',{}[]#"\'')
        return value if plain else json.dumps(value, ensure_ascii=False)
    return json.dumps(value)  # numbers as Python writes them (0.8, 4.0), None as null
