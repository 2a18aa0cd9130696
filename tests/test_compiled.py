"""cnnviz.compiled: a model called through its compiled function answers as the model itself does."""

import gc
import weakref

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from cnnviz import compiled  # noqa: E402


def tiny_network(name: str = "tiny") -> "keras.Model":
    inputs = keras.Input((8, 8, 1))
    maps = keras.layers.Conv2D(3, 3, activation="relu")(inputs)
    maps = keras.layers.Dropout(0.5)(maps)  # must pass through unchanged: training=False
    outputs = keras.layers.Dense(4, activation="softmax")(keras.layers.Flatten()(maps))
    return keras.Model(inputs, outputs, name=name)


def test_the_compiled_call_answers_like_the_model_for_every_batch_size():
    model = tiny_network()
    rng = np.random.default_rng(0)
    for count in (1, 5, 32, 7):
        images = rng.random((count, 8, 8, 1), dtype=np.float32)
        expected = np.asarray(model(images, training=False))
        answered = compiled.predict(model, images)
        assert answered.shape == (count, 4)
        np.testing.assert_allclose(answered, expected, rtol=1e-5, atol=1e-6)


def test_one_function_per_model_that_goes_when_the_model_goes():
    first, second = tiny_network("first"), tiny_network("second")
    assert compiled.function_of(first) is compiled.function_of(first)
    assert compiled.function_of(first) is not compiled.function_of(second)
    compiled.predict(first, np.zeros((1, 8, 8, 1), np.float32))
    function = weakref.ref(compiled.function_of(first))
    del first
    gc.collect()
    assert function() is None  # the function held the model only weakly; nothing keeps either alive


def test_a_model_with_several_outputs_gives_them_all():
    model = tiny_network()
    probe = keras.Model(model.inputs[0], [layer.output for layer in model.layers[1:]])
    images = np.random.default_rng(1).random((2, 8, 8, 1), dtype=np.float32)
    outputs = compiled.call(probe, images)
    expected = probe(images, training=False)
    assert len(outputs) == len(expected)
    for answered, wanted in zip(outputs, expected):
        np.testing.assert_allclose(np.asarray(answered), np.asarray(wanted), rtol=1e-5, atol=1e-6)
