"""Shared fixtures, and the hypothesis profile: "ci" when the environment variable CI is set or
mutmut runs the tests (derandomized: the same examples on every run, so CI cannot pass by a lucky
draw), else "dev"."""

from __future__ import annotations

import os

import pytest
from browser import INSTALL_HINT, chromium_path
from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, max_examples=40, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
# mutmut sets MUTANT_UNDER_TEST: a mutant must be killed by the same examples every time, not by a lucky draw
settings.load_profile("ci" if os.environ.get("CI") or "MUTANT_UNDER_TEST" in os.environ else "dev")


@pytest.fixture
def chromium():
    """Under CI (CI=true) a missing Chromium fails the browser tests, with how to install it (.ci/run
    installs it); on a machine with only Python and pip they are skipped with the same reason."""
    if chromium_path() is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"Chromium is not installed; {INSTALL_HINT}")
