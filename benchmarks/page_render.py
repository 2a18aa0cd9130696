"""Median server-side render time of every page, and whether it imported TensorFlow.

Each page runs in a fresh interpreter through Streamlit's AppTest (the same script runner the
server uses): one cold run, then warm reruns. Goal for the pages that need no model (matrix,
convolution, pooling): <= 300 ms warm and no TensorFlow.

    python benchmarks/page_render.py [--runs 7] [page.py ...]
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))
from pages_list import listed_pages  # noqa: E402

MEASURE = """
import json, statistics, sys, time
sys.path.insert(0, "tests")
import conftest  # offline data, same set-up as the tests
from pages_list import open_app
if {keep_clear_session!r}:  # undo the router's skip: Streamlit clears Keras' session after each run
    import cnnviz.ui
    cnnviz.ui.skip_keras_clear_session = lambda: None
started = time.perf_counter()
app = open_app()
app.switch_page({path!r}).run()
cold = time.perf_counter() - started
warm = []
for _ in range({runs}):
    started = time.perf_counter()
    app.run()
    warm.append(time.perf_counter() - started)
print(json.dumps({{"cold_s": cold, "warm_ms": 1000 * statistics.median(warm),
                  "errors": [e.value for e in app.exception],
                  "tensorflow": "tensorflow" in sys.modules}}))
"""


def measure(path: str, runs: int, keep_clear_session: bool = False) -> dict:
    script = MEASURE.format(path=path, runs=runs, keep_clear_session=keep_clear_session)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT,
                            capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="warm reruns per page (median is reported)")
    parser.add_argument("--with-clear-session", action="store_true",
                        help="also measure Keras pages with Streamlit's per-run keras clear_session left on")
    parser.add_argument("pages", nargs="*", help="page files to measure (default: all in app.py)")
    args = parser.parse_args()
    paths = args.pages or [page["path"] for page in listed_pages()]
    extra = f" {'warm ms, clear_session on':>26}" if args.with_clear_session else ""
    print(f"{'page':32} {'cold s':>7} {'warm ms (median)':>17} {'TensorFlow imported':>20}{extra}")
    for path in paths:
        figures = measure(path, args.runs)
        if "error" in figures:
            print(f"{path:32} failed: {figures['error']}")
            continue
        line = f"{path:32} {figures['cold_s']:7.2f} {figures['warm_ms']:17.0f} {str(figures['tensorflow']):>20}"
        if args.with_clear_session and figures["tensorflow"]:
            line += f" {measure(path, args.runs, keep_clear_session=True).get('warm_ms', float('nan')):26.0f}"
        print(line + (f"   errors: {figures['errors']}" if figures["errors"] else ""))


if __name__ == "__main__":
    main()
