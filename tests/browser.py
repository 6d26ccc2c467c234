"""Check an HTML report in a real headless Chromium, from pytest, with the standard library only.

``check_page(html_path, screenshot_path)`` opens the file, unmodified, in Debian's Chromium and drives
it over the DevTools protocol on ``--remote-debugging-pipe`` (JSON messages on file descriptors 3 and
4: no port, no websocket, no extra package). It returns a ``PageReport``:

- ``console_errors``: ``console.error``/``console.assert`` calls, uncaught exceptions, unhandled
  promise rejections and browser-side errors (a resource that failed to load, ...), one line each;
- ``figures``: for every ``figure[data-figure]``, whether its graphic rendered: at least one ``<img>``
  or outermost ``<svg>`` inside, each ``<img>`` ``complete`` with ``naturalWidth > 0`` and each one a
  non-empty box on the page;
- the title, ``body[data-report]``, captions, and any request for something that is not a
  ``data:``/``file:`` URL (a self-contained report makes none);
- a full-page PNG screenshot at ``screenshot_path`` (the viewport is grown to the page's height, so
  lazy images load too).

``report.problems()`` lists, in words, everything that breaks the report-page contract, so a test is
``assert not report.problems(), report.problems()``.

Each call starts a fresh Chromium (``--headless --no-sandbox``, works as root in CI) with a new
temporary ``--user-data-dir`` and stops it, with all of its processes, afterwards. A page that does
not finish within ``timeout`` seconds (60 by default) raises ``BrowserTimeout`` saying which step hung;
no Chromium raises ``ChromiumMissing`` saying how to install it. One check takes about 1 s here.
Set ``SIM_CHROMIUM`` to use another Chromium binary.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = "install it with: apt-get update && apt-get install -y chromium (.ci/run does this in CI)"

# Headless as root on a machine with a closed network: no sandbox, no GPU, no background traffic.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
    "--force-device-scale-factor=1", "--remote-debugging-pipe",
]
MAX_HEIGHT = 16_000  # px; taller pages are cut in the screenshot (and noted in problems())
LOCAL_SCHEMES = ("data:", "file:", "about:", "blob:", "chrome:", "chrome-error:", "devtools:")

MEASURE = """Math.ceil(Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0))"""
# Runs in the page once it is all in view: waits (5 s at most) for every image to decode, then
# reports on each figure.
PROBE = """(async () => {
  const late = new Promise(r => setTimeout(r, 5000));
  await Promise.all(Array.from(document.images, i => Promise.race([i.decode().catch(() => null), late])));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const box = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const figures = Array.from(document.querySelectorAll("figure[data-figure]"), f => {
    const imgs = Array.from(f.querySelectorAll("img"));
    const svgs = Array.from(f.querySelectorAll("svg")).filter(s => !s.parentElement.closest("svg"));
    const ok = imgs.every(i => i.complete && i.naturalWidth > 0 && box(i)) && svgs.every(box);
    const cap = f.querySelector("figcaption");
    return {name: f.dataset.figure, rendered: ok && imgs.length + svgs.length > 0,
            caption: cap ? cap.textContent.trim() : null};
  });
  const root = document.documentElement;
  return {title: document.title, report: document.body ? (document.body.dataset.report ?? null) : null,
          figures, height: Math.ceil(Math.max(root.scrollHeight, document.body ? document.body.scrollHeight : 0))};
})()"""


class BrowserError(RuntimeError):
    """Chromium could not check the page (it did not start, crashed, or the file did not open)."""


class ChromiumMissing(BrowserError):
    pass


class BrowserTimeout(BrowserError):
    pass


@dataclass
class PageReport:
    path: Path
    title: str
    report_kind: str | None  # <body data-report="run|compare">
    console_errors: list[str]
    console_warnings: list[str]
    figures: dict[str, bool]  # data-figure name -> rendered
    captions: dict[str, str | None]  # data-figure name -> figcaption text (None: no figcaption)
    external_requests: list[str]  # URLs that are not data:/file: (a self-contained page has none)
    duplicate_figures: list[str] = field(default_factory=list)
    page_height: int = 0
    screenshot: Path | None = None
    seconds: float = 0.0

    def problems(self) -> list[str]:
        """Everything that breaks the report-page contract, in words; [] for a good page."""
        out = [f"console: {e}" for e in self.console_errors]
        out += [f"figure {n!r} did not render" for n, ok in self.figures.items() if not ok]
        out += [f"figure {n!r} has no figcaption" for n, c in self.captions.items() if c is None]
        out += [f"figure name {n!r} used more than once" for n in self.duplicate_figures]
        out += [f"network request: {u}" for u in self.external_requests]
        if self.report_kind not in ("run", "compare"):
            out.append(f"<body data-report> is {self.report_kind!r}, not 'run' or 'compare'")
        if self.page_height > MAX_HEIGHT and self.screenshot is not None:
            out.append(f"page is {self.page_height} px tall; the screenshot stops at {MAX_HEIGHT}")
        return out


def chromium_path() -> str | None:
    """The Chromium to use: $SIM_CHROMIUM, else chromium (Debian), chromium-browser or google-chrome."""
    override = os.environ.get("SIM_CHROMIUM")
    if override:
        return override if os.access(override, os.X_OK) else None
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


def check_page(html_path: str | os.PathLike, screenshot_path: str | os.PathLike | None = None, *,
               timeout: float = 60.0, width: int = 1280, settle: float = 0.25) -> PageReport:
    """Load ``html_path`` in headless Chromium, report on it, and save a full-page PNG screenshot.

    ``settle`` seconds after the load event are waited so late errors (timers, rejections) are seen.
    """
    html = Path(html_path).resolve()
    if not html.is_file():
        raise FileNotFoundError(html)
    exe = chromium_path()
    if exe is None:
        raise ChromiumMissing(f"Chromium is not installed; {INSTALL_HINT}")
    started = time.monotonic()
    with _Chromium(exe, deadline=started + timeout, timeout=timeout, what=str(html)) as cdp:
        report = cdp.check(html, Path(screenshot_path) if screenshot_path else None, width, settle)
    report.seconds = time.monotonic() - started
    return report


class _Chromium:
    """One Chromium process and its DevTools pipe; a context manager that always cleans up."""

    def __init__(self, exe: str, deadline: float, timeout: float, what: str):
        self.exe, self.deadline, self.timeout, self.what = exe, deadline, timeout, what
        self.step = "starting Chromium"
        self.events: list[dict] = []
        self.inbox: queue.Queue = queue.Queue()
        self.next_id = 0

    def __enter__(self) -> _Chromium:
        self.profile = tempfile.mkdtemp(prefix="sim-chromium-")
        self.log = tempfile.TemporaryFile()
        to_chrome_r, self.to_chrome = map(_high_fd, os.pipe())
        self.from_chrome, from_chrome_w = map(_high_fd, os.pipe())
        # Chromium reads commands on fd 3 and writes answers on fd 4; bash moves our pipe ends there
        # (dash's redirections take one-digit descriptors only, and under pytest ours are higher).
        argv = ["bash", "-c", 'exec "$@" 3<&"$CDP_IN"- 4>&"$CDP_OUT"-', "bash",
                self.exe, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"]
        env = dict(os.environ, CDP_IN=str(to_chrome_r), CDP_OUT=str(from_chrome_w))
        try:
            self.proc = subprocess.Popen(argv, env=env, pass_fds=(to_chrome_r, from_chrome_w),
                                         stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                         start_new_session=True)
        finally:
            os.close(to_chrome_r)
            os.close(from_chrome_w)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.proc.poll() is None and exc[0] is None:
                self._write({"id": -1, "method": "Browser.close"})
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        except OSError:
            pass
        try:  # the whole process group: the browser, its zygote, renderers and GPU process
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        os.close(self.to_chrome)
        self.reader.join(timeout=5)  # it closes its end of the pipe itself, once Chromium's is gone
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    # --- the protocol: JSON messages separated by NUL bytes ---------------------------------------
    def _read(self) -> None:
        parts: list[bytes] = []  # the message being received (a screenshot is megabytes)
        while True:
            try:
                chunk = os.read(self.from_chrome, 1 << 20)
            except OSError:
                chunk = b""
            if not chunk:
                os.close(self.from_chrome)
                self.inbox.put(None)
                return
            *done, rest = chunk.split(b"\0")
            for piece in done:
                parts.append(piece)
                self.inbox.put(json.loads(b"".join(parts)))
                parts = []
            parts.append(rest)

    def _write(self, message: dict) -> None:
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.to_chrome, data):]

    def _next(self, until: float) -> dict | None:
        """The next message from Chromium, or None once ``until`` has passed."""
        left = min(until, self.deadline) - time.monotonic()
        if left <= 0:
            if until < self.deadline:
                return None
            raise BrowserTimeout(f"Chromium did not finish checking {self.what} within {self.timeout:g} s "
                                 f"(stuck while {self.step})")
        try:
            message = self.inbox.get(timeout=left)
        except queue.Empty:
            return self._next(until)
        if message is None:
            raise BrowserError(f"Chromium exited while {self.step} (exit code {self.proc.poll()}):\n"
                               f"{self._stderr()}")
        return message

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            self._write(message)
        except OSError as e:
            raise BrowserError(f"Chromium is gone ({e}) while {self.step}:\n{self._stderr()}") from None
        while True:
            answer = self._next(self.deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise BrowserError(f"{method} failed while {self.step}: {answer['error']}")
                return answer.get("result", {})
            if "method" in answer:
                self.events.append(answer)

    def wait_for(self, event: str, until: float | None = None) -> dict | None:
        """Collect events until ``event`` arrives (returned) or ``until`` passes (None)."""
        until = self.deadline if until is None else until
        for e in self.events:
            if e["method"] == event:
                return e
        while (message := self._next(until)) is not None:
            if "method" in message:
                self.events.append(message)
                if message["method"] == event:
                    return message
        return None

    def _stderr(self) -> str:
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").splitlines()
        return "\n".join(line for line in lines if "dbus" not in line)[-3000:]

    # --- the check ---------------------------------------------------------------------------------
    def check(self, html: Path, screenshot: Path | None, width: int, settle: float) -> PageReport:
        self.step = "opening a tab"
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        s = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Page", "Log", "Network"):
            self.send(f"{domain}.enable", session=s)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, s)

        self.step = f"loading {html.name}"
        self.events.clear()
        nav = self.send("Page.navigate", {"url": html.as_uri()}, s)
        if nav.get("errorText"):
            raise BrowserError(f"Chromium could not open {html}: {nav['errorText']}")
        self.wait_for("Page.loadEventFired")
        self.step = "letting the page settle after load"
        self.wait_for("-none-", until=time.monotonic() + settle)

        self.step = "measuring the page"
        height = self._evaluate(MEASURE, s)
        shown = max(1, min(height, MAX_HEIGHT))
        self.send("Emulation.setDeviceMetricsOverride",  # the whole page in view: lazy images load
                  {"width": width, "height": shown, "deviceScaleFactor": 1, "mobile": False}, s)
        self.step = "checking the figures"
        probe = self._evaluate(PROBE, s)

        shot = None
        if screenshot is not None:
            self.step = "taking the screenshot"
            png = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                       "clip": {"x": 0, "y": 0, "width": width,
                                                                "height": shown, "scale": 1}}, s)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(png["data"]))
            shot = screenshot
        self.wait_for("-none-", until=time.monotonic() + 0.05)  # anything the probe itself set off

        figures: dict[str, bool] = {}
        captions: dict[str, str | None] = {}
        duplicates = []
        for f in probe["figures"]:
            if f["name"] in figures:
                duplicates.append(f["name"])
                figures[f["name"]] = figures[f["name"]] and f["rendered"]
            else:
                figures[f["name"]], captions[f["name"]] = f["rendered"], f["caption"]
        errors, warnings, requests = _digest(self.events)
        return PageReport(path=html, title=probe["title"], report_kind=probe["report"], console_errors=errors,
                          console_warnings=warnings, figures=figures, captions=captions,
                          external_requests=requests, duplicate_figures=duplicates,
                          page_height=int(probe["height"]), screenshot=shot)

    def _evaluate(self, script: str, session: str):
        answer = self.send("Runtime.evaluate", {"expression": script, "awaitPromise": True,
                                                "returnByValue": True}, session)
        if "exceptionDetails" in answer:
            raise BrowserError(f"the check script failed in the page: {answer['exceptionDetails']}")
        return answer["result"]["value"]


def _high_fd(fd: int) -> int:
    """The same pipe end on a descriptor >= 10, so that moving it to 3 or 4 clobbers nothing."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


