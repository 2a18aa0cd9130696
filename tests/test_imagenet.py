"""cnnviz.xception: preprocessing, predictions, loading, the class index, Grad-CAM oracles.

The real ImageNet weights are not available offline, so Xception runs with random weights
(built twice in this file: once as the model under test, once loaded back from a weights file).
The photo is made here and the class index is a stand-in (see support.py), so nothing outside
the repository is needed.
"""

import io

import numpy as np
import pytest
from PIL import Image

from support import photo_like

from cnnviz.digits import image_files
from cnnviz.xception import figures as imagenet_figures
from cnnviz.xception import gradcam, imagenet, loading

keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def xception():
    keras.utils.set_random_seed(7)
    return loading.load_xception(weights=None)


@pytest.fixture(scope="module")
def weights_file(xception, tmp_path_factory):
    path = tmp_path_factory.mktemp("xception") / "random_xception.weights.h5"
    xception.save_weights(str(path))
    return path


@pytest.fixture(scope="module")
def photo():
    """A photo-like JPEG made here, decoded like an upload."""
    return image_files.open_image(photo_like())


@pytest.fixture
def class_index(imagenet_home):
    """The stand-in class index that ``decode`` reads (``KERAS_HOME`` points at it)."""
    return imagenet_home


# --------------------------------------------------------------------------- preprocessing


def test_preprocess_equals_keras_preprocess_input_on_known_pixels():
    rng = np.random.default_rng(0)
    array = rng.integers(0, 256, size=(299, 299, 3), dtype=np.uint8)
    array[0, 0] = (0, 128, 255)
    expected = keras.applications.xception.preprocess_input(array.astype(np.float32)[np.newaxis])
    result = imagenet.preprocess(Image.fromarray(array))
    assert result.shape == (1, 299, 299, 3) and result.dtype == np.float32
    np.testing.assert_allclose(result, expected, atol=1e-6)
    np.testing.assert_allclose(result[0, 0, 0], [-1.0, 128 / 127.5 - 1, 1.0], atol=1e-6)


def test_scale_pixels_leaves_its_input_alone():
    before = np.full((1, 299, 299, 3), 255.0, dtype=np.float32)
    after = imagenet.scale_pixels(before)
    assert before.max() == 255.0 and after.max() == pytest.approx(1.0)


def test_crop_keeps_the_centre_and_squash_keeps_the_edges():
    stripes = np.zeros((300, 900, 3), dtype=np.uint8)
    stripes[:, :300, 0] = 255  # red left third
    stripes[:, 300:600, 1] = 255  # green middle
    stripes[:, 600:, 2] = 255  # blue right third
    photo = Image.fromarray(stripes)
    crop = np.asarray(imagenet.fit_to_input(photo, "crop"))
    squash = np.asarray(imagenet.fit_to_input(photo, "squash"))
    assert crop.shape == squash.shape == (299, 299, 3)
    assert crop[:, :, 1].min() > 240 and crop[:, :, 0].max() < 15  # only green survives the crop
    assert squash[150, 10, 0] > 240 and squash[150, 290, 2] > 240  # red and blue still there
    assert imagenet.fit_to_input(photo, "crop", size=None).size == (300, 300)
    with pytest.raises(ValueError, match="mode"):
        imagenet.fit_to_input(photo, "stretch")


@pytest.mark.parametrize("mode", ["L", "RGBA", "P"])
def test_any_mode_becomes_three_channels(mode):
    photo = Image.new("RGB", (40, 30), (200, 10, 10)).convert(mode)
    assert imagenet.preprocess(photo).shape == (1, 299, 299, 3)


# --------------------------------------------------------------------------- predictions


def test_predict_returns_five_sorted_valid_labels(xception, photo, class_index):
    batch = imagenet.preprocess(photo)
    row = imagenet.probabilities(xception, batch)[0]
    assert row.shape == (1000,)
    assert row.sum() == pytest.approx(1.0, abs=1e-4)
    top = imagenet.predict(photo, model=xception)
    assert len(top) == 5
    probs = [probability for _, _, probability in top]
    assert probs == sorted(probs, reverse=True)
    valid = set(class_index.values())
    assert all((wnid, label) in valid for wnid, label, _ in top)
    indices = imagenet.top_indices(row, 5)
    assert [class_index[i] for i in indices] == [(wnid, label) for wnid, label, _ in top]
    np.testing.assert_allclose(probs, row[indices], rtol=1e-6)


