"""YAML text: reading a scenario file safely, and reading one ``--set`` or ``--vary`` value.

A scenario file must be a regular UTF-8 text file of at most :data:`MAX_FILE_BYTES`; its YAML may
nest at most :data:`MAX_DEPTH` levels and expand (through aliases) to at most :data:`MAX_NODES`
values. Anything else (a binary or UTF-16 file, ``/dev/zero``, a FIFO, a 50 MB file, a YAML
"billion laughs") is refused with one :class:`~sim.errors.ScenarioError` before it can hang or fill
memory. Every problem is one line. YAML is parsed by libyaml when PyYAML has it, else by PyYAML's own
parser; both keep the same rules, read the same data, and a refusal is always worded by PyYAML's.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ScenarioError

MAX_FILE_BYTES = 5_000_000  # nanshan (46 suppliers) is 60 kB; 10,000 suppliers written out fit in ~3 MB
MAX_DEPTH = 40  # a scenario nests about 7 levels (suppliers.x.parts.y.usage.model)
MAX_NODES = 1_000_000  # values after YAML aliases expand; 10,000 suppliers are ~300,000


class _Strict:
    """The rules every scenario loader adds to YAML's safe loader: a key written twice in one
    mapping is refused (YAML would silently keep the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # <<: *base, merged by the safe loader itself
                key = "<<"
            else:
                key = self.construct_object(key_node, deep=deep)
            try:
                twice = key in seen
            except TypeError:  # a list as a key (? [1, 2]): the safe loader refuses it in its own words
                continue
            if twice:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice in one mapping", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _numbers_as_planners_read_them(loader: type) -> type:
    """``loader`` without YAML 1.1's sexagesimal numbers (16:00 stays a string) and with YAML 1.2's
    exponent floats (1e9, 1e-6: YAML 1.1 reads them as strings; YAML 1.2 and every planner as numbers)."""
    loader.yaml_implicit_resolvers = {
        key: [(tag, rx) for tag, rx in resolvers if not (tag.endswith((":int", ":float")) and rx.match("16:00"))]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(0|[1-9][0-9_]*)$"),
                                 list("-+0123456789"))
    loader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9]+[eE][-+]?[0-9]+$"),
                                 list("-+0123456789"))
    return loader


