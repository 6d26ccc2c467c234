"""The layers of README.md ("Layers"): imports point down only, checked by import-linter with the
contract in pyproject.toml. A test that the check can fail: a copy of the package with one upward
import added (the model reaching for the store) breaks the contract."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint(where: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on the package under ``where`` with the repository's contract."""
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                           "lint_imports_command()", "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=where, env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)


def test_the_package_keeps_its_layers():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize("module, upward", [
    ("sim/model/line.py", "import sim.store"),  # the model writing a run folder
    ("sim/metrics.py", "import sim.plots"),  # metrics drawing
    ("sim/store.py", "import sim.report"),  # the store presenting
])
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward):
    shutil.copytree(ROOT / "sim", tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    path = tmp_path / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{upward}  # noqa\n", encoding="utf-8")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout or "broken" in done.stdout


def test_no_import_inside_a_function_of_the_library():
    """No lazy import hides a cycle: every ``import sim...`` of the library is at module level,
    except where a docstring-free reason holds: the CLI and ``sim/__init__`` keep start-up light (Ctrl-C
    in the first second is one line, ``sim --help`` does not load matplotlib), ``__main__`` the same."""
    allowed = {"cli.py", "__init__.py", "__main__.py", "bench.py"}
    lazy = []
    for path in (ROOT / "sim").rglob("*.py"):
        if path.name in allowed and path.parent == ROOT / "sim":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("sim"):
                        lazy.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
                lazy.append(f"{path.relative_to(ROOT)}:{node.lineno} (TYPE_CHECKING)")
    assert not lazy, f"imports inside functions or TYPE_CHECKING blocks: {lazy}"


def _library_files():
    return [p for p in (ROOT / "sim").rglob("*.py") if "__pycache__" not in p.parts]


def test_every_class_has_one_name():
    """No two classes of the package share a name (a model ``Line`` and a schema ``Line`` read the same in a
    traceback and an import)."""
    where: dict[str, list[str]] = {}
    for path in _library_files():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                where.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    assert {name: files for name, files in where.items() if len(files) > 1} == {}


def test_only_the_command_line_reads_the_environment():
    readers = []
    for path in _library_files():
        text = path.read_text(encoding="utf-8")
        if ("os.environ" in text or "getenv(" in text) and path.name != "cli.py":
            readers.append(str(path.relative_to(ROOT)))
    assert readers == []


def test_no_private_name_is_imported_across_modules():
    private = []
    for path in _library_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sim"):
                private += [f"{path.relative_to(ROOT)}: {a.name}" for a in node.names if a.name.startswith("_")
                            and not a.name.startswith("__")]
    assert private == []
