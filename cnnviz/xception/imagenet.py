"""Xception, the finale of the lesson: load it, preprocess a photo, predict ImageNet labels, and
Grad-CAM (where in the photo the network found evidence for a class).

Keras is imported lazily inside the functions, so importing this module is cheap. Nothing here
imports Streamlit; ``cnnviz.ui`` caches the model once per server.

The shared model is never changed: Grad-CAM uses a separate sub-model from the input to the
last convolution, cached per model, and applies the classifier head (global average pooling and
the final Dense layer's kernel and bias, before its softmax) by hand, so that gradients flow only
through the head and not back through the whole network.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageOps

from cnnviz.xception.gradcam import explain, gradcam_heatmap, overlay

WEIGHTS_ENV_VAR = "CNNVIZ_XCEPTION_WEIGHTS"
WEIGHTS_FILE_NAME = "xception_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_SIZE_MB = 88
INPUT_SIZE = 299  # Xception's images are 299 x 299 x 3
NUM_CLASSES = 1000
LAST_CONV_LAYER = "block14_sepconv2_act"  # (1, 10, 10, 2048): the last map that still has a "where"
FIT_MODES = ("crop", "squash")

Prediction = tuple[str, str, float]  # (WordNet id, label, probability)


class ModelUnavailable(RuntimeError):
    """Xception's weights cannot be had; the message says which file to put where."""


# --------------------------------------------------------------------------- loading