def test_analyse_agrees_with_the_model_and_predict(xception, photo, imagenet_home):
    predictions, heatmaps = imagenet.analyse(xception, photo, "squash")
    direct = imagenet.predict(photo, model=xception, mode="squash")
    assert [entry[1:3] for entry in predictions] == [entry[:2] for entry in direct]
    np.testing.assert_allclose([entry[3] for entry in predictions], [entry[2] for entry in direct], rtol=1e-4)
    assert list(heatmaps) == [entry[0] for entry in predictions]
    for heatmap in heatmaps.values():
        assert heatmap.shape == (10, 10) and 0.0 <= heatmap.min() and heatmap.max() == pytest.approx(1.0)


# --------------------------------------------------------------------------- loading


def test_weights_file_named_by_the_variable_is_loaded(xception, weights_file, photo, monkeypatch):
    monkeypatch.setenv(loading.WEIGHTS_ENV_VAR, str(weights_file))
    loaded = loading.load_xception()
    batch = imagenet.preprocess(photo)
    np.testing.assert_allclose(imagenet.probabilities(loaded, batch), imagenet.probabilities(xception, batch),
                               rtol=1e-5, atol=1e-7)
    assert str(weights_file) in loading.weights_source()


def test_missing_or_junk_weights_file_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv(loading.WEIGHTS_ENV_VAR, str(tmp_path / "nowhere.weights.h5"))
    with pytest.raises(loading.ModelUnavailable, match="no such file"):
        loading.load_xception()
    junk = tmp_path / "junk.h5"
    junk.write_text("not weights")
    monkeypatch.setenv(loading.WEIGHTS_ENV_VAR, str(junk))
    with pytest.raises(loading.ModelUnavailable, match="could not be read as Xception weights"):
        loading.load_xception()


