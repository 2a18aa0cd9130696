"""What Xception needs from Keras' cache: the network with its ImageNet weights, and the ImageNet
class index that names its 1000 outputs. Either can be missing offline; :class:`ModelUnavailable`
then says, in sentences, which file to put in which folder.

Both live in ``$KERAS_HOME/models`` (default ``~/.keras/models``), read at call time. Keras is
imported lazily inside the functions, so importing this module is cheap. Nothing here imports
Streamlit; ``cnnviz.ui.xception`` loads the model once per server.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cnnviz.problems import Unavailable

WEIGHTS_ENV_VAR = "CNNVIZ_XCEPTION_WEIGHTS"
WEIGHTS_FILE_NAME = "xception_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_SIZE_MB = 88
CLASS_INDEX_FILE_NAME = "imagenet_class_index.json"
# Where and how keras.applications' decode_predictions fetches the class index (35 KB).
CLASS_INDEX_URL = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"
IMAGENET_CLASSES = 1000  # Xception's outputs


class ModelUnavailable(Unavailable):
    """Xception's weights or class names cannot be had; the message says which file to put where."""

    summary = ("Xception cannot name photos on this server today: its trained weights or its list of class "
               "names are missing, and the server cannot download them.")


def keras_home() -> Path:
    """Keras' cache folder: ``$KERAS_HOME``, by default ``~/.keras`` (read now, not at import)."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")


def weights_folder() -> Path:
    """Where Keras keeps downloaded weights and the class index: ``$KERAS_HOME/models``."""
    return keras_home() / "models"


def weights_source() -> str:
    """One sentence naming where :func:`load_xception` takes the weights from."""
    override = os.environ.get(WEIGHTS_ENV_VAR)
    if override:
        return f"the file {override} (set by {WEIGHTS_ENV_VAR})"
    return f"Keras' ImageNet weights, downloaded once into {weights_folder()}"


def _unavailable_message(what_happened: str, detail: str) -> str:
    return (
        f"{what_happened} To fix it, do one of these, then press Retry (or restart the app):\n"
        f"- give this server internet access once: Keras then downloads the {WEIGHTS_SIZE_MB} MB file by itself;\n"
        f"- copy the file `{WEIGHTS_FILE_NAME}` into the folder `{weights_folder()}` "
        "(that is `$KERAS_HOME/models/`, by default `~/.keras/models/`);\n"
        f"- or set the environment variable `{WEIGHTS_ENV_VAR}` to the path of an Xception weights file.\n\n"
        f"(Keras said: {detail})"
    )


def load_xception(weights: str | None = "imagenet"):
    """Build Xception with its 1000-class ImageNet head.

    Args:
        weights: ``"imagenet"`` (default) takes the file named by ``$CNNVIZ_XCEPTION_WEIGHTS``
            when that is set, else Keras' own ImageNet weights (downloaded once by Keras into
            ``$KERAS_HOME/models/``). ``None`` gives random weights (tests, the facts panel).

    Returns:
        A ``keras.Model`` mapping (batch, 299, 299, 3) preprocessed images to (batch, 1000)
        softmax probabilities. Treat it as read-only: it is shared by every session.

    Raises:
        ModelUnavailable: no network and no weights file, or the file named by the variable is
            missing or is not an Xception weights file.
    """
    import keras

    if weights is None:
        return keras.applications.Xception(weights=None)
    override = os.environ.get(WEIGHTS_ENV_VAR)
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise ModelUnavailable(
                f"{WEIGHTS_ENV_VAR} names the weights file {path}, but there is no such file. "
                f"Fix the path, or unset {WEIGHTS_ENV_VAR} to use Keras' own ImageNet weights."
            )
        model = keras.applications.Xception(weights=None)
        try:
            model.load_weights(str(path))
        except Exception as error:  # h5py, Keras and zip errors all mean "not Xception weights"
            raise ModelUnavailable(
                f"The file {path} (named by {WEIGHTS_ENV_VAR}) could not be read as Xception "
                f"weights ({type(error).__name__}: {error}). Point {WEIGHTS_ENV_VAR} at a file saved "
                f"with model.save_weights() from keras.applications.Xception, or at {WEIGHTS_FILE_NAME}."
            ) from error
        return model
    try:
        return keras.applications.Xception(weights="imagenet")
    except Exception as error:  # Keras raises a bare Exception("URL fetch failure ...") offline
        raise ModelUnavailable(
            _unavailable_message("Xception's ImageNet weights could not be downloaded (no internet here?).", str(error))
        ) from error


def class_index() -> dict[int, tuple[str, str]]:
    """The names of Xception's 1000 outputs: ``{index: (WordNet id, label)}``.

    Read from ``$KERAS_HOME/models/imagenet_class_index.json``; when the file is not there, Keras
    downloads it into that folder first (as its ``decode_predictions`` would).

    Raises:
        ModelUnavailable: the file is missing and cannot be downloaded, or it is not a class index.
    """
    path = weights_folder() / CLASS_INDEX_FILE_NAME
    if not path.is_file():
        path = _download_class_index()
    try:
        entries = json.loads(path.read_text())
        index = {int(key): (str(wnid), str(label)) for key, (wnid, label) in entries.items()}
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise ModelUnavailable(
            f"The ImageNet class index {path} is damaged ({type(error).__name__}: {error}). Delete it, or "
            f"replace it with Keras' {CLASS_INDEX_FILE_NAME}, then press Retry."
        ) from error
    if sorted(index) != list(range(IMAGENET_CLASSES)):
        raise ModelUnavailable(f"The ImageNet class index {path} does not name all {IMAGENET_CLASSES} classes. Delete "
                               f"it, or replace it with Keras' {CLASS_INDEX_FILE_NAME}, then press Retry.")
    return index


def _download_class_index() -> Path:
    import keras

    try:
        return Path(keras.utils.get_file(CLASS_INDEX_FILE_NAME, CLASS_INDEX_URL, cache_subdir="models",
                                         cache_dir=str(keras_home()), file_hash=CLASS_INDEX_MD5))
    except Exception as error:  # Keras raises a bare Exception("URL fetch failure ...") offline
        raise ModelUnavailable(
            f"Xception's class names are missing: the file `{CLASS_INDEX_FILE_NAME}` is not in the folder "
            f"`{weights_folder()}` (that is `$KERAS_HOME/models/`, by default `~/.keras/models/`), and Keras "
            "could not download it (no internet here?). Copy that 35 KB file from a machine where Keras has "
            "run Xception (it is in its `~/.keras/models/`) into the folder, or give this server internet "
            f"access once, then press Retry.\n\n(Keras said: {error})"
        ) from error


def architecture_facts(model=None) -> dict:
    """Size and depth of Xception, read from ``model`` (the server's Xception), else from an
    architecture built with random weights (1.7 s and 88 MB of weights: only without a model).

    Returns:
        ``{"input_shape": (299, 299, 3), "params": int, "layers": int, "weight_layers": int,
        "separable_convolutions": int, "plain_convolutions": int, "megabytes": float}``.
    """
    if model is None:
        import keras

        model = keras.applications.Xception(weights=None)
    kinds = [type(layer).__name__ for layer in model.layers]
    params = int(model.count_params())
    return {
        "input_shape": tuple(int(side) for side in model.input_shape[1:]),
        "params": params,
        "layers": len(model.layers),
        "weight_layers": sum(kind in ("Conv2D", "SeparableConv2D", "Dense") for kind in kinds),
        "separable_convolutions": kinds.count("SeparableConv2D"),
        "plain_convolutions": kinds.count("Conv2D"),
        "megabytes": params * 4 / 1e6,
    }
