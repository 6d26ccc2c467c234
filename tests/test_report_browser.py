"""Reports in a real headless browser (Debian's Chromium): the page loads with no console error and
shows every figure, and a screenshot is taken. The first tests show the harness can fail."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import os

import pytest
from headless import INSTALL, check_page, chromium_path
from matplotlib.figure import Figure

from sim.compare import write_comparison
from sim.plots import PLOTS
from sim.results import save
from sim.runner import run
from sim.scenario import load_scenario

GOLDEN = Path(__file__).parent / "data" / "golden.yaml"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def chromium():
    """CI (CI=true) must run these tests, and .ci/run installs Chromium; on a planner's machine
    without it they are skipped, with the reason shown, rather than failed."""
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is not installed: {INSTALL}")
        pytest.skip(f"Chromium is not installed: {INSTALL}")


def png_data() -> str:
    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([1, 3, 2])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode()


def page(body: str) -> str:
    return f'<!DOCTYPE html><html><head><title>t</title></head><body data-report="run">{body}</body></html>'


def test_harness_sees_rendered_figures_png_and_svg(tmp_path):
    html = tmp_path / "good.html"
    html.write_text(page(f'<figure data-figure="png"><img src="data:image/png;base64,{png_data()}"></figure>'
                         '<figure data-figure="svg"><svg width="80" height="40"><rect width="80" height="40"/></svg>'
                         "</figure>"))
    shot = tmp_path / "good.png"
    report = check_page(html, shot)
    assert report.console_errors == []
    assert report.figures == {"png": True, "svg": True}
    assert shot.read_bytes().startswith(PNG) and shot.stat().st_size > 2000


def test_harness_catches_console_errors_and_exceptions(tmp_path):
    html = tmp_path / "bad.html"
    html.write_text(page('<script>console.error("boom"); throw new Error("kaput");</script>'))
    problems = " | ".join(check_page(html).console_errors)
    assert "boom" in problems and "kaput" in problems


def test_harness_catches_a_figure_that_does_not_render(tmp_path):
    html = tmp_path / "broken.html"
    html.write_text(page(f'<figure data-figure="ok"><img src="data:image/png;base64,{png_data()}"></figure>'
                         '<figure data-figure="broken"><img src="data:image/png;base64,AAAA"></figure>'))
    report = check_page(html)
    assert report.figures == {"ok": True, "broken": False}
    assert any("failed to load" in p for p in report.console_errors)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    a = save(run(load_scenario(GOLDEN, ["replications=2"]), workers=1), out=root / "a")
    b = save(run(load_scenario(GOLDEN, ["replications=2", "suppliers.seats.distance_km=9"]), workers=1), out=root / "b")
    return root, a, b


def test_run_report_in_a_browser(two_runs):
    root, a, _ = two_runs
    shot = root / "report.png"
    report = check_page(a / "report.html", shot)
    assert report.console_errors == []
    assert report.figures == {name: True for name in PLOTS}
    assert report.title == "sim report: golden"
    assert shot.read_bytes().startswith(PNG) and shot.stat().st_size > 50_000


def test_comparison_report_in_a_browser(two_runs):
    root, a, b = two_runs
    _, folder = write_comparison([a, b], out=root / "cmp")
    report = check_page(folder / "compare.html", root / "compare.png")
    assert report.console_errors == []
    assert len(report.figures) == 4 and all(report.figures.values())
