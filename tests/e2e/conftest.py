"""Real-browser fixtures: the app in a subprocess, Debian's Chromium driven by Playwright.

Nothing leaves this machine: Leaflet is served by the app from the npm copy under
static/vendor, any CDN request the page still makes is answered from node_modules, and
every other outside request (map tiles) is refused.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
NPM_FILES = {  # CDN file name -> local copy
    "leaflet.js": ROOT / "node_modules" / "leaflet" / "dist" / "leaflet.js",
    "leaflet.css": ROOT / "node_modules" / "leaflet" / "dist" / "leaflet.css",
    "leaflet.draw.js": ROOT / "node_modules" / "leaflet-draw" / "dist" / "leaflet.draw.js",
    "leaflet.draw.css": ROOT / "node_modules" / "leaflet-draw" / "dist" / "leaflet.draw.css",
}


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVER_LOG: list[Path] = []  # the app's log, printed when a browser test fails


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's outcome on the test item, so fixtures can tell a failure."""
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def app_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder of the app under test (its saved datasets and asset database)."""
    return tmp_path_factory.mktemp("e2e-data")


@contextlib.contextmanager
def running_app(data_dir: Path, log: Path, *, port: int | None = None,
                args: tuple[str, ...] = (), **settings: str) -> Iterator[str]:
    """The app in a subprocess on a free port (or ``port``), with its own data folder and
    extra ``streamlit run`` arguments; yields its URL."""
    port = port or _free_port()
    env = {**os.environ, "NAM_TILES": "none", "NAM_DATA_DIR": str(data_dir), **settings}
    SERVER_LOG.append(log)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", *args], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory, app_data_dir: Path) -> Iterator[str]:
    """The app most browser tests share: single-user (no accounts), every dataset."""
    with running_app(app_data_dir, tmp_path_factory.mktemp("e2e-log") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    _require(CHROMIUM.exists(), "Debian's chromium is not installed (/usr/bin/chromium)")
    _require(all(p.exists() for p in NPM_FILES.values()),
             "the npm copy of Leaflet is missing: run scripts/setup.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    outside: list[str] = []
    events: list[str] = []  # what the browser said, printed if the test fails

    def offline(route) -> None:
        url = route.request.url
        name = url.rsplit("/", 1)[-1].split("?")[0]
        local = NPM_FILES.get(name)
        if local is not None:
            ctype = "text/css" if name.endswith(".css") else "application/javascript"
            route.fulfill(status=200, body=local.read_bytes(), headers={"content-type": ctype})
        else:
            outside.append(url)
            route.abort()

    # Only https is intercepted: routing the app's own http requests makes Streamlit's
    # lazily loaded widgets never render.
    context.route("https://**/*", offline)
    pg = context.new_page()
    pg.outside_requests = outside
    pg.on("console", lambda m: events.append(f"console.{m.type}: {m.text[:300]}")
          if m.type in ("error", "warning") and "Unrecognized feature" not in m.text else None)
    pg.on("pageerror", lambda e: events.append(f"page error: {e}"))
    pg.on("requestfailed", lambda r: events.append(f"request failed: {r.url[:200]} {r.failure}"))
    pg.on("frameattached", lambda f: events.append(f"frame attached {time.monotonic():.1f}"))
    pg.on("framedetached", lambda f: events.append(f"frame detached {time.monotonic():.1f}"))
    yield pg
    report = getattr(request.node, "_report_call", None)
    if report is not None and report.failed:
        capture = request.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            _explain_failure(request.node.name, pg, events)
    context.close()


def _explain_failure(name: str, pg, events: list[str]) -> None:
    """Print what the browser and the server said, and keep a screenshot (CI shows stdout)."""
    out = Path(__file__).parent / "screenshots"
    out.mkdir(exist_ok=True)
    try:
        pg.screenshot(path=str(out / f"FAILED-{name}.png"))
    except Exception as exc:  # the page may be gone
        events.append(f"no screenshot: {exc}")
    frames = []
    for frame in pg.frames:
        try:
            state = frame.evaluate("() => [document.readyState, typeof window.L, !!window.map, "
                                   "document.scripts.length]")
        except Exception as exc:
            state = f"unreadable ({exc})"
        frames.append(f"  {frame.url[:120]}: {state}")
    log = SERVER_LOG[-1].read_text()[-4000:] if SERVER_LOG and SERVER_LOG[-1].exists() else ""
    print(f"\n--- browser events of {name} ---\n" + "\n".join(events[-60:])
          + "\n--- frames (readyState, Leaflet, map, scripts) ---\n" + "\n".join(frames)
          + "\n--- server log ---\n" + log)
