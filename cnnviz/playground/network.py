"""The slider-configurable CNN of the "Train your own CNN" page: its layer table and its Keras model.

:func:`layer_plan` computes the layer table (output shapes, parameter counts) in pure Python,
without Keras, so the page can redraw it instantly as sliders move; :func:`build_model` builds the
same network in Keras (tests check the two agree). Keras is imported inside :func:`build_model`
only. The settings themselves live in :mod:`cnnviz.playground.config`.

The network, for ``blocks`` = B:
    image (28, 28, 1)
    -> B x [Conv2D(filters, kernel x kernel, relu, 'valid') -> MaxPooling2D(2) if pooling]
    -> Flatten -> Dropout(dropout) -> Dense(dense_units, relu) -> Dropout(dropout)
    -> Dense(10, softmax)
Dropout layers are left out when the rate is 0. Every block has the same number of filters.
"""

from __future__ import annotations

from typing import NamedTuple

from cnnviz.data import IMAGE_SIZE, NUM_CLASSES
from cnnviz.playground.config import BLOCK_RANGE, KERNEL_CHOICES, OPTIMIZER_SETTINGS, POOL_SIZE, PlaygroundConfig


class InvalidNetwork(ValueError):
    """The settings make the feature map shrink to nothing; the message says how to fix it."""


