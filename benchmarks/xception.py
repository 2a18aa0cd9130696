"""Xception costs: predict vs a raw model call, Grad-CAM vs predict, and the server's memory.

Run from the repository root: ``python benchmarks/xception.py [--repeats 9]``.

Uses the real ImageNet weights when they can be had (``cnnviz.xception.loading.load_xception``), else
random weights: the arithmetic, and so the timings, are the same. Timings are medians of
interleaved repetitions (raw call, predict, Grad-CAM, ...) so that a busy machine slows all
of them alike; the ratios are what to quote.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
SHARED_MNIST = REPO_ROOT.parent / "shared" / "data" / "mnist.npz"
if "CNNVIZ_MNIST" not in os.environ and SHARED_MNIST.is_file():
    os.environ["CNNVIZ_MNIST"] = str(SHARED_MNIST)


def resident_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    repeats = parser.parse_args().repeats

    memory = {"python + cnnviz (no Keras)": resident_mb()}
    from cnnviz import data, zoo
    from cnnviz.digits import image_files
    from cnnviz.xception import imagenet, loading

    import keras  # noqa: F401

    memory["+ import keras / TensorFlow"] = resident_mb()
    try:
        model, weights = loading.load_xception(), "ImageNet weights"
    except loading.ModelUnavailable:
        model, weights = loading.load_xception(weights=None), "random weights (ImageNet weights unavailable here)"
    memory["+ Xception loaded"] = resident_mb()

    photos, _ = imagenet.sample_photos()
    photo = image_files.open_image(photos[0].path.read_bytes())
    batch = imagenet.preprocess(photo)
    for _ in range(2):  # warm-up: first calls trace and allocate
        model(batch, training=False)
        imagenet.predict(photo, model=model)
        imagenet.gradcam(photo, model=model)
        imagenet.analyse(model, photo)
    memory["+ first predictions and Grad-CAM"] = resident_mb()

    timings = {"raw model(x, training=False)": [], "predict(photo) incl. preprocessing": [],
               "gradcam(photo) incl. preprocessing": [], "analyse: top-5 + 5 heatmaps": [],
               "preprocess(photo) alone": []}
    jobs = [
        lambda: model(batch, training=False),
        lambda: imagenet.predict(photo, model=model),
        lambda: imagenet.gradcam(photo, model=model),
        lambda: imagenet.analyse(model, photo),
        lambda: imagenet.preprocess(photo),
    ]
    for _ in range(repeats):
        for name, job in zip(timings, jobs):
            timings[name].append(_timed(job))
    medians = {name: statistics.median(values) for name, values in timings.items()}

    loaded, kept = [], []  # kept: hold every loaded object, as a server does, so RSS counts it
    try:
        kept.append(data.load_mnist())
        loaded.append("MNIST arrays")
    except data.DatasetUnavailable:
        pass
    for name in zoo.names():
        try:
            kept.append(zoo.load(name))
            loaded.append(name)
        except zoo.ModelUnavailable:
            pass
    memory[f"+ MNIST: {', '.join(loaded) or 'nothing available'}"] = resident_mb()

    raw = medians["raw model(x, training=False)"]
    predict = medians["predict(photo) incl. preprocessing"]
    print(f"Xception with {weights}; photo {photos[0].name} {photo.size}; {repeats} interleaved repeats; "
          f"{psutil.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}\n")
    print(f"{'median time':<40}{'seconds':>10}")
    for name, seconds in medians.items():
        print(f"{name:<40}{seconds:>10.3f}")
    print("\nratios (targets from issue 7)")
    print(f"  predict / raw call            {predict / raw:5.2f}   (target <= 1.10)")
    print(f"  gradcam / predict             {medians['gradcam(photo) incl. preprocessing'] / predict:5.2f}   (target <= 1.50)")
    print(f"  top-5 + 5 heatmaps / predict  {medians['analyse: top-5 + 5 heatmaps'] / predict:5.2f}   (what the page does)")
    print("\nresident memory of this process (RSS)")
    for name, megabytes in memory.items():
        print(f"  {name:<52}{megabytes:8.0f} MB")


if __name__ == "__main__":
    main()
