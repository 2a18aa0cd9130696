"""The zoo's builders and recipes, and cnnviz.zoo.training.train's progress and stop contract.

Only tiny training runs (a few batches of a few hundred digits); nothing here trains a real model.
"""

import threading

import numpy as np
import pytest
from support import heavy_imports

from cnnviz.zoo import architectures, training

keras = pytest.importorskip("keras")

# Parameter counts computed by hand from the layer shapes (weights + biases), the oracle for
# Keras' count_params. Seed 001's and 003's notebooks print 93,322 and 1,199,882 too.
EXPECTED_PARAMS = {
    "mlp": 784 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10,
    "cnn_chollet": (9 * 32 + 32) + (9 * 32 * 64 + 64) + (9 * 64 * 64 + 64) + (3 * 3 * 64 * 64 + 64) + (64 * 10 + 10),
    "cnn_lesson": (9 * 32 + 32) + (9 * 32 * 64 + 64) + (9 * 64 * 32 + 32) + (9 * 9 * 32 * 32 + 32) + (32 * 10 + 10),
    "cnn_keras_example": (9 * 32 + 32) + (9 * 32 * 64 + 64) + (12 * 12 * 64 * 128 + 128) + (128 * 10 + 10),
    "cnn_exercise2": (25 * 32 + 32) + (25 * 32 * 64 + 64) + (4 * 4 * 64 * 1024 + 1024) + (1024 * 10 + 10),
}


def test_seed_notebooks_param_counts_match_hand_counts():
    assert EXPECTED_PARAMS["cnn_chollet"] == 93_322
    assert EXPECTED_PARAMS["cnn_keras_example"] == 1_199_882


@pytest.mark.parametrize("name", architectures.names())
def test_builder_has_explicit_input_and_ten_way_softmax(name):
    model = architectures.build(name)
    assert isinstance(model.layers[0], keras.layers.InputLayer)
    expected_input = (None, 784) if architectures.recipe(name).flatten_input else (None, 28, 28, 1)
    assert tuple(model.input_shape) == expected_input
    assert tuple(model.output_shape) == (None, 10)
    assert model.layers[-1].get_config()["activation"] == "softmax"
    if name in EXPECTED_PARAMS:
        assert model.count_params() == EXPECTED_PARAMS[name]
    # every layer's output can be read (feature maps): a sub-model over all of them builds and runs
    probe = keras.Model(model.input, [layer.output for layer in model.layers[1:]])
    outputs = probe(np.zeros((1, *expected_input[1:]), np.float32))
    assert outputs[-1].shape == (1, 10)


def test_exercise2_keeps_seventy_percent():
    model = architectures.build("cnn_exercise2")
    rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert rates == [0.3, 0.3]  # "probability of keeping 0.7" is Keras' Dropout(rate=0.3)


