"""Training the zoo: ``python -m cnnviz.zoo [name ...]`` rebuilds ``models/``.

For each model: seed everything, build and compile it by its recipe
(:mod:`cnnviz.zoo.architectures`), train it on the 60 000 training digits with
:func:`cnnviz.zoo.training.train` (validation curves on the 10 000 test digits, as the seeds do),
score it on the full test set, and write ``models/<name>.keras`` (weights and architecture,
without optimizer state, to keep files small) and the card ``models/<name>.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

from cnnviz.zoo import architectures, metrics, training
from cnnviz import data, zoo

SEED = 4  # one seed for every zoo model (issue 4); each model is seeded afresh before it is built
VALIDATION_NOTE = ("Validation curves use the 10 000 test digits, as seeds 002 and 003 do. No early "
                   "stopping and no best-epoch checkpoint: the saved model is the one after the "
                   "last epoch (the description says when a recipe's epochs were chosen from an "
                   "earlier run's curve).")


def layer_table(model) -> list[dict]:
    """``model.summary()`` as data: one dict per layer with name, type, output shape, params."""
    rows = []
    for layer in model.layers:
        shape = layer.output.shape if hasattr(layer, "output") else None
        rows.append({"name": layer.name, "type": type(layer).__name__,
                     "output_shape": [None if size is None else int(size) for size in shape] if shape else None,
                     "params": int(layer.count_params())})
    return rows


def _print_progress(name: str):
    last = [0.0]

    def report(progress: training.Progress) -> None:
        now = time.monotonic()
        if not progress.epoch_end and now - last[0] < 15:
            return
        last[0] = now
        metrics_text = ", ".join(f"{key} {value:.4f}" for key, value in progress.logs.items())
        marker = "done" if progress.epoch_end else f"batch {progress.batch}/{progress.batches}"
        print(f"  {name} epoch {progress.epoch}/{progress.epochs} {marker}: {metrics_text} "
              f"({100 * progress.fraction:.0f}%)", flush=True)

    return report


def _strip_optimizer(name: str, model):
    """A copy of ``model`` with the same weights and no optimizer (a third of Adam's file size)."""
    clean = architectures.build(name)
    clean.set_weights(model.get_weights())
    return clean


def build_one(name: str, mnist, output_dir: Path, epochs: int | None = None) -> dict:
    """Train the zoo model ``name`` and write its ``.keras`` file and card into ``output_dir``.

    Args:
        mnist: ``((x_train, y_train), (x_test, y_test))`` as :func:`cnnviz.data.load_mnist`.
        epochs: override the recipe's epochs (for quick checks; the card records what ran).

    Returns:
        The card that was written.
    """
    import keras
    import tensorflow as tf

    recipe = architectures.recipe(name)
    (x_train, y_train), (x_test, y_test) = mnist
    train_inputs = zoo.prepare_inputs(name, x_train)
    test_inputs = zoo.prepare_inputs(name, x_test)
    keras.utils.set_random_seed(SEED)
    model = training.compile_for(name, architectures.build(name), train_size=len(train_inputs))
    epochs = epochs or recipe.epochs
    print(f"Training {name} ({model.count_params():,} params) for {epochs} epochs, batch "
          f"{recipe.batch_size}, on {training.device_description()}", flush=True)
    started = time.perf_counter()
    history = training.train(model, train_inputs, data.one_hot(y_train), epochs=epochs,
                             batch_size=recipe.batch_size,
                             validation_data=(test_inputs, data.one_hot(y_test)),
                             on_progress=_print_progress(name), shuffle=True)
    training_time = time.perf_counter() - started
    clean = _strip_optimizer(name, model)
    probabilities = zoo.predict(name, clean, x_test)
    output_dir.mkdir(parents=True, exist_ok=True)
    model_file = output_dir / f"{name}.keras"
    partial_file = output_dir / f"{name}.partial.keras"
    clean.save(partial_file)
    partial_file.replace(model_file)  # readers never see a half-written model
    card = {
        "name": name, "title": recipe.title, "seed_source": recipe.seed_source,
        "description": recipe.description, "params": int(clean.count_params()),
        "layers": layer_table(clean),
        "optimizer": {"name": recipe.optimizer, "config": recipe.optimizer_config,
                      "learning_rate_schedule": recipe.learning_rate_schedule},
        "loss": architectures.LOSS, "epochs": len(history.get("loss", [])), "batch_size": recipe.batch_size,
        "training_samples": len(train_inputs), "validation": VALIDATION_NOTE, "history": history,
        "test_loss": metrics.cross_entropy(probabilities, y_test),
        "test_accuracy": metrics.accuracy(probabilities, y_test),
        "test_samples": len(y_test),
        "confusion_matrix": metrics.confusion_matrix(y_test, probabilities.argmax(axis=1)).tolist(),
        "training_time_s": round(training_time, 1), "device": training.device_description(),
        "keras_version": keras.__version__, "tensorflow_version": tf.__version__,
        "python_version": platform.python_version(), "numpy_version": np.__version__,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seed": SEED, "file": model_file.name, "file_size_bytes": model_file.stat().st_size,
        "command": zoo.rebuild_command(name),
    }
    (output_dir / f"{name}.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(f"Wrote {model_file} ({model_file.stat().st_size / 1e6:.1f} MB): test accuracy "
          f"{100 * card['test_accuracy']:.2f}%, {training_time / 60:.1f} min", flush=True)
    return card


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and rebuild the named models (all when none is named)."""
    parser = argparse.ArgumentParser(prog="python -m cnnviz.zoo",
                                     description="Train the zoo models and rewrite models/.")
    parser.add_argument("names", nargs="*", help=f"models to rebuild (default: all of {', '.join(zoo.names())})")
    parser.add_argument("--output", type=Path, default=zoo.MODELS_DIR, help="folder to write into")
    parser.add_argument("--epochs", type=int, default=None, help="override every recipe's epochs (quick checks)")
    arguments = parser.parse_args(argv)
    unknown = [name for name in arguments.names if name not in zoo.names()]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(zoo.names())}")
    mnist = data.load_mnist()
    failures = []
    for name in arguments.names or zoo.names():
        try:
            build_one(name, mnist, arguments.output, arguments.epochs)
        except Exception as error:  # keep going: one broken recipe must not cost the others
            print(f"FAILED {name}: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            failures.append(name)
    return 1 if failures else 0
