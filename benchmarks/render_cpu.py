"""Server CPU per render, per page: what each student's visit costs a classroom server.

One protocol-level session (see ``streamlit_client.py``) opens every page and moves its widget,
``--repeats`` times, on a warm server; the server's CPU time (user + system, from psutil) is read
before and after each run. The goal is roughly 50 ms per visit: 30 students opening a page at the
same moment then wait at most 30 x 50 ms = 1.5 s on the one core Streamlit's Python uses.

    python benchmarks/render_cpu.py [--repeats 7] [--server-arg=--runner.postScriptGC=true ...]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import PAGES, WIDGET_KEYS, cpu_seconds, start_server, stop_server, wait_until_idle  # noqa: E402
from streamlit_client import StreamlitSession, find_widget  # noqa: E402


async def measure(url: str, pid: int, repeats: int) -> dict[str, dict[str, list[float]]]:
    """``{page: {"load": [cpu ms, ...], "change": [...], "wall": [...], "kb": [...]}}``."""
    server = psutil.Process(pid)
    session = StreamlitSession(url, timeout_s=300)
    await session.connect()
    results = {page: {"load": [], "change": [], "wall": [], "kb": []} for page in PAGES}
    try:
        for repeat in range(repeats + 1):
            if repeat == 1:
                wait_until_idle([pid])  # and the server's background warm-up has finished
            for page, url_path in PAGES.items():
                before = cpu_seconds(server)
                loaded = await session.open_page(url_path)
                after_load = cpu_seconds(server)
                widget, _ = find_widget(loaded.widgets, WIDGET_KEYS.get(page, []))
                if widget is not None:
                    await session.change_widget(widget)
                after_change = cpu_seconds(server)
                if repeat:  # the first round only warms the caches
                    results[page]["load"].append(1000 * (after_load - before))
                    results[page]["change"].append(1000 * (after_change - after_load))
                    results[page]["wall"].append(loaded.seconds)
                    results[page]["kb"].append(loaded.bytes_received / 1024)
    finally:
        await session.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--server-arg", action="append", default=[], help="extra server flag, e.g. --server-arg=--x=y")
    arguments = parser.parse_args()
    process, url = start_server(arguments.server_arg)
    try:
        results = asyncio.run(measure(url, process.pid, arguments.repeats))
    finally:
        stop_server(process)
    print(f"median server CPU per run, {arguments.repeats} repeats, warm (goal: about 50 ms)")
    print(f"{'page':16} {'load ms':>8} {'change ms':>10} {'load wall s':>12} {'load KB':>8}")
    for page, values in results.items():
        change = statistics.median(values["change"]) if values["change"] else float("nan")
        print(f"{page:16} {statistics.median(values['load']):8.0f} {change:10.0f} "
              f"{statistics.median(values['wall']):12.2f} {statistics.median(values['kb']):8.0f}")


if __name__ == "__main__":
    main()
