"""Fitting Keras models with a throttled progress callback, and the recipes' compile settings.

:func:`train` is the one training loop of cnnviz: the zoo CLI and the live playground both use
it. It is ``model.fit`` plus one light callback, so it trains as fast as ``model.fit`` alone
(``benchmarks/training_throughput.py`` measures the ratio).

The command line that rebuilds ``models/`` is ``python -m cnnviz.zoo`` (:mod:`cnnviz.zoo.build`).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from cnnviz.zoo import architectures


@dataclass
class Progress:
    """What the ``on_progress`` callback of :func:`train` receives.

    Attributes:
        epoch: the current epoch, counted from 1.
        epochs: how many epochs the run has.
        batch: batches finished in this epoch (1..batches).
        batches: batches per epoch.
        fraction: share of the whole run done, 0..1 (1.0 after the last epoch).
        logs: Keras' metrics so far, e.g. ``{"loss": 0.21, "accuracy": 0.94}``; at an epoch's end
            also ``val_loss`` and ``val_accuracy`` when validation data was given.
        epoch_end: True for the call made at the end of an epoch.
    """

    epoch: int
    epochs: int
    batch: int
    batches: int
    fraction: float
    logs: dict
    epoch_end: bool


def _progress_callback_class():
    """The Keras callback class (built on first use, so that importing this module stays light)."""
    import keras

    class ProgressCallback(keras.callbacks.Callback):
        """Calls ``on_progress`` at most every ``interval_s`` seconds on batch end and always at
        epoch end; sets ``model.stop_training`` once ``stop_event`` is set."""

        def __init__(self, on_progress, stop_event, interval_s, epochs, batches):
            super().__init__()
            self.on_progress = on_progress
            self.stop_event = stop_event
            self.interval_s = interval_s
            self.epochs = epochs
            self.batches = batches
            self.epoch = 0
            self.last_report = -math.inf

        def on_train_begin(self, logs=None):
            steps = (self.params or {}).get("steps")
            if steps:  # Keras knows best (datasets, steps_per_epoch)
                self.batches = int(steps)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.stop_event is not None and self.stop_event.is_set():
                self.model.stop_training = True
            if self.on_progress is None:
                return
            now = time.monotonic()
            if now - self.last_report < self.interval_s:
                return
            self.last_report = now
            self._report(batch + 1, logs, epoch_end=False)

        def on_epoch_end(self, epoch, logs=None):
            if self.stop_event is not None and self.stop_event.is_set():
                self.model.stop_training = True
            if self.on_progress is not None:
                self._report(self.batches, logs, epoch_end=True)

        def _report(self, batch, logs, epoch_end):
            done = (self.epoch + batch / max(self.batches, 1)) / max(self.epochs, 1)
            self.on_progress(Progress(
                epoch=self.epoch + 1, epochs=self.epochs, batch=batch, batches=self.batches,
                fraction=min(1.0, done), logs={k: float(v) for k, v in (logs or {}).items()},
                epoch_end=epoch_end,
            ))

    return ProgressCallback


def train(model, x_train, y_train, *, epochs, batch_size, validation_data=None, on_progress=None,
          stop_event=None, progress_interval_s=0.25, shuffle=True, verbose=0, **fit_kwargs) -> dict:
    """Fit an already compiled model, reporting progress and obeying a stop signal.

    This compiles nothing: the model arrives compiled (see :func:`compile_for`). It calls
    ``model.fit`` with one extra Keras callback which calls ``on_progress(Progress(...))`` at most
    every ``progress_interval_s`` seconds on batch end, and always at each epoch's end (with
    ``val_`` metrics when ``validation_data`` is given). When ``stop_event`` (a
    ``threading.Event``) is set, training stops at the next batch end: the current batch finishes,
    then ``model.stop_training = True`` ends ``fit``. ``on_progress`` runs in the thread that
    called :func:`train`; keep it quick (it is called a few times a second at most).

    Args:
        model: a compiled ``keras.Model``.
        x_train: (N, 28, 28, 1) or (N, 784) float inputs, as the model expects.
        y_train: (N, 10) one-hot labels (or whatever the model's loss expects), or None when
            ``x_train`` is a dataset.
        epochs, batch_size: as in ``model.fit``.
        validation_data: ``(x_val, y_val)`` evaluated at the end of each epoch, or None.
        on_progress: callable taking a :class:`Progress`, or None.
        stop_event: a ``threading.Event``; set it from another thread to stop early.
        progress_interval_s: least time between two batch-end reports.
        shuffle, verbose, fit_kwargs: passed to ``model.fit`` (e.g. ``callbacks=[...]``).

    Returns:
        The history: ``{"loss": [...], "accuracy": [...], "val_loss": [...], ...}``, one float
        per finished epoch (shorter than ``epochs`` when stopped early).
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be at least 1, got {epochs} and {batch_size}.")
    if stop_event is not None and not isinstance(stop_event, threading.Event):
        raise TypeError("stop_event must be a threading.Event (or None).")
    sample_count = len(x_train) if y_train is not None else None
    batches = math.ceil(sample_count / batch_size) if sample_count else fit_kwargs.get("steps_per_epoch", 0)
    callbacks = list(fit_kwargs.pop("callbacks", None) or [])
    if on_progress is not None or stop_event is not None:
        callbacks.append(_progress_callback_class()(on_progress, stop_event, progress_interval_s,
                                                    epochs, batches))
    fit_arguments = dict(epochs=epochs, validation_data=validation_data, shuffle=shuffle,
                         verbose=verbose, callbacks=callbacks, **fit_kwargs)
    if y_train is not None:
        fit_arguments["batch_size"] = batch_size
    history = model.fit(x_train, y_train, **fit_arguments)
    return {key: [float(value) for value in values] for key, values in history.history.items()}


def make_optimizer(name: str, **settings):
    """A fresh Keras optimizer, found by name with ``keras.optimizers.get`` (the one factory of cnnviz).

    Args:
        name: a Keras optimizer's name in any case: ``"adam"``, ``"RMSprop"``, ``"Adadelta"``, ``"sgd"``.
        settings: its arguments, e.g. ``learning_rate=1.0`` (a number or a schedule).

    Raises:
        ValueError: Keras has no optimizer called ``name``.
    """
    import keras

    try:
        return keras.optimizers.get({"class_name": name, "config": settings})
    except ValueError:
        raise ValueError(f"Keras has no optimizer called {name!r}.") from None


def recipe_optimizer(name: str, train_size: int = 60000):
    """The optimizer of the zoo recipe ``name`` (a fresh instance).

    Args:
        name: a zoo model name (see :func:`cnnviz.zoo.architectures.names`).
        train_size: training samples per epoch, for recipes whose learning rate decays per epoch.
    """
    import keras

    recipe = architectures.recipe(name)
    settings = dict(recipe.optimizer_config)
    if recipe.learning_rate_schedule:
        kind, _, rate = recipe.learning_rate_schedule.partition(":")
        if kind != "exponential":
            raise ValueError(f"Unknown learning-rate schedule {recipe.learning_rate_schedule!r}.")
        settings["learning_rate"] = keras.optimizers.schedules.ExponentialDecay(
            settings.get("learning_rate", 0.001), decay_steps=math.ceil(train_size / recipe.batch_size),
            decay_rate=float(rate), staircase=True)
    return make_optimizer(recipe.optimizer, **settings)


def compile_for(name: str, model, train_size: int = 60000):
    """Compile ``model`` as the zoo recipe ``name`` says: its optimizer, categorical cross-entropy
    on one-hot labels (as the seeds), accuracy. Returns the same model."""
    model.compile(optimizer=recipe_optimizer(name, train_size), loss=architectures.LOSS,
                  metrics=["accuracy"])
    return model


def device_description() -> str:
    """Which device TensorFlow trains on here, in words (e.g. ``"GPU (NVIDIA H100)"``)."""
    import os

    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus]
        return f"GPU ({', '.join(details)})"
    cores = os.cpu_count() or 1
    return f"CPU ({cores} cores, no GPU lent)"
