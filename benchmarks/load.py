"""Protocol-level load test: N students walk the app at once, each moving one widget on every page.

Each session speaks Streamlit's own websocket protocol (see ``streamlit_client.py``), opens every
page but the live-training one, and on each page changes one widget (digit number, kernel
preset, pooling mode, model, ...). It times each page load and each widget change from sending
the BackMsg to ``script_finished``, counts errors (exception elements, failed runs, timeouts,
disconnects) and the bytes received, and samples the server's resident memory every 0.2 s.

    python benchmarks/load.py [N=30] [--mode warm|cold] [--server-arg=--runner.postScriptGC=false ...]
    python benchmarks/load.py 30 --url http://127.0.0.1:8501 --pids 1234,1240   # a running server
    python benchmarks/load.py 5 --json load.json

``--mode warm`` (default) lets one unmeasured session walk everything first and waits until the
server is idle (its background warm-up done), so caches are filled; ``--mode cold`` measures a
fresh server straight away. The load generator runs on the
same machine as the server: on 2 cores it takes a little of the server's CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from streamlit_client import StreamlitSession, find_widget  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = REPO_ROOT.parent / "shared" / "data" / "mnist.npz"
# Page label -> the URL path a browser uses. The default page is served at "/" only: asking for
# "matrix" by name gets a page_not_found message (and the default page).
PAGES = {"matrix": "", "convolution": "convolution", "pooling": "pooling", "mlp-vs-cnn": "mlp-vs-cnn",
         "inside-the-cnn": "inside-the-cnn", "your-digit": "your-digit", "xception": "xception"}
# The widget a student moves on each page, best first; the Grad-CAM slider needs Xception's weights.
WIDGET_KEYS = {"matrix": ["matrix_position"], "convolution": ["conv_preset"], "pooling": ["pool_mode"],
               "mlp-vs-cnn": ["zoo_cnn"], "inside-the-cnn": ["inside_model"], "your-digit": ["digit_pen"],
               "xception": ["xception_strength", "xception_sample"]}
UNFINISHED = ("timeout", "disconnected", "no_widget")  # runs without a time to report
SERVER_FLAGS = ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats",
                "false", "--server.fileWatcherType", "none"]  # no watcher: edits elsewhere must not rerun


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(server_args: list[str], timeout_s: float = 120) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on a free loopback port, healthy; returns the process and its URL."""
    port = free_port()
    environment = {**os.environ}
    environment.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if SHARED_MNIST.is_file():  # a developer checkout beside ../shared/, as tests/conftest.py does
        environment.setdefault("CNNVIZ_MNIST", str(SHARED_MNIST))
    log = tempfile.NamedTemporaryFile("w", prefix="cnnviz-load-server-", suffix=".log", delete=False)
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                *SERVER_FLAGS, *server_args], cwd=REPO_ROOT, env=environment,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise RuntimeError(f"streamlit did not become healthy within {timeout_s:.0f} s; see {log.name}")


