"""cnnviz.zoo: the committed models re-evaluated on the full test set, bad files and names,
the card writer, and cnnviz.zoo.metrics against Keras' own numbers."""

import json
import shutil

import numpy as np
import pytest

from cnnviz.zoo import architectures, metrics
from cnnviz import zoo

REAL_MODELS = zoo.MODELS_DIR


@pytest.mark.parametrize("name", zoo.names())
def test_committed_model_matches_its_card_on_the_full_test_set(name, mnist):
    """Inference only: every committed model scores what its card says, within 0.1 point."""
    _, (x_test, y_test) = mnist
    card = zoo.card(name)
    probabilities = zoo.predict(name, zoo.load(name), x_test)
    assert probabilities.shape == (10000, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-4)
    assert abs(metrics.accuracy(probabilities, y_test) - card["test_accuracy"]) <= 0.001
    assert metrics.cross_entropy(probabilities, y_test) == pytest.approx(card["test_loss"], abs=0.005)
    matrix = metrics.confusion_matrix(y_test, probabilities.argmax(axis=1))
    assert np.abs(matrix - np.array(card["confusion_matrix"])).sum() <= 20  # same errors, give or take float noise
    assert card["params"] == zoo.load(name).count_params() == sum(layer["params"] for layer in card["layers"])
    assert len(card["history"]["loss"]) == card["epochs"] == len(card["history"]["val_accuracy"])


def test_committed_cards_have_every_field_the_issue_lists():
    fields = {"name", "seed_source", "description", "layers", "params", "optimizer", "epochs", "batch_size",
              "history", "test_loss", "test_accuracy", "confusion_matrix", "training_time_s", "device",
              "keras_version", "tensorflow_version", "date", "seed", "validation", "file_size_bytes"}
    for name in zoo.names():
        card = zoo.card(name)
        assert fields <= set(card), f"{name} lacks {fields - set(card)}"
        assert card["file_size_bytes"] == (REAL_MODELS / f"{name}.keras").stat().st_size
        assert np.array(card["confusion_matrix"]).sum() == 10000


def test_committed_cards_match_the_recipes_in_the_code():
    """A rebuild must reproduce what is committed: same epochs, batch, optimizer, description."""
    from cnnviz.zoo import build as zoo_build

    for name in zoo.names():
        card, recipe = zoo.card(name), architectures.recipe(name)
        assert (card["epochs"], card["batch_size"]) == (recipe.epochs, recipe.batch_size), name
        assert card["optimizer"]["name"] == recipe.optimizer and card["optimizer"]["config"] == recipe.optimizer_config
        assert card["description"] == recipe.description, name
        assert card["validation"] == zoo_build.VALIDATION_NOTE and card["seed"] == zoo_build.SEED


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    """An empty models/ folder that zoo reads instead of the real one."""
    monkeypatch.setattr(zoo, "MODELS_DIR", tmp_path)
    return tmp_path


def _write_card(folder, name, **changes):
    card = {"name": name, "params": 10, "test_accuracy": 0.5, "test_loss": 1.0,
            "history": {"loss": [1.0], "accuracy": [0.5]}, "epochs": 1, "batch_size": 8,
            "optimizer": {"name": "Adam"}, "layers": [], "confusion_matrix": [], "training_time_s": 1.0,
            "device": "CPU"}
    card.update(changes)
    for key in [key for key, value in changes.items() if value is None]:
        del card[key]
    (folder / f"{name}.json").write_text(json.dumps(card))


@pytest.mark.parametrize("name", ["lenet", "../models/mlp", "/etc/passwd", "", None, "MLP"])
def test_unknown_or_path_like_names_are_refused(name, models_dir):
    for function in (zoo.card, zoo.load, zoo.model_path):
        with pytest.raises(zoo.ModelUnavailable, match="no zoo model called"):
            function(name)


def test_missing_files_name_the_rebuild_command(models_dir):
    with pytest.raises(zoo.ModelUnavailable, match=r"`python -m cnnviz\.zoo mlp`"):
        zoo.card("mlp")
    with pytest.raises(zoo.ModelUnavailable, match=r"mlp\.keras is missing.*python -m cnnviz\.zoo mlp"):
        zoo.load("mlp")


@pytest.mark.parametrize("broken, reason", [
    ({"test_accuracy": None}, "lacks test_accuracy"),
    ({"history": None, "params": None}, "lacks params, history"),
    ({"test_accuracy": 97.5}, "not a fraction"),
    ({"history": {}}, "no per-epoch history"),
])
def test_card_with_missing_or_wrong_fields(models_dir, broken, reason):
    _write_card(models_dir, "cnn_lesson", **broken)
    with pytest.raises(zoo.ModelUnavailable, match=reason) as caught:
        zoo.card("cnn_lesson")
    assert "python -m cnnviz.zoo cnn_lesson" in str(caught.value)


