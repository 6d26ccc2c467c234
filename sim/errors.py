"""Exception types that the library raises and the CLI turns into exit codes and messages."""

from __future__ import annotations

import difflib


class SimError(Exception):
    """Base of every error a planner can cause; the CLI prints it without a traceback."""


class ScenarioError(SimError):
    """A scenario file, or an override of it, is invalid.

    ``file`` is the file the problem was found in, ``path`` the dotted key path (list items named
    by their ``name`` where they have one) and ``problem`` what is wrong, in a planner's words.
    """

    def __init__(self, file: str, path: str, problem: str):
        self.file, self.path, self.problem = str(file), path, problem
        where = f"{self.file}: {path}" if path else self.file
        super().__init__(f"{where}: {problem}")


class ResultsError(SimError):
    """A results folder is missing, incomplete or not a `sim` run folder."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C after some results were kept on disk; the message says what was kept and how to go on
    (a plain KeyboardInterrupt means nothing was written)."""


def did_you_mean(word: str, choices) -> str:
    """`` (did you mean X?)`` naming the nearest of ``choices`` to a misspelt ``word``, or ``""``."""
    near = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {near[0]}?)" if near else ""
