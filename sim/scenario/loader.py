"""Reading scenario files: ``extends:`` merging, ``--set`` overrides (``overrides.py``) and validation.

The file itself is read by ``yamltext.py`` (size cap, UTF-8, YAML). Every failure becomes one :class:`~sim.errors.ScenarioError` naming the file, the key path and the
problem. Key paths name list items by their ``name`` (``suppliers.seats.parts.seat-set.station``),
the same form ``--set`` takes.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.scenario.checks import cross_check
from sim.scenario.overrides import apply_override
from sim.scenario.paths import child_type, keys_of, unknown_key
from sim.scenario.schema import Disruption, Part, Scenario
from sim.scenario.yamltext import read_yaml_file

__all__ = ["apply_override", "deep_merge", "load_scenario", "resolve_file", "scenario_from_dict"]

_UNION_TAGS = {tag for union, field in ((Part, "mode"), (Disruption, "kind"))  # "jis", "road_closed", ...
               for cls in get_args(get_args(union)[0]) for tag in get_args(cls.model_fields[field].annotation)}
_TAGS = _UNION_TAGS | {"function-after", "int", "dict[str,int]", "constrained-int", "dict[str,constrained-int]"}
MAX_EXTENDS = 16  # files in one extends: chain (a variant of a variant of ... is rarely 3 deep)


def _named_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and "name" in i for i in value)


def deep_merge(base: Any, over: Any) -> Any:
    """``over`` on top of ``base``: mappings merge key by key, a ``null`` deletes a key, lists of
    named mappings merge item by item (new names are appended), any other value replaces."""
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            if value is None:
                merged.pop(key, None)
            elif key in merged:
                merged[key] = deep_merge(merged[key], value)
            else:
                merged[key] = copy.deepcopy(value)
        return merged
    if _named_list(base) and _named_list(over):
        merged = [copy.deepcopy(i) for i in base]
        index = {item["name"]: n for n, item in enumerate(merged)}
        for item in over:
            if item["name"] in index:
                merged[index[item["name"]]] = deep_merge(merged[index[item["name"]]], item)
            else:
                merged.append(copy.deepcopy(item))
        return merged
    return copy.deepcopy(over)


def resolve_file(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw mapping of a scenario file with its ``extends:`` chain (at most MAX_EXTENDS files,
    no cycle) merged in."""
    path = Path(path)
    data = read_yaml_file(path)
    here = path.resolve()
    if here in _seen:
        chain = " -> ".join(p.name for p in (*_seen, here))
        raise ScenarioError(path, "extends", f"circular extends: {chain}")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent.strip() or "\0" in parent:
        raise ScenarioError(path, "extends", "must be the path of another scenario file")
    if len(_seen) + 1 >= MAX_EXTENDS:
        raise ScenarioError(path, "extends", f"more than {MAX_EXTENDS} files in the extends: chain")
    parent_path = path.parent / parent
    try:
        exists = parent_path.exists()
    except OSError:  # e.g. a name too long for the file system
        exists = False
    if not exists:
        raise ScenarioError(path, "extends", f"the file '{parent}' does not exist (looked for {parent_path})")
    return deep_merge(resolve_file(parent_path, (*_seen, here)), data)


def _key_path(loc: tuple[Any, ...], data: Any) -> str:
    """A pydantic error location as a dotted path that names list items by their ``name``."""
    names, node = [], data
    for item in loc:
        if isinstance(item, str) and item in _TAGS and not (isinstance(node, dict) and item in node):
            continue
        if isinstance(item, int) and isinstance(node, list) and item < len(node):
            node = node[item]
            name = node.get("name") if isinstance(node, dict) else None
            names.append(str(name) if isinstance(name, str) else str(item))
            continue
        names.append(str(item))
        node = node.get(item) if isinstance(node, dict) else None
    return ".".join(names)


def _known_keys(loc: tuple[Any, ...], data: Any) -> list[str]:
    """The keys the schema allows in the mapping at ``loc`` (union tags in ``loc`` skipped: the
    data's own ``mode:``/``kind:`` picks the model)."""
    tp, node = Scenario, data
    for item in loc:
        if isinstance(item, str) and item in _TAGS and not (isinstance(node, dict) and item in node):
            continue
        tp = child_type(tp, item, node)
        node = node[item] if isinstance(node, (dict, list)) and item in (node if isinstance(node, dict) else
                                                                          range(len(node))) else None
    return keys_of(tp, node)


def _problem(err: dict[str, Any], data: Any) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return unknown_key(err["loc"][-1], _known_keys(err["loc"][:-1], data))
    if kind in ("missing", "union_tag_not_found"):
        return "required key is missing"
    if kind == "union_tag_invalid":
        return msg.replace("Input tag", "value")  # keeps the expected tags: ... 'jis', 'kanban'
    return msg.removeprefix("Value error, ")


def _real_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop pydantic's echo of a failed list item: the list itself reported as too short."""
    return [e for e in errors if not (e["type"] == "too_short" and any(
        len(o["loc"]) > len(e["loc"]) and o["loc"][: len(e["loc"])] == e["loc"] for o in errors))]


def _loc(err: dict[str, Any]) -> tuple[Any, ...]:
    """The error location; a missing or wrong ``mode:``/``kind:`` tag is located at that key."""
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return (*err["loc"], str(err["ctx"]["discriminator"]).strip("'"))
    return err["loc"]


def scenario_from_dict(data: dict[str, Any], file: str = "<scenario>") -> Scenario:
    """Validate a raw mapping into a :class:`Scenario`, or raise one ScenarioError."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        errors = _real_errors(exc.errors())
        # a misspelt key (dock:) also makes the right one (docks) missing: name the misspelling first
        err = min(errors, key=lambda e: e["type"] != "extra_forbidden")
        more = len(errors) - 1
        suffix = f" (and {more} more problem{'s' * (more > 1)})" if more else ""
        raise ScenarioError(file, _key_path(_loc(err), data), _problem(err, data) + suffix) from None
    problem = cross_check(scenario)
    if problem:
        raise ScenarioError(file, *problem)
    return scenario


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Load, merge, override and validate a scenario file."""
    data = resolve_file(path)
    data.pop("sweep", None)  # a sweep definition (sim sweep) is not part of the model
    for assignment in overrides:
        apply_override(data, assignment, str(path))
    return scenario_from_dict(data, str(path))
