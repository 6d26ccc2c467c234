"""Folders written atomically: everything goes into a hidden temporary folder beside the target,
renamed into place only when complete, so no reader ever sees half a folder and nothing is
overwritten. Each temporary folder holds a marker naming its process and host; a temporary folder
left by a process that was killed is removed by the next write into the same parent.

A temporary folder ``.tmp-*`` is stale, and removed, when its marker names a process on this host
that no longer runs and it is older than :data:`DEAD_OWNER_AGE_S`, or when it is older than
:data:`STALE_AGE_S` whatever its marker says (another host, or no marker). Live writers are never
touched: their temporary folders are younger, or their process still runs.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import ResultsError

TMP_PREFIX = ".tmp-"
MARKER = ".sim-owner"  # inside a temporary folder: {"pid", "host", "created"}; removed before the rename
DEAD_OWNER_AGE_S = 10 * 60  # a dead owner's temporary folder, older than this, is removed
STALE_AGE_S = 24 * 3600  # any temporary folder older than this is removed
LEGACY = (".plots-new", ".plots-old", ".report.html.new")  # names earlier versions of `sim plot` left


def nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def check_writable(folder: str | Path, what: str | Path | None = None) -> None:
    """Raise ResultsError unless ``folder`` (existing or not) can be created and written into.

    It probes by creating and removing an empty folder in the nearest existing ancestor, because
    permission bits do not tell (root ignores them; a read-only mount or sysfs refuses anyway)."""
    folder = Path(folder)
    what = folder if what is None else what
    base = nearest_existing(folder)
    if not base.is_dir():
        raise ResultsError(f"cannot create {what}: {base} is a file (nothing was written)")
    try:
        probe = base / f"{TMP_PREFIX}probe-{os.getpid()}-{secrets.token_hex(4)}"
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        raise ResultsError(f"cannot create {what}: {base} is not writable ({exc.strerror or exc}) "
                           "(nothing was written)") from None


def check_new_folder(path: str | Path) -> None:
    """Raise ResultsError unless ``path`` can be created as a new folder (it must not exist)."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        raise ResultsError(f"{path} already exists; choose another --out (nothing was written)")
    check_writable(path.parent, path)


def _owner_gone(marker: dict) -> bool:
    """True when the marker names a process on this host that no longer runs."""
    if marker.get("host") != socket.gethostname() or os.name == "nt":  # nt: os.kill(pid, 0) would kill it
        return False
    try:
        os.kill(int(marker["pid"]), 0)
    except ProcessLookupError:
        return True
    except (OSError, KeyError, TypeError, ValueError, OverflowError):
        return False  # alive under another user, or a marker we cannot read: wait for the age limit
    return False


def is_stale(folder: Path, now: float | None = None) -> bool:
    """Whether a temporary folder was left behind by a writer that is gone (see the module doc)."""
    now = time.time() if now is None else now
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        created = float(marker["created"])
    except (OSError, ValueError, KeyError, TypeError):
        marker = {}
        try:
            created = folder.stat().st_mtime
        except OSError:
            return False
    age = now - created
    return age > STALE_AGE_S or (age > DEAD_OWNER_AGE_S and _owner_gone(marker))


