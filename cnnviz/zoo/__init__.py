"""The model zoo: the lessons' networks, trained once and committed in ``models/``.

Public API (other pages and checks rely on these names):
    :func:`names` -> the model names; :func:`load` -> ``keras.Model``; :func:`card` -> the model
    card (a dict with at least ``test_accuracy`` in 0..1, ``params`` and ``history``);
    :class:`ModelUnavailable` for a missing or broken file, naming the command that rebuilds it.

Only files of ``models/`` are ever read, and only for names in :func:`names`: a name coming from
a URL or a widget is checked first, so it can never become a path. Keras is imported lazily
(in :func:`load` and :func:`predict`), so reading cards stays light.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cnnviz import data
from cnnviz.problems import Unavailable
from cnnviz.zoo import architectures

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
REQUIRED_CARD_FIELDS = ("name", "params", "test_accuracy", "test_loss", "history", "epochs",
                        "batch_size", "optimizer", "layers", "confusion_matrix", "training_time_s",
                        "device")


class ModelUnavailable(Unavailable):
    """A zoo model's file is missing or broken (or the name is unknown); the message says how to
    rebuild it."""

    summary = "This trained network is not on this server yet, so it cannot answer today."


def names() -> list[str]:
    """Every zoo model's name, in lesson order: ``["mlp", "cnn_chollet", ..., "cnn_best"]``."""
    return architectures.names()


def rebuild_command(name: str) -> str:
    """The shell command, run in the repository root, that retrains and rewrites ``name``."""
    return f"python -m cnnviz.zoo {name}"


def _checked(name: str) -> str:
    if not isinstance(name, str) or name not in names():
        raise ModelUnavailable(f"There is no zoo model called {name!r}. The zoo has: "
                               f"{', '.join(names())}.")
    return name


def model_path(name: str) -> Path:
    """``models/<name>.keras`` for a known name. Raises ModelUnavailable for an unknown name."""
    return MODELS_DIR / f"{_checked(name)}.keras"


def card_path(name: str) -> Path:
    """``models/<name>.json`` for a known name. Raises ModelUnavailable for an unknown name."""
    return MODELS_DIR / f"{_checked(name)}.json"


def _unavailable(name: str, what: str) -> ModelUnavailable:
    return ModelUnavailable(f"The {name} model is not usable: {what}. Rebuild it with "
                            f"`{rebuild_command(name)}` in the project folder.")


def card(name: str) -> dict:
    """The model card of ``name`` (see ``models/README.md`` for its fields).

    Returns:
        dict with at least ``test_accuracy`` (0..1), ``test_loss``, ``params`` (int),
        ``history`` (``{"loss": [...], "accuracy": [...], "val_loss": [...], ...}``),
        ``confusion_matrix`` (10x10 list, row = true digit), ``layers`` and ``training_time_s``.

    Raises:
        ModelUnavailable: unknown name, missing file, not JSON, or fields missing or wrong.
    """
    path = card_path(name)
    if not path.is_file():
        raise _unavailable(name, f"its card {path.name} is missing from models/")
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _unavailable(name, f"its card {path.name} is not readable JSON ({error})") from error
    if not isinstance(content, dict):
        raise _unavailable(name, f"its card {path.name} is not a JSON object")
    missing = [field for field in REQUIRED_CARD_FIELDS if field not in content]
    if missing:
        raise _unavailable(name, f"its card {path.name} lacks {', '.join(missing)}")
    accuracy = content["test_accuracy"]
    if not isinstance(accuracy, (int, float)) or not 0 <= accuracy <= 1:
        raise _unavailable(name, f"its card gives test_accuracy={accuracy!r}, not a fraction 0..1")
    if not isinstance(content["history"], dict) or not content["history"].get("loss"):
        raise _unavailable(name, "its card has no per-epoch history")
    return content


def load(name: str):
    """The trained ``keras.Model`` called ``name``, uncompiled (for inference).

    Raises:
        ModelUnavailable: unknown name, missing file, or a file Keras cannot read.
    """
    path = model_path(name)
    if not path.is_file():
        raise _unavailable(name, f"{path.name} is missing from models/")
    import keras

    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many kinds (zip, h5, json, value) for a broken file
        raise _unavailable(name, f"Keras cannot read {path.name} ({type(error).__name__}: {error})") from error
    expected = (None, 784) if architectures.recipe(name).flatten_input else (None, 28, 28, 1)
    if tuple(model.input_shape) != expected or tuple(model.output_shape) != (None, 10):
        raise _unavailable(name, f"{path.name} takes {model.input_shape} and gives {model.output_shape}, "
                                 f"expected {expected} -> (None, 10)")
    return model


def prepare_inputs(name: str, images: np.ndarray) -> np.ndarray:
    """MNIST images as the model ``name`` expects them.

    Args:
        images: (N, 28, 28) uint8 0..255 (or float 0..1 when already scaled).

    Returns:
        float32 (N, 784) for the MLP, (N, 28, 28, 1) for the CNNs, values 0..1.
    """
    images = np.asarray(images)
    scaled = data.scale(images) if images.dtype == np.uint8 else images.astype(np.float32)
    if architectures.recipe(_checked(name)).flatten_input:
        return scaled.reshape(len(scaled), -1)
    return scaled.reshape(len(scaled), 28, 28, 1)


def predict(name: str, model, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Class probabilities of ``model`` (the zoo model ``name``) for MNIST images.

    Args:
        images: (N, 28, 28) uint8 or float 0..1.

    Returns:
        float32 (N, 10), each row sums to 1.
    """
    from cnnviz import compiled

    inputs = prepare_inputs(name, images)
    outputs = [compiled.predict(model, inputs[start:start + batch_size])
               for start in range(0, len(inputs), batch_size)]
    return np.concatenate(outputs).astype(np.float32) if outputs else np.zeros((0, 10), np.float32)