def weights_folder() -> Path:
    """Where Keras keeps downloaded weights: ``$KERAS_HOME/models`` (default ``~/.keras/models``)."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "models"


def weights_source() -> str:
    """One sentence naming where :func:`load_xception` takes the weights from."""
    override = os.environ.get(WEIGHTS_ENV_VAR)
    if override:
        return f"the file {override} (set by {WEIGHTS_ENV_VAR})"
    return f"Keras' ImageNet weights, downloaded once into {weights_folder()}"


def _unavailable_message(what_happened: str, detail: str) -> str:
    return (
        f"{what_happened} To fix it, do one of these, then press Retry (or restart the app):\n"
        f"- give this server internet access once: Keras then downloads the {WEIGHTS_SIZE_MB} MB file by itself;\n"
        f"- copy the file `{WEIGHTS_FILE_NAME}` into the folder `{weights_folder()}` "
        "(that is `$KERAS_HOME/models/`, by default `~/.keras/models/`);\n"
        f"- or set the environment variable `{WEIGHTS_ENV_VAR}` to the path of an Xception weights file.\n\n"
        f"(Keras said: {detail})"
    )


def load_xception(weights: str | None = "imagenet"):
    """Build Xception with its 1000-class ImageNet head.

    Args:
        weights: ``"imagenet"`` (default) takes the file named by ``$CNNVIZ_XCEPTION_WEIGHTS``
            when that is set, else Keras' own ImageNet weights (downloaded once by Keras into
            ``$KERAS_HOME/models/``). ``None`` gives random weights (tests, the facts panel).

    Returns:
        A ``keras.Model`` mapping (batch, 299, 299, 3) preprocessed images to (batch, 1000)
        softmax probabilities. Treat it as read-only: it is shared by every session.

    Raises:
        ModelUnavailable: no network and no weights file, or the file named by the variable is
            missing or is not an Xception weights file.
    """
    import keras

    if weights is None:
        return keras.applications.Xception(weights=None)
    override = os.environ.get(WEIGHTS_ENV_VAR)
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise ModelUnavailable(
                f"{WEIGHTS_ENV_VAR} names the weights file {path}, but there is no such file. "
                f"Fix the path, or unset {WEIGHTS_ENV_VAR} to use Keras' own ImageNet weights."
            )
        model = keras.applications.Xception(weights=None)
        try:
            model.load_weights(str(path))
        except Exception as error:  # h5py, Keras and zip errors all mean "not Xception weights"
            raise ModelUnavailable(
                f"The file {path} (named by {WEIGHTS_ENV_VAR}) could not be read as Xception "
                f"weights ({type(error).__name__}: {error}). Point {WEIGHTS_ENV_VAR} at a file saved "
                f"with model.save_weights() from keras.applications.Xception, or at {WEIGHTS_FILE_NAME}."
            ) from error
        return model
    try:
        return keras.applications.Xception(weights="imagenet")
    except Exception as error:  # Keras raises a bare Exception("URL fetch failure ...") offline
        raise ModelUnavailable(
            _unavailable_message("Xception's ImageNet weights could not be downloaded (no internet here?).", str(error))
        ) from error


_shared_lock = threading.Lock()
_shared_model = None
_shared_failure: tuple[float, ModelUnavailable] | None = None
FAILURE_MEMORY_S = 30.0  # a failed load is not retried for this long (the warm-up and a page both ask)


def shared_xception():
    """The one Xception of this process, loaded on first use (thread-safe).

    A failure is remembered for ``FAILURE_MEMORY_S`` seconds, then the next call tries again.

    Raises:
        ModelUnavailable: see :func:`load_xception`.
    """
    global _shared_model, _shared_failure
    with _shared_lock:
        if _shared_model is None:
            if _shared_failure is not None and time.monotonic() - _shared_failure[0] < FAILURE_MEMORY_S:
                raise _shared_failure[1]
            try:
                _shared_model = load_xception()
            except ModelUnavailable as error:
                _shared_failure = (time.monotonic(), error)
                raise
            _shared_failure = None
        return _shared_model


def forget_shared_xception() -> None:
    """Drop the process-wide model and any remembered failure (tests, or a replaced weights file)."""
    global _shared_model, _shared_failure
    with _shared_lock:
        _shared_model, _shared_failure = None, None


def architecture_facts() -> dict:
    """Size and depth of Xception, read from an architecture built with random weights.

    Returns:
        ``{"input_shape": (299, 299, 3), "params": int, "layers": int, "weight_layers": int,
        "separable_convolutions": int, "plain_convolutions": int, "megabytes": float}``.
    """
    import keras

    model = keras.applications.Xception(weights=None)
    kinds = [type(layer).__name__ for layer in model.layers]
    params = int(model.count_params())
    facts = {
        "input_shape": tuple(int(side) for side in model.input_shape[1:]),
        "params": params,
        "layers": len(model.layers),
        "weight_layers": sum(kind in ("Conv2D", "SeparableConv2D", "Dense") for kind in kinds),
        "separable_convolutions": kinds.count("SeparableConv2D"),
        "plain_convolutions": kinds.count("Conv2D"),
        "megabytes": params * 4 / 1e6,
    }
    return facts


# --------------------------------------------------------------------------- preprocessing


def fit_to_input(image: Image.Image, mode: str = "crop", size: int | None = INPUT_SIZE) -> Image.Image:
    """The square part of a photo that Xception sees.

    Args:
        image: any Pillow image (converted to RGB here).
        mode: ``"crop"`` keeps the centre square (no distortion, the edges are lost);
            ``"squash"`` keeps everything but stretches the photo into a square.
        size: side of the result in pixels; ``None`` keeps the photo's own resolution (for
            overlays that should stay sharp).

    Returns:
        An RGB image, ``size`` x ``size`` (or the photo's square crop / squash at full size).

    Raises:
        ValueError: an unknown ``mode``.
    """
    if mode not in FIT_MODES:
        raise ValueError(f"mode must be one of {FIT_MODES}, not {mode!r}.")
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    if size is None:
        size = min(rgb.size) if mode == "crop" else max(rgb.size)
    if mode == "crop":
        return ImageOps.fit(rgb, (size, size), method=Image.Resampling.BICUBIC, centering=(0.5, 0.5))
    return rgb.resize((size, size), Image.Resampling.BICUBIC)


def pixels(image: Image.Image, mode: str = "crop") -> np.ndarray:
    """The fitted photo as a (1, 299, 299, 3) float32 batch of 0..255 values (before preprocessing)."""
    return np.asarray(fit_to_input(image, mode), dtype=np.float32)[np.newaxis]


def scale_pixels(batch: np.ndarray) -> np.ndarray:
    """Keras' ``xception.preprocess_input`` on a copy: (n, 299, 299, 3) 0..255 -> -1..1."""
    from keras.applications.xception import preprocess_input

    return preprocess_input(np.array(batch, dtype=np.float32, copy=True))  # it scales in place


def preprocess(image: Image.Image, mode: str = "crop") -> np.ndarray:
    """A photo -> Xception's input: RGB, 299 x 299 (centre crop or squash), scaled to [-1, 1].

    Returns:
        (1, 299, 299, 3) float32.
    """
    return scale_pixels(pixels(image, mode))


def value_summary(before: np.ndarray, after: np.ndarray) -> dict[str, list[str]]:
    """A small table (column -> two rows) of shape and value range before and after preprocessing."""
    rows = (("before preprocess_input", before, "{:.0f}", "{:.1f}"), ("after preprocess_input", after, "{:.3f}", "{:.3f}"))
    return {
        "array": [name for name, *_ in rows],
        "shape": [str(values.shape) for _, values, *_ in rows],
        "smallest": [extreme.format(float(values.min())) for _, values, extreme, _ in rows],
        "largest": [extreme.format(float(values.max())) for _, values, extreme, _ in rows],
        "mean": [average.format(float(values.mean())) for _, values, _, average in rows],
    }


# --------------------------------------------------------------------------- predictions


def probabilities(model, batch: np.ndarray) -> np.ndarray:
    """(n, 299, 299, 3) preprocessed -> (n, 1000) softmax probabilities, one direct model call."""
    return np.asarray(model(batch, training=False))


def decode(probabilities_row: np.ndarray, top: int = 5) -> list[Prediction]:
    """(1000,) probabilities -> the ``top`` classes as (wnid, label, probability), best first.

    Labels come from Keras' ``imagenet_class_index.json`` (downloaded once into the Keras cache).
    """
    from keras.applications.xception import decode_predictions

    decoded = decode_predictions(np.asarray(probabilities_row)[np.newaxis], top=top)[0]
    return [(str(wnid), str(label), float(probability)) for wnid, label, probability in decoded]


def top_indices(probabilities_row: np.ndarray, top: int = 5) -> list[int]:
    """The output indices (0..999) of the ``top`` classes, best first, in ``decode``'s order."""
    return [int(index) for index in np.argsort(np.asarray(probabilities_row))[-top:][::-1]]


def predict(image: Image.Image, top: int = 5, *, model=None, mode: str = "crop") -> list[Prediction]:
    """Name what is in a photo.

    Args:
        image: a Pillow image.
        top: how many classes to return.
        model: an Xception; default the process-wide :func:`shared_xception`.
        mode: ``"crop"`` or ``"squash"`` (see :func:`fit_to_input`).

    Returns:
        ``[(wnid, label, probability), ...]``, ``top`` entries, most probable first.

    Raises:
        ModelUnavailable: no model given and the weights cannot be had.
    """
    model = shared_xception() if model is None else model
    return decode(probabilities(model, preprocess(image, mode))[0], top)


def analyse(model, image: Image.Image, mode: str = "crop", top: int = 5):
    """Top classes and a Grad-CAM heatmap for each, from a single forward pass.

    Returns:
        ``(predictions, heatmaps)``: ``[(class_index, wnid, label, probability), ...]`` best first,
        and ``{class_index: (10, 10) float32 in [0, 1]}`` for those classes.
    """
    probabilities_row, heatmaps = explain(model, preprocess(image, mode), LAST_CONV_LAYER, top=top)
    decoded = decode(probabilities_row, top)
    indices = top_indices(probabilities_row, top)
    return [(index, *entry) for index, entry in zip(indices, decoded)], heatmaps


def readable(label: str) -> str:
    """``"Labrador_retriever"`` -> ``"Labrador retriever"``."""
    return label.replace("_", " ")


def gradcam(image: Image.Image, class_index: int | None = None, *, model=None, mode: str = "crop") -> np.ndarray:
    """Where Xception found evidence for a class (Grad-CAM on ``block14_sepconv2_act``).

    Args:
        image: a Pillow image.
        class_index: 0..999; default the top class.
        model: an Xception; default :func:`shared_xception`. It is not modified.

    Returns:
        (10, 10) float32 in [0, 1]; 1 marks the strongest evidence.
    """
    model = shared_xception() if model is None else model
    return gradcam_heatmap(model, preprocess(image, mode), LAST_CONV_LAYER, class_index)


# --------------------------------------------------------------------------- sample photos

PUPPY_URL = "https://storage.googleapis.com/download.tensorflow.org/example_images/YellowLabradorLooking_new.jpg"


class SamplePhoto(NamedTuple):
    """A photo the page offers without an upload."""

    name: str
    path: Path
    expected: str  # what a well-trained ImageNet network answers, for the teacher


def sample_photos() -> tuple[list[SamplePhoto], list[str]]:
    """The sample photos available here, and a note for each one that is not.

    The puppy is TensorFlow's own tutorial photo, fetched once by ``keras.utils.get_file`` into
    the Keras cache (needs internet the first time); Grace Hopper ships with matplotlib.

    Returns:
        ``(photos, notes)``: the usable photos, and one sentence per photo that could not be had.
    """
    photos, notes = [], []
    try:
        import keras

        puppy = keras.utils.get_file("YellowLabradorLooking_new.jpg", PUPPY_URL)
        photos.append(SamplePhoto("Yellow Labrador (TensorFlow's example photo)", Path(puppy), "Labrador retriever"))
    except Exception:  # offline: Keras raises Exception("URL fetch failure ...")
        notes.append(
            "The Labrador puppy photo needs internet once (Keras fetches it from TensorFlow's example "
            "images into its cache); it could not be fetched here. Upload your own photo instead."
        )
    try:
        from matplotlib import cbook

        hopper = Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
        if hopper.is_file():
            photos.append(SamplePhoto("Grace Hopper (ships with matplotlib)", hopper, "military uniform"))
    except Exception:  # a trimmed matplotlib without its sample data
        notes.append("matplotlib's sample photo of Grace Hopper is not installed here.")
    return photos, notes