def stop_server(process: subprocess.Popen) -> None:
    """Ask the server to shut down; kill it if it has not within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class MemorySampler(threading.Thread):
    """Sums the resident memory of some processes and their children every 0.2 s; keeps the peak."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.processes = [psutil.Process(pid) for pid in pids]
        self.peak_bytes = 0
        self.stopped = threading.Event()

    def resident_bytes(self) -> int:
        """Resident memory of the processes and all their descendants now, in bytes."""
        total = 0
        for process in self.processes:
            try:
                family = [process, *process.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            for member in family:
                try:
                    total += member.memory_info().rss
                except psutil.NoSuchProcess:
                    pass  # a child that ended between listing and reading
        return total

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            self.peak_bytes = max(self.peak_bytes, self.resident_bytes())


def wait_until_idle(pids: list[int], timeout_s: float = 120, busy_fraction: float = 0.1) -> float:
    """Wait until the processes (and their children) use under ``busy_fraction`` of a core for a
    second, e.g. until a server's background warm-up has finished; returns the seconds waited."""
    started = time.perf_counter()
    processes = [psutil.Process(pid) for pid in pids]
    while time.perf_counter() - started < timeout_s:
        before = sum(cpu_seconds(process) for process in processes)
        time.sleep(1.0)
        if sum(cpu_seconds(process) for process in processes) - before < busy_fraction:
            break
    return time.perf_counter() - started


def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU time of a process and its children so far (0 once it has ended)."""
    try:
        family = [process, *process.children(recursive=True)]
        return sum(member.cpu_times().user + member.cpu_times().system for member in family)
    except psutil.NoSuchProcess:
        return 0.0


def record(session: int, page: str, action: str, result, widget=None, fallback=False) -> dict:
    """One measured run as a plain dict (what ``--json`` writes under "records")."""
    return {"session": session, "page": page, "action": action, "widget": widget, "fallback": fallback,
            "seconds": result.seconds, "kb": result.bytes_received / 1024, "cache_hits": result.cache_hits,
            "status": result.status, "errors": result.errors, "error_alerts": result.error_alerts}


async def walk(url: str, session_number: int, delay_s: float, timeout_s: float, pages: list[str]) -> list[dict]:
    """One student: wait ``delay_s``, then load every page and move one widget on each."""
    await asyncio.sleep(delay_s)
    session = StreamlitSession(url, timeout_s)
    records = []
    try:
        await session.connect()
    except Exception as error:  # refused, handshake timeout: the whole session counts as one error
        return [{"session": session_number, "page": "(connect)", "action": "load", "status": "disconnected",
                 "seconds": 0.0, "kb": 0.0, "errors": [repr(error)], "widget": None, "fallback": False}]
    try:
        for page in pages:
            loaded = await session.open_page(PAGES[page])
            records.append(record(session_number, page, "load", loaded))
            if loaded.failed:
                break
            widget, fallback = find_widget(loaded.widgets, WIDGET_KEYS.get(page, []))
            if widget is None:
                records.append({**record(session_number, page, "change", loaded), "status": "no_widget",
                                "seconds": None, "kb": None, "errors": ["no widget this client can change"]})
                continue
            changed = await session.change_widget(widget)
            records.append(record(session_number, page, "change", changed, widget.key, fallback))
            if changed.failed:
                break
    finally:
        await session.close()
    return records


async def run_sessions(url: str, n_sessions: int, seed: int, timeout_s: float, pages: list[str]) -> list[dict]:
    """All sessions at once, each starting after a seeded 0-1 s jitter (a class, not a robot)."""
    jitter = random.Random(seed)
    walks = [walk(url, number, jitter.uniform(0, 1), timeout_s, pages) for number in range(n_sessions)]
    return [entry for records in await asyncio.gather(*walks) for entry in records]


def percentile(values: list[float], fraction: float) -> float:
    """Linear-interpolated percentile (``fraction`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise(records: list[dict], pages: list[str]) -> list[dict]:
    """One row per page and action: timing percentiles of finished runs, mean KB, errors."""
    rows = []
    for page in pages:
        for action in ("load", "change"):
            runs = [entry for entry in records if entry["page"] == page and entry["action"] == action]
            finished = [entry["seconds"] for entry in runs if entry["status"] not in UNFINISHED]
            sizes = [entry["kb"] for entry in runs if entry["kb"] is not None]
            widgets = sorted({entry["widget"] for entry in runs if entry["widget"]})
            rows.append({"page": page, "action": action, "widget": ",".join(widgets), "n": len(runs),
                         "p50_s": percentile(finished, 0.5) if finished else None,
                         "p95_s": percentile(finished, 0.95) if finished else None,
                         "max_s": max(finished) if finished else None,
                         "mean_kb": sum(sizes) / len(sizes) if sizes else None,
                         "errors": sum(entry["status"] != "ok" for entry in runs)})
    return rows


def run_load(n_sessions: int = 30, mode: str = "warm", server_args: list[str] = (), url: str | None = None,
             pids: list[int] = (), seed: int = 0, timeout_s: float = 600, pages: list[str] | None = None) -> dict:
    """Run the load test and return its results (the dict ``--json`` writes)."""
    pages = list(pages or PAGES)
    process = None
    if url is None:
        process, url = start_server(list(server_args))
        pids = [process.pid]
    sampler = MemorySampler(list(pids)) if pids else None
    started = time.perf_counter()
    try:
        warmup = asyncio.run(run_sessions(url, 1, seed, timeout_s, pages)) if mode == "warm" else []
        if mode == "warm" and pids:
            wait_until_idle(list(pids))  # "warm" means the server's background warm-up has finished too
        baseline_bytes = sampler.resident_bytes() if sampler else 0
        if sampler:
            sampler.start()
        measured_started, client_cpu_started = time.perf_counter(), time.process_time()
        records = asyncio.run(run_sessions(url, n_sessions, seed, timeout_s, pages))
        measured_s = time.perf_counter() - measured_started
        client_cpu_s = time.process_time() - client_cpu_started  # what the clients took from the cores
    finally:
        if sampler:
            sampler.stopped.set()
        if process is not None:
            stop_server(process)
    failed = [entry for entry in records if entry["status"] != "ok"]
    return {
        "sessions": n_sessions, "mode": mode, "url": url, "server_args": list(server_args), "pages": pages,
        "rows": summarise(records, pages), "errors": len(failed),
        "error_messages": [f"session {e['session']} {e['page']} {e['action']}: {e['status']}: "
                           f"{'; '.join(e['errors'])}" for e in failed],
        "warmup_errors": [f"{e['page']} {e['action']}: {e['status']}" for e in warmup if e["status"] != "ok"],
        "error_alerts": sorted({f"{e['page']}: {alert}" for e in records for alert in e.get("error_alerts", [])}),
        "fallbacks": sorted({f"{e['page']}: changed {e['widget']} (none of {WIDGET_KEYS.get(e['page'])} found)"
                             for e in records if e["fallback"]}),
        "visited": {page: sum(e["page"] == page and e["action"] == "load" and e["status"] == "ok" for e in records)
                    for page in pages},
        "changed": {page: sum(e["page"] == page and e["action"] == "change" and e["status"] == "ok"
                              for e in records) for page in pages},
        "baseline_rss_mb": baseline_bytes / 2**20 if sampler else None,
        "peak_rss_mb": max(sampler.peak_bytes, baseline_bytes) / 2**20 if sampler else None,
        "measured_s": measured_s, "client_cpu_s": client_cpu_s, "total_s": time.perf_counter() - started,
        "records": records,
    }


def format_seconds(value: float | None) -> str:
    """Seconds with two decimals, or "-" when nothing finished."""
    return "-" if value is None else f"{value:.2f}"


def print_report(results: dict) -> None:
    """The table: per page, its load and its widget change; then errors, memory and notes."""
    print(f"\n{results['sessions']} sessions, {results['mode']} mode, {results['url']}"
          f"{' ' + ' '.join(results['server_args']) if results['server_args'] else ''}")
    print(f"{'page':<16}{'action':<26}{'n':>4}{'p50 s':>8}{'p95 s':>8}{'max s':>8}{'mean KB':>10}{'errors':>8}")
    for row in results["rows"]:
        action = f"change {row['widget']}" if row["action"] == "change" else "load"
        mean_kb = "-" if row["mean_kb"] is None else f"{row['mean_kb']:.0f}"
        print(f"{row['page']:<16}{action:<26}{row['n']:>4}{format_seconds(row['p50_s']):>8}"
              f"{format_seconds(row['p95_s']):>8}{format_seconds(row['max_s']):>8}{mean_kb:>10}{row['errors']:>8}")
    memory = ("not measured (give --pids)" if results["peak_rss_mb"] is None else
              f"peak {results['peak_rss_mb']:.0f} MB (before the sessions: {results['baseline_rss_mb']:.0f} MB)")
    print(f"errors: {results['errors']}   server RSS: {memory}")
    print(f"measured phase: {results['measured_s']:.1f} s, of which the load generator used "
          f"{results['client_cpu_s']:.1f} s of CPU")
    unreached = [f"{page} {results['sessions'] - count}" for page, count in results["visited"].items()
                 if count < results["sessions"]]
    notes = results["fallbacks"] + [f"warm-up: {m}" for m in results["warmup_errors"]]
    notes += [f"st.error shown (not counted as an error): {alert}" for alert in results["error_alerts"]]
    notes += [f"sessions that did not load a page (after an error): {', '.join(unreached)}"] if unreached else []
    for line in notes:
        print(f"note: {line}")
    for message in results["error_messages"][:20]:
        print(f"error: {message}")


def main() -> None:
    """The command line: run, print the table, optionally write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sessions", nargs="?", type=int, default=30, help="concurrent sessions (default 30)")
    parser.add_argument("--mode", choices=["warm", "cold"], default="warm")
    parser.add_argument("--server-arg", action="append", default=[], dest="server_args",
                        help="extra flag for `streamlit run`, written --server-arg=--runner.postScriptGC=false")
    parser.add_argument("--url", help="use this running server (or load balancer) instead of starting one")
    parser.add_argument("--pids", default="", help="with --url: comma-separated PIDs whose memory to sample")
    parser.add_argument("--json", type=Path, help="also write the results, every run included, to this file")
    parser.add_argument("--seed", type=int, default=0, help="seed of the start-time jitter")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds one run may take before it counts as an error")
    args = parser.parse_args()
    pids = [int(pid) for pid in args.pids.split(",") if pid.strip()]
    results = run_load(args.sessions, args.mode, args.server_args, args.url, pids, args.seed, args.timeout)
    print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
