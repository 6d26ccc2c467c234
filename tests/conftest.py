"""Shared fixtures."""

from __future__ import annotations

import os

import pytest
from browser import INSTALL_HINT, chromium_path


@pytest.fixture
def chromium():
    """Under CI (CI=true) a missing Chromium fails the browser tests, with how to install it (.ci/run
    installs it); on a machine with only Python and pip they are skipped with the same reason."""
    if chromium_path() is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"Chromium is not installed; {INSTALL_HINT}")
