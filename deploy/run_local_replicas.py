"""Run K cnnviz servers behind one HAProxy on loopback, to measure how the app scales.

A Streamlit session lives inside one server process (its websocket, its uploaded files, the
images it shows), so the servers sit behind HAProxy with cookie stickiness: the first response
sets the cookie ``CNNVIZ_REPLICA`` and every later request of that client, the websocket upgrade
included, reaches the same server. Every response names its server in ``X-Cnnviz-Replica``.

From a shell (needs Debian's ``haproxy``: ``apt-get install -y haproxy``)::

    python deploy/run_local_replicas.py --replicas 3 --port 8600
    python deploy/run_local_replicas.py -k 2 --port 8600 -- --server.maxUploadSize 20

It prints one JSON line (``url``, ``pids``, ``haproxy_pid``, ``servers``, ``stats_url``) once
every server answers its health check through the proxy, then runs until Ctrl-C or SIGTERM and
stops everything it started.

From Python (a benchmark)::

    from deploy.run_local_replicas import start_replicas

    with start_replicas(3, port=0) as replicas:   # port 0: any free port
        print(replicas.url, replicas.pids)
"""

from __future__ import annotations

import argparse
import atexit
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

try:  # run as a script (python deploy/run_local_replicas.py) or imported as deploy.run_local_replicas
    from deploy.processes import free_port, stop_process_groups
except ImportError:
    from processes import free_port, stop_process_groups

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PATH = Path(__file__).with_name("haproxy-local.cfg.template")
AFFINITY_COOKIE = "CNNVIZ_REPLICA"
REPLICA_HEADER = "X-Cnnviz-Replica"
STATS_PATH = "/_haproxy/stats"
HEALTH_PATH = "/_stcore/health"
BACKEND_NAME = "cnnviz"
STOP_TIMEOUT_S = 15.0

# Loopback only: never send these requests through an HTTP proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ReplicasUnavailable(RuntimeError):
    """The servers or HAProxy could not be started; the message says why and where the logs are."""


@dataclass
class Server:
    """One ``streamlit run app.py`` process behind the proxy."""

    name: str  # HAProxy's server name, also the value of its affinity cookie and X-Cnnviz-Replica
    port: int
    process: subprocess.Popen = field(repr=False)
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Replicas:
    """Running servers behind one HAProxy; :meth:`stop` (or leaving ``with``) ends them all."""

    url: str
    servers: list[Server]
    haproxy: subprocess.Popen = field(repr=False)
    log_dir: Path
    stopped: bool = False

    @property
    def pids(self) -> list[int]:
        """The Streamlit servers' process ids, in server order (app1, app2, ...)."""
        return [server.pid for server in self.servers]

    @property
    def haproxy_pid(self) -> int:
        return self.haproxy.pid

    @property
    def stats_url(self) -> str:
        return self.url + STATS_PATH

    def describe(self) -> dict:
        """What the command line prints: everything a benchmark needs to find the processes."""
        return {
            "url": self.url,
            "pids": self.pids,
            "haproxy_pid": self.haproxy_pid,
            "cookie": AFFINITY_COOKIE,
            "stats_url": self.stats_url,
            "log_dir": str(self.log_dir),
            "servers": [{"name": server.name, "url": server.url, "pid": server.pid,
                         "log": str(server.log_path)} for server in self.servers],
        }

    def server_stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's counters per server: ``{"app1": {"status": "UP", "scur": "1", "stot": "4", ...}}``.

        ``scur`` is the connections open now (a websocket counts while open), ``stot`` all
        connections since the start; health checks count in neither.
        """
        with _OPENER.open(self.stats_url + ";csv", timeout=5) as response:
            text = response.read().decode("utf-8").lstrip("# ")
        return {row["svname"]: row for row in csv.DictReader(io.StringIO(text))
                if row["pxname"] == BACKEND_NAME and row["svname"] not in ("FRONTEND", "BACKEND")}

    def alive(self) -> bool:
        """Whether HAProxy and every server are still running."""
        return all(process.poll() is None for process in [self.haproxy, *(s.process for s in self.servers)])

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Stop HAProxy first (no new traffic), then the servers and whatever they spawned."""
        if self.stopped:
            return
        self.stopped = True
        atexit.unregister(self.stop)
        stop_process_groups([self.haproxy], timeout_s)
        stop_process_groups([server.process for server in self.servers], timeout_s)

    def __enter__(self) -> Replicas:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def haproxy_executable() -> str | None:
    """Debian's haproxy (``/usr/sbin`` is not on every user's PATH), or None."""
    found = shutil.which("haproxy")
    if found:
        return found
    return "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None


