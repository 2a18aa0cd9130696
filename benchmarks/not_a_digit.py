"""How well the "does this look like a digit?" rule (`cnnviz.digits.novelty`) tells digits from
everything else a student might give "Your digit".

Prints the share of the 10 000 MNIST test digits that pass (goal: at least 97%), the share of
generated non-digits that are flagged (goal: at least 90%) with a breakdown per kind, the pass
rate on synthetic photos, PNG uploads and canvas drawings of test digits (real digits that are
not MNIST's own pixels; drawings also with a thicker pen), the two real photos in
../shared/images/ when present, and the time of one `assess`.
Every non-digit goes through the page's own preprocessing (`images.to_mnist_steps`); those it
already refuses (a blank canvas) count as flagged, and the table says how many.

Run: python benchmarks/not_a_digit.py [inputs per kind]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import numpy as np  # noqa: E402
from digit_photos import dark_on_light, png_bytes, synthetic_photo  # noqa: E402
from non_digits import KINDS, corpus, drawn_digit, prepare  # noqa: E402

from cnnviz import data  # noqa: E402
from cnnviz.digits import images, novelty  # noqa: E402
from cnnviz.digits.image_files import ImageError  # noqa: E402

REAL_PHOTOS = ROOT.parent / "shared" / "images"
DRAWINGS = [(200, 0, "drawn 200 px tall, MNIST's strokes"), (140, 0, "drawn 140 px tall, MNIST's strokes"),
            (200, 16, "drawn 200 px tall, strokes +16 px"), (140, 16, "drawn 140 px tall, strokes +16 px")]
CORPUS_SEED = 2024  # not the seed the rule's measures were explored with (14)


def digit_rows(x_test: np.ndarray, rule: novelty.Rule, count: int) -> list[tuple[str, int, float]]:
    """(name, inputs, share passing) for MNIST's test digits and for photos and uploads of them."""
    rows = [("MNIST test digits", len(x_test), float(novelty.looks_like_digits(x_test / 255.0, rule).mean()))]
    rng = np.random.default_rng(CORPUS_SEED)
    chosen = rng.choice(len(x_test), count, replace=False)
    photos = np.stack([images.to_mnist(synthetic_photo(x_test[index], rng)) for index in chosen])
    rows.append(("synthetic photos of test digits", count, float(novelty.looks_like_digits(photos, rule).mean())))
    uploads = np.stack([images.to_mnist(png_bytes(dark_on_light(x_test[index]).resize((140, 140))))
                        for index in chosen])
    rows.append(("test digits uploaded as PNG", count, float(novelty.looks_like_digits(uploads, rule).mean())))
    for height, thicker_by, name in DRAWINGS:
        drawn = np.stack([prepare(drawn_digit(x_test[index], height, thicker_by)) for index in chosen[:200]])
        rows.append((name, len(drawn), float(novelty.looks_like_digits(drawn, rule).mean())))
    return rows


def non_digit_rows(rule: novelty.Rule, per_kind: int) -> list[tuple[str, int, int, int]]:
    """(kind, inputs, refused by to_mnist, flagged by the rule) for each kind of the corpus."""
    counts = {kind: [0, 0, 0] for kind in KINDS}
    for item in corpus(per_kind, seed=CORPUS_SEED):
        counts[item.kind][0] += 1
        try:
            digit = prepare(item.raw)
        except ImageError:
            counts[item.kind][1] += 1
            continue
        counts[item.kind][2] += int(not novelty.assess(digit, rule).looks_like_a_digit)
    return [(kind, *numbers) for kind, numbers in counts.items()]


def main(per_kind: int = 60) -> None:
    (_, _), (x_test, _) = data.load_mnist()
    rule = novelty.load_rule()
    print(f"Rule: usual limits at the {rule.usual_percentile:.2f}th percentile of MNIST's training digits, "
          f"rare ones at the {novelty.RARE_PERCENTILE}th; {rule.training_pass:.2%} of training digits pass.\n")

    print(f"{'digits (should pass)':<36}{'inputs':>8}{'pass':>9}")
    for name, count, passing in digit_rows(x_test, rule, 1000):
        print(f"{name:<36}{count:>8}{passing:>9.1%}")

    rows = non_digit_rows(rule, per_kind)
    print(f"\n{'non-digits (should be flagged)':<36}{'inputs':>8}{'refused':>9}{'flagged':>9}{'caught':>9}")
    for kind, count, refused, flagged in rows:
        print(f"{kind:<36}{count:>8}{refused:>9}{flagged:>9}{(refused + flagged) / count:>9.1%}")
    total, refused, flagged = (sum(row[index] for row in rows) for index in (1, 2, 3))
    print(f"{'all non-digits':<36}{total:>8}{refused:>9}{flagged:>9}{(refused + flagged) / total:>9.1%}")

    print("\nreal photos (../shared/images/):")
    for path in sorted(REAL_PHOTOS.glob("*.jpg")):
        verdict = novelty.assess(images.to_mnist(path.read_bytes()), rule)
        print(f"  {path.name}: {'passes' if verdict.looks_like_a_digit else 'flagged'} "
              f"({verdict.score} points). {verdict.reason}")
    if not REAL_PHOTOS.is_dir():
        print("  (not here)")

    digit = x_test[0] / 255.0
    seconds = []
    for _ in range(200):
        start = time.perf_counter()
        novelty.assess(digit, rule)
        seconds.append(time.perf_counter() - start)
    print(f"\none assess: median {1000 * statistics.median(seconds):.1f} ms, max {1000 * max(seconds):.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