def remove_stale(parent: str | Path) -> list[Path]:
    """Remove the stale temporary folders in ``parent`` (and the names earlier versions left);
    returns what was removed. Symbolic links are never followed or removed."""
    parent = Path(parent)
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if entry.is_symlink():
            continue
        if entry.is_file() and entry.name in LEGACY:
            entry.unlink(missing_ok=True)
            removed.append(entry)
            continue
        if not entry.is_dir():
            continue
        if (entry.name.startswith(TMP_PREFIX) and is_stale(entry)) or entry.name in LEGACY:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def make_temp(parent: Path, label: str) -> Path:
    """A new hidden temporary folder in ``parent`` (which must exist) with its owner marker."""
    tmp = parent / f"{TMP_PREFIX}{label[:60]}-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        marker = {"pid": os.getpid(), "host": socket.gethostname(), "created": time.time()}
        (tmp / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    except BaseException:  # Ctrl-C right here too: the caller has no folder to clean up yet
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def _claim(tmp: Path, final: Path, unique: bool) -> Path:
    """Rename ``tmp`` to ``final`` (or, with ``unique``, to the first free ``final-2``, ``final-3``...).

    The name is claimed with mkdir, which fails if anything is there, and ``tmp`` is then renamed
    onto that empty folder of our own: a bare rename would silently replace an empty folder
    someone else made, and fails with a confusing error on a full one."""
    for n in itertools.count(1):
        target = final if n == 1 else final.with_name(f"{final.name}-{n}")
        try:
            target.mkdir()
        except FileExistsError:
            if unique and n < 1000:
                continue
            raise ResultsError(f"{target} already exists; choose another --out (nothing was written)") from None
        try:
            os.replace(tmp, target)
        except BaseException:
            if target.is_dir() and not any(target.iterdir()):
                target.rmdir()
            raise
        return target
    raise AssertionError("unreachable")


class NewFolder:
    """See :func:`new_folder`."""

    def __init__(self, final: str | Path, *, unique: bool = False):
        self.final, self.unique, self.tmp = Path(final), unique, None

    def __enter__(self) -> Path:
        if self.unique:
            check_writable(self.final.parent, self.final)
        else:
            check_new_folder(self.final)
        try:
            self.final.parent.mkdir(parents=True, exist_ok=True)
            remove_stale(self.final.parent)
            self.tmp = make_temp(self.final.parent, self.final.name)
        except OSError as exc:
            raise ResultsError(f"cannot create {self.final}: {exc.strerror or exc} (nothing was written)") from None
        return self.tmp

    def __exit__(self, kind, exc, tb) -> bool:
        if kind is None:
            try:
                (self.tmp / MARKER).unlink()
                self.final = _claim(self.tmp, self.final, self.unique)
                return False
            except BaseException as failure:
                self._discard(failure)
                raise
        self._discard(exc)
        return False

    def _discard(self, exc: BaseException) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        if isinstance(exc, OSError):  # disk full, permission: a planner's problem, not a bug
            raise ResultsError(f"cannot write {self.final}: {exc} (nothing was written)") from None


def new_folder(final: str | Path, *, unique: bool = False) -> NewFolder:
    """Write a folder atomically: ``with new_folder(final) as tmp`` gives a hidden temporary
    folder beside ``final``, renamed to ``final`` when the block ends; on any failure or Ctrl-C it
    is removed and nothing is left. ``final`` must not exist (ResultsError), unless ``unique``: then
    the first free name of ``final``, ``final-2``, ``final-3``... is taken, so runs started in the
    same second never collide; ``.final`` of the returned object is the folder written. A failure
    to write (disk full, no permission) is a ResultsError."""
    return NewFolder(final, unique=unique)


def replace_folder(fresh: Path, target: Path) -> None:
    """Put the complete folder ``fresh`` (a temporary folder beside ``target``) in place of
    ``target``, which may exist: the old one is moved aside, then removed. Killed between the two
    renames, ``target`` is missing and the old one waits, as a stale temporary folder, for removal."""
    (fresh / MARKER).unlink(missing_ok=True)
    aside = fresh.with_name(f"{fresh.name}-old")
    if target.exists():
        os.replace(target, aside)
    os.replace(fresh, target)
    shutil.rmtree(aside, ignore_errors=True)


@contextmanager
def staged(parent: Path, label: str) -> Iterator[Path]:
    """A temporary folder in ``parent`` (which must exist) for files that are then moved into
    ``parent`` with :func:`replace_folder` or ``os.replace``; removed when the block ends, whatever
    happens. A failure to write is a ResultsError."""
    remove_stale(parent)
    try:
        tmp = make_temp(parent, label)
    except OSError as exc:
        raise ResultsError(f"cannot write into {parent}: {exc.strerror or exc} (nothing was changed)") from None
    try:
        yield tmp
    except OSError as exc:
        raise ResultsError(f"cannot write into {parent}: {exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
