"""How fast and how small the convolution / pooling animations are.

Prints medians of repeated runs: building every frame of a 28 x 28 digit's convolution (goal
<= 100 ms), the figure's JSON size (goal < 1.5 MB), the same figure built the plain Plotly way
(validated go.Frame objects, output heatmap resent in every frame) for comparison, and the warm
render time of both pages through AppTest (goal <= 300 ms).

Run: ``python benchmarks/conv_frames.py`` (set CNNVIZ_MNIST to an offline mnist.npz if needed).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]
SHARED_MNIST = REPO_ROOT.parent / "shared" / "data" / "mnist.npz"
if "CNNVIZ_MNIST" not in os.environ and SHARED_MNIST.is_file():
    os.environ["CNNVIZ_MNIST"] = str(SHARED_MNIST)

from cnnviz.lesson import animation, kernels, ops  # noqa: E402
from cnnviz import data  # noqa: E402

REPEATS = 7


def median_ms(function, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def plain_plotly_figure(figure) -> go.Figure:
    """The usual way: every frame a validated go.Frame that also resends the whole output heatmap."""
    spec = figure.to_dict()
    output_z = spec["data"][1]["z"]
    frames = [go.Frame(name=frame["name"], traces=[1, *frame["traces"]],
                       data=[go.Heatmap(z=output_z), *[{"type": "scatter", **d} for d in frame["data"]]])
              for frame in spec["frames"]]
    return go.Figure(data=spec["data"], layout=spec["layout"], frames=frames)


def page_render_ms(page: str) -> float:
    from pages_list import open_app

    app = open_app()
    app.switch_page(page).run()  # cold: fills the caches
    return median_ms(app.run, repeats=5)


def main() -> None:
    (x_train, _), _ = data.load_mnist()
    digit = data.scale(x_train[0])
    sobel = kernels.preset_weights("Sobel (vertical edges)")
    print(f"28 x 28 digit, 3 x 3 kernel, medians of {REPEATS} runs")
    steps_ms = median_ms(lambda: list(ops.conv_steps(digit, sobel, padding="same")))
    print(f"  step generator (784 steps, padding same):          {steps_ms:7.1f} ms")
    for padding in ("valid", "same"):
        build_ms = median_ms(lambda: animation.convolution_figure(digit, sobel, False, padding=padding))
        figure = animation.convolution_figure(digit, sobel, False, padding=padding)
        size = len(pio.to_json(figure.to_dict(), validate=False))
        print(f"  all frames + figure, padding {padding:5} ({len(figure.raw_frames)} frames): {build_ms:7.1f} ms"
              f" (goal <= 100), JSON {size / 1e6:.2f} MB (goal < 1.5)")
    figure = animation.convolution_figure(digit, sobel, False, padding="same")
    plain_ms = median_ms(lambda: plain_plotly_figure(figure), repeats=3)
    plain_size = len(plain_plotly_figure(figure).to_json())
    ours_ms = median_ms(lambda: animation.convolution_figure(digit, sobel, False, padding="same"))
    ours_size = len(pio.to_json(figure.to_dict(), validate=False))
    print(f"  plain Plotly (validated frames, heatmap per frame): {plain_ms:7.1f} ms, JSON {plain_size / 1e6:.2f} MB"
          f" -> ours is {plain_ms / ours_ms:.1f}x faster and {plain_size / ours_size:.1f}x smaller")
    five = animation.convolution_figure(digit, kernels.preset_weights("blur", 5), False, padding=2)
    print(f"  5 x 5 kernel, padding 2: JSON {len(pio.to_json(five.to_dict(), validate=False)) / 1e6:.2f} MB")
    feature = ops.relu(ops.conv2d(digit, kernels.preset_weights("vertical edges")))
    pool_ms = median_ms(lambda: animation.pooling_figure(feature, False))
    pool = animation.pooling_figure(feature, False)
    print(f"  pooling 26 x 26 map, 2 x 2 ({len(pool.raw_frames)} frames): {pool_ms:7.1f} ms, "
          f"JSON {len(pio.to_json(pool.to_dict(), validate=False)) / 1e6:.2f} MB")
    print("Warm page render through AppTest (median of 5 reruns, goal <= 300 ms)")
    for page in ("app_pages/convolution.py", "app_pages/pooling.py"):
        print(f"  {page:24} {page_render_ms(page):7.1f} ms")


if __name__ == "__main__":
    main()
