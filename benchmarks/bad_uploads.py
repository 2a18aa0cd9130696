"""How long `to_mnist` takes to accept or refuse each awkward upload (truncated, empty, not an image,
a 20000 x 20000 decompression bomb, 16-bit, CMYK, palette with alpha, animated GIF, EXIF-rotated).

A student waits for this on the "Your digit" page, so each should take well under a second
(the budget below). tests/test_images.py checks what happens to each file; this measures how fast.

Run from the repository root: python benchmarks/bad_uploads.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from digit_photos import BAD_FILES  # noqa: E402

from cnnviz import data  # noqa: E402
from cnnviz.digits import image_files, images  # noqa: E402

BUDGET_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    mnist = data.load_mnist()
    print(f"{'file':<22}{'outcome':<12}{'median s':>10}{'worst s':>10}   budget {BUDGET_S:.1f} s")
    for name, build in BAD_FILES.items():
        payload = build(mnist)
        seconds, outcome = [], ""
        for _ in range(repeats):
            start = time.perf_counter()
            try:
                images.to_mnist(payload)
                outcome = "accepted"
            except image_files.ImageError:
                outcome = "refused"
            seconds.append(time.perf_counter() - start)
        verdict = "ok" if max(seconds) < BUDGET_S else "TOO SLOW"
        print(f"{name:<22}{outcome:<12}{statistics.median(seconds):>10.3f}{max(seconds):>10.3f}   {verdict}")


if __name__ == "__main__":
    main()
