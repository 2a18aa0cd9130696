"""One playground run end to end, with the protocol shared by the sweep and the live runs.

Every playground run (the offline sweep and a student's live run) follows one protocol, so that
the sweep predicts what a live run gives: train on the first ``samples`` training images, draw
the validation curve on the last 2000 training images (never trained on), report the accuracy
on the full 10k test set. Live runs (:mod:`cnnviz.playground.live`) call :func:`train_config` in a
worker process.
"""

from __future__ import annotations

import time

import numpy as np

from cnnviz import data
from cnnviz.playground.config import VALIDATION_SAMPLES, PlaygroundConfig
from cnnviz.playground.network import build_model

Arrays = tuple[np.ndarray, np.ndarray]


def split_for_run(x_train: np.ndarray, y_train: np.ndarray, samples: int) -> tuple[Arrays, Arrays]:
    """The training subset and the held-out validation images of one run.

    Args:
        x_train: (60000, 28, 28) uint8 MNIST training images; y_train: (60000,) labels.
        samples: how many images to train on (at most 60000 - VALIDATION_SAMPLES).

    Returns:
        ``((x, y), (x_val, y_val))``: x (samples, 28, 28, 1) float32 0..1, y (samples,) uint8;
        the validation pair the same for the last VALIDATION_SAMPLES images.
    """
    limit = len(x_train) - VALIDATION_SAMPLES
    if not 1 <= samples <= limit:
        raise ValueError(f"samples must lie in 1..{limit}, got {samples}.")
    x = data.scale(x_train[:samples])[..., np.newaxis]
    x_val = data.scale(x_train[limit:])[..., np.newaxis]
    return (x, np.asarray(y_train[:samples])), (x_val, np.asarray(y_train[limit:]))


def test_arrays(x_test: np.ndarray, y_test: np.ndarray) -> Arrays:
    """The test set as the network takes it: (N, 28, 28, 1) float32 0..1 and (N,) labels."""
    return data.scale(x_test)[..., np.newaxis], np.asarray(y_test)


def train_config(config: PlaygroundConfig, mnist, *, seed: int = 0, on_progress=None, stop_event=None,
                 progress_interval_s: float = 0.25) -> dict:
    """Build, train and test one configuration with :func:`cnnviz.zoo.training.train`.

    Args:
        config: the sliders (already within the server's work cap).
        mnist: ``((x_train, y_train), (x_test, y_test))`` as :func:`cnnviz.data.load_mnist` returns.
        seed: Keras' global seed, for reproducible weights and shuffling.
        on_progress, stop_event, progress_interval_s: passed to :func:`cnnviz.zoo.training.train`.

    Returns:
        ``{"model", "history", "epochs_done", "test_accuracy", "test_loss", "fit_seconds",
        "seconds"}``: ``fit_seconds`` times the training loop alone, ``seconds`` the whole run;
        ``test_*`` are None when the run was stopped.
    """
    from cnnviz.zoo import training

    (x_train, y_train), (x_test, y_test) = mnist
    started = time.perf_counter()
    (x, y), validation = split_for_run(x_train, y_train, config.samples)
    model = build_model(config, seed=seed)
    fit_started = time.perf_counter()
    history = training.train(model, x, y, epochs=config.epochs, batch_size=config.batch_size,
                             validation_data=validation, on_progress=on_progress, stop_event=stop_event,
                             progress_interval_s=progress_interval_s)
    fit_seconds = time.perf_counter() - fit_started
    epochs_done = len(history.get("loss", []))
    test_loss = test_accuracy = None
    if epochs_done and not (stop_event is not None and stop_event.is_set()):
        x_eval, y_eval = test_arrays(x_test, y_test)
        test_loss, test_accuracy = (float(value) for value in model.evaluate(x_eval, y_eval, verbose=0,
                                                                             batch_size=500))
    return {"model": model, "history": history, "epochs_done": epochs_done, "test_accuracy": test_accuracy,
            "test_loss": test_loss, "fit_seconds": fit_seconds, "seconds": time.perf_counter() - started}


def model_bytes(model) -> bytes:
    """A trained model as the bytes of a ``.keras`` file (for a download button)."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="cnnviz-") as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()
