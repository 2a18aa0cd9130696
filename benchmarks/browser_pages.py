"""How fast each page opens in a student's browser: every page of an app in a fresh Chromium context
(empty cache, 1280x720) on a warm server, as is and with the CPU throttled 4x through CDP (the usual
stand-in for a cheap school laptop), beside two floors served in the same run: a Streamlit page with
a title and a line of text, and one with a single 28x28 Plotly heatmap (benchmarks/floor_apps/).

Each page is measured by benchmarks/page_probe.js, injected before the page's own scripts. For each
page it prints the medians of ``--runs`` loads of:

- when Streamlit's own page (HTML, main bundle, fonts) has loaded: its load event, where
  ``page.goto`` returns; the same for every page of a Streamlit app, and counted from the goto call;
- then, counted from that load event (as issue 15's table was: its floors match this, not the goto
  call), the main picture drawn: inside the app's ``st-key-main_picture`` container a loaded
  ``<img>``, a Plotly ``.main-svg`` or an explorer with ``data-ready="true"`` (for an app without
  that container, such as an older checkout, and for the floors: the first such picture anywhere in
  the main area; the header says which rule was used);
- and the page settled: connected, script not running, no status widget, skeleton, spinner, stale
  element or picture still drawing, continuously for 0.5 s (the time is the start of that 0.5 s);
- kB received over Streamlit's websocket until settled: frame payloads as the browser reports them,
  i.e. decompressed, which is what travels while websocket compression is off (Streamlit's default);
  beside it, what permessage-deflate sends (estimated with zlib, set up as uvicorn sets it up);
- kB of HTTP responses on the wire (JS bundles, images, the rest), and the page's JS heap when settled.

It then prints where the time goes (each moment from the goto call) and which JS bundles a page pulls
in beyond a text-only page's. Before each load it waits (up to 15 s) for the shared machine to be
quiet, and says how many loads started on a busy one.

    flock /tmp/cnnviz-bench.lock python benchmarks/browser_pages.py [APP_FOLDER] [--runs 3]
        [--pages start,convolution] [--no-throttle] [--json pages.json]
        [--server-arg=--server.enableWebsocketCompression=false]

APP_FOLDER (default: this checkout) holds the ``app.py`` to serve, e.g. a ``git worktree`` of an
older commit; the floors are served from it too, so its .streamlit/config.toml applies to all three.
Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; never ``playwright install``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zlib
from pathlib import Path
from unittest import mock

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import REPO_ROOT, SERVER_FLAGS, SHARED_MNIST, free_port, stop_server, wait_until_idle  # noqa: E402

sys.path.insert(0, str(REPO_ROOT / "tests"))
import pages_list  # noqa: E402  (the pages app.py lists)
from browser_support import wait_until_healthy  # noqa: E402

from browser_pages_table import print_tables, summarise  # noqa: E402

BENCHMARKS = Path(__file__).resolve().parent
PROBE_JS = (BENCHMARKS / "page_probe.js").read_text()
VIEWPORT = {"width": 1280, "height": 720}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FLOORS = {"floor-text": ("a Streamlit page with a title and a line of text", BENCHMARKS / "floor_apps/text_only.py"),
          "floor-plotly": ("a Streamlit page with one 28x28 Plotly heatmap", BENCHMARKS / "floor_apps/one_heatmap.py")}
PICTURE_GRACE_S = 10  # after settling, how long a page may still take to draw its main picture
QUIET_CORES = 0.5  # a load starts once the machine (shared with others) uses less than this ...
QUIET_WAIT_S = 15  # ... or after this long, and the table says how many loads started busy


def serve(app: Path, script: Path, server_args: list[str]) -> tuple[subprocess.Popen, str]:
    """``streamlit run script`` from the folder ``app`` (its .streamlit/config.toml applies), on a
    free loopback port, healthy; returns the process and its base URL."""
    port = free_port()
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    if SHARED_MNIST.is_file():
        environment.setdefault("CNNVIZ_MNIST", str(SHARED_MNIST))
    log = tempfile.NamedTemporaryFile("w", prefix=f"cnnviz-pages-{script.stem}-", suffix=".log", delete=False)
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                                *SERVER_FLAGS, *server_args], cwd=app, env=environment, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, timeout_s=120)
    except RuntimeError as error:
        stop_server(process)
        sys.exit(f"{error}; see {log.name}")
    return process, url


def app_pages(app: Path, selection: str | None) -> dict[str, tuple[str, str]]:
    """``{key: (title, url path)}`` for the pages ``app/app.py`` lists (key: the url path, "start"
    for the first page), only those named in ``selection`` (comma-separated keys) if given."""
    with mock.patch.object(pages_list, "REPO_ROOT", app):  # listed_pages reads REPO_ROOT / "app.py"
        listed = pages_list.listed_pages()
    pages = {page["url_path"] or "start": (page["title"], page["url_path"]) for page in listed}
    if selection:
        wanted = ["start" if key.strip() == "matrix" else key.strip() for key in selection.split(",") if key.strip()]
        unknown = [key for key in wanted if key not in pages]
        if unknown:
            sys.exit(f"no page {', '.join(unknown)} in {app / 'app.py'}; its pages: {', '.join(pages)}")
        pages = {key: pages[key] for key in wanted}
    return pages


def app_settings(app: Path, server_args: list[str]) -> dict:
    """The commit served, which main-picture rule fits the app, and whether websocket compression is on."""
    def git(*words: str) -> str:
        return subprocess.run(["git", "-C", str(app), *words], capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "not a git checkout"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " with uncommitted edits"
    marked = any("main_picture(" in page.read_text() for page in (app / "app_pages").glob("*.py"))
    config = app / ".streamlit" / "config.toml"
    compression = tomllib.loads(config.read_text()).get("server", {}).get("enableWebsocketCompression", False) \
        if config.is_file() else False
    for argument in server_args:
        if argument.startswith("--server.enableWebsocketCompression"):
            compression = argument.rsplit("=", 1)[-1].lower() == "true"
    return {"commit": commit, "picture_rule": "marker" if marked else "first",
            "picture_rule_text": "drawn inside st-key-main_picture" if marked
            else "the first picture drawn in the main area (this app has no main-picture marker)",
            "compression": "on" if compression else "off (Streamlit's default)"}


class Traffic:
    """What one page receives: websocket frames from Streamlit, and HTTP responses by kind (bytes on
    the wire, from CDP) with the time (epoch ms) the last script finished arriving."""

    def __init__(self, page, cdp) -> None:
        self.frames: list[bytes] = []
        self.http = {"js": 0, "images": 0, "other": 0}
        self.last_script_ms = None
        self.kinds: dict[str, str] = {}
        page.on("websocket", self.on_websocket)
        self.scripts: dict[str, float] = {}  # file name -> bytes, for each JS bundle
        self.urls: dict[str, str] = {}
        cdp.on("Network.responseReceived", self.on_response)
        cdp.on("Network.loadingFinished", self.on_finished)
        cdp.send("Network.enable")

    def on_websocket(self, socket) -> None:
        if socket.url.endswith("/_stcore/stream"):
            socket.on("framereceived", lambda payload: self.frames.append(
                payload.encode() if isinstance(payload, str) else payload))

    def on_response(self, event: dict) -> None:
        self.kinds[event["requestId"]] = event["type"]
        self.urls[event["requestId"]] = event["response"]["url"]

    def on_finished(self, event: dict) -> None:
        kind = {"Script": "js", "Image": "images"}.get(self.kinds.get(event["requestId"]), "other")
        self.http[kind] += event["encodedDataLength"]
        if kind == "js":
            self.last_script_ms = time.time() * 1000
            name = self.urls.get(event["requestId"], "?").rsplit("/", 1)[-1]
            self.scripts[name] = self.scripts.get(name, 0) + event["encodedDataLength"]


def measure(browser, url: str, rate: float, probe_js: str, timeout_s: float) -> dict:
    """One load of ``url`` in a fresh context, the CPU throttled ``rate`` times (1: as is)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.add_init_script(probe_js)
        cdp = context.new_cdp_session(page)
        traffic = Traffic(page, cdp)
        if rate != 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
        started_ms = time.time() * 1000
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        page.wait_for_function("() => window.__pageProbe && window.__pageProbe.settled !== null",
                               timeout=timeout_s * 1000, polling=100)
        received = list(traffic.frames)  # the frames up to settling (nothing arrives while the page is quiet)
        probe = page.evaluate("() => window.__pageProbe")
        if probe["picture"] is None and page.locator(".st-key-main_picture").count():
            try:
                page.wait_for_function("() => window.__pageProbe.picture !== null", timeout=PICTURE_GRACE_S * 1000,
                                       polling=100)
            except Exception:  # noqa: BLE001  the table says "-": no picture drawn
                pass
            probe = page.evaluate("() => window.__pageProbe")
        times = {name: None if probe[field] is None else (probe[field] - started_ms) / 1000
                 for name, field in (("loaded_s", "loaded"), ("run_done_s", "runDone"), ("picture_s", "picture"),
                                     ("settled_s", "settled"))}
        last_script = traffic.last_script_ms
        return {**times, "last_script_s": None if last_script is None else (last_script - started_ms) / 1000,
                "picture_kind": probe["pictureKind"], "ws_kb": sum(map(len, received)) / 1024,
                "ws_deflated_kb": deflated_bytes(received) / 1024,
                "http_kb": {kind: size / 1024 for kind, size in traffic.http.items()},
                "scripts_kb": {name: round(size / 1024) for name, size in traffic.scripts.items()},
                "heap_mb": cdp.send("Runtime.getHeapUsage")["usedSize"] / 2**20,
                "exceptions": page.locator('[data-testid="stException"]').count()}
    finally:
        context.close()


