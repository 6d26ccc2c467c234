"""The headless-browser harness (tests/browser.py) can fail: it sees console errors and uncaught
exceptions, a figure that did not render, a network request, and a page that hangs."""

from __future__ import annotations

import base64
import io
import struct
import time

import pytest
from browser import BrowserTimeout, ChromiumMissing, check_page, chromium_path
from matplotlib.figure import Figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_base64() -> str:
    fig = Figure(figsize=(3, 2), dpi=80)
    fig.add_subplot().plot([1, 3, 2])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode()


def page(body: str, title: str = "t") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body data-report="run">{body}</body></html>')


def figure(name: str, graphic: str) -> str:
    return f'<figure data-figure="{name}">{graphic}<figcaption>{name}</figcaption></figure>'


def test_a_good_page_has_no_problems_and_a_full_page_screenshot(tmp_path, chromium):
    html = tmp_path / "good.html"
    html.write_text(page(figure("png", f'<img alt="p" src="data:image/png;base64,{png_base64()}">')
                         + figure("svg", '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="80">'
                                         '<rect width="160" height="80" fill="steelblue"/></svg>')
                         + '<div style="height:2000px"></div><p>end</p>', title="Good run"))
    shot = tmp_path / "shots" / "good.png"
    report = check_page(html, shot)
    assert report.problems() == []
    assert report.console_errors == [] and report.console_warnings == []
    assert report.figures == {"png": True, "svg": True}
    assert report.title == "Good run" and report.report_kind == "run"
    data = shot.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 5_000
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1280 and height >= 2000  # the whole page, not only the first screen


def test_console_errors_and_uncaught_exceptions_are_reported(tmp_path, chromium):
    html = tmp_path / "errors.html"
    html.write_text(page('<script>console.log("just information"); console.error("boom");</script>'
                         '<script>throw new Error("kaput");</script>'
                         '<script>addEventListener("load", () => setTimeout(() => { throw new TypeError("late"); }, 20));'
                         "Promise.reject(new Error('unhandled'));</script>"
                         + figure("svg", '<svg width="10" height="10"><circle r="5" cx="5" cy="5"/></svg>')))
    report = check_page(html)
    text = "\n".join(report.console_errors)
    for expected in ("boom", "Error: kaput", "TypeError: late", "unhandled"):
        assert expected in text
    assert "just information" not in text
    assert len(report.console_errors) == 4
    assert report.figures == {"svg": True}
    assert any("boom" in p for p in report.problems())


def test_a_broken_image_is_a_figure_that_did_not_render(tmp_path, chromium):
    html = tmp_path / "broken.html"
    html.write_text(page(figure("ok", f'<img alt="ok" src="data:image/png;base64,{png_base64()}">')
                         + figure("broken", '<img alt="b" src="data:image/png;base64,iVBORw0KGgoAAAAbroken">')
                         + figure("empty", "<p>no graphic at all</p>")
                         + figure("flat", '<svg width="0" height="0"></svg>')))
    report = check_page(html, tmp_path / "broken.png")
    assert report.figures == {"ok": True, "broken": False, "empty": False, "flat": False}
    assert "figure 'broken' did not render" in report.problems()


def test_a_request_off_the_page_is_reported(tmp_path, chromium):
    html = tmp_path / "remote.html"
    html.write_text(page(figure("remote", '<img alt="r" src="http://127.0.0.1:9/plot.png">')))
    report = check_page(html)
    assert report.external_requests == ["http://127.0.0.1:9/plot.png"]
    assert report.figures == {"remote": False}
    assert any(p.startswith("network request") for p in report.problems())


def test_a_page_that_hangs_times_out_with_a_clear_error(tmp_path, chromium):
    html = tmp_path / "hang.html"
    html.write_text(page('<script>addEventListener("load", () => setTimeout(() => { for (;;) {} }, 10));</script>'))
    started = time.monotonic()
    with pytest.raises(BrowserTimeout, match=r"did not finish checking .*hang\.html within 3 s"):
        check_page(html, timeout=3)
    assert time.monotonic() - started < 15


def test_without_chromium_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    html = tmp_path / "any.html"
    html.write_text(page(""))
    monkeypatch.setenv("SIM_CHROMIUM", str(tmp_path / "no-such-chromium"))
    assert chromium_path() is None
    with pytest.raises(ChromiumMissing, match=r"apt-get install -y chromium"):
        check_page(html)