def render_haproxy_config(front_port: int, backend_ports: list[int], host: str = "127.0.0.1") -> str:
    """The loopback HAProxy configuration: one front port, servers ``app1..appK`` on ``backend_ports``."""
    servers = "\n".join(f"    server app{index} 127.0.0.1:{port} check cookie app{index}"
                        for index, port in enumerate(backend_ports, start=1))
    fields = {"HOST": host, "FRONT_PORT": str(front_port), "SERVERS": servers, "STATS_PATH": STATS_PATH,
              "COOKIE_NAME": AFFINITY_COOKIE, "REPLICA_HEADER": REPLICA_HEADER}
    text = TEMPLATE_PATH.read_text()
    for name, value in fields.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def streamlit_command(port: int, extra_args: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The command line of one server. ``extra_args`` come last, so they override the defaults."""
    return [sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
            # Three servers watching the same files would triple the watcher's CPU for nothing.
            "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
            *extra_args]


def start_replicas(count: int, port: int = 0, extra_args: list[str] | tuple[str, ...] = (), *,
                   host: str = "127.0.0.1", health_timeout_s: float = 120.0,
                   log_dir: str | Path | None = None) -> Replicas:
    """Start ``count`` Streamlit servers and one HAProxy on ``host:port``; wait until all are healthy.

    Args:
        count: how many ``streamlit run app.py`` processes (at least 1).
        port: HAProxy's front port; 0 picks a free one.
        extra_args: more ``streamlit run`` flags for every server, e.g. ``["--server.maxUploadSize", "20"]``.
        host: the address HAProxy listens on (the servers always listen on 127.0.0.1).
        health_timeout_s: how long the servers and the proxy may take to answer ``/_stcore/health``.
        log_dir: where each process writes its log; default a fresh temporary folder.

    Returns:
        A :class:`Replicas` handle with ``url``, ``pids`` and ``stop()``; also a context manager.

    Raises:
        ReplicasUnavailable: haproxy is not installed, or a process exited or never became healthy
            (everything started is stopped again first).
        ValueError: ``count`` is below 1.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}.")
    haproxy = haproxy_executable()
    if haproxy is None:
        raise ReplicasUnavailable("haproxy is not installed: `apt-get install -y haproxy` (Debian).")
    log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="cnnviz-replicas-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    front_port = port or free_port(host)
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}

    servers: list[Server] = []
    haproxy_process = None
    try:
        for index in range(1, count + 1):
            backend_port = free_port()
            log_path = log_dir / f"app{index}.log"
            with open(log_path, "wb") as log:
                # A session of its own: Ctrl-C in the terminal reaches only this script, which
                # then stops each server's whole group (its live-training workers included).
                process = subprocess.Popen(streamlit_command(backend_port, extra_args), cwd=REPO_ROOT,
                                           env=environment, stdout=log, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, start_new_session=True)
            servers.append(Server(f"app{index}", backend_port, process, log_path))
        deadline = time.monotonic() + health_timeout_s
        for server in servers:
            _wait_for_health(server.url, server.process, server.log_path, deadline)

        config_path = log_dir / "haproxy.cfg"
        config_path.write_text(render_haproxy_config(front_port, [s.port for s in servers], host))
        haproxy_log = log_dir / "haproxy.log"
        with open(haproxy_log, "wb") as log:
            # -db: stay in the foreground, so this script owns the process and sees it exit.
            haproxy_process = subprocess.Popen([haproxy, "-db", "-f", str(config_path)], stdout=log,
                                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                               start_new_session=True)
        replicas = Replicas(f"http://{host}:{front_port}", servers, haproxy_process, log_dir)
        _wait_for_all_up(replicas, haproxy_log, deadline)
        _wait_for_health(replicas.url, haproxy_process, haproxy_log, deadline)
    except BaseException:
        stop_process_groups([p for p in [haproxy_process] if p is not None], STOP_TIMEOUT_S)
        stop_process_groups([server.process for server in servers], STOP_TIMEOUT_S)
        raise
    # A benchmark that crashes without stop() must not leave servers running.
    atexit.register(replicas.stop)
    return replicas


