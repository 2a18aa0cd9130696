"""One Streamlit process vs K replicas behind HAProxy (sticky cookie), the same N-student load.

One process runs its Python on one core. This starts a single ``streamlit run app.py``, runs the
protocol-level load of ``load.py`` against it, stops it, then starts K replicas behind Debian's
HAProxy (``deploy/run_local_replicas.py``) and runs the same load through the proxy. It prints
both p95 columns side by side, the time the whole class took, and resident memory.

    python benchmarks/replicas.py [N=30] [--replicas 2]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from load import PAGES, run_load, run_sessions, wait_until_idle  # noqa: E402

from deploy.run_local_replicas import start_replicas  # noqa: E402


def measure(n_sessions: int, replicas: int) -> tuple[dict, dict]:
    """``(single, replicated)`` results of ``load.run_load``, warm, one after the other.

    Every replica is warmed on its own (a session walks its pages directly, then all go idle):
    through the proxy one warm-up session would stick to one replica and leave the others cold.
    """
    single = run_load(n_sessions, "warm")
    with start_replicas(replicas) as started:
        for server in started.servers:
            asyncio.run(run_sessions(server.url, 1, 0, 600, list(PAGES)))
        wait_until_idle(started.pids)
        replicated = run_load(n_sessions, "cold", url=started.url, pids=started.pids)
    return single, replicated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sessions", nargs="?", type=int, default=30)
    parser.add_argument("--replicas", type=int, default=2)
    arguments = parser.parse_args()
    single, replicated = measure(arguments.sessions, arguments.replicas)
    print(f"{arguments.sessions} students, warm: 1 process vs {arguments.replicas} replicas behind HAProxy")
    print(f"{'page':16} {'action':28} {'p95 1 proc':>11} {'p95 replicas':>13}")
    for one, many in zip(single["rows"], replicated["rows"]):
        first, second = (row["p95_s"] if row["p95_s"] is not None else float("nan") for row in (one, many))
        print(f"{one['page']:16} {one['action']:28} {first:11.2f} {second:13.2f}")
    ratio = single["measured_s"] / replicated["measured_s"]
    print(f"whole class: {single['measured_s']:.1f} s vs {replicated['measured_s']:.1f} s "
          f"({ratio:.2f}x faster with {arguments.replicas} replicas)")
    print(f"errors: {single['errors']} vs {replicated['errors']}")
    print(f"peak resident memory: {single['peak_rss_mb']:.0f} MB vs {replicated['peak_rss_mb']:.0f} MB "
          f"(all replicas together)")


if __name__ == "__main__":
    main()
