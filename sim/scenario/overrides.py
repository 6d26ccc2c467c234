"""``--set key.path=value`` overrides of a raw scenario mapping, applied before validation.

A path is dotted. Each step names a mapping key, a list item (by ``name``, else by index), ``*``
(every item of a list, every value of a mapping) or a selection ``key[field=value]`` (the items of
the list ``key`` whose ``field`` is written as ``value``)::

    suppliers.seats.parts.seat-set.rack_size=6
    suppliers.*.travel_cv=0.3
    suppliers[route=nanshan-avenue].trucks=3
    suppliers.*.parts[mode=kanban].dispatch_max_wait_min=45
    disruptions.snow-day={kind: road_closed, start_day: 2, duration_h: 6}   # adds the item if absent
    disruptions.snow-day=                                                   # an empty value deletes it

The value is read as YAML. Every failure is one :class:`~sim.errors.ScenarioError` naming the option.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.paths import child_type, did_you_mean, is_list, keys_of, with_hint
from sim.scenario.schema import Scenario
from sim.scenario.yamltext import YamlValueError, read_value

_SELECT = re.compile(r"^(?P<key>[^\[\]=]*)\[(?P<field>[^\[\]=]+)=(?P<value>[^\[\]]*)\]$")
_APPEND = object()  # the slot of a list item that does not exist yet


@dataclass(frozen=True)
class _Slot:
    """One place the path reaches: ``container[key]`` (``key`` is _APPEND for a new list item)."""

    container: Any
    key: Any
    tp: Any  # the schema type of the value there (None when unknown)
    where: str  # the key path so far, list items by name


def _outside_brackets(text: str, sep: str) -> list[int]:
    depth, hits = 0, []
    for i, ch in enumerate(text):
        depth += ch == "["
        depth -= ch == "]"
        if ch == sep and depth == 0:
            hits.append(i)
    return hits


def _steps(path: str, assignment: str, file: str) -> list[tuple]:
    """``a.b[f=v].*`` as [("key", "a"), ("key", "b"), ("where", "f", "v"), ("all",)]."""
    cuts = [-1, *_outside_brackets(path, "."), len(path)]
    steps = []
    for a, b in zip(cuts, cuts[1:]):
        part = path[a + 1:b].strip()
        m = _SELECT.match(part)
        if m and m["key"]:
            steps.append(("key", m["key"]))
        if m:
            steps.append(("where", m["field"].strip(), m["value"].strip()))
        elif part == "*":
            steps.append(("all",))
        elif part and "[" not in part and "]" not in part:
            steps.append(("key", part))
        else:
            raise ScenarioError(file, path, f"'{part}' is not a key, '*' or key[field=value] (from --set {assignment})")
    return steps


def _below(where: str, step: tuple) -> str:
    """The key path one step below ``where``, as the user wrote that step."""
    if step[0] == "where":
        return f"{where}[{step[1]}={step[2]}]"
    return f"{where}.{'*' if step[0] == 'all' else step[1]}".lstrip(".")


def _item_name(item: Any, index: int) -> str:
    return str(item["name"]) if isinstance(item, dict) and isinstance(item.get("name"), str) else str(index)


def _node(slot: _Slot, want_list: bool) -> Any:
    """The value at ``slot``, creating a missing mapping (or list) on the way: validation then
    rejects a key the schema does not know, with the nearest known keys."""
    if isinstance(slot.container, dict) and slot.key not in slot.container:
        slot.container[slot.key] = [] if want_list else {}
    return slot.container[slot.key]


def _children(slot: _Slot, step: tuple, last: bool, value: Any, ctx: tuple[str, str], strict: bool) -> list[_Slot]:
    """The slots one step below ``slot``. A name or selection that matches nothing is an error when
    ``strict`` (one slot so far); after ``*`` it only leaves that branch out."""
    file, assignment = ctx
    node = _node(slot, is_list(slot.tp) or step[0] != "key")
    kind = step[0]
    if isinstance(node, dict):
        if kind == "where":
            raise ScenarioError(file, slot.where, f"is a mapping; [field=value] selects list items (from --set {assignment})")
        keys = list(node) if kind == "all" else [step[1]]
        return [_Slot(node, k, child_type(slot.tp, k, node), f"{slot.where}.{k}".lstrip(".")) for k in keys]
    if not isinstance(node, list):
        raise ScenarioError(file, _below(slot.where, step), f"is a value, not a mapping (from --set {assignment})")
    item_tp = child_type(slot.tp, 0)
    if kind == "all":
        picked = list(range(len(node)))
    elif kind == "where":
        field, text = step[1], step[2]
        picked = [n for n, item in enumerate(node) if isinstance(item, dict) and str(item.get(field)) == text]
        if not picked and strict:
            written = {str(i.get(field)) for i in node if isinstance(i, dict) and field in i}
            problem = with_hint(f"no item has {field} = {text} (from --set {assignment})", text, written)
            if written and "did you mean" not in problem:
                problem += f"; {field} is written as {', '.join(sorted(written)[:8])}"
            raise ScenarioError(file, _below(slot.where, step), problem)
    else:
        picked = _named(node, step[1], last and isinstance(value, dict), slot, ctx) if strict else [
            n for n, item in enumerate(node) if isinstance(item, dict) and item.get("name") == step[1]]
    return [_Slot(node, n, item_tp, f"{slot.where}.{step[1] if n is _APPEND else _item_name(node[n], n)}")
            for n in picked]


def _named(items: list, name: str, may_add: bool, slot: _Slot, ctx: tuple[str, str]) -> list[int]:
    """The index of the item named ``name`` (or at that index); [_APPEND] when it may be added."""
    file, assignment = ctx
    hits = [n for n, item in enumerate(items) if isinstance(item, dict) and item.get("name") == name]
    if not hits and name.isdigit() and int(name) < len(items):
        hits = [int(name)]
    if hits:
        return hits[:1]
    named = all(isinstance(i, dict) for i in items) and "name" in keys_of(child_type(slot.tp, 0), {})
    if may_add and named:
        return [_APPEND]
    problem = f"no list item named '{name}' (from --set {assignment})"
    hint = did_you_mean(name, [i["name"] for i in items if isinstance(i, dict) and "name" in i])
    if hint or named:
        problem += f"; {hint}" if hint else f"; to add it, give the whole item: --set {slot.where}.{name}={{...}}"
    raise ScenarioError(file, _below(slot.where, ("key", name)), problem)


def _assign(slots: list[_Slot], value: Any) -> None:
    """Write ``value`` at every slot; ``None`` deletes (a key, or a list item)."""
    deleted: dict[int, tuple[list, set[int]]] = {}
    for slot in slots:
        new = copy.deepcopy(value)
        if isinstance(slot.container, list) and slot.key is not _APPEND and value is None:
            deleted.setdefault(id(slot.container), (slot.container, set()))[1].add(slot.key)
        elif isinstance(slot.container, dict) and value is None:
            slot.container.pop(slot.key, None)  # as in extends: null deletes the key (its default applies)
        elif slot.key is _APPEND:
            slot.container.append({**new, "name": slot.where.rpartition(".")[2]})
        else:
            old = slot.container[slot.key] if isinstance(slot.container, list) else None
            if isinstance(new, dict) and isinstance(old, dict) and "name" in old:
                new.setdefault("name", old["name"])  # an item replaced by name keeps it
            slot.container[slot.key] = new
    for items, indices in deleted.values():
        for n in sorted(indices, reverse=True):
            del items[n]


def split_key_value(text: str) -> tuple[str, str] | None:
    """``key.path=value`` as (path, value text), or None without a path; the ``=`` inside a
    selection ``[field=value]`` does not count (``--set`` and ``--vary`` both split this way)."""
    cuts = _outside_brackets(text, "=")
    if not cuts or not text[: cuts[0]].strip():
        return None
    return text[: cuts[0]].strip(), text[cuts[0] + 1:]


def split_assignment(assignment: str, file: str) -> tuple[str, str]:
    """:func:`split_key_value`, or one ScenarioError saying what an override looks like."""
    cut = split_key_value(assignment)
    if cut is None and "[" in assignment and not _outside_brackets(assignment, "="):
        raise ScenarioError(file, assignment, "a [ without its ] (a selection is key[field=value])")
    if cut is None:
        raise ScenarioError(file, assignment, "an override must look like key.path=value")
    return cut


def apply_override(data: dict[str, Any], assignment: str, file: str) -> None:
    """Apply one ``--set`` assignment to ``data`` in place (see the module docstring)."""
    path, text = split_assignment(assignment, file)
    try:
        value = read_value(text)
    except YamlValueError as exc:
        raise ScenarioError(file, path, f"the --set value {exc}") from None
    steps = _steps(path, assignment, file)
    slots = [_Slot({"": data}, "", Scenario, "")]
    for n, step in enumerate(steps):
        last = n == len(steps) - 1
        ctx, strict = (file, assignment), len(slots) == 1
        found = [child for slot in slots for child in _children(slot, step, last, value, ctx, strict)]
        if not found and not strict:
            _children(slots[0], step, last, value, ctx, True)  # raises what the first branch misses
        slots = found
        if not slots:
            raise ScenarioError(file, path, f"selects nothing: the list is empty (from --set {assignment})")
    for slot in slots:
        name = slot.where.rpartition(".")[2]
        if slot.key is _APPEND and value.get("name", name) != name:
            raise ScenarioError(file, slot.where, f"the new item's name: {value['name']!r} differs from the path's "
                                                  f"'{name}' (from --set {assignment})")
    _assign(slots, value)
