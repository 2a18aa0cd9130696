"""How long `cnnviz.digits.activations.feature_maps` takes for one digit, all layers (goal: warm <= 30 ms).

Prints, per zoo network: the first call (builds the cached probe model), the median warm call, and
in the same run `model.predict` of the same digit (the slow way) for comparison. Uses the committed
model when models/<name>.keras exists, else the same architecture untrained (same cost).

Run: python benchmarks/feature_maps.py [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from cnnviz.digits import activations  # noqa: E402
from cnnviz.zoo import architectures  # noqa: E402
from cnnviz import zoo  # noqa: E402


def timed(function, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main(repeats: int = 30) -> None:
    digit = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    print(f"{'network':<20}{'source':<10}{'layers':>7}{'first call':>12}{'warm median':>13}{'predict':>10}{'ratio':>7}")
    for name in zoo.names():
        try:
            model, source = zoo.load(name), "zoo"
        except zoo.ModelUnavailable:
            model, source = architectures.build(name), "untrained"
        start = time.perf_counter()
        outputs = activations.feature_maps(model, digit)
        first = (time.perf_counter() - start) * 1000
        warm = timed(lambda: activations.feature_maps(model, digit), repeats)
        batch = activations.model_input(model, digit)
        predict = timed(lambda: model.predict(batch, verbose=0), max(5, repeats // 3))
        print(f"{name:<20}{source:<10}{len(outputs):>7}{first:>10.0f} ms{warm:>10.1f} ms{predict:>7.0f} ms"
              f"{predict / warm:>6.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
