"""cnnviz.digits.images: safe decoding (a corpus of bad files) and MNIST's normalisation (known answers,
and real MNIST digits turned into synthetic photos, classified by a committed zoo CNN)."""

from __future__ import annotations

import numpy as np
import pytest
from digit_photos import (BAD_FILES, MUST_FAIL, animated_gif, dark_on_light, digit_rgb, exif_rotated, huge_png,
                          palette_with_alpha, png_bytes, rectangle, synthetic_photo)
from PIL import Image

from cnnviz.digits import image_files, images, ink


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    total = image.sum()
    positions = np.arange(image.shape[0])
    return float((image.sum(axis=1) * positions).sum() / total), float((image.sum(axis=0) * positions).sum() / total)


def box_size(image: np.ndarray, level: float = 0.1) -> tuple[int, int]:
    rows = np.flatnonzero((image > level).any(axis=1))
    cols = np.flatnonzero((image > level).any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


# ------------------------------------------------------------------ known answers


def test_off_centre_blob_is_centred_and_scaled_to_20_pixels():
    result = images.to_mnist(rectangle(30, 30, top=5, left=110))
    assert result.shape == (28, 28) and result.dtype == np.float32
    assert 0.0 <= result.min() and result.max() <= 1.0
    row, col = centre_of_mass(result)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5
    assert box_size(result) in {(20, 20), (21, 21)}


def test_aspect_ratio_is_kept():
    tall = images.to_mnist(rectangle(80, 20, top=20, left=30))
    height, width = box_size(tall)
    assert height in (20, 21) and width in (5, 6, 7), (height, width)
    wide = images.to_mnist(rectangle(20, 80, top=20, left=30))
    assert box_size(wide)[1] in (20, 21) and box_size(wide)[0] in (5, 6, 7)


def test_dark_ink_on_light_paper_is_detected_and_inverted(mnist):
    (_, _), (x_test, _) = mnist
    digit = x_test[0]
    light_on_dark = images.to_mnist(digit)
    dark_on_paper = images.to_mnist(dark_on_light(digit))
    assert ink.looks_like_dark_ink(np.asarray(dark_on_light(digit)) / 255.0)
    assert not ink.looks_like_dark_ink(digit / 255.0)
    np.testing.assert_allclose(dark_on_paper, light_on_dark, atol=0.02)
    # The student's override wins over the guess.
    np.testing.assert_allclose(images.to_mnist(dark_on_light(digit), invert=True), light_on_dark, atol=0.02)
    assert images.to_mnist_steps(dark_on_light(digit))[1].name.startswith("2. inverted")
    assert images.to_mnist_steps(digit)[1].name.startswith("2. ink already")


def test_an_mnist_digit_comes_back_nearly_unchanged(mnist):
    """MNIST is already normalised; only the rounding of the centre of mass may move it 1 px."""
    (_, _), (x_test, _) = mnist
    for index in range(30):
        result = images.to_mnist(x_test[index])
        original = x_test[index] / 255.0
        row, col = centre_of_mass(result)
        assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5, index
        error = min(np.abs(np.roll(result, (down, right), axis=(0, 1)) - original).mean()
                    for down in (-1, 0, 1) for right in (-1, 0, 1))
        assert error < 0.04, (index, error)


def test_steps_are_named_and_end_with_the_result(mnist):
    (_, _), (x_test, _) = mnist
    photo = synthetic_photo(x_test[3], np.random.default_rng(3))
    steps = images.to_mnist_steps(photo)
    assert [step.name[:2] for step in steps] == ["1.", "2.", "3.", "4.", "5.", "6.", "7."]
    assert all(step.image.ndim == 2 and step.image.min() >= 0 and step.image.max() <= 1 for step in steps)
    assert max(steps[4].image.shape) == 20
    np.testing.assert_array_equal(steps[-1].image, images.to_mnist(photo))


def test_canvas_rgba_uses_the_strokes_alpha():
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)  # transparent background
    canvas[60:220, 130:150] = (255, 255, 255, 255)  # a white stroke: a "1"
    result = images.to_mnist(canvas)
    height, width = box_size(result)
    assert height in (20, 21) and width <= 4
    # The same stroke drawn black on a transparent canvas gives the same digit.
    canvas[60:220, 130:150] = (0, 0, 0, 255)
    np.testing.assert_allclose(images.to_mnist(canvas), result)


