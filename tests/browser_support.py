"""Fixtures for browser tests: a real ``streamlit run app.py`` on a free loopback port, driven by
Debian's Chromium through Playwright. Without Chromium the tests skip with the reason, unless
``CNNVIZ_REQUIRE_BROWSER=1`` (set by .ci/run) turns the skip into a failure."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT_DIR = REPO_ROOT / "screenshots"
VIEWPORT = {"width": 1280, "height": 720}  # a classroom projector
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def skip_or_fail(reason: str) -> None:
    if os.environ.get("CNNVIZ_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CNNVIZ_REQUIRE_BROWSER=1 requires browser tests to run)")
    pytest.skip(reason)


def chromium_path() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        skip_or_fail("Chromium is not installed: `apt-get install -y chromium` to run the browser tests")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer on {url} within {timeout_s} s")


@contextlib.contextmanager
def served_app(*server_args: str, log_name: str = "streamlit-server"):
    """``streamlit run app.py`` on a free loopback port, with extra ``server_args``; yields its base URL
    (the path prefix included when ``--server.baseUrlPath`` is among them)."""
    port = free_port()
    log_path = REPO_ROOT / "screenshots" / f"{log_name}.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *server_args],
            cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
    prefix = ""
    if "--server.baseUrlPath" in server_args:
        prefix = "/" + server_args[server_args.index("--server.baseUrlPath") + 1].strip("/")
    url = f"http://127.0.0.1:{port}{prefix}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def streamlit_server():
    """Base URL of ``streamlit run app.py`` serving on a free loopback port for the session."""
    with served_app() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed: `pip install -r requirements-dev.txt`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_page(browser):
    """A fresh 1280x720 tab (its own session with the app)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    yield page
    context.close()


# What the page says about the script runs (see cnnviz.ui.run_marker): Streamlit's own run state on
# the app's root, and the newest run marker drawn (-1 before the first one).
RUN_STATE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const numbers = [...document.querySelectorAll('.cnnviz-run')].map((node) => Number(node.dataset.run));
  return {
    state: app ? app.getAttribute('data-test-script-state') : null,
    connection: app ? app.getAttribute('data-test-connection-state') : null,
    run: numbers.length ? Math.max(...numbers) : -1,
    exception: document.querySelectorAll('[data-testid="stException"]').length,
  };
}"""
RUN_DONE_JS = """(after) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const numbers = [...document.querySelectorAll('.cnnviz-run')].map((node) => Number(node.dataset.run));
  return !!app && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && numbers.length > 0 && Math.max(...numbers) > after
    && !document.querySelector('[data-testid="stSkeleton"], [data-stale="true"]');
}"""
QUIET_MS = 400  # a run that the page itself starts right after another (a bound URL value) begins within this


def run_state(page) -> dict:
    """``{"state", "connection", "run", "exception"}``: Streamlit's run state, the newest run marker
    on the page, and how many exception boxes it shows."""
    return page.evaluate(RUN_STATE_JS)


def wait_for_run(page, after: int = -1, timeout_ms: int = 120_000) -> int:
    """Wait until a script run newer than marker ``after`` has drawn its last element and Streamlit says
    no script is running, then until the page stays that way for ``QUIET_MS`` (no follow-up run).

    The marker is the last element of every run (cnnviz.ui.run_marker), and Streamlit's frontend
    handles a run's messages in order: a newer marker plus "notRunning" means that run has sent
    everything. Streamlit loads most elements' code lazily and shows a skeleton until it arrives
    (a busy laptop takes seconds), and greys out the last run's elements until they are replaced:
    so no skeleton and no stale element may be left either. A status widget that has not appeared
    yet proves nothing, so it is not used.

    Returns:
        The newest marker, to pass as ``after`` for the next action.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        remaining_ms = max(1, int((deadline - time.monotonic()) * 1000))
        try:
            page.wait_for_function(RUN_DONE_JS, arg=after, timeout=remaining_ms, polling=50)
        except Exception as error:  # say what the page shows, not only "timeout"
            raise AssertionError(f"no finished script run after marker {after} within {timeout_ms} ms; "
                                 f"the page says {run_state(page)}") from error
        settled = run_state(page)
        page.wait_for_timeout(QUIET_MS)
        again = run_state(page)
        if again == settled:
            return again["run"]
        # Another run began (the page started it itself): wait for it to finish too.
        after = settled["run"] if again["run"] == settled["run"] else again["run"] - 1


def wait_for_app(page, timeout_ms: int = 120_000) -> int:
    """After ``page.goto``: wait for the new session's first run (see :func:`wait_for_run`)."""
    return wait_for_run(page, -1, timeout_ms)


def open_app(page, url: str, timeout_ms: int = 120_000) -> int:
    """``page.goto(url)`` and wait for its first run to finish; returns its marker."""
    page.goto(url)
    return wait_for_app(page, timeout_ms)


@contextlib.contextmanager
def settles(page, timeout_ms: int = 120_000):
    """``with settles(page): page.click(...)``: after the block, wait for the run it started."""
    before = run_state(page)["run"]
    yield
    wait_for_run(page, before, timeout_ms)


def screenshot(page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path))
    return path
