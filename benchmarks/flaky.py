"""Do the browser tests pass every time? Run every browser-marked test several times in a row while a
CPU hog keeps both cores busy, and count failures per test.

A browser test that waits for luck instead of the page (tests/browser_support.wait_for_run) fails
here first: the hog makes the server, Streamlit's frontend and Chromium all slower than on a quiet
machine, so a wait that returns before the page has drawn is caught.

    python benchmarks/flaky.py [--runs 5] [--hogs 2] [-- extra pytest arguments]

Prints one row per test that failed at least once (and the totals); the goal is no row at all.
Takes the lock /tmp/cnnviz-bench.lock so that it never overlaps another benchmark's measurements.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
HOG = "while True: pass"


def run_once(number: int, extra: list[str], report_folder: Path) -> tuple[dict[str, str], float]:
    """One pytest run of the browser tests; returns ``({test id: "passed"|"failed"|"skipped"}, seconds)``."""
    report = report_folder / f"run-{number}.xml"
    started = time.monotonic()
    environment = {**os.environ, "CNNVIZ_REQUIRE_BROWSER": "1"}
    subprocess.run([sys.executable, "-m", "pytest", "-m", "browser", "-q",
                    f"--junitxml={report}", *extra], cwd=REPO_ROOT, env=environment,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    outcomes = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            outcomes[name] = "failed"
        elif case.find("skipped") is not None:
            outcomes[name] = "skipped"
        else:
            outcomes[name] = "passed"
    return outcomes, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--hogs", type=int, default=2, help="busy-looping processes (2 = both cores)")
    parser.add_argument("pytest_args", nargs="*")
    arguments = parser.parse_args()

    hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(arguments.hogs)]
    failures: collections.Counter = collections.Counter()
    counted: collections.Counter = collections.Counter()
    try:
        with tempfile.TemporaryDirectory() as folder:
            for number in range(1, arguments.runs + 1):
                outcomes, seconds = run_once(number, arguments.pytest_args, Path(folder))
                failed = [name for name, outcome in outcomes.items() if outcome == "failed"]
                skipped = sum(outcome == "skipped" for outcome in outcomes.values())
                print(f"run {number}: {len(outcomes)} browser tests, {len(failed)} failed, {skipped} skipped, "
                      f"{seconds:.0f} s", flush=True)
                for name, outcome in outcomes.items():
                    counted[name] += outcome != "skipped"
                    failures[name] += outcome == "failed"
    finally:
        for hog in hogs:
            hog.kill()
    print(f"\n{arguments.runs} runs with {arguments.hogs} CPU hogs, {len(counted)} browser tests")
    print("| test | failures |\n|---|---:|")
    for name in sorted(name for name in failures if failures[name]):
        print(f"| {name} | {failures[name]} of {counted[name]} |")
    total = sum(failures.values())
    print(f"| **all** | **{total} of {sum(counted.values())}** |")


if __name__ == "__main__":
    main()