def test_opaque_canvas_black_background_white_ink():
    canvas = np.zeros((200, 200, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    canvas[50:150, 90:110, :3] = 255
    assert box_size(images.to_mnist(canvas))[0] in (20, 21)


@pytest.mark.parametrize("blank", [
    np.zeros((280, 280, 4), dtype=np.uint8),
    np.full((280, 280, 4), 255, dtype=np.uint8),
    np.clip(np.random.default_rng(0).normal(200, 6, (480, 640, 3)), 0, 255).astype(np.uint8),
], ids=["empty canvas", "white canvas", "blank noisy photo"])
def test_blank_input_asks_to_draw_a_digit(blank):
    with pytest.raises(image_files.ImageError, match="Draw a digit first"):
        images.to_mnist(blank)


def test_shaded_paper_is_not_mistaken_for_ink(mnist):
    (_, _), (x_test, _) = mnist
    paper = np.linspace(140, 250, 400)[None, :] * np.ones((300, 1))  # strong left-to-right shading
    digit = np.asarray(Image.fromarray(x_test[0]).resize((112, 112)), dtype=np.float32) / 255
    paper[100:212, 150:262] = paper[100:212, 150:262] * (1 - digit) + 30 * digit
    result = images.to_mnist(paper.astype(np.uint8))
    assert np.corrcoef(result.ravel(), x_test[0].ravel())[0, 1] > 0.8


# ------------------------------------------------------------------ bad files




@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_file_works_or_raises_image_error(name, mnist):
    """How quickly each is handled (well under a second) is measured by benchmarks/bad_uploads.py."""
    data = BAD_FILES[name](mnist)
    try:
        result = images.to_mnist(data)
    except image_files.ImageError as error:
        assert name in MUST_FAIL, f"{name} should work, got: {error}"
        assert str(error).endswith(".") and len(str(error)) > 30
    else:
        assert name not in MUST_FAIL, f"{name} should have been refused"
        assert result.shape == (28, 28) and result.max() > 0.5


def test_decoded_modes_are_grey_or_rgb(mnist):
    for name in ("16-bit png", "cmyk jpeg", "palette with alpha", "animated gif", "exif rotated photo"):
        assert image_files.open_image(BAD_FILES[name](mnist)).mode in ("L", "RGB"), name


def test_exif_orientation_is_applied(mnist):
    upright = image_files.open_image(exif_rotated(mnist))
    assert upright.size[1] > upright.size[0]  # the bar stands up: taller than wide
    height, width = box_size(images.to_mnist(upright))
    assert height > 3 * width


def test_animated_gif_uses_the_first_frame(mnist):
    (_, _), (x_test, _) = mnist
    first = images.to_mnist(animated_gif(mnist))
    assert np.abs(first - images.to_mnist(x_test[0])).mean() < np.abs(first - images.to_mnist(x_test[1])).mean()


def test_palette_transparency_lands_on_white_behind_dark_ink(mnist):
    (_, _), (x_test, _) = mnist
    result = images.to_mnist(palette_with_alpha(mnist))
    assert np.corrcoef(result.ravel(), x_test[0].ravel())[0, 1] > 0.8


def test_too_large_message_and_custom_limit(mnist):
    with pytest.raises(image_files.ImageError, match="too large"):
        image_files.open_image(huge_png())
    with pytest.raises(image_files.ImageError, match="too large"):
        image_files.open_image(png_bytes(digit_rgb(mnist)), max_pixels=100)


@pytest.mark.parametrize("junk", [None, 42, np.zeros((5,)), np.zeros((4, 4, 7))])
def test_wrong_python_objects_raise_image_error(junk):
    with pytest.raises(image_files.ImageError):
        images.to_mnist(junk)


# ------------------------------------------------------------------ synthetic photos through a zoo CNN

SYNTHETIC_COUNT = 300
ALLOWED_DROP = 0.03  # accuracy may fall by at most 3 points from clean MNIST to synthetic photos


def test_synthetic_photos_keep_the_cnn_accurate(mnist):
    from cnnviz import zoo

    name = "cnn_best"
    model = zoo.load(name)

    (_, _), (x_test, y_test) = mnist
    rng = np.random.default_rng(2024)
    indices = rng.choice(len(x_test), SYNTHETIC_COUNT, replace=False)
    clean = x_test[indices].astype(np.float32)[..., None] / 255.0
    photos = np.stack([images.to_mnist(synthetic_photo(x_test[i], rng)) for i in indices])[..., None]
    clean_accuracy = float((np.argmax(model(clean, training=False), axis=1) == y_test[indices]).mean())
    photo_accuracy = float((np.argmax(model(photos, training=False), axis=1) == y_test[indices]).mean())
    print(f"{name} on {SYNTHETIC_COUNT} test digits: clean {clean_accuracy:.1%}, synthetic photos {photo_accuracy:.1%}")
    assert photo_accuracy >= clean_accuracy - ALLOWED_DROP, (clean_accuracy, photo_accuracy)