@pytest.mark.parametrize("content", [b"", b"{not json", b"[1, 2]", b"\xff\xfe\x00"])
def test_card_that_is_not_a_json_object(models_dir, content):
    (models_dir / "mlp.json").write_bytes(content)
    with pytest.raises(zoo.ModelUnavailable, match="python -m cnnviz.zoo mlp"):
        zoo.card("mlp")


@pytest.fixture(scope="module")
def saved_untrained_mlp(tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "mlp.keras"
    architectures.build("mlp").save(path)
    return path


@pytest.mark.parametrize("keep", [0, 100, 0.5])
def test_truncated_or_empty_keras_file(models_dir, saved_untrained_mlp, keep):
    content = saved_untrained_mlp.read_bytes()
    size = int(len(content) * keep) if isinstance(keep, float) else keep
    (models_dir / "mlp.keras").write_bytes(content[:size])
    with pytest.raises(zoo.ModelUnavailable, match=r"Keras cannot read mlp\.keras.*python -m cnnviz\.zoo mlp"):
        zoo.load("mlp")


def test_model_of_the_wrong_shape_is_refused(models_dir, saved_untrained_mlp):
    shutil.copy(saved_untrained_mlp, models_dir / "cnn_chollet.keras")  # an MLP where a CNN should be
    with pytest.raises(zoo.ModelUnavailable, match="expected"):
        zoo.load("cnn_chollet")
    shutil.copy(saved_untrained_mlp, models_dir / "mlp.keras")
    assert zoo.load("mlp").count_params() == 89_610


def test_card_writer_round_trips_through_zoo(models_dir, mnist):
    """A one-epoch run on 512 digits (not a real model) writes a card and file zoo can read."""
    from cnnviz.zoo import build as zoo_build

    (x_train, y_train), (x_test, y_test) = mnist
    small = ((x_train[:512], y_train[:512]), (x_test[:200], y_test[:200]))
    written = zoo_build.build_one("mlp", small, models_dir, epochs=1)
    card = zoo.card("mlp")
    assert card == json.loads(json.dumps(written))
    assert card["epochs"] == 1 and card["test_samples"] == 200 and card["training_samples"] == 512
    assert [layer["output_shape"] for layer in card["layers"]] == [[None, 784], [None, 100], [None, 100], [None, 10]]
    assert sum(map(sum, card["confusion_matrix"])) == 200
    probabilities = zoo.predict("mlp", zoo.load("mlp"), x_test[:200])
    assert metrics.accuracy(probabilities, y_test[:200]) == pytest.approx(card["test_accuracy"])
    assert not list(models_dir.glob("*.partial.keras"))


def test_cli_refuses_unknown_names(capsys):
    from cnnviz.zoo import build as zoo_build

    with pytest.raises(SystemExit) as caught:
        zoo_build.main(["lenet"])
    assert caught.value.code == 2
    assert "unknown model(s) lenet" in capsys.readouterr().err


def test_metrics_agree_with_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(50, 10)).astype(np.float32)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = rng.integers(0, 10, 50)
    one_hot = np.eye(10, dtype=np.float32)[labels]
    expected_loss = float(np.mean(keras.losses.categorical_crossentropy(one_hot, probabilities)))
    assert metrics.cross_entropy(probabilities, labels) == pytest.approx(expected_loss, rel=1e-5)
    accuracy = keras.metrics.CategoricalAccuracy()
    accuracy.update_state(one_hot, probabilities)
    assert metrics.accuracy(probabilities, labels) == pytest.approx(float(accuracy.result()))


def test_confusion_matrix_and_gallery_selection():
    labels = np.array([0, 1, 2, 2, 3])
    predicted = np.array([0, 2, 2, 1, 3])
    matrix = metrics.confusion_matrix(labels, predicted)
    assert matrix.shape == (10, 10) and matrix.sum() == 5
    assert matrix[1, 2] == 1 and matrix[2, 1] == 1 and matrix[2, 2] == 1 and np.trace(matrix) == 3
    first = np.eye(10)[[0, 2, 2, 1, 3]] * 0.9 + 0.01  # wrong on samples 1 and 3
    first[3, 1] = 0.99  # its most confident mistake
    second = np.eye(10)[[0, 1, 2, 0, 3]]  # right on 1, wrong on 3
    assert metrics.wrong_here_right_there(first, second, labels).tolist() == [1]
    second[3] = np.eye(10)[2]
    assert metrics.wrong_here_right_there(first, second, labels).tolist() == [3, 1]
    with pytest.raises(ValueError):
        metrics.confusion_matrix(labels, predicted[:3])
