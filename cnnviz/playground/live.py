"""A student's live training run: queued for a server slot, trained in a worker process.

Why a process and not a thread of the Streamlit server: Streamlit calls
``keras.backend.clear_session()`` (a ``gc.collect()`` plus a TensorFlow kernel-cache flush, about
1 s of CPU holding the GIL on this machine) after *every* script run of *every* session once Keras
is imported. A fit running in a server thread slowed down by 60-80% under that, and its own GIL
use slowed every other student's page. In a worker process the fit has its own interpreter:
other sessions stay responsive and the server's clean-ups cannot touch it.

The pieces: :class:`LiveRun` owns one background thread in the server. That thread waits in the
:class:`cnnviz.playground.slots.SlotLimiter` queue, starts the worker (``spawn``, so nothing of the server's
TensorFlow state is inherited), drains its progress messages into a :class:`RunSnapshot` the page
polls, forwards the stop button, and, once the student's session is gone, stops the worker (and
kills it if it does not stop within seconds). The slot is released whatever happens.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from cnnviz.playground.config import PlaygroundConfig
from cnnviz.playground.network import model_name, total_params
from cnnviz.playground.slots import SlotLimiter, WaitCancelled

STOP_GRACE_S = 20.0  # a stopped worker that has not exited by then is killed
# The worker trains at a lower CPU priority than the server: on a 2-core host the students' page loads
# come first and training takes what is left (alone on the machine it runs as fast as before).
WORKER_NICENESS = 10


def yield_cpu_to_the_server(niceness: int = WORKER_NICENESS) -> None:
    """Lower this process's CPU priority by ``niceness`` (where the system has priorities)."""
    if hasattr(os, "nice"):
        try:
            os.nice(niceness)
        except OSError:  # not allowed here: train at the normal priority
            pass


def _worker(config_values: dict, seed: int, interval: float, messages, stop, model_path: str) -> None:
    """The worker process: train, test, save the model, report everything through ``messages``."""
    yield_cpu_to_the_server()
    try:
        from cnnviz import data
        from cnnviz.playground.run import train_config

        stop_here = threading.Event()  # training.train wants a threading.Event: mirror the process one

        def mirror_stop() -> None:
            # Poll, never stop.wait(): a multiprocessing.Event waiter that exits mid-wait makes the
            # parent's stop.set() block forever.
            while not stop.is_set():
                time.sleep(0.05)
            stop_here.set()

        threading.Thread(target=mirror_stop, daemon=True).start()
        result = train_config(PlaygroundConfig(**config_values), data.load_mnist(), seed=seed,
                              on_progress=lambda progress: messages.put(("progress", asdict(progress))),
                              stop_event=stop_here, progress_interval_s=interval)
        saved = result["test_accuracy"] is not None
        if saved:
            result["model"].save(model_path)
        messages.put(("result", {key: value for key, value in result.items() if key != "model"} | {"saved": saved}))
    except Exception as error:  # reported to the student as a sentence
        messages.put(("error", f"{type(error).__name__}: {error}"))


@dataclass
class RunSnapshot:
    """What the page shows of a live run at one moment (a copy; safe to read anywhere).

    Attributes:
        status: "queued", "starting", "training", "testing", "finished", "stopped" or "failed".
        position: place in the queue while queued (1 = next), else 0.
        fraction: share of the run done, 0..1.
        epoch, epochs, batch, batches: where training is.
        history: per-epoch metrics so far (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``).
        logs: the latest batch metrics.
        test_accuracy: on the 10k test set, once finished.
        seconds: the whole run (start of the worker to its result), once finished.
        fit_seconds: the training loop alone, once finished.
        message: a sentence for the student when stopped or failed.
    """

    status: str = "queued"
    position: int = 0
    fraction: float = 0.0
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    history: dict = field(default_factory=dict)
    logs: dict = field(default_factory=dict)
    test_accuracy: float | None = None
    seconds: float | None = None
    fit_seconds: float | None = None
    message: str = ""

    @property
    def active(self) -> bool:
        """Still queued or running (the page keeps polling)."""
        return self.status in ("queued", "starting", "training", "testing")


