"""Grad-CAM (Selvaraju et al. 2017, after the keras-io recipe) without touching the shared model.

For a model ending in ``last conv -> [pooling ...] -> Dense(softmax)``:

1. a sub-model (built once per model and conv layer, cached) maps the input to the last
   convolution's feature maps, shape (1, h, w, channels);
2. the head is applied by hand: the layers between that convolution and the final Dense, then
   the Dense's kernel and bias, giving the class *logits* (scores before the softmax);
3. the gradient of one logit with respect to the feature maps, averaged over h and w, weights
   each channel; the weighted sum of the maps, negative parts cut, scaled to [0, 1], is the heatmap.

Gradients therefore flow only through the head, and nobody sets ``activation = None`` on the
cached model. Works with any such functional model, e.g. a tiny one in tests.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
from PIL import Image

HEATMAP_COLOURS = "turbo"  # matplotlib colormap; the page's legend samples the same one

_parts_lock = threading.Lock()
_parts_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _head_parts(model, last_conv_layer_name: str):
    """(feature sub-model, head layers before the Dense, final Dense), cached per model and layer.

    Raises:
        ValueError: no such layer, or the layers after it are not a simple chain ending in Dense.
    """
    import keras

    with _parts_lock:
        per_model = _parts_cache.setdefault(model, {})
        if last_conv_layer_name in per_model:
            return per_model[last_conv_layer_name]
        conv_layer = model.get_layer(last_conv_layer_name)  # ValueError when missing
        tail = model.layers[model.layers.index(conv_layer) + 1:]
        if not tail or not isinstance(tail[-1], keras.layers.Dense):
            raise ValueError(f"Grad-CAM needs the layers after {last_conv_layer_name!r} to end in a Dense layer.")
        previous = conv_layer
        for layer in tail:
            if layer.input is not previous.output:
                raise ValueError(
                    f"Grad-CAM needs a simple chain after {last_conv_layer_name!r}; "
                    f"{layer.name!r} does not take {previous.name!r}'s output."
                )
            previous = layer
        inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
        feature_model = keras.Model(inputs, conv_layer.output, name=f"{model.name}_gradcam_features")
        parts = (feature_model, tuple(tail[:-1]), tail[-1])
        per_model[last_conv_layer_name] = parts
        return parts


def _logits(head_layers, dense, features):
    """Class scores before the softmax: (1, h, w, c) feature maps -> (1, classes)."""
    from keras import ops

    pooled = features
    for layer in head_layers:
        pooled = layer(pooled)
    logits = ops.matmul(pooled, dense.kernel)
    return logits + dense.bias if dense.bias is not None else logits


def _heatmap(features, gradients) -> np.ndarray:
    """Channel weights = gradients averaged over the map; heatmap = relu(weighted sum), in [0, 1]."""
    weights = np.asarray(gradients)[0].mean(axis=(0, 1))  # (channels,)
    heatmap = np.maximum(np.asarray(features)[0] @ weights, 0.0)  # (h, w)
    peak = float(heatmap.max())
    return (heatmap / peak if peak > 0 else heatmap).astype(np.float32)


def explain(model, image_array: np.ndarray, last_conv_layer_name: str, class_indices=None, top: int = 5):
    """One forward pass -> the class probabilities and a Grad-CAM heatmap for several classes.

    Args:
        model: a functional Keras model ending in ``last conv -> pooling -> Dense``. Not modified.
        image_array: (1, height, width, channels), already preprocessed for the model.
        last_conv_layer_name: the convolution (or its activation) whose maps are explained.
        class_indices: the classes to explain; default the ``top`` most probable ones.
        top: how many classes to explain when ``class_indices`` is None.

    Returns:
        ``(probabilities, heatmaps)``: (classes,) float32 softmax of the logits, and
        ``{class_index: (h, w) float32 heatmap in [0, 1]}``.
    """
    import tensorflow as tf
    from keras import ops

    from cnnviz import compiled

    feature_model, head_layers, dense = _head_parts(model, last_conv_layer_name)
    features = tf.convert_to_tensor(compiled.call(feature_model, image_array))  # (1, h, w, c)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(features)
        logits = _logits(head_layers, dense, features)  # (1, classes)
        probabilities = np.asarray(ops.softmax(logits, axis=-1))[0]
        if class_indices is None:
            class_indices = [int(i) for i in np.argsort(probabilities)[-top:][::-1]]
        scores = {int(index): logits[:, int(index)] for index in class_indices}
    heatmaps = {index: _heatmap(features, tape.gradient(score, features)) for index, score in scores.items()}
    del tape
    return probabilities.astype(np.float32), heatmaps


def gradcam_heatmap(model, image_array: np.ndarray, last_conv_layer_name: str,
                    class_index: int | None = None) -> np.ndarray:
    """Grad-CAM for one class (default: the most probable one).

    Args:
        model: a functional Keras model ending in ``last conv -> pooling -> Dense``. Not modified.
        image_array: (1, height, width, channels), already preprocessed.
        last_conv_layer_name: e.g. ``"block14_sepconv2_act"`` for Xception.
        class_index: output index to explain; None for the top class.

    Returns:
        (h, w) float32 in [0, 1], the size of the conv layer's maps (10 x 10 for Xception).
    """
    indices = None if class_index is None else [int(class_index)]
    _, heatmaps = explain(model, image_array, last_conv_layer_name, indices, top=1)
    return next(iter(heatmaps.values()))


def colourise(heatmap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(h, w) heatmap in [0, 1] -> (height, width, 3) uint8 colours, smoothly stretched to ``size``.

    Args:
        size: (width, height) of the photo it will be laid on.
    """
    from matplotlib import colormaps

    grey = Image.fromarray(np.uint8(np.clip(heatmap, 0, 1) * 255), mode="L")
    stretched = np.asarray(grey.resize(size, Image.Resampling.BICUBIC), dtype=np.float32) / 255.0
    return np.uint8(colormaps[HEATMAP_COLOURS](stretched)[..., :3] * 255)


def overlay(photo: Image.Image, heatmap: np.ndarray, strength: float = 0.5) -> Image.Image:
    """The heatmap laid over the photo: ``(1 - strength) * photo + strength * colours``.

    Args:
        photo: the image the network saw (e.g. ``imagenet.fit_to_input(photo, mode, None)``).
        heatmap: (h, w) in [0, 1], stretched over the whole photo.
        strength: 0 shows only the photo, 1 only the heatmap's colours.

    Returns:
        An RGB Pillow image the size of ``photo``.

    Raises:
        ValueError: strength outside 0..1.
    """
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must lie between 0 and 1, not {strength}.")
    rgb = np.asarray(photo.convert("RGB"), dtype=np.float32)
    colours = colourise(heatmap, photo.size).astype(np.float32)
    return Image.fromarray(np.uint8(np.rint((1.0 - strength) * rgb + strength * colours)))


def plotly_colourscale(steps: int = 11) -> list[list]:
    """The heatmap colours as a Plotly colourscale, so a legend matches :func:`overlay` exactly."""
    from matplotlib import colormaps

    cmap = colormaps[HEATMAP_COLOURS]
    return [[float(position), "rgb({:.0f},{:.0f},{:.0f})".format(*(np.array(cmap(position)[:3]) * 255))]
            for position in np.linspace(0, 1, steps)]
