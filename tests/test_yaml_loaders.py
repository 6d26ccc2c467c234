"""The two YAML loaders of scenario files: libyaml's parser (fast, used when PyYAML has it) and
PyYAML's own (the reference). They must read every file into the same data, keep the same rules
(no sexagesimal numbers, YAML 1.2 exponent floats, a key twice refused) and survive the same
hostile input. Data are compared by ``repr`` so that 1, 1.0 and True, or a reordered mapping, differ.

The tests of ``load_scenario`` that touch YAML run under both loaders in ``test_scenario.py``
(the ``yaml_loader`` fixture).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.scenario import yamltext
from sim.scenario.yamltext import LibyamlLoader, PythonLoader

REPO = Path(__file__).resolve().parents[1]
YAML_FILES = sorted([*REPO.glob("scenarios/*.yaml"), *REPO.glob("scenarios/sweeps/*.yaml"),
                     *REPO.glob("tests/data/*.yaml")])

needs_libyaml = pytest.mark.skipif(LibyamlLoader is None, reason="PyYAML is built without libyaml here")

TRICKY = {
    "clock times": "a: 16:00\nb: 24:00\nc: '06:00'\nd: 1:30:00\n",
    "numbers": "a: 1e9\nb: -1E-6\nc: 1.5e3\nd: 1_000\ne: 0x1F\nf: 0o17\ng: 012\nh: .inf\ni: -.INF\nj: 3.\nk: +7\n",
    "booleans and nulls": "a: yes\nb: No\nc: on\nd: ~\ne: null\nf: true\ng:\n",
    "dates": "a: 2024-03-01\nb: 2024-03-01 12:00:00\n",
    "quoted and tagged": "a: '1'\nb: \"2\"\nc: !!str 3\nd: !!float 4\ne: \"t\\tab \\u00e9\"\nf: 'it''s'\n",
    "block scalars": "a: |\n  one\n  two\nb: >-\n  folded\n  text\n\nc: x\n",
    "anchors and merge": "base: &b {x: 1, y: [1, 2]}\nthis: {<<: *b, y: 3}\nagain: *b\n",
    "flow and block": "a: [1, {b: 2, c: [3, 4]}, 'x']\nd:\n- e: 1\n  f:\n  - 2\n  - 3\n- [g, h]\n",
    "explicit key": "? a\n: pair\n? b\n",
    "unicode and comments": "name: Zhāngjiākǒu 张家口  # the plant\nnote: \"café\"\n",
    "document markers": "%YAML 1.1\n---\na: 1\n...\n",
}


def load(text: str, loader: type):
    return yaml.load(text, Loader=loader)


@needs_libyaml
@pytest.mark.parametrize("path", YAML_FILES, ids=[p.stem for p in YAML_FILES])
def test_both_loaders_read_every_shipped_file_alike(path):
    text = path.read_text(encoding="utf-8")
    assert repr(load(text, LibyamlLoader)) == repr(load(text, PythonLoader))


@needs_libyaml
@pytest.mark.parametrize("text", TRICKY.values(), ids=TRICKY.keys())
def test_both_loaders_read_tricky_yaml_alike(text):
    assert repr(load(text, LibyamlLoader)) == repr(load(text, PythonLoader))


@pytest.mark.parametrize("loader", [LibyamlLoader, PythonLoader], ids=["libyaml", "python"])
def test_each_loader_keeps_the_scenario_rules(loader):
    if loader is None:
        pytest.skip("PyYAML is built without libyaml here")
    # YAML 1.1 reads 16:00 as 16 x 60 = 960 and 1e9 as a string; YAML 1.2 and a planner read "16:00" and 1e9
    assert load("a: 16:00\nb: 1e9\nc: 60\n", loader) == {"a": "16:00", "b": 1e9, "c": 60}
    assert type(load("b: 1e9\n", loader)["b"]) is float and type(load("c: 60\n", loader)["c"]) is int
    with pytest.raises(yaml.constructor.ConstructorError, match="the key 'name' appears twice in one mapping"):
        load("name: a\nseed: 1\nname: b\n", loader)
    with pytest.raises(RecursionError):  # Python's stack, not the C stack: see the next test
        load("a: " + "[" * 5000 + "]" * 5000 + "\n", loader)


@pytest.mark.parametrize("python_only", [False, True], ids=["libyaml", "python"])
def test_a_file_nested_100000_deep_is_one_line_not_a_crash(tmp_path, python_only):
    """libyaml's own composer recurses in C: a 200 kB file of nested brackets kills the interpreter
    with a segmentation fault (status -11). The loader composes in Python, which stops at its
    recursion limit, so the planner reads one line and status 2."""
    if not python_only and LibyamlLoader is None:
        pytest.skip("PyYAML is built without libyaml here")
    path = tmp_path / "deep.yaml"
    path.write_text("name: x\nline: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    code = ("import sys; from sim.scenario import yamltext; from sim.__main__ import main\n"
            f"if {python_only}: yamltext.LibyamlLoader = None\n"
            "sys.argv = ['sim', 'validate', sys.argv[1]]; main()")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (2, f"error: {path}: not valid YAML: nested more than 40 levels deep\n")


@needs_libyaml
def test_libyaml_is_used_when_it_is_there(monkeypatch):
    """The fast loader is not silently bypassed: a valid text never reaches PyYAML's parser."""
    def refuse(text, loader):
        raise AssertionError("PyYAML's parser was used")

    monkeypatch.setattr(yamltext, "_parse", refuse)
    assert yamltext.read_value("{a: 16:00, b: 1e9}") == {"a": "16:00", "b": 1e9}
    assert yamltext.read_yaml_file(REPO / "scenarios" / "nanshan.yaml")["name"] == "nanshan"


@needs_libyaml
def test_a_refusal_is_worded_by_the_reference_loader():
    """libyaml words its problems differently ("did not find expected node content"); the planner
    reads PyYAML's words whichever parser ran first."""
    with pytest.raises(yaml.YAMLError) as fast:
        load("a: [1,\n", LibyamlLoader)
    with pytest.raises(yaml.YAMLError) as reference:
        load("a: [1,\n", PythonLoader)
    assert str(fast.value) != str(reference.value)  # why the fall-back exists
    with pytest.raises(yamltext.YamlValueError) as info:
        yamltext.read_value("a: [1,\n")
    assert yamltext.yaml_problem(reference.value) in str(info.value)


@pytest.mark.parametrize("python_only", [False, True], ids=["libyaml", "python"])
def test_a_lone_surrogate_from_the_command_line_is_refused_alike(monkeypatch, python_only):
    """Python hands a command-line byte that is not UTF-8 over as a lone surrogate (\\udcff); libyaml,
    which reads UTF-8 only, cannot even be given it (UnicodeEncodeError), PyYAML refuses it."""
    if python_only:
        monkeypatch.setattr(yamltext, "LibyamlLoader", None)
    with pytest.raises(yamltext.YamlValueError) as info:
        yamltext.read_value("a\udcffb")
    assert str(info.value) == "'a\\udcffb' is not valid YAML (character #xdcff at position 1 is not allowed in YAML)"
