"""Per-layer feature maps of a Keras model for one digit, and the weights that made them.

``feature_maps(model, image)`` runs one 28x28 digit through the model and returns every layer's
output. The "probe" (a functional model over ``model.inputs`` whose outputs are all the layers'
outputs) is built once per model and cached, and called as ``probe(x, training=False)``: a plain
call is ~10x faster than ``predict`` for a single digit, and ``training=False`` makes dropout and
the augmentation layers pass the image through, exactly as at prediction time.

Keras is imported lazily: importing this module costs nothing until a model is probed.
"""

from __future__ import annotations

import threading
import weakref
from typing import NamedTuple

import numpy as np

# Layers that pass their input through unchanged at prediction time: the pages skip them.
PASS_THROUGH_CLASSES = frozenset({
    "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
    "RandomTranslation", "RandomRotation", "RandomZoom", "RandomFlip", "RandomContrast",
    "RandomBrightness", "RandomCrop",
})

_PROBES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_PROBES_LOCK = threading.Lock()


class LayerOutput(NamedTuple):
    """One layer's output for one digit: ``(layer_name, layer_class_name, output)``.

    ``output`` has no batch axis: (height, width, channels) for convolution and pooling layers,
    (units,) for dense and flatten layers.
    """

    layer_name: str
    layer_class_name: str
    output: np.ndarray


def model_input(model, image: np.ndarray) -> np.ndarray:
    """One digit reshaped into a batch of one with the model's input shape.

    Args:
        model: a ``keras.Model`` taking (batch, 28, 28, 1), (batch, 28, 28) or (batch, 784).
        image: (28, 28) float values in 0..1, white digit on black (as ``images.to_mnist`` gives).

    Returns:
        float32 array (1, *input_shape).

    Raises:
        ValueError: the image does not have as many pixels as the model's input.
    """
    input_shape = tuple(int(size) for size in model.inputs[0].shape[1:])
    image = np.asarray(image, dtype=np.float32)
    if image.size != int(np.prod(input_shape)):
        raise ValueError(
            f"The model {model.name!r} expects inputs of shape {input_shape} "
            f"({int(np.prod(input_shape))} values) but the image has shape {image.shape}."
        )
    return image.reshape((1, *input_shape))


def probe(model):
    """The cached functional model whose outputs are every layer's output, in layer order.

    Args:
        model: a built ``keras.Model`` (functional, or Sequential with a known input shape).

    Returns:
        ``(layers, probe_model)``: the probed layers (input layers excluded) and a ``keras.Model``
        returning a list with one output per layer.

    Raises:
        ValueError: the model has no defined input (a Sequential model never built).
    """
    with _PROBES_LOCK:
        cached = _PROBES.get(model)
        if cached is not None:
            return cached
        import keras

        try:
            inputs = model.inputs
        except (AttributeError, ValueError):
            inputs = None
        if not inputs:
            raise ValueError(
                f"The model {model.name!r} has no defined input yet, so its layers cannot be "
                "probed. Build it with keras.Input(shape=...) first."
            )
        layers = [layer for layer in model.layers if layer.__class__.__name__ != "InputLayer"]
        # A single input is passed bare, as the model itself was built (no structure warning).
        probe_inputs = inputs[0] if len(inputs) == 1 else inputs
        built = (layers, keras.Model(inputs=probe_inputs, outputs=[layer.output for layer in layers],
                                     name=f"{model.name}_feature_maps"))
        _PROBES[model] = built
        return built


def _run(model, inputs: np.ndarray, compiled_call: bool):
    """``model(inputs, training=False)``, through its compiled function (:mod:`cnnviz.compiled`) or eagerly."""
    from cnnviz import compiled

    return compiled.call(model, inputs) if compiled_call else model(inputs, training=False)


def feature_maps(model, image: np.ndarray, *, compiled_call: bool = False) -> list[LayerOutput]:
    """Every layer's output for one digit, in layer order.

    Args:
        model: a ``keras.Model`` (see :func:`model_input` for the input shapes accepted).
        image: (28, 28) float in 0..1, white digit on black.
        compiled_call: run the probe through its compiled function (:mod:`cnnviz.compiled`): 5-10x
            faster for a zoo network (cnn_best: 2.7 vs 26.6 ms a digit), but it keeps a graph per
            model, so only for networks that live as long as the server.

    Returns:
        One :class:`LayerOutput` per layer (input layers excluded), batch axis removed. The last
        entry is the model's own output (for the zoo: ten softmax probabilities).

    Raises:
        ValueError: the image does not fit the model's input.
    """
    from keras import ops

    layers, probe_model = probe(model)
    outputs = _run(probe_model, model_input(model, image), compiled_call)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [
        LayerOutput(layer.name, layer.__class__.__name__, np.asarray(ops.convert_to_numpy(output))[0])
        for layer, output in zip(layers, outputs)
    ]


def probabilities(model, image: np.ndarray, *, compiled_call: bool = False) -> np.ndarray:
    """The model's output for one digit (ten softmax probabilities for the zoo): float32 (10,).
    ``compiled_call`` as in :func:`feature_maps`."""
    from keras import ops

    output = _run(model, model_input(model, image), compiled_call)
    return np.asarray(ops.convert_to_numpy(output), dtype=np.float32)[0]


def layer_by_name(model, layer_name: str):
    """The layer called ``layer_name``.

    Raises:
        ValueError: there is no such layer (the message lists the model's layer names).
    """
    for layer in model.layers:
        if layer.name == layer_name:
            return layer
    names = ", ".join(layer.name for layer in model.layers)
    raise ValueError(f"The model {model.name!r} has no layer {layer_name!r}; its layers are {names}.")


def conv_kernel(model, layer_name: str) -> np.ndarray | None:
    """A convolution layer's filters, float32 (kernel_height, kernel_width, in_channels, filters),
    or None when the layer is not a convolution."""
    layer = layer_by_name(model, layer_name)
    if layer.__class__.__name__ not in ("Conv2D", "Conv1D", "Conv3D", "DepthwiseConv2D"):
        return None
    return np.asarray(layer.get_weights()[0], dtype=np.float32)


def first_conv_layer_name(model) -> str | None:
    """The name of the model's first Conv2D layer, or None for a model without one (the MLP)."""
    for layer in model.layers:
        if layer.__class__.__name__ == "Conv2D":
            return layer.name
    return None


def source_layer_name(model, layer_name: str) -> str | None:
    """The nearest Conv2D layer at or before ``layer_name`` (the one whose filters made the maps
    that a pooling, normalisation or activation layer then transformed), or None."""
    found = None
    for layer in model.layers:
        if layer.__class__.__name__ == "Conv2D":
            found = layer.name
        if layer.name == layer_name:
            return found
    raise ValueError(f"The model {model.name!r} has no layer {layer_name!r}.")


def shown_layers(outputs: list[LayerOutput]) -> list[LayerOutput]:
    """The layers worth drawing: pass-through layers (dropout, augmentation) left out."""
    return [entry for entry in outputs if entry.layer_class_name not in PASS_THROUGH_CLASSES]