class LayerRow(NamedTuple):
    """One row of the layer table: ``output_shape`` excludes the batch axis."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int


def feature_map_sizes(config: PlaygroundConfig) -> list[int]:
    """Side length of the feature map after each conv / pool step, starting with the 28 input.

    Sizes may reach 0 or below for an invalid network; :func:`layer_plan` turns that into
    :class:`InvalidNetwork`.
    """
    sizes = [IMAGE_SIZE]
    for _ in range(config.blocks):
        sizes.append(sizes[-1] - config.kernel_size + 1)
        if sizes[-1] <= 0:
            break
        if config.pooling:
            sizes.append(sizes[-1] // POOL_SIZE)
            if sizes[-1] <= 0:
                break
    return sizes


def max_blocks(kernel_size: int, pooling: bool) -> int:
    """The most conv blocks that still leave a non-empty feature map (at most BLOCK_RANGE[1])."""
    for blocks in range(BLOCK_RANGE[1], 0, -1):
        if min(feature_map_sizes(PlaygroundConfig(blocks=blocks, kernel_size=kernel_size, pooling=pooling))) > 0:
            return blocks
    return 0


def layer_plan(config: PlaygroundConfig) -> list[LayerRow]:
    """The network's layers with output shapes and parameter counts, computed without Keras.

    Returns:
        One :class:`LayerRow` per layer (the input excluded), in order; matches Keras'
        ``layer.output.shape[1:]`` and ``layer.count_params()`` of :func:`build_model`.

    Raises:
        InvalidNetwork: a conv kernel no longer fits in the feature map, or pooling would make it
            empty. The message shows how the map shrinks and what to change.
    """
    rows: list[LayerRow] = []
    size, channels = IMAGE_SIZE, 1
    for block in range(1, config.blocks + 1):
        if size < config.kernel_size:
            raise InvalidNetwork(_shrink_message(config, block, "conv", size))
        size = size - config.kernel_size + 1
        params = (config.kernel_size * config.kernel_size * channels + 1) * config.filters
        channels = config.filters
        rows.append(LayerRow(f"conv_{block}", "Conv2D", (size, size, channels), params))
        if config.pooling:
            if size < POOL_SIZE:
                raise InvalidNetwork(_shrink_message(config, block, "pool", size))
            size //= POOL_SIZE
            rows.append(LayerRow(f"pool_{block}", "MaxPooling2D", (size, size, channels), 0))
    flat = size * size * channels
    rows.append(LayerRow("flatten", "Flatten", (flat,), 0))
    if config.dropout > 0:
        rows.append(LayerRow("dropout_features", "Dropout", (flat,), 0))
    rows.append(LayerRow("dense", "Dense", (config.dense_units,), (flat + 1) * config.dense_units))
    if config.dropout > 0:
        rows.append(LayerRow("dropout_dense", "Dropout", (config.dense_units,), 0))
    rows.append(LayerRow("digit", "Dense", (NUM_CLASSES,), (config.dense_units + 1) * NUM_CLASSES))
    return rows


def layer_table(plan: list[LayerRow]) -> dict[str, list]:
    """A layer plan as table columns (for ``st.dataframe``): layer, type, output shape, parameters."""
    return {"layer": [row.name for row in plan], "type": [row.kind for row in plan],
            "output shape": [" x ".join(map(str, row.output_shape)) for row in plan],
            "parameters": [row.params for row in plan]}


def shrink_path(config: PlaygroundConfig) -> str:
    """How the feature map shrinks through the conv blocks, e.g. ``"28x28 -> 26x26 -> 13x13"``."""
    return " -> ".join(f"{side}x{side}" for side in feature_map_sizes(config) if side > 0)


def total_params(config: PlaygroundConfig) -> int:
    """Trainable parameters of the whole network (raises :class:`InvalidNetwork` like layer_plan)."""
    return sum(row.params for row in layer_plan(config))


def _shrink_message(config: PlaygroundConfig, block: int, step: str, size: int) -> str:
    path = shrink_path(config)
    if step == "conv":
        problem = (f"block {block}'s {config.kernel_size}x{config.kernel_size} filter does not fit in the "
                   f"{size}x{size} feature map left by the blocks before it")
    else:
        problem = f"block {block}'s 2x2 pooling has only a {size}x{size} map to pool"
    allowed = max_blocks(config.kernel_size, config.pooling)
    fixes = [f"use at most {allowed} block{'s' if allowed != 1 else ''}" if allowed else "use fewer blocks"]
    if config.kernel_size > min(KERNEL_CHOICES):
        fixes.append(f"use {min(KERNEL_CHOICES)}x{min(KERNEL_CHOICES)} filters")
    if config.pooling:
        fixes.append("turn pooling off")
    return (f"This network shrinks the 28x28 image to nothing: {path}, and {problem}. "
            f"To fix it, {', or '.join(fixes)}.")


def build_model(config: PlaygroundConfig, seed: int | None = None):
    """Build and compile the configured CNN.

    Args:
        config: the sliders.
        seed: if given, Keras' global seeds are set first so the initial weights are reproducible.

    Returns:
        A compiled ``keras.Model``: input (batch, 28, 28, 1) floats 0..1, output (batch, 10)
        softmax probabilities; loss ``sparse_categorical_crossentropy`` (labels are digits 0-9),
        metric accuracy.

    Raises:
        InvalidNetwork: as :func:`layer_plan` (checked before Keras is touched).
    """
    plan = layer_plan(config)
    import keras
    from keras import layers

    from cnnviz.zoo.training import make_optimizer

    if seed is not None:
        keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 1), name="image")
    x = inputs
    for row in plan:
        if row.kind == "Conv2D":
            x = layers.Conv2D(config.filters, config.kernel_size, activation="relu", name=row.name)(x)
        elif row.kind == "MaxPooling2D":
            x = layers.MaxPooling2D(POOL_SIZE, name=row.name)(x)
        elif row.kind == "Flatten":
            x = layers.Flatten(name=row.name)(x)
        elif row.kind == "Dropout":
            x = layers.Dropout(config.dropout, name=row.name)(x)
        elif row.name == "dense":
            x = layers.Dense(config.dense_units, activation="relu", name=row.name)(x)
        else:
            x = layers.Dense(NUM_CLASSES, activation="softmax", name=row.name)(x)
    model = keras.Model(inputs, x, name=model_name(config))
    optimizer = make_optimizer(config.optimizer, **OPTIMIZER_SETTINGS[config.optimizer])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def model_name(config: PlaygroundConfig) -> str:
    """A short readable name, e.g. ``cnn_2x32_k3_pool_d0.25_fc64_rmsprop`` (also a file name)."""
    pool = "pool" if config.pooling else "nopool"
    return (f"cnn_{config.blocks}x{config.filters}_k{config.kernel_size}_{pool}_d{config.dropout:g}"
            f"_fc{config.dense_units}_{config.optimizer}")
