"""Synthetic photos of real MNIST test digits (dark ink on shaded, tinted, noisy paper, rescaled,
off-centre, RGB, JPEG) through `cnnviz.digits.images.to_mnist`, classified by every committed zoo model:
clean accuracy vs accuracy after the round trip, and the median `to_mnist` time per photo.

Run: python benchmarks/to_mnist_accuracy.py [count]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import numpy as np  # noqa: E402
from digit_photos import synthetic_photo  # noqa: E402

from cnnviz import data, zoo  # noqa: E402
from cnnviz.digits import images  # noqa: E402


def main(count: int = 1000) -> None:
    (_, _), (x_test, y_test) = data.load_mnist()
    rng = np.random.default_rng(2024)
    indices = rng.choice(len(x_test), count, replace=False)
    photos = [synthetic_photo(x_test[index], rng) for index in indices]
    seconds = []
    prepared = []
    for photo in photos:
        start = time.perf_counter()
        prepared.append(images.to_mnist(photo))
        seconds.append(time.perf_counter() - start)
    prepared = np.stack(prepared)
    clean = data.scale(x_test[indices])
    labels = y_test[indices]
    print(f"{count} synthetic photos; to_mnist median {1000 * statistics.median(seconds):.1f} ms, "
          f"max {1000 * max(seconds):.0f} ms per photo")
    print(f"{'network':<20}{'clean':>8}{'photos':>9}{'change':>9}")
    for name in zoo.names():
        try:
            model = zoo.load(name)
        except zoo.ModelUnavailable:
            print(f"{name:<20}  (not trained yet)")
            continue
        shape = (-1, *[int(size) for size in model.inputs[0].shape[1:]])
        clean_accuracy = float((np.argmax(model(clean.reshape(shape), training=False), 1) == labels).mean())
        photo_accuracy = float((np.argmax(model(prepared.reshape(shape), training=False), 1) == labels).mean())
        print(f"{name:<20}{clean_accuracy:>8.1%}{photo_accuracy:>9.1%}{100 * (photo_accuracy - clean_accuracy):>+8.1f}pt")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
