"""Memory over a long soak, with and without Streamlit's forced garbage collection after each run.

``.streamlit/config.toml`` turns ``runner.postScriptGC`` off because the forced ``gc.collect()``
cost half the server's CPU with a class connected. This checks that memory does not creep without
it: one server per setting, ``--rounds`` rounds of N students walking every page (``load.py``),
resident memory read after each round.

    python benchmarks/soak.py [N=30] [--rounds 8] [--gc-on-rounds 2]

The forced GC makes each round of 30 students take minutes, so that side runs fewer rounds.
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
    parser.add_argument("--rounds", type=int, default=8, help="rounds without the forced GC (production)")
    parser.add_argument("--gc-on-rounds", type=int, default=2, help="rounds with Streamlit's forced GC")
    arguments = parser.parse_args()
    results = {False: soak(arguments.sessions, arguments.rounds, False),
               True: soak(arguments.sessions, arguments.gc_on_rounds, True)}
    print(f"{arguments.sessions} students per round; resident memory after each round (MB), worst page p95 (s)")
    print(f"{'round':>5} {'GC off: MB':>11} {'p95':>6} {'GC on: MB':>10} {'p95':>6}")
    for number, off in enumerate(results[False]):
        on = results[True][number] if number < len(results[True]) else None
        on_text = f"{on['rss_mb']:>10.0f} {on['worst_p95_s']:>6.2f}" if on else f"{'':>10} {'':>6}"
        print(f"{off['round']:>5} {off['rss_mb']:>11.0f} {off['worst_p95_s']:>6.2f} {on_text}")
    for setting, rows in results.items():
        print(f"postScriptGC={setting}: {sum(row['measured_s'] for row in rows):.0f} s of load, "
              f"{sum(row['errors'] for row in rows)} errors, memory {rows[0]['rss_mb']:.0f} -> {rows[-1]['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
