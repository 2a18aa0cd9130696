"""cnnviz.digits.activations against Keras itself: per-layer outputs equal running the layers one by one,
and the last one equals the model's own output. Tiny models built on the fly (no training)."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import layers  # noqa: E402

from cnnviz.digits import activations  # noqa: E402


def tiny_cnn(batchnorm: bool = False):
    keras.utils.set_random_seed(7)
    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.RandomTranslation(0.1, 0.1, name="augment")(inputs)
    x = layers.Conv2D(4, (3, 3), activation="relu", name="conv_1")(x)
    if batchnorm:
        x = layers.BatchNormalization(name="norm")(x)
    x = layers.MaxPooling2D((2, 2), name="pool_1")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    x = layers.Conv2D(6, (5, 5), activation="relu", name="conv_2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(8, activation="relu", name="dense")(x)
    outputs = layers.Dense(10, activation="softmax", name="digit")(x)
    model = keras.Model(inputs, outputs, name="tiny_cnn")
    if batchnorm:  # non-trivial moving statistics, so training=False matters
        norm = model.get_layer("norm")
        gamma, beta, _, _ = norm.get_weights()
        norm.set_weights([gamma * 1.5, beta + 0.1, np.full(4, 0.2, "float32"), np.full(4, 2.0, "float32")])
    return model


def tiny_mlp():
    keras.utils.set_random_seed(3)
    inputs = keras.Input(shape=(784,), name="pixels")
    x = layers.Dense(16, activation="relu", name="dense_1")(inputs)
    outputs = layers.Dense(10, activation="softmax", name="digit")(x)
    return keras.Model(inputs, outputs, name="tiny_mlp")


@pytest.fixture(scope="module")
def digit():
    return np.random.default_rng(0).random((28, 28)).astype(np.float32)


def layer_by_layer(model, x):
    outputs = []
    for layer in model.layers:
        if layer.__class__.__name__ == "InputLayer":
            continue
        x = layer(x, training=False)
        outputs.append(np.asarray(keras.ops.convert_to_numpy(x))[0])
    return outputs


@pytest.mark.parametrize("compiled_call", [False, True], ids=["eager", "compiled"])
@pytest.mark.parametrize("batchnorm", [False, True], ids=["plain", "batchnorm"])
def test_feature_maps_equal_running_the_layers_one_by_one(digit, batchnorm, compiled_call):
    model = tiny_cnn(batchnorm)
    result = activations.feature_maps(model, digit, compiled_call=compiled_call)
    expected = layer_by_layer(model, digit.reshape(1, 28, 28, 1))
    assert [entry.layer_name for entry in result] == [layer.name for layer in model.layers[1:]]
    assert len(result) == len(expected)
    for entry, reference in zip(result, expected):
        assert entry.output.shape == reference.shape, entry.layer_name
        np.testing.assert_allclose(entry.output, reference, rtol=1e-5, atol=1e-6, err_msg=entry.layer_name)
    np.testing.assert_allclose(result[-1].output, model(digit.reshape(1, 28, 28, 1), training=False)[0],
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(activations.probabilities(model, digit, compiled_call=compiled_call),
                               result[-1].output, rtol=1e-6, atol=1e-7)
    assert result[-1].output.sum() == pytest.approx(1.0, abs=1e-5)


def test_shapes_and_class_names(digit):
    result = activations.feature_maps(tiny_cnn(), digit)
    summary = [(entry.layer_name, entry.layer_class_name, entry.output.shape) for entry in result]
    assert summary == [
        ("augment", "RandomTranslation", (28, 28, 1)),
        ("conv_1", "Conv2D", (26, 26, 4)),
        ("pool_1", "MaxPooling2D", (13, 13, 4)),
        ("dropout", "Dropout", (13, 13, 4)),
        ("conv_2", "Conv2D", (9, 9, 6)),
        ("flatten", "Flatten", (486,)),
        ("dense", "Dense", (8,)),
        ("digit", "Dense", (10,)),
    ]
    # Augmentation and dropout pass the image through at prediction time.
    np.testing.assert_array_equal(result[0].output[..., 0], digit)
    np.testing.assert_array_equal(result[3].output, result[2].output)
    assert [entry.layer_name for entry in activations.shown_layers(result)] == [
        "conv_1", "pool_1", "conv_2", "flatten", "dense", "digit"]


def test_the_mlp_gets_the_digit_flattened(digit):
    model = tiny_mlp()
    result = activations.feature_maps(model, digit)
    assert [entry.output.shape for entry in result] == [(16,), (10,)]
    np.testing.assert_allclose(result[-1].output, model(digit.reshape(1, 784), training=False)[0], rtol=1e-6)
    np.testing.assert_allclose(activations.probabilities(model, digit), result[-1].output, rtol=1e-6)


def test_sequential_models_work_too(digit):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(2, 3, name="conv"),
                              layers.Flatten(name="flat"), layers.Dense(10, activation="softmax", name="out")])
    result = activations.feature_maps(model, digit)
    assert [entry.layer_name for entry in result] == ["conv", "flat", "out"]
    np.testing.assert_allclose(result[-1].output, model(digit.reshape(1, 28, 28, 1))[0], rtol=1e-6)


def test_the_probe_is_built_once_per_model(digit):
    model, other = tiny_cnn(), tiny_mlp()
    first = activations.probe(model)
    assert activations.probe(model) is first
    assert activations.probe(other) is not first
    activations.feature_maps(model, digit)
    assert activations.probe(model) is first


def test_wrong_image_size_is_a_readable_error():
    with pytest.raises(ValueError, match="expects inputs of shape"):
        activations.feature_maps(tiny_cnn(), np.zeros((20, 20), dtype=np.float32))


def test_unbuilt_model_is_a_readable_error(digit):
    model = keras.Sequential([layers.Dense(10)])
    with pytest.raises(ValueError, match="no defined input"):
        activations.feature_maps(model, digit)


def test_weight_helpers():
    model = tiny_cnn(batchnorm=True)
    assert activations.first_conv_layer_name(model) == "conv_1"
    assert activations.first_conv_layer_name(tiny_mlp()) is None
    assert activations.conv_kernel(model, "conv_1").shape == (3, 3, 1, 4)
    assert activations.conv_kernel(model, "conv_2").shape == (5, 5, 4, 6)
    assert activations.conv_kernel(model, "pool_1") is None
    assert activations.source_layer_name(model, "pool_1") == "conv_1"
    assert activations.source_layer_name(model, "augment") is None
    with pytest.raises(ValueError, match="no layer"):
        activations.layer_by_name(model, "nope")
