"""Exception types that the library raises and the CLI turns into exit codes and messages."""

from __future__ import annotations


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