@_numbers_as_planners_read_them
class PythonLoader(_Strict, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader with the scenario rules: the reference, and the one whose
    error messages a planner reads."""


if yaml.__with_libyaml__:
    @_numbers_as_planners_read_them
    class LibyamlLoader(_Strict, yaml.composer.Composer, yaml.CSafeLoader):
        """The same rules on libyaml's C parser (about 8 times faster on nanshan.yaml). The nodes are
        composed by PyYAML's Python composer, not libyaml's: that one recurses in C and crashes the
        interpreter (segmentation fault) on a file of a few tens of thousands of nested brackets,
        where Python's stops with a RecursionError at about 500 levels."""

        def __init__(self, stream):
            yaml.CSafeLoader.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
else:  # PyYAML built without libyaml
    LibyamlLoader = None

_KINDS = {stat.S_ISDIR: "a folder", stat.S_ISFIFO: "a named pipe", stat.S_ISCHR: "a device",
          stat.S_ISBLK: "a device", stat.S_ISSOCK: "a socket"}
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class YamlValueError(ValueError):
    """A ``--set``/``--vary`` value that is not valid YAML; the message is one line."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def yaml_problem(exc: yaml.YAMLError) -> str:
    """What is wrong, in one line, with where in the text when YAML knows it."""
    if isinstance(exc, yaml.reader.ReaderError):
        return f"character #x{exc.character:04x} at position {exc.position} is not allowed in YAML"
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    return where + _one_line(getattr(exc, "problem", None) or exc)


def _parse(text: str, loader: type) -> Any:
    """YAML text to data with one loader; a nesting deep enough to exhaust Python's stack is a YAML
    error too."""
    try:
        return yaml.load(text, Loader=loader)
    except RecursionError:
        raise yaml.YAMLError(f"nested more than {MAX_DEPTH} levels deep") from None


def _load(text: str) -> Any:
    """YAML text to data: with libyaml when it is there, else (and whenever libyaml finds a problem)
    with PyYAML's own parser, so that a refusal, and its message, is always the reference loader's."""
    if LibyamlLoader is not None:
        try:
            return yaml.load(text, Loader=LibyamlLoader)
        except (yaml.YAMLError, RecursionError, UnicodeEncodeError):  # UnicodeEncodeError: a lone surrogate
            pass  # from a command-line value, which libyaml (UTF-8 only) cannot even be given
    return _parse(text, PythonLoader)


def read_value(text: str) -> Any:
    """One ``--set`` or ``--vary`` value read as YAML (empty text is ``None``); raises
    :class:`YamlValueError` with a one-line problem when it is not valid YAML."""
    if not text.strip():
        return None
    try:
        value = _load(text)
    except yaml.YAMLError as exc:
        raise YamlValueError(f"{text!r} is not valid YAML ({yaml_problem(exc)})") from None
    problem = _size_problem(value)
    if problem:
        raise YamlValueError(f"{text!r} {problem}")
    return value


def _read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES. The file is opened non-blocking so
    that a named pipe cannot hang the open, and checked on the open descriptor (no race)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ScenarioError(path, "", "file not found") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise ScenarioError(path, "", f"cannot read the file ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        kind = next((name for test, name in _KINDS.items() if test(mode)), None)
        if kind or not stat.S_ISREG(mode):
            raise ScenarioError(path, "", f"is {kind or 'not a regular file'}, not a scenario file (a YAML text file)")
        with os.fdopen(os.dup(fd), "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)  # never more, even if the file grows while we read
    except OSError as exc:
        raise ScenarioError(path, "", f"cannot read the file ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(path, "", f"the file is larger than {MAX_FILE_BYTES / 1e6:g} MB; a scenario file "
                                      "is far smaller (see 'Bounds' in README.md)")
    return raw


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith(_WIDE_BOMS):
        raise ScenarioError(path, "", "not a UTF-8 text file (it is UTF-16 or UTF-32): save it as UTF-8")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise ScenarioError(path, "", f"not a UTF-8 text file (a NUL byte on line {line}: a binary file?)")
    try:
        return raw.decode("utf-8-sig")  # a UTF-8 byte-order mark (some Windows editors write one) is fine
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(path, "", f"not a UTF-8 text file (byte 0x{raw[exc.start]:02x} on line {line}): "
                                      "save it as UTF-8") from None


def _measure(node: Any, depth: int, memo: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """(values under ``node`` with aliases expanded, levels below it); shared nodes are counted
    once per use but measured once, so a "billion laughs" costs no more than its text."""
    if not isinstance(node, (dict, list)):
        return 1, 0
    if id(node) in memo:
        return memo[id(node)]
    if depth > MAX_DEPTH:  # also ends a self-referencing alias (&a [*a])
        return 1, MAX_DEPTH + 1
    size, height = 1, 0
    for child in (node.values() if isinstance(node, dict) else node):
        s, h = _measure(child, depth + 1, memo)
        size, height = size + s, max(height, h + 1)
    memo[id(node)] = (size, height)
    return size, height


def _size_problem(data: Any) -> str | None:
    size, height = _measure(data, 0, {})
    if height > MAX_DEPTH:
        return f"nests more than {MAX_DEPTH} levels deep"
    if size > MAX_NODES:
        return f"expands to more than {MAX_NODES:,} values (YAML aliases?)"
    return None


def read_yaml_file(path: Path) -> dict[str, Any]:
    """The top-level mapping of a scenario file, or one ScenarioError naming the file."""
    text = _decode(_read_bytes(path), path)
    try:
        data = _load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(path, "", f"not valid YAML: {yaml_problem(exc)}") from None
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "a scenario file must be a mapping of keys (name:, line:, ...)")
    problem = _size_problem(data)
    if problem:
        raise ScenarioError(path, "", f"the YAML {problem}; a scenario needs far less")
    return data
