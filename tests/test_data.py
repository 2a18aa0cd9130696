"""cnnviz.data: the offline override, every validation failure, and the lesson's helpers."""

import numpy as np
import pytest

from cnnviz import data


def write_npz(path, **overrides):
    """A small fake-but-valid-looking MNIST file, with any array replaced by ``overrides``."""
    arrays = {
        "x_train": np.zeros((60000, 28, 28), np.uint8),
        "y_train": np.arange(60000, dtype=np.uint8) % 10,
        "x_test": np.zeros((10000, 28, 28), np.uint8),
        "y_test": np.arange(10000, dtype=np.uint8) % 10,
    }
    arrays.update(overrides)
    np.savez(path, **{key: value for key, value in arrays.items() if value is not None})
    return path


def test_real_mnist_has_keras_shapes_and_known_first_labels(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    # The seeds' first training digit is a 5; Keras' test set starts 7, 2, 1.
    assert list(y_train[:5]) == [5, 0, 4, 1, 9]
    assert list(y_test[:3]) == [7, 2, 1]
    assert x_train.max() == 255 and x_train.min() == 0


def test_override_is_used(tmp_path, monkeypatch):
    path = write_npz(tmp_path / "mine.npz")
    monkeypatch.setenv("CNNVIZ_MNIST", str(path))
    (x_train, y_train), _ = data.load_mnist()
    assert x_train.sum() == 0  # our zeros, not the real digits
    assert y_train[13] == 3
    assert str(path) in data.source_description()


def test_keras_cache_is_read_without_override(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNVIZ_MNIST", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    write_npz(tmp_path / "datasets" / "mnist.npz")
    (_, y_train), _ = data.load_mnist()
    assert y_train[7] == 7
    assert "cache" in data.source_description()


@pytest.mark.parametrize(
    "make_file, expected_words",
    [
        (lambda tmp: tmp / "missing.npz", "does not exist"),
        (lambda tmp: (tmp / "notes.npz").write_text("hello") and tmp / "notes.npz", "not a readable .npz"),
        (lambda tmp: write_npz(tmp / "keys.npz", x_train=None), "lacks the arrays ['x_train']"),
        (lambda tmp: write_npz(tmp / "shape.npz", x_test=np.zeros((10, 28, 28), np.uint8)), "shape (10, 28, 28)"),
        (lambda tmp: write_npz(tmp / "dtype.npz", x_test=np.zeros((10000, 28, 28), np.float32)), "float32"),
        (lambda tmp: write_npz(tmp / "labels.npz", y_test=np.full(10000, 12, np.uint8)), "label 12"),
    ],
    ids=["missing", "text-file", "wrong-keys", "wrong-shape", "wrong-dtype", "bad-label"],
)
def test_each_bad_file_gives_a_readable_error(tmp_path, monkeypatch, make_file, expected_words):
    monkeypatch.setenv("CNNVIZ_MNIST", str(make_file(tmp_path)))
    with pytest.raises(data.DatasetUnavailable) as error:
        data.load_mnist()
    assert expected_words in str(error.value)


def test_pickled_npz_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "pickled.npz"
    np.savez(path, x_train=np.array([{"evil": 1}], dtype=object), y_train=np.zeros(1), x_test=np.zeros(1),
             y_test=np.zeros(1))
    monkeypatch.setenv("CNNVIZ_MNIST", str(path))
    with pytest.raises(data.DatasetUnavailable, match="not a readable"):
        data.load_mnist()


def test_no_network_on_first_download_is_explained(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNVIZ_MNIST", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def fail(*args, **kwargs):
        raise Exception("URL fetch failure: no network")

    import keras.datasets.mnist

    monkeypatch.setattr(keras.datasets.mnist, "load_data", fail)
    with pytest.raises(data.DatasetUnavailable, match="Connect to the internet once"):
        data.load_mnist()


def test_scale_flatten_one_hot():
    image = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    np.testing.assert_allclose(data.scale(image), [[0, 1], [0.2, 0.4]], atol=1e-7)
    assert data.scale(image).dtype == np.float32
    assert data.flatten(image).tolist() == [0, 255, 51, 102]  # row 0 then row 1
    assert data.flatten(np.zeros((5, 28, 28))).shape == (5, 784)
    encoded = data.one_hot(np.array([5, 0]))
    assert encoded.shape == (2, 10) and encoded[0, 5] == 1 and encoded[0].sum() == 1 and encoded[1, 0] == 1
    assert data.one_hot(3).tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    with pytest.raises(ValueError, match="0..9"):
        data.one_hot(np.array([10]))


def test_class_counts_and_indices(mnist):
    (_, y_train), (_, y_test) = mnist
    counts = data.class_counts(y_train)
    assert counts.sum() == 60000 and counts[1] == 6742 and counts[5] == 5421  # MNIST's known counts
    assert data.class_counts(y_test).sum() == 10000
    sevens = data.indices_of_class(y_train, 7)
    assert len(sevens) == counts[7] and (y_train[sevens] == 7).all()
    assert len(data.indices_of_class(y_train, None)) == 60000
