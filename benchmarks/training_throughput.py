"""Does cnnviz's training loop cost anything? Throughput of ``cnnviz.zoo.training.train`` (progress
callback and stop event attached) vs a bare ``model.fit``, same model, data and batch size.

The two are timed in one run, interleaved (bare, ours, bare, ours, ...) so that the load of a
shared machine hits both alike; the printed ratio is median(bare time) / median(our time), so
1.00 means "as fast as model.fit" and the goal is >= 0.95.

    python benchmarks/training_throughput.py [--model cnn_chollet] [--samples 12800] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"
if "CNNVIZ_MNIST" not in os.environ and SHARED_MNIST.is_file():
    os.environ["CNNVIZ_MNIST"] = str(SHARED_MNIST)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cnn_chollet", help="zoo recipe to train")
    parser.add_argument("--samples", type=int, default=12800, help="training samples per epoch")
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs for each side")
    arguments = parser.parse_args()

    import keras

    from cnnviz.zoo import architectures, training
    from cnnviz import data, zoo

    (x_train, y_train), _ = data.load_mnist()
    inputs = zoo.prepare_inputs(arguments.model, x_train[:arguments.samples])
    labels = data.one_hot(y_train[:arguments.samples])
    batch_size = architectures.recipe(arguments.model).batch_size
    keras.utils.set_random_seed(0)
    model = training.compile_for(arguments.model, architectures.build(arguments.model))
    model.fit(inputs[:batch_size * 4], labels[:batch_size * 4], batch_size=batch_size, verbose=0)  # compile graphs

    reports = []

    def timed_bare() -> float:
        started = time.perf_counter()
        model.fit(inputs, labels, batch_size=batch_size, epochs=1, shuffle=True, verbose=0)
        return time.perf_counter() - started

    def timed_ours() -> float:
        started = time.perf_counter()
        training.train(model, inputs, labels, epochs=1, batch_size=batch_size, shuffle=True,
                       on_progress=reports.append, stop_event=threading.Event())
        return time.perf_counter() - started

    timed_ours()  # warm our callback's path too
    bare_times, our_times = [], []
    for repeat in range(arguments.repeats):
        bare_times.append(timed_bare())
        our_times.append(timed_ours())
        print(f"repeat {repeat + 1}: model.fit {bare_times[-1]:.2f} s, cnnviz.zoo.training.train "
              f"{our_times[-1]:.2f} s", flush=True)
    bare, ours = statistics.median(bare_times), statistics.median(our_times)
    print(f"\n{arguments.model}, {arguments.samples} samples, batch {batch_size}, "
          f"{arguments.repeats} interleaved repeats, {training.device_description()}")
    print(f"median model.fit:              {bare:.2f} s ({arguments.samples / bare:,.0f} samples/s)")
    print(f"median cnnviz.zoo.training.train:  {ours:.2f} s ({arguments.samples / ours:,.0f} samples/s)")
    print(f"throughput ratio (ours / fit): {bare / ours:.3f}  (goal >= 0.95)")
    print(f"progress reports received: {len(reports)} over {arguments.repeats + 1} epochs")


if __name__ == "__main__":
    main()
