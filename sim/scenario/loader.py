"""Reading scenario files: YAML, ``extends:`` merging, ``--set`` overrides and validation.

Every failure becomes one :class:`~sim.errors.ScenarioError` naming the file, the key path and the
problem. Key paths name list items by their ``name`` (``suppliers.seats.parts.seat-set.station``),
the same form ``--set`` takes.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.scenario.checks import cross_check
from sim.scenario.schema import Scenario

_TAGS = {"jis", "kanban", "road", "road_closed", "supplier_down", "function-after", "int", "dict[str,int]",
         "constrained-int", "dict[str,constrained-int]"}


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader without YAML 1.1's sexagesimal numbers (16:00 stays a string) that refuses a key
    written twice in one mapping (YAML would silently keep the last). It parses with libyaml when
    PyYAML has it: the pure-Python parser grows faster than the file (47 s for 10,000 suppliers)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice in one mapping", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if not (tag.endswith((":int", ":float")) and rx.match("16:00"))]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(0|[1-9][0-9_]*)$"), list("-+0123456789")
)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(path, "", "file not found") from None
    except OSError as exc:
        raise ScenarioError(path, "", f"cannot read the file ({exc.strerror})") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(path, "", f"not valid YAML: {where}{problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "a scenario file must be a mapping of keys (name:, line:, ...)")
    return data


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
    """The raw mapping of a scenario file with its ``extends:`` chain merged in."""
    path = Path(path)
    if path.resolve() in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path.resolve()))
        raise ScenarioError(path, "extends", f"circular extends: {chain}")
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(path, "extends", "must be the path of another scenario file")
    parent_path = path.parent / parent
    if not parent_path.exists():
        raise ScenarioError(path, "extends", f"the file '{parent}' does not exist (looked for {parent_path})")
    return deep_merge(resolve_file(parent_path, (*_seen, path.resolve())), data)


def apply_override(data: dict[str, Any], assignment: str, file: str) -> None:
    """Apply one ``key.path=value`` override in place; the value is read as YAML."""
    key, sep, text = assignment.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(file, assignment, "an override must look like key.path=value")
    value = yaml.load(text, Loader=_Loader) if text.strip() else None
    parts = key.strip().split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, dict):
            if last and value is None:
                node.pop(part, None)  # as in extends: null deletes the key (its default applies)
            elif last:
                node[part] = value
            else:  # a missing section is created; validation rejects a key the schema does not know
                node = node.setdefault(part, {})
        elif isinstance(node, list):
            hits = [n for n, item in enumerate(node) if isinstance(item, dict) and item.get("name") == part]
            if not hits and part.isdigit() and int(part) < len(node):
                hits = [int(part)]
            if not hits:
                raise ScenarioError(file, where, f"no list item named '{part}' (from --set {assignment})")
            if last:
                node[hits[0]] = value
            else:
                node = node[hits[0]]
        else:
            raise ScenarioError(file, where, f"is a value, not a mapping (from --set {assignment})")


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


def _problem(err: dict[str, Any]) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return "unknown key (check its spelling against the scenario reference in README.md)"
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
        err = errors[0]
        more = len(errors) - 1
        suffix = f" (and {more} more problem{'s' * (more > 1)})" if more else ""
        raise ScenarioError(file, _key_path(_loc(err), data), _problem(err) + suffix) from None
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
