"""Throughput of a live playground run (progress UI attached) vs raw ``model.fit``, and the time of
a 10k-image, 1-epoch run.

Run: ``python benchmarks/playground_throughput.py [--pairs 5]`` (about 3 minutes on 2 cores).

Same model (the page's default network: 2 blocks of 32 3x3 filters, pooling, dropout 0.25, dense
64, rmsprop), same data (the first 10,000 training images, validation on the held-out 2,000),
batch 64, 1 epoch, same seed. Pairs are interleaved (raw, live, live, raw, ...) so that load from
other processes hits both sides alike; the ratio is the median of the per-pair ratios.

- raw: ``model.fit(x, y, epochs=1, batch_size=64, validation_data=...)`` alone, in a fresh spawned
  process (a live run's worker is a fresh process too, so both sides pay the same cold start).
- live: exactly what the page does: a :class:`cnnviz.playground.live.LiveRun` in its worker process,
  :func:`cnnviz.zoo.training.train` with the progress callback (a report every 0.25 s sent to the
  server over a queue), the server thread draining it, and a poller reading the run's snapshot
  every 0.25 s (four times more often than the page's fragment, once a second). The fit time is
  measured inside the worker around the training loop, like the raw side.

The whole live runs (worker start to trained model back in the server) are timed too: the
10k-image, 1-epoch time a student waits.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("CNNVIZ_MNIST", str(Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"))

from cnnviz import data  # noqa: E402
from cnnviz.playground.config import PlaygroundConfig  # noqa: E402
from cnnviz.playground.network import build_model  # noqa: E402
from cnnviz.playground.live import LiveRun  # noqa: E402
from cnnviz.playground.run import split_for_run  # noqa: E402
from cnnviz.playground.slots import SlotLimiter  # noqa: E402

CONFIG = PlaygroundConfig(samples=10000, epochs=1, batch_size=64)
SEED = 0


def _raw_worker(results) -> None:
    """In a fresh process, like a live run's worker: plain model.fit, no callback, timed."""
    mnist = data.load_mnist()
    train, validation = split_for_run(mnist[0][0], mnist[0][1], CONFIG.samples)
    model = build_model(CONFIG, seed=SEED)
    started = time.perf_counter()
    model.fit(*train, epochs=CONFIG.epochs, batch_size=CONFIG.batch_size, validation_data=validation, verbose=0)
    results.put(time.perf_counter() - started)


def time_raw() -> float:
    """Raw ``model.fit`` in a fresh spawned process, so both sides pay the same cold start."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    worker = context.Process(target=_raw_worker, args=(results,))
    worker.start()
    seconds = results.get(timeout=600)
    worker.join()
    return seconds


def time_live() -> tuple[float, float, int]:
    """One complete live run as the page starts it: worker process, progress queue, a poller.

    Returns:
        (seconds of the training loop inside the worker, seconds of the whole run, polls made).
    """
    run = LiveRun(CONFIG, SlotLimiter(1), seed=SEED, progress_interval_s=0.25).start()
    polls = 0
    while run.snapshot().active:  # the page's fragment reads the state; here 4x more often
        polls += 1
        time.sleep(0.25)
    run.join()
    state = run.snapshot()
    if state.status != "finished":
        raise RuntimeError(f"live run ended as {state.status}: {state.message}")
    return state.fit_seconds, state.seconds, polls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=5)
    arguments = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    time_raw()  # warm-up: the first TensorFlow start after a while reads its files from disk
    raw_times, live_times, ratios, whole_runs = [], [], [], []
    for pair in range(arguments.pairs):
        if pair % 2 == 0:
            raw = time_raw()
            live, whole, polls = time_live()
        else:
            live, whole, polls = time_live()
            raw = time_raw()
        whole_runs.append(whole)
        raw_times.append(raw)
        live_times.append(live)
        ratios.append(raw / live)  # throughput live / throughput raw
        print(f"pair {pair + 1}: raw model.fit {raw:.2f} s, live run's fit {live:.2f} s "
              f"(whole live run {whole:.1f} s, {polls} polls), ratio {raw / live:.3f}", flush=True)
    print(f"median raw model.fit: {statistics.median(raw_times):.2f} s "
          f"({CONFIG.samples / statistics.median(raw_times):.0f} images/s)")
    print(f"median live run fit:  {statistics.median(live_times):.2f} s "
          f"({CONFIG.samples / statistics.median(live_times):.0f} images/s)")
    print(f"throughput ratio live / raw (median of pairs): {statistics.median(ratios):.3f}")

    print(f"complete live run, 10,000 images x 1 epoch, as a student waits for it (worker start, "
          f"TensorFlow import, data, build, train, validate, test on 10k, model back to the server): "
          f"median {statistics.median(whole_runs):.1f} s over {len(whole_runs)} runs")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
