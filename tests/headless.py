"""A real headless browser for report tests: Debian's Chromium driven from its command line.

``check_page`` loads a copy of an HTML file with a small probe added (a script first in ``<head>``
that records console errors, warnings, uncaught exceptions and failed resource loads, and one at the
end that, on load, records which ``figure[data-figure]`` rendered). ``--dump-dom`` returns the page
with the probe's findings; Chromium's own console log is read too, so a page that logs anything at
all is caught. A second run takes a full-page screenshot of the unmodified file.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
INSTALL = "install it with: apt-get update && apt-get install -y chromium (.ci/run does this)"

HEAD_PROBE = """<script>
window.__simProblems = [];
window.addEventListener("error", e => window.__simProblems.push(
  e.message ? "uncaught: " + e.message : "failed to load: " + ((e.target && (e.target.src || e.target.href)) || "?").slice(0, 80)), true);
for (const level of ["error", "warn"]) {
  const original = console[level];
  console[level] = (...args) => { window.__simProblems.push(level + ": " + args.join(" ")); original.apply(console, args); };
}
</script>"""

BODY_PROBE = """<script>
window.addEventListener("load", () => {
  const figures = {};
  for (const f of document.querySelectorAll("figure[data-figure]")) {
    const img = f.querySelector("img"), svg = f.querySelector("svg");
    let ok = false;
    if (img) ok = img.complete && img.naturalWidth > 0 && img.naturalHeight > 0;
    else if (svg) { const r = svg.getBoundingClientRect(); ok = r.width > 0 && r.height > 0; }
    figures[f.dataset.figure] = ok;
  }
  const pre = document.createElement("pre");
  pre.id = "sim-probe";
  pre.textContent = JSON.stringify({figures, problems: window.__simProblems, title: document.title,
                                    height: document.documentElement.scrollHeight});
  document.body.appendChild(pre);
});
</script>"""


@dataclass(frozen=True)
class PageReport:
    console_errors: list[str]  # from the probe and from Chromium's console log
    figures: dict[str, bool]  # data-figure name -> rendered
    title: str
    height: int


def chromium_path() -> str | None:
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


def _chromium(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    exe = chromium_path()
    if exe is None:
        raise AssertionError(f"Chromium is not installed: {INSTALL}")
    with tempfile.TemporaryDirectory() as profile:
        try:
            return subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"Chromium did not finish within {timeout:g} s: {' '.join(args)}") from None


def check_page(html: Path, screenshot: Path | None = None, width: int = 1280) -> PageReport:
    html = Path(html).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        probed = Path(tmp) / html.name
        text = html.read_text(encoding="utf-8")
        text = re.sub(r"<head>", "<head>" + HEAD_PROBE, text, count=1) if "<head>" in text else HEAD_PROBE + text
        probed.write_text(text.replace("</body>", BODY_PROBE + "</body>"), encoding="utf-8")
        done = _chromium("--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom",
                         probed.as_uri())
    found = re.search(r'<pre id="sim-probe">(.*?)</pre>', done.stdout, re.S)
    if not found:
        raise AssertionError(f"the page never finished loading in Chromium:\n{done.stderr[-2000:]}")
    probe = json.loads(found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    logged = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    report = PageReport(probe["problems"] + logged, probe["figures"], probe["title"], int(probe["height"]))
    if screenshot is not None:
        height = min(max(report.height, 800), 16000)
        _chromium(f"--screenshot={Path(screenshot).resolve()}", f"--window-size={width},{height}", html.as_uri())
        if not Path(screenshot).is_file():
            raise AssertionError(f"Chromium wrote no screenshot to {screenshot}")
    return report
