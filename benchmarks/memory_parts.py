"""Where the server's memory goes, in one process without Streamlit: TensorFlow, the warm-up's test-set
answers, Xception, photos analysed a few at a time, and feature maps of new digits.

Each configuration runs in a fresh process (TensorFlow reads ``TF_ENABLE_ONEDNN_OPTS`` once, at
import). The work is the app's own: ``zoo.predict`` over the 10 000 test digits for the six networks
(in a thread, as the warm-up does), ``imagenet.analyse`` of a decoded 12-megapixel JPEG (top 5 and
five Grad-CAMs) for 4 rounds of 5 uploads, each upload on a thread of its own as Streamlit runs every
script run on a new thread, at most ``at_once`` at a time, then 2 rounds of 30 new digits' feature
maps through every network. It prints the resident memory (RSS) after each stage and the peak
during it, the warm-up's time and the median analysis time. ``--worker`` measures a live training
run's worker process instead (the playground's defaults, 1 epoch): its peak RSS and PSS and its time,
with oneDNN on and off.

    python benchmarks/memory_parts.py                                  # the default comparison
    python benchmarks/memory_parts.py onednn=1,batch=250,at_once=1 onednn=0,batch=250,at_once=1
    python benchmarks/memory_parts.py --worker

Needs ``CNNVIZ_XCEPTION_WEIGHTS`` (random weights of the same size do).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
DEFAULT = ["onednn=1,batch=1000,at_once=2", "onednn=1,batch=250,at_once=2", "onednn=1,batch=250,at_once=1",
           "onednn=0,batch=1000,at_once=2", "onednn=0,batch=250,at_once=1"]


def measure(batch: int, at_once: int) -> dict:
    """Run the stages in this process; returns {"stages": [(name, end MB, peak MB)], ...}."""
    import psutil

    process, peak = psutil.Process(), [0]

    def sample() -> None:
        while True:
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.05)

    threading.Thread(target=sample, daemon=True).start()
    stages = []

    def stage(name: str) -> None:
        rss = process.memory_info().rss
        stages.append((name, rss / 2**20, max(peak[0], rss) / 2**20))
        peak[0] = 0

    def on_threads(jobs: list) -> None:
        threads = [threading.Thread(target=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    sys.path.insert(0, str(REPO_ROOT))
    from PIL import Image

    from cnnviz import data, zoo
    from cnnviz.digits import activations, image_files
    from cnnviz.xception import imagenet, loading

    stage("Python, numpy, PIL")
    (_, _), (x_test, _) = data.load_mnist()
    models = {name: zoo.load(name) for name in zoo.names()}
    stage("+ TensorFlow, MNIST, six networks")
    started = time.perf_counter()
    on_threads([lambda: [zoo.predict(name, model, x_test, batch_size=batch) for name, model in models.items()]])
    warm_s = time.perf_counter() - started
    stage(f"+ test-set answers, batches of {batch}")
    xception = loading.load_xception()
    stage("+ Xception")
    buffer = io.BytesIO()
    Image.open(SHARED / "images" / "puppy.jpg").convert("RGB").resize((4032, 3024)).save(buffer, "JPEG", quality=88)
    upload, gate, times = buffer.getvalue(), threading.Semaphore(at_once), []

    def analysis() -> None:
        with gate:
            start = time.perf_counter()
            imagenet.analyse(xception, image_files.open_image(upload))
            times.append(time.perf_counter() - start)

    for number in range(4):
        on_threads([analysis] * 5)
        stage(f"+ 5 uploads, {at_once} at a time (round {number + 1})")
    for number in range(2):
        digits = [data.scale(x_test[number * 30 + index]) for index in range(30)]

        def feature_maps(image) -> None:
            with gate:
                for model in models.values():
                    activations.feature_maps(model, image)

        on_threads([lambda image=image: feature_maps(image) for image in digits])
        stage(f"+ 30 new digits' feature maps (round {number + 1})")
    return {"stages": stages, "warm_s": warm_s, "analysis_s": sorted(times)[len(times) // 2]}


def measure_worker(epochs: int = 1) -> dict:
    """One live run's worker (``cnnviz.playground.live._worker``, spawned as the server does)."""
    import multiprocessing
    import queue
    from dataclasses import asdict, replace

    import psutil

    sys.path.insert(0, str(REPO_ROOT))
    from cnnviz.playground import live
    from cnnviz.playground.config import PlaygroundConfig

    context = multiprocessing.get_context("spawn")
    messages, stop = context.Queue(), context.Event()
    config = asdict(replace(PlaygroundConfig(), epochs=epochs))
    model_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"memory-parts-{os.getpid()}.keras"
    worker = context.Process(target=live._worker, args=(config, 0, 0.25, messages, stop, str(model_path)))
    started = time.perf_counter()
    worker.start()
    process, peak_rss, peak_pss, result = psutil.Process(worker.pid), 0, 0, None
    while result is None:
        try:
            memory = process.memory_full_info()
            peak_rss, peak_pss = max(peak_rss, memory.rss), max(peak_pss, memory.pss)
        except psutil.NoSuchProcess:
            pass
        try:
            kind, payload = messages.get(timeout=0.3)
        except queue.Empty:
            continue
        result = None if kind == "progress" else payload
    worker.join()
    model_path.unlink(missing_ok=True)
    return {"seconds": time.perf_counter() - started, "fit_s": result.get("fit_seconds"),
            "rss_mb": peak_rss / 2**20, "pss_mb": peak_pss / 2**20}


