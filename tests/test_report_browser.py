"""The reports in a real headless browser (Debian's Chromium, tests/browser.py): each page loads
with no console error, makes no request off the page, shows every figure with its caption, and a
full-page screenshot is taken. tests/test_browser_harness.py shows the harness can fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import check_page

from sim.app import save_run, write_comparison
from sim.plots import PLOTS
from sim.runner import run
from sim.scenario import load_scenario

GOLDEN = Path(__file__).parent / "data" / "golden.yaml"
PNG = b"\x89PNG\r\n\x1a\n"
HOSTILE = 'description=<script>console.error("not escaped")</script> "&<>'


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    # a description that would log a console error (a problem) if the report did not escape it
    a = save_run(run(load_scenario(GOLDEN, ["replications=2", HOSTILE]), workers=1), out=root / "a")
    b = save_run(run(load_scenario(GOLDEN, ["replications=2", "suppliers.seats.distance_km=9"]), workers=1), out=root / "b")
    return root, a, b


def test_run_report_in_a_browser(two_runs, chromium):
    root, a, _ = two_runs
    shot = root / "report.png"
    report = check_page(a / "report.html", shot)
    assert report.problems() == [], report.problems()
    assert report.figures == {name: True for name in PLOTS}
    assert report.report_kind == "run" and report.title == "sim report: golden"
    assert shot.read_bytes().startswith(PNG) and shot.stat().st_size > 50_000


def test_comparison_report_in_a_browser(two_runs, chromium):
    root, a, b = two_runs
    _, folder = write_comparison([a, b], out=root / "cmp")
    report = check_page(folder / "compare.html", root / "compare.png")
    assert report.problems() == [], report.problems()
    assert report.report_kind == "compare"
    assert len(report.figures) == 4 and all(report.figures.values())