def test_offline_download_failure_names_the_file_the_folder_and_the_variable(monkeypatch, tmp_path):
    def offline(weights=None, **_):
        if weights == "imagenet":
            raise Exception("URL fetch failure on https://storage.googleapis.com/...: [Errno -2] Name or service not known")
        raise AssertionError("only the ImageNet download should be tried")

    monkeypatch.delenv(loading.WEIGHTS_ENV_VAR, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(keras.applications, "Xception", offline)
    with pytest.raises(loading.ModelUnavailable) as caught:
        loading.load_xception()
    message = str(caught.value)
    assert loading.WEIGHTS_FILE_NAME in message
    assert str(tmp_path / "keras-home" / "models") in message
    assert loading.WEIGHTS_ENV_VAR in message and "URL fetch failure" in message


@pytest.fixture
def no_download(monkeypatch):
    """Keras' downloader fails as it does offline (and never reaches the network)."""
    def offline(*_, **__):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: [Errno -2] Name or service not known")

    monkeypatch.setattr(keras.utils, "get_file", offline)


def test_missing_class_index_names_the_file_and_the_folder(tmp_path, monkeypatch, no_download):
    home = tmp_path / "empty-keras-home"  # KERAS_HOME is read when asked, not when Keras was imported
    monkeypatch.setenv("KERAS_HOME", str(home))
    for ask in (loading.class_index, lambda: imagenet.decode(np.full(1000, 1 / 1000), top=1)):
        with pytest.raises(loading.ModelUnavailable) as caught:
            ask()
        message = str(caught.value)
        assert loading.CLASS_INDEX_FILE_NAME in message and str(home / "models") in message
        assert "~/.keras/models" in message and "URL fetch failure" in message


def test_class_index_is_read_from_keras_home_at_call_time(imagenet_home, no_download):
    probabilities = np.zeros(1000)
    probabilities[[7, 3]] = (0.6, 0.4)
    assert imagenet.decode(probabilities, top=2) == [(*imagenet_home[7], 0.6), (*imagenet_home[3], 0.4)]


def test_damaged_class_index_is_explained(imagenet_home, no_download):
    path = loading.weights_folder() / loading.CLASS_INDEX_FILE_NAME
    for damage in ("{not json", '{"0": ["n01440764", "tench"]}'):
        path.write_text(damage)
        with pytest.raises(loading.ModelUnavailable, match="imagenet_class_index.json"):
            loading.class_index()


def test_architecture_facts_are_xceptions(xception):
    facts = loading.architecture_facts()
    assert facts["params"] == xception.count_params() == 22_910_480
    assert facts["input_shape"] == (299, 299, 3)
    assert facts["layers"] == len(xception.layers)
    assert facts["separable_convolutions"] + facts["plain_convolutions"] + 1 == facts["weight_layers"]
    assert loading.architecture_facts(xception) == facts, "a loaded Xception gives the same facts, unbuilt"


# --------------------------------------------------------------------------- Grad-CAM


def two_corner_model():
    """Class 0 sees only input channel 0, class 1 only channel 1 (fixed weights, no training)."""
    inputs = keras.Input((16, 16, 2))
    conv = keras.layers.Conv2D(2, 3, padding="same", activation="relu", name="last_conv",
                               kernel_initializer="zeros", bias_initializer="zeros")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(conv)
    outputs = keras.layers.Dense(2, activation="softmax", name="classes")(pooled)
    model = keras.Model(inputs, outputs)
    kernel = np.zeros((3, 3, 2, 2), dtype=np.float32)
    kernel[1, 1, 0, 0] = kernel[1, 1, 1, 1] = 1.0  # feature map k copies input channel k
    model.get_layer("last_conv").set_weights([kernel, np.zeros(2, np.float32)])
    model.get_layer("classes").set_weights([np.array([[4.0, -4.0], [-4.0, 4.0]], np.float32), np.zeros(2, np.float32)])
    return model


def corner_image(strength_top_left=1.0, strength_bottom_right=0.6):
    image = np.zeros((1, 16, 16, 2), dtype=np.float32)
    image[0, :4, :4, 0] = strength_top_left  # channel 0: a patch in the top-left corner
    image[0, -4:, -4:, 1] = strength_bottom_right  # channel 1: a patch in the bottom-right corner
    return image


def test_gradcam_oracle_peaks_where_each_class_looks():
    model = two_corner_model()
    image = corner_image()
    top_left = gradcam.gradcam_heatmap(model, image, "last_conv", class_index=0)
    bottom_right = gradcam.gradcam_heatmap(model, image, "last_conv", class_index=1)
    assert top_left.shape == (16, 16)
    assert np.unravel_index(top_left.argmax(), top_left.shape)[0] < 4
    assert top_left[:4, :4].min() == pytest.approx(1.0) and top_left[4:, 4:].max() == 0.0
    assert bottom_right[-4:, -4:].min() == pytest.approx(1.0) and bottom_right[:12, :12].max() == 0.0
    # The default class is the top one: channel 0's patch is brighter, so class 0 wins.
    np.testing.assert_array_equal(gradcam.gradcam_heatmap(model, image, "last_conv"), top_left)


def test_gradcam_rejects_a_layer_not_followed_by_a_dense_head():
    model = two_corner_model()
    with pytest.raises(ValueError):
        gradcam.gradcam_heatmap(model, corner_image(), "no_such_layer")
    with pytest.raises(ValueError, match="Dense"):
        gradcam.gradcam_heatmap(model, corner_image(), "classes")


def test_gradcam_leaves_the_shared_model_untouched(xception, photo):
    batch = imagenet.preprocess(photo)
    before = imagenet.probabilities(xception, batch)
    weights_before = [w.copy() for w in xception.get_layer("predictions").get_weights()]
    layer_count = len(xception.layers)
    heatmap = imagenet.gradcam(photo, model=xception)
    top_class = imagenet.top_indices(before[0], 1)[0]
    other = imagenet.gradcam(photo, class_index=(top_class + 1) % 1000, model=xception)
    assert heatmap.shape == other.shape == (10, 10)
    assert 0.0 <= heatmap.min() and heatmap.max() <= 1.0
    np.testing.assert_array_equal(imagenet.probabilities(xception, batch), before)
    assert xception.get_layer("predictions").activation is keras.activations.softmax
    assert len(xception.layers) == layer_count
    for kept, now in zip(weights_before, xception.get_layer("predictions").get_weights()):
        np.testing.assert_array_equal(kept, now)


def test_overlay_blends_photo_and_colours():
    photo = Image.new("RGB", (50, 40), (10, 200, 30))
    heatmap = np.linspace(0, 1, 25, dtype=np.float32).reshape(5, 5)
    np.testing.assert_array_equal(np.asarray(gradcam.overlay(photo, heatmap, 0.0)), np.asarray(photo))
    full = np.asarray(gradcam.overlay(photo, heatmap, 1.0))
    np.testing.assert_array_equal(full, gradcam.colourise(heatmap, photo.size))
    assert gradcam.overlay(photo, heatmap, 0.5).size == (50, 40)
    with pytest.raises(ValueError, match="strength"):
        gradcam.overlay(photo, heatmap, 1.5)


# --------------------------------------------------------------------------- uploads and figures


def _png(image, **options):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def bad_image_corpus():
    good = _png(Image.new("RGB", (64, 48), (120, 30, 200)))
    cmyk = io.BytesIO()
    Image.new("CMYK", (40, 40), (0, 255, 0, 0)).save(cmyk, format="JPEG")
    palette = Image.new("P", (30, 30), 1)
    palette.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    gif = io.BytesIO()
    frames = [Image.new("P", (20, 20), colour) for colour in (1, 2, 3)]
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:])
    huge = bytearray(_png(Image.new("L", (1, 1))))
    huge[16:24] = (100_000).to_bytes(4, "big") * 2  # the header claims 100000 x 100000 pixels
    return {
        "truncated png": good[: len(good) // 2],
        "zero bytes": b"",
        "text": b"hello, this is not an image\n" * 20,
        "16-bit png": _png(Image.fromarray(np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 16)),
        "cmyk jpeg": cmyk.getvalue(),
        "palette with alpha": _png(palette, transparency=0),
        "animated gif": gif.getvalue(),
        "huge header": bytes(huge),
    }


@pytest.mark.parametrize("name", list(bad_image_corpus()))
def test_bad_images_through_the_upload_path_give_a_message_or_work(name):
    data = bad_image_corpus()[name]
    try:
        photo = image_files.open_image(data)
    except image_files.ImageError as error:
        assert len(str(error)) > 20  # a sentence, not a code
        return
    batch = imagenet.preprocess(photo)
    assert batch.shape == (1, 299, 299, 3) and np.isfinite(batch).all()
    assert -1.0 <= batch.min() and batch.max() <= 1.0


def test_sample_photos_decode_and_missing_ones_are_explained():
    photos, notes = imagenet.sample_photos()
    assert any("Grace Hopper" in photo.name for photo in photos) or notes
    for photo in photos:
        assert imagenet.preprocess(image_files.open_image(photo.path.read_bytes())).shape == (1, 299, 299, 3)
    assert len(photos) + len(notes) == 2


def test_figures_have_readable_labels_percentages_and_legends():
    predictions = [(208, "n02099712", "Labrador_retriever", 0.8), (207, "n02099601", "golden_retriever", 0.15)]
    bars = imagenet_figures.top_bars(predictions, presenter=False)
    assert list(bars.data[0].y) == ["golden retriever", "Labrador retriever"]
    assert list(bars.data[0].text) == ["15.0 %", "80.0 %"]
    heatmap = np.eye(10, dtype=np.float32)
    photo = Image.new("RGB", (100, 80))
    figure = imagenet_figures.gradcam_overlay(gradcam.overlay(photo, heatmap, 0.5), heatmap, presenter=True)
    assert "evidence" in figure.data[1].colorbar.title.text
    grid = imagenet_figures.gradcam_grid(heatmap, presenter=False)
    assert grid.data[0].colorbar.title.text and grid.data[0].texttemplate
    before = np.arange(299 * 299 * 3, dtype=np.float32).reshape(1, 299, 299, 3) % 256
    histograms = imagenet_figures.value_histograms(before, before / 127.5 - 1, presenter=False)
    assert sum(histograms.data[0].y) == sum(histograms.data[1].y) == before.size