def _digest(events: list[dict]) -> tuple[list[str], list[str], list[str]]:
    """Console errors, console warnings and non-local requests, from the protocol's events."""
    errors, warnings, requests = [], [], []
    for e in events:
        p = e.get("params", {})
        if e["method"] == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert", "warning"):
            text = " ".join(_text(a) for a in p.get("args", []))
            (warnings if p["type"] == "warning" else errors).append(f"console.{p['type']}: {text}")
        elif e["method"] == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            what = (d.get("exception") or {}).get("description") or d.get("text", "")
            where = f" ({d.get('url', '')}:{d.get('lineNumber', 0) + 1})" if d.get("url") else ""
            prefix = d.get("text", "Uncaught")
            errors.append(f"{prefix} {what.splitlines()[0] if what else ''}{where}".strip())
        elif e["method"] == "Log.entryAdded":
            entry = p["entry"]
            if entry["level"] == "error":
                errors.append(f"{entry['source']}: {entry['text']} {entry.get('url', '')}".strip())
            elif entry["level"] == "warning":
                warnings.append(f"{entry['source']}: {entry['text']}")
        elif e["method"] == "Network.requestWillBeSent":
            url = p["request"]["url"]
            if not url.startswith(LOCAL_SCHEMES):
                requests.append(url)
    return errors, warnings, requests


def _text(arg: dict) -> str:
    if "value" in arg:
        return arg["value"] if isinstance(arg["value"], str) else json.dumps(arg["value"])
    return str(arg.get("unserializableValue") or arg.get("description") or arg.get("type"))