def deflated_bytes(payloads: list[bytes]) -> int:
    """What these messages take with permessage-deflate as Streamlit's server sends them (uvicorn's
    websockets-sansio protocol: a 12-bit window, memLevel 5, one deflate stream kept across messages,
    each message ended by a sync flush whose 4-byte tail is not sent)."""
    compressor = zlib.compressobj(wbits=-12, memLevel=5)
    return sum(len(compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)) - 4 for payload in payloads)


def wait_for_quiet_machine(timeout_s: float = QUIET_WAIT_S) -> float:
    """Wait until the whole machine uses under ``QUIET_CORES`` cores for 0.5 s (at most
    ``timeout_s``); returns the cores in use when the load starts (above the limit: it timed out)."""
    deadline = time.monotonic() + timeout_s
    while True:
        busy = psutil.cpu_percent(interval=0.5) / 100 * psutil.cpu_count()
        if busy < QUIET_CORES or time.monotonic() > deadline:
            return busy


def chromium_browser(playwright):
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        sys.exit("Chromium is not installed: `apt-get install -y chromium` (never `playwright install`).")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def main() -> None:
    parser = argparse.ArgumentParser(description="How fast each page opens in a student's browser, as is and "
                                     "CPU-throttled, beside two Streamlit floors (see the module docstring).")
    parser.add_argument("app", nargs="?", type=Path, default=REPO_ROOT, help="folder holding app.py (default: here)")
    parser.add_argument("--runs", type=int, default=3, help="loads per page and CPU rate (default 3)")
    parser.add_argument("--pages", help="comma-separated url paths (start = the first page); default: all")
    parser.add_argument("--no-throttle", action="store_true", help="only as is, no 4x throttled loads")
    parser.add_argument("--rate", type=float, default=4, help="CPU throttling rate (default 4)")
    parser.add_argument("--server-arg", action="append", default=[], dest="server_args",
                        help="extra flag for the app's `streamlit run`, e.g. --server-arg=--server.enableWebsocketCompression=true")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one load may take")
    parser.add_argument("--json", type=Path, help="also write every load's figures to this file")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("playwright is not installed: `pip install -r requirements-dev.txt` (never `playwright install`).")
    app = args.app.resolve()
    if not (app / "app.py").is_file():
        sys.exit(f"{app} holds no app.py")
    pages = app_pages(app, args.pages)
    settings = app_settings(app, args.server_args)
    rates = [1.0] if args.no_throttle else [1.0, args.rate]
    probe_js = {key: PROBE_JS.replace("PICTURE_RULE", json.dumps("first")) for key in FLOORS}  # no marker there
    probe_js |= {key: PROBE_JS.replace("PICTURE_RULE", json.dumps(settings["picture_rule"])) for key in pages}
    labels = {key: label for key, (label, _) in FLOORS.items()} | {key: title for key, (title, _) in pages.items()}
    paths = {key: path for key, (_, path) in pages.items()}
    servers, urls = [], {}
    started = time.perf_counter()
    try:
        for key, (_, script) in FLOORS.items():
            process, base = serve(app, script, [])
            servers.append(process)
            urls[key] = base
        process, base = serve(app, app / "app.py", args.server_args)
        servers.append(process)
        urls |= {key: f"{base}/{path}" for key, (_, path) in pages.items()}
        pids = [server.pid for server in servers]
        records = []
        with sync_playwright() as playwright:
            browser = chromium_browser(playwright)
            for key, url in urls.items():  # warm: every page once, then the server's background warm-up
                measure(browser, url, 1, probe_js[key], args.timeout)
            wait_until_idle(pids, timeout_s=180)
            for run in range(args.runs):  # interleaved, so a slow minute of the machine hits every page alike
                for rate in rates:
                    for key, url in urls.items():
                        busy = wait_for_quiet_machine()  # other people's work, or the last session's cleanup
                        try:
                            records.append({"key": key, "rate": rate, "run": run, "busy_cores": busy,
                                            **measure(browser, url, rate, probe_js[key], args.timeout)})
                        except Exception as error:  # noqa: BLE001  one failed load is a cell, not the run
                            records.append({"key": key, "rate": rate, "run": run, "busy_cores": busy,
                                            "error": repr(error)})
            browser.close()
    finally:
        for server in servers:
            stop_server(server)
    print(f"\n{app} ({settings['commit']}), {args.runs} runs, medians; Chromium {VIEWPORT['width']}x"
          f"{VIEWPORT['height']}, fresh context per load; main picture: {settings['picture_rule_text']}; "
          f"websocket compression {settings['compression']}; {time.perf_counter() - started:.0f} s in all\n")
    print_tables(summarise(records, rates), labels, paths, rates)
    busy = [record["busy_cores"] for record in records if record["busy_cores"] >= QUIET_CORES]
    print(f"{len(busy)} of {len(records)} loads started on a busy machine (over {QUIET_CORES} cores in use for "
          f"{QUIET_WAIT_S} s{f'; up to {max(busy):.1f}' if busy else ''}).")
    if args.json:
        args.json.write_text(json.dumps({"app": str(app), **settings, "records": records}, indent=2))


if __name__ == "__main__":
    main()