def test_cnn_best_augmentation_only_acts_while_training():
    model = architectures.build("cnn_best")
    augment = keras.Model(model.input, model.get_layer("augment_rotate").output)
    digits = np.random.default_rng(0).random((4, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(augment(digits, training=False)), digits, atol=1e-6)
    assert not np.allclose(np.asarray(augment(digits, training=True)), digits, atol=1e-3)


@pytest.mark.parametrize("name", architectures.names())
def test_compile_for_uses_the_recipes_optimizer(name):
    recipe = architectures.recipe(name)
    model = training.compile_for(name, architectures.build(name))
    assert type(model.optimizer).__name__ == recipe.optimizer
    if recipe.learning_rate_schedule is None:
        expected = recipe.optimizer_config.get("learning_rate", 0.001)
        assert float(model.optimizer.learning_rate) == pytest.approx(expected)
    assert model.loss == architectures.LOSS


def test_keras_example_adadelta_uses_keras2_learning_rate():
    # Keras 3's Adadelta defaults to 0.001; the seed's Keras 2 used 1.0 (its 95.78% after 1 epoch).
    assert keras.optimizers.Adadelta().learning_rate.numpy() == pytest.approx(0.001)
    model = training.compile_for("cnn_keras_example", architectures.build("cnn_keras_example"))
    assert float(model.optimizer.learning_rate) == pytest.approx(1.0)


def test_cnn_best_learning_rate_decays_per_epoch():
    recipe = architectures.recipe("cnn_best")
    rate = float(recipe.learning_rate_schedule.split(":")[1])
    start = recipe.optimizer_config["learning_rate"]
    optimizer = training.recipe_optimizer("cnn_best", train_size=1280)  # 10 batches of 128 per epoch
    schedule = optimizer._learning_rate
    assert [float(schedule(step)) for step in (0, 9, 10, 25)] == pytest.approx(
        [start, start, start * rate, start * rate ** 2])


def test_unknown_recipe_is_a_clear_error():
    with pytest.raises(ValueError, match="no model called 'lenet'"):
        architectures.recipe("lenet")


def _tiny_model():
    keras.utils.set_random_seed(1)
    inputs = keras.Input(shape=(8,))
    outputs = keras.layers.Dense(3, activation="softmax")(keras.layers.Dense(4, activation="relu")(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def _tiny_data(count=64):
    rng = np.random.default_rng(0)
    x = rng.random((count, 8)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, count)]
    return x, y


def test_train_reports_every_batch_and_each_epoch_end_with_validation():
    x, y = _tiny_data()
    reports = []
    history = training.train(_tiny_model(), x, y, epochs=2, batch_size=16, validation_data=(x[:16], y[:16]),
                              on_progress=reports.append, progress_interval_s=0)
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 2 for values in history.values())
    batch_reports = [report for report in reports if not report.epoch_end]
    ends = [report for report in reports if report.epoch_end]
    assert len(batch_reports) == 8 and [report.batch for report in batch_reports[:4]] == [1, 2, 3, 4]
    assert [report.epoch for report in ends] == [1, 2]
    assert "val_accuracy" in ends[-1].logs and ends[-1].fraction == pytest.approx(1.0)
    assert ends[-1].logs["val_loss"] == pytest.approx(history["val_loss"][-1])
    fractions = [report.fraction for report in reports]
    assert fractions == sorted(fractions) and all(report.batches == 4 for report in reports)


def test_train_throttles_batch_reports_but_always_reports_epoch_ends():
    x, y = _tiny_data()
    reports = []
    training.train(_tiny_model(), x, y, epochs=3, batch_size=8, on_progress=reports.append,
                   progress_interval_s=3600)
    assert sum(not report.epoch_end for report in reports) == 1  # only the very first batch
    assert sum(report.epoch_end for report in reports) == 3


def test_stop_event_stops_at_next_batch_end():
    x, y = _tiny_data(256)
    stop = threading.Event()
    reports = []

    def stop_after_third_batch(progress):
        reports.append(progress)
        if progress.batch == 3:
            stop.set()

    history = training.train(_tiny_model(), x, y, epochs=5, batch_size=8, on_progress=stop_after_third_batch,
                             stop_event=stop, progress_interval_s=0)
    assert len(history["loss"]) == 1  # stopped inside the first of five epochs
    assert max(report.batch for report in reports if not report.epoch_end) <= 4


def test_train_rejects_nonsense():
    x, y = _tiny_data()
    with pytest.raises(ValueError, match="at least 1"):
        training.train(_tiny_model(), x, y, epochs=0, batch_size=8)
    with pytest.raises(TypeError, match="threading.Event"):
        training.train(_tiny_model(), x, y, epochs=1, batch_size=8, stop_event=True)


def test_light_modules_do_not_import_keras():
    heavy, _ = heavy_imports("import cnnviz.zoo, cnnviz.zoo.architectures, cnnviz.zoo.training, cnnviz.zoo.figures, "
                             "cnnviz.zoo.metrics; from cnnviz import zoo; zoo.names()")
    assert heavy == [], f"heavy import: {heavy}"
