"""Xception, the finale of the lesson: preprocess a photo, predict ImageNet labels, and Grad-CAM
(where in the photo the network found evidence for a class).

The model and the class index come from :mod:`cnnviz.xception.loading`; every function here takes
the model as an argument. Keras is imported lazily inside the functions, so importing this module
is cheap. Nothing here imports Streamlit.

The model is never changed: Grad-CAM uses a separate sub-model from the input to the last
convolution, cached per model, and applies the classifier head (global average pooling and the
final Dense layer's kernel and bias, before its softmax) by hand, so that gradients flow only
through the head and not back through the whole network.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageOps

from cnnviz.xception import loading
from cnnviz.xception.gradcam import explain, gradcam_heatmap, overlay

INPUT_SIZE = 299  # Xception's images are 299 x 299 x 3
LAST_CONV_LAYER = "block14_sepconv2_act"  # (1, 10, 10, 2048): the last map that still has a "where"
FIT_MODES = ("crop", "squash")

Prediction = tuple[str, str, float]  # (WordNet id, label, probability)


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
    """(n, 299, 299, 3) preprocessed -> (n, 1000) softmax probabilities, one compiled model call
    (:mod:`cnnviz.compiled`: a fifth of the memory an eager call keeps, and twice as fast)."""
    from cnnviz import compiled

    return compiled.predict(model, batch)


def decode(probabilities_row: np.ndarray, top: int = 5) -> list[Prediction]:
    """(1000,) probabilities -> the ``top`` classes as (wnid, label, probability), best first.

    Labels come from Keras' ``imagenet_class_index.json`` (:func:`cnnviz.xception.loading.class_index`).

    Raises:
        cnnviz.xception.loading.ModelUnavailable: the class index is missing and cannot be downloaded.
    """
    names = loading.class_index()
    row = np.asarray(probabilities_row)
    return [(*names[index], float(row[index])) for index in top_indices(row, top)]


def top_indices(probabilities_row: np.ndarray, top: int = 5) -> list[int]:
    """The output indices (0..999) of the ``top`` classes, best first, in ``decode``'s order."""
    return [int(index) for index in np.argsort(np.asarray(probabilities_row))[-top:][::-1]]


def predict(image: Image.Image, model, top: int = 5, *, mode: str = "crop") -> list[Prediction]:
    """Name what is in a photo.

    Args:
        image: a Pillow image.
        model: an Xception (:func:`cnnviz.xception.loading.load_xception`).
        top: how many classes to return.
        mode: ``"crop"`` or ``"squash"`` (see :func:`fit_to_input`).

    Returns:
        ``[(wnid, label, probability), ...]``, ``top`` entries, most probable first.
    """
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


def gradcam(image: Image.Image, model, class_index: int | None = None, *, mode: str = "crop") -> np.ndarray:
    """Where Xception found evidence for a class (Grad-CAM on ``block14_sepconv2_act``).

    Args:
        image: a Pillow image.
        model: an Xception. It is not modified.
        class_index: 0..999; default the top class.

    Returns:
        (10, 10) float32 in [0, 1]; 1 marks the strongest evidence.
    """
    return gradcam_heatmap(model, preprocess(image, mode), LAST_CONV_LAYER, class_index)


def evidence_photo(image: Image.Image, heatmap: np.ndarray, strength: float, mode: str = "crop",
                   max_side: int = 640) -> Image.Image:
    """The part of the photo Xception saw, sharp (at most ``max_side`` px), with ``heatmap`` blended in.

    Args:
        heatmap: (h, w) Grad-CAM values in [0, 1]; strength: 0 = only the photo, 1 = only the colours.
    """
    seen = fit_to_input(image, mode, size=None)
    seen.thumbnail((max_side, max_side))
    return overlay(seen, heatmap, strength)


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

        puppy = keras.utils.get_file("YellowLabradorLooking_new.jpg", PUPPY_URL, cache_dir=str(loading.keras_home()))
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
