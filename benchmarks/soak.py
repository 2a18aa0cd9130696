"""Memory over a long soak, with and without Streamlit's forced garbage collection after each run.

``.streamlit/config.toml`` turns ``runner.postScriptGC`` off because the forced ``gc.collect()``
cost half the server's CPU with a class connected. This checks that memory does not creep without
it: one server per setting, ``--rounds`` rounds of N students walking every page (``load.py``),
resident memory read after each round.

    python benchmarks/soak.py [N=30] [--rounds 8]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import MemorySampler, run_load, start_server, stop_server  # noqa: E402


def soak(n_sessions: int, rounds: int, post_script_gc: bool) -> list[dict]:
    """``rounds`` loads on one server; per round: resident MB after it, worst p95, errors."""
    process, url = start_server([f"--runner.postScriptGC={str(post_script_gc).lower()}"])
    rows = []
    try:
        for round_number in range(1, rounds + 1):
            results = run_load(n_sessions, "warm" if round_number == 1 else "cold", url=url, pids=[process.pid],
                               seed=round_number)
            worst = max(row["p95_s"] for row in results["rows"] if row["p95_s"] is not None)
            rows.append({"round": round_number, "rss_mb": MemorySampler([process.pid]).resident_bytes() / 2**20,
                         "worst_p95_s": worst, "errors": results["errors"], "measured_s": results["measured_s"]})
    finally:
        stop_server(process)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sessions", nargs="?", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=8)
    arguments = parser.parse_args()
    results = {setting: soak(arguments.sessions, arguments.rounds, setting) for setting in (True, False)}
    print(f"{arguments.sessions} students per round; resident memory after each round (MB), worst page p95 (s)")
    print(f"{'round':>5} {'GC on: MB':>10} {'p95':>6} {'GC off: MB':>11} {'p95':>6}")
    for on, off in zip(results[True], results[False]):
        print(f"{on['round']:>5} {on['rss_mb']:>10.0f} {on['worst_p95_s']:>6.2f} {off['rss_mb']:>11.0f} "
              f"{off['worst_p95_s']:>6.2f}")
    for setting, rows in results.items():
        print(f"postScriptGC={setting}: {sum(row['measured_s'] for row in rows):.0f} s of load, "
              f"{sum(row['errors'] for row in rows)} errors, memory {rows[0]['rss_mb']:.0f} -> {rows[-1]['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
