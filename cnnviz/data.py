"""MNIST for the lessons: loading (Keras' own cache, or an offline override), checks, and the
preprocessing steps the seeds teach (scale to [0, 1], flatten 28x28 -> 784, one-hot labels).

Reading an already cached ``mnist.npz`` uses numpy only, so pages that show raw pixels never pay
for importing TensorFlow. Keras is imported only when the file has to be downloaded.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from cnnviz.problems import Unavailable

MNIST_ENV_VAR = "CNNVIZ_MNIST"
IMAGE_SIZE = 28
NUM_CLASSES = 10
EXPECTED_SHAPES = {
    "x_train": (60000, IMAGE_SIZE, IMAGE_SIZE),
    "y_train": (60000,),
    "x_test": (10000, IMAGE_SIZE, IMAGE_SIZE),
    "y_test": (10000,),
}

Split = tuple[np.ndarray, np.ndarray]


class DatasetUnavailable(Unavailable):
    """MNIST could not be loaded; the message says what went wrong and what to do."""

    summary = "The MNIST digits could not be loaded on this server, so this page cannot show them today."


def keras_home() -> Path:
    """The folder Keras caches downloads in: ``$KERAS_HOME`` or ``~/.keras``."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")


def keras_cache_path() -> Path:
    """Where ``keras.datasets.mnist.load_data()`` keeps its download (about 11 MB)."""
    return keras_home() / "datasets" / "mnist.npz"


def source_description() -> str:
    """One sentence naming where :func:`load_mnist` will read MNIST from."""
    override = os.environ.get(MNIST_ENV_VAR)
    if override:
        return f"{override} (set by {MNIST_ENV_VAR})"
    cache = keras_cache_path()
    if cache.exists():
        return f"Keras' cache, {cache}"
    return f"Keras' download, saved once into {cache}"


def load_mnist() -> tuple[Split, Split]:
    """Load MNIST as Keras does, checked.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28), (10000,); images are 0 = background ... 255 = ink.

    Raises:
        DatasetUnavailable: the override file is missing or broken, the cache is broken, or the
            first download failed (no network).
    """
    override = os.environ.get(MNIST_ENV_VAR)
    if override:
        arrays = _read_npz(Path(override), origin=f"The file named by {MNIST_ENV_VAR}")
    elif keras_cache_path().exists():
        arrays = _read_npz(keras_cache_path(), origin="Keras' cached MNIST")
    else:
        arrays = _download_with_keras()
    validate(arrays)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _read_npz(path: Path, origin: str) -> dict[str, np.ndarray]:
    """Read the four MNIST arrays from an ``.npz`` file, never unpickling anything."""
    if not path.is_file():
        raise DatasetUnavailable(
            f"{origin} does not exist: {path}. Point {MNIST_ENV_VAR} at a real mnist.npz, "
            "or unset it to let Keras download MNIST (about 11 MB, needs internet once)."
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = sorted(set(EXPECTED_SHAPES) - set(npz.files))
            if missing:
                raise DatasetUnavailable(
                    f"{origin} ({path}) is an .npz file but lacks the arrays {missing}; "
                    f"it has {sorted(npz.files)}. Use Keras' mnist.npz, which has "
                    "x_train, y_train, x_test and y_test."
                )
            return {key: npz[key] for key in EXPECTED_SHAPES}
    except DatasetUnavailable:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DatasetUnavailable(
            f"{origin} ({path}) is not a readable .npz file ({error}). Replace it with Keras' "
            f"mnist.npz{' or delete it so Keras downloads it again' if origin.startswith('Keras') else ''}."
        ) from error


def _download_with_keras() -> dict[str, np.ndarray]:
    """First run with internet: let Keras download MNIST into its cache."""
    try:
        from keras.datasets import mnist  # heavy import, only needed once per machine

        (x_train, y_train), (x_test, y_test) = mnist.load_data()
    except Exception as error:  # Keras raises plain Exceptions for network failures
        raise DatasetUnavailable(
            f"MNIST is not on this machine and Keras could not download it ({error}). "
            f"Connect to the internet once (it is saved to {keras_cache_path()}), or point "
            f"{MNIST_ENV_VAR} at a copy of mnist.npz."
        ) from error
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def validate(arrays: dict[str, np.ndarray]) -> None:
    """Check shapes, dtypes and label range of the four MNIST arrays.

    Raises:
        DatasetUnavailable: naming the first array that is wrong and what was expected.
    """
    for key, shape in EXPECTED_SHAPES.items():
        array = arrays[key]
        if array.shape != shape:
            raise DatasetUnavailable(
                f"MNIST's {key} has shape {array.shape}, expected {shape}. The file is not "
                "Keras' MNIST; replace it with the real mnist.npz."
            )
        if array.dtype != np.uint8:
            raise DatasetUnavailable(
                f"MNIST's {key} holds {array.dtype} values, expected uint8 (0..255). "
                "Replace the file with the real mnist.npz."
            )
    for key in ("y_train", "y_test"):
        if arrays[key].max() >= NUM_CLASSES:
            raise DatasetUnavailable(
                f"MNIST's {key} has a label {int(arrays[key].max())}; digits are 0..9. "
                "Replace the file with the real mnist.npz."
            )


def scale(images: np.ndarray) -> np.ndarray:
    """Pixel values 0..255 -> float32 0..1 (the seeds' ``/ 255`` / MinMaxScaler step)."""
    return np.asarray(images, dtype=np.float32) / np.float32(255)


def flatten(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) -> (N, 784), or (28, 28) -> (784,): the rows laid end to end."""
    images = np.asarray(images)
    if images.ndim == 2:
        return images.reshape(-1)
    return images.reshape(images.shape[0], -1)


def one_hot(labels: np.ndarray | int, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Labels (N,) -> float32 (N, num_classes) with a single 1 per row; an int gives (num_classes,)."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"Labels must lie in 0..{num_classes - 1}, got {labels.min()}..{labels.max()}.")
    return np.eye(num_classes, dtype=np.float32)[labels]


def class_counts(labels: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """How many images of each digit: int array (num_classes,)."""
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=num_classes)


def indices_of_class(labels: np.ndarray, digit: int | None) -> np.ndarray:
    """Indices of the images labelled ``digit`` (all indices when ``digit`` is None)."""
    if digit is None:
        return np.arange(len(labels))
    return np.flatnonzero(labels == digit)