class LiveRun:
    """One student's run: a server thread that queues, then drives a worker process.

    Args:
        config: the sliders, already within the work cap.
        limiter: the server's :class:`cnnviz.playground.slots.SlotLimiter`.
        is_alive: returns False once the student's session is gone; the run then stops (or leaves
            the queue) and releases everything. Checked several times a second.
        seed: Keras' seed for this run.
        progress_interval_s: least time between two batch progress reports from the worker.
    """

    def __init__(self, config: PlaygroundConfig, limiter: SlotLimiter, *,
                 is_alive: Callable[[], bool] | None = None, seed: int = 0, progress_interval_s: float = 0.25):
        self.config = config
        self.name = model_name(config)
        self.model = None  # the trained keras.Model, once finished
        self._limiter = limiter
        self._is_alive = is_alive or (lambda: True)
        self._seed = seed
        self._interval = progress_interval_s
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._state = RunSnapshot(epochs=config.epochs)
        self._thread = threading.Thread(target=self._run, name=f"cnnviz-live-{self.name}", daemon=True)

    def start(self) -> "LiveRun":
        """Start the background thread (queues for a slot first); returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the run to stop: it leaves the queue, or stops after the current batch."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the run to end; True if it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def snapshot(self) -> RunSnapshot:
        """A copy of the run's current state."""
        with self._lock:
            state = self._state
            return RunSnapshot(**{**state.__dict__, "history": {k: list(v) for k, v in state.history.items()},
                                  "logs": dict(state.logs)})

    def _update(self, **changes) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self._state, key, value)

    def _still_wanted(self) -> bool:
        """False once stop was pressed or the student left (and then the stop flag is set)."""
        if not self._stop.is_set() and not self._is_alive():
            self._stop.set()
        return not self._stop.is_set()

    def record_progress(self, progress: dict) -> None:
        """Store one progress report (the fields of :class:`cnnviz.zoo.training.Progress`); renders nothing."""
        with self._lock:
            state = self._state
            state.status = "training"
            for key in ("fraction", "epoch", "epochs", "batch", "batches", "logs"):
                setattr(state, key, progress[key])
            if progress["epoch_end"]:
                for key, value in progress["logs"].items():
                    state.history.setdefault(key, []).append(value)
                if progress["epoch"] == progress["epochs"]:
                    state.status = "testing"  # the worker evaluates on the test set next

    def _run(self) -> None:
        try:
            with self._limiter.acquire(self.name, stop_event=self._stop, is_alive=self._still_wanted,
                                       on_position=lambda position: self._update(position=position)):
                self._update(status="starting", position=0)
                outcome = self._drive_worker()
        except WaitCancelled:
            self._update(status="stopped", message="You left the queue before your run started.")
            return
        except Exception as error:  # shown to the student as a sentence, never a traceback
            self._update(status="failed", message=f"Training failed: {error}")
            return
        self._update(**outcome)

    def _drive_worker(self) -> dict:
        """Run the worker process to its end; returns the final state changes."""
        context = multiprocessing.get_context("spawn")
        messages, stop = context.Queue(), context.Event()
        folder = Path(tempfile.mkdtemp(prefix="cnnviz-live-"))
        model_path = folder / f"{self.name}.keras"
        worker = context.Process(target=_worker, name=f"cnnviz-train-{self.name}", daemon=True,
                                 args=(asdict(self.config), self._seed, self._interval, messages, stop, str(model_path)))
        started, stop_sent_at, final = time.perf_counter(), None, None
        try:
            worker.start()
            while final is None:
                if not self._still_wanted() and stop_sent_at is None:
                    stop.set()
                    stop_sent_at = time.monotonic()
                if stop_sent_at is not None and time.monotonic() - stop_sent_at > STOP_GRACE_S:
                    break  # the finally below kills it
                try:
                    kind, payload = messages.get(timeout=0.2)
                except queue.Empty:
                    if not worker.is_alive():
                        return {"status": "failed", "message": f"The training process ended unexpectedly "
                                                               f"(exit code {worker.exitcode})."}
                    continue
                if kind == "progress":
                    self.record_progress(payload)
                else:
                    final = (kind, payload)
            if final is None:
                return {"status": "stopped", "message": "Stopped."}
            if final[0] == "error":
                return {"status": "failed", "message": f"Training failed: {final[1]}"}
            result = final[1]
            if not result["saved"]:
                done = result["epochs_done"]
                return {"status": "stopped", "seconds": time.perf_counter() - started,
                        "message": f"Stopped after {done} finished epoch{'s' if done != 1 else ''}; "
                                   "a stopped run is not tested."}
            import keras  # only now, and in this thread: the model goes to the other pages of the session

            self.model = keras.saving.load_model(model_path)
            return {"status": "finished", "fraction": 1.0, "test_accuracy": result["test_accuracy"],
                    "seconds": time.perf_counter() - started, "fit_seconds": result["fit_seconds"]}
        finally:
            stop.set()
            worker.join(timeout=STOP_GRACE_S)
            if worker.is_alive():
                worker.kill()
                worker.join(timeout=5)
            shutil.rmtree(folder, ignore_errors=True)


def short_label(config: PlaygroundConfig) -> str:
    """A compact description of a config for tables and legends, e.g. ``2x32 k3 pool d0.25 rmsprop``."""
    pool = "pool" if config.pooling else "no pool"
    return f"{config.blocks}x{config.filters} k{config.kernel_size} {pool} d{config.dropout:g} {config.optimizer}"


def run_record(run: LiveRun, number: int) -> dict | None:
    """A finished live run as a row of the session's comparison (None unless it finished and was tested).

    Returns:
        ``{"label", "config", "test_accuracy", "seconds", "history", "params"}``.
    """
    state = run.snapshot()
    if state.status != "finished" or state.test_accuracy is None:
        return None
    return {"label": f"run {number}: {short_label(run.config)}", "config": run.config,
            "test_accuracy": state.test_accuracy, "seconds": state.seconds, "history": state.history,
            "params": total_params(run.config)}


def runs_table(records: list[dict]) -> dict[str, list]:
    """The session's runs as table columns (for ``st.dataframe``), best accuracy marked."""
    best = max(range(len(records)), key=lambda index: records[index]["test_accuracy"]) if records else None
    return {
        "run": [record["label"] + ("  (best)" if index == best else "") for index, record in enumerate(records)],
        "test accuracy": [f"{record['test_accuracy']:.2%}" for record in records],
        "parameters": [f"{record['params']:,}" for record in records],
        "dense": [record["config"].dense_units for record in records],
        "epochs": [record["config"].epochs for record in records],
        "batch": [record["config"].batch_size for record in records],
        "training images": [f"{record['config'].samples:,}" for record in records],
        "time (s)": [round(record["seconds"], 1) for record in records],
    }