def _wait_for_health(url: str, process: subprocess.Popen, log_path: Path, deadline: float) -> None:
    """Poll ``url/_stcore/health`` until it answers 200; fail early if ``process`` exits."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ReplicasUnavailable(f"{url}: the process exited with code {process.returncode}; see {log_path}")
        try:
            with _OPENER.open(url + HEALTH_PATH, timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.3)
    raise ReplicasUnavailable(f"{url} did not answer {HEALTH_PATH} in time; see {log_path}")


def _wait_for_all_up(replicas: Replicas, log_path: Path, deadline: float) -> None:
    """Wait until HAProxy's own health checks mark every server UP, so no first client lands on none."""
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        if replicas.haproxy.poll() is not None:
            raise ReplicasUnavailable(f"haproxy exited with code {replicas.haproxy.returncode}; see {log_path}")
        try:
            statuses = {name: row["status"] for name, row in replicas.server_stats().items()}
            if len(statuses) == len(replicas.servers) and all(s == "UP" for s in statuses.values()):
                return
        except (OSError, urllib.error.URLError, KeyError):
            pass
        time.sleep(0.3)
    raise ReplicasUnavailable(f"HAProxy did not mark every server UP in time ({statuses}); see {log_path}")


def _interrupt(signal_number, frame) -> None:
    """SIGINT/SIGTERM handler: end the wait as Ctrl-C would, so cleanup runs in one place."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Command line: start, print one JSON line, wait for Ctrl-C/SIGTERM or a dying process, stop."""
    parser = argparse.ArgumentParser(
        description="Run K cnnviz servers behind one HAProxy with cookie stickiness, on loopback.",
        epilog="Flags after `--` go to every `streamlit run` (e.g. -- --server.maxUploadSize 20).")
    parser.add_argument("-k", "--replicas", type=int, default=2, help="number of Streamlit servers (default 2)")
    parser.add_argument("-p", "--port", type=int, default=8600, help="HAProxy's front port (0: any free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address HAProxy listens on (default 127.0.0.1)")
    parser.add_argument("--health-timeout", type=float, default=120.0, help="seconds to wait for health")
    parser.add_argument("--log-dir", default=None, help="folder for the logs (default: a temporary one)")
    arguments, extra_args = parser.parse_known_args(argv)
    if extra_args[:1] == ["--"]:
        extra_args = extra_args[1:]

    # SIGINT too: a shell without job control starts background commands with SIGINT ignored.
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, _interrupt)
    try:
        replicas = start_replicas(arguments.replicas, arguments.port, extra_args, host=arguments.host,
                                  health_timeout_s=arguments.health_timeout, log_dir=arguments.log_dir)
    except (ReplicasUnavailable, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    print(json.dumps(replicas.describe()), flush=True)
    exit_code = 0
    try:
        while replicas.alive():
            time.sleep(1)
        print(f"error: a process exited on its own; see the logs in {replicas.log_dir}", file=sys.stderr)
        exit_code = 1
    except KeyboardInterrupt:
        pass
    finally:
        replicas.stop()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
