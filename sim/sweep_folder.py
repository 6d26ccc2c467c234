"""The folder of a sweep or a sizing: checked before anything runs, held by one process at a time,
and, when interrupted, either kept with what finished or removed if nothing did.

A sweep folder holds ``sweep.json`` (its definition) and ``points/<key>/`` (complete run folders).
It is claimed under an exclusive advisory lock (``flock`` on the folder itself, so no lock file is
left behind): a second sweep or sizing on the same folder is refused at once instead of racing the
first for the same point folders.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import Interrupted, SimError
from sim.folders import check_writable as check_creatable


class FolderError(SimError):
    """A sweep or sizing folder that cannot be used."""


def check_writable(folder: Path) -> None:
    """Raise FolderError (a file is in the way) or ResultsError (nothing can be created there)
    unless ``folder`` is a folder that can be written into, or can be created as one."""
    if folder.exists() and not folder.is_dir():
        raise FolderError(f"{folder} is a file, not a folder; choose another --out (nothing was written)")
    check_creatable(folder)


def check_folder(folder: Path, definition: dict) -> None:
    """Raise FolderError unless ``folder`` can hold the sweep of ``definition``: writable or
    creatable, and empty, new, or holding this very sweep (which is then resumed)."""
    check_writable(folder)
    _check_contents(folder, definition)


def complete_points(folder: Path, keys: set[str] | None = None) -> int:
    """How many complete point folders (with ``manifest.json``) ``folder/points`` holds; only those
    in ``keys`` when given."""
    points = folder / "points"
    if not points.is_dir():
        return 0
    return sum(1 for p in points.iterdir() if (p / "manifest.json").is_file() and (keys is None or p.name in keys))


@contextmanager
def claimed(folder: Path, definition: dict, keys: set[str] | None = None) -> Iterator[Path]:
    """Create (or reopen) the folder of ``definition`` and hold it for the block.

    Raises FolderError, with nothing written, when the folder is unusable, holds something else, or
    another process holds it. On Ctrl-C inside the block, raises :class:`~sim.errors.Interrupted`
    saying how many points were kept (of ``keys``, when given); a folder this call created is
    removed again when no point in it finished.
    """
    check_folder(folder, definition)
    created = _missing_ancestors(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FolderError(f"cannot create {folder}: {exc.strerror} (nothing was written)") from None
    with _locked(folder):
        try:
            _check_contents(folder, definition)  # again, now that no other process can change it
            _write_definition(folder, definition)
            yield folder
        except KeyboardInterrupt:
            kept = complete_points(folder, keys)
            if kept == 0 and created:
                _remove_created(folder, created)
                raise KeyboardInterrupt from None  # nothing was written
            if keys is not None:
                raise Interrupted(f"{kept} of {len(keys)} points kept in {folder}; run the same command again "
                                  "to resume") from None
            raise Interrupted(f"{kept} point{'s' * (kept != 1)} kept in {folder}; run the same command again "
                              "to reuse them") from None
        except BaseException:
            if complete_points(folder) == 0 and created:
                _remove_created(folder, created)
            raise


def _check_contents(folder: Path, definition: dict) -> None:
    spec = folder / "sweep.json"
    if spec.is_file():
        try:
            old = json.loads(spec.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            old = {}
        if old.get("base_hash") != definition["base_hash"] or old.get("axes") != definition["axes"]:
            raise FolderError(f"{folder} holds a different sweep; choose another --out (nothing was written)")
        return
    # hidden entries (a .sweep.json.tmp of a process killed while writing it) do not make it foreign
    if folder.is_dir() and any(p.name != "points" and not p.name.startswith(".") for p in folder.iterdir()):
        raise FolderError(f"{folder} exists and is not a sweep folder; choose another --out (nothing was written)")


def _write_definition(folder: Path, definition: dict) -> None:
    spec = folder / "sweep.json"
    if spec.is_file():
        return
    tmp = folder / ".sweep.json.tmp"
    try:
        tmp.write_text(json.dumps(definition, indent=1), encoding="utf-8")
        os.replace(tmp, spec)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FolderError(f"cannot write {spec}: {exc.strerror}") from None


def _missing_ancestors(folder: Path) -> list[Path]:
    """``folder`` and its parents that do not exist yet, deepest first."""
    missing = []
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing.append(path)
    return missing


def _remove_created(folder: Path, created: list[Path]) -> None:
    """Undo a claim that kept nothing: the definition, an empty ``points/``, then the folders this
    claim created, as long as they are empty (anything else found there is left alone)."""
    (folder / "sweep.json").unlink(missing_ok=True)
    points = folder / "points"
    if points.is_dir() and not any(p for p in points.iterdir() if not p.name.startswith(".tmp-")):
        shutil.rmtree(points, ignore_errors=True)
    for path in created:
        try:
            path.rmdir()
        except OSError:
            return


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``folder`` for the block; FolderError if another process has it.
    Where ``fcntl`` does not exist (Windows) folders are not locked."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderError(f"{folder} is in use by another sim sweep or sim size; wait for it to finish or "
                              "choose another --out (nothing was written)") from None
        yield
    finally:
        os.close(fd)