def run_worker(onednn: str) -> dict:
    environment = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": onednn, "TF_CPP_MIN_LOG_LEVEL": "3"}
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import memory_parts; "
            "print('RESULT', json.dumps(memory_parts.measure_worker()))")
    finished = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                              timeout=900)
    line = next((line for line in finished.stdout.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"worker, oneDNN {onednn}: {finished.stderr[-2000:]}")
    return json.loads(line[len("RESULT "):])


def run_configuration(text: str) -> dict:
    settings = dict(part.split("=", 1) for part in text.split(","))
    environment = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": settings.get("onednn", "1"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    if (SHARED / "data" / "mnist.npz").is_file():
        environment.setdefault("CNNVIZ_MNIST", str(SHARED / "data" / "mnist.npz"))
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import memory_parts; "
            f"print('RESULT', json.dumps(memory_parts.measure({int(settings.get('batch', 1000))}, "
            f"{int(settings.get('at_once', 2))})))")
    finished = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                              timeout=900)
    line = next((line for line in finished.stdout.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"{text}: {finished.stderr[-2000:]}")
    return {"configuration": text, **json.loads(line[len("RESULT "):])}


def main() -> None:
    if sys.argv[1:] == ["--worker"]:
        print(f"{'oneDNN':<8}{'run s':>7}{'fit s':>7}{'peak RSS MB':>13}{'peak PSS MB':>13}")
        for onednn in ("1", "0"):
            worker = run_worker(onednn)
            print(f"{'on' if onednn == '1' else 'off':<8}{worker['seconds']:>7.1f}{worker['fit_s'] or 0:>7.1f}"
                  f"{worker['rss_mb']:>13.0f}{worker['pss_mb']:>13.0f}")
        return
    if not os.environ.get("CNNVIZ_XCEPTION_WEIGHTS"):
        raise SystemExit("Set CNNVIZ_XCEPTION_WEIGHTS (random weights of the same size will do; see the docstring).")
    results = [run_configuration(text) for text in (sys.argv[1:] or DEFAULT)]
    for result in results:
        print(f"\n{result['configuration']}: warm-up answers {result['warm_s']:.1f} s, "
              f"one analysis (median) {result['analysis_s']:.2f} s")
        print(f"{'stage':<48}{'end MB':>8}{'peak MB':>9}")
        for name, end, peak in result["stages"]:
            print(f"{name:<48}{end:>8.0f}{peak:>9.0f}")


if __name__ == "__main__":
    main()
