"""MNIST's own normalisation of a hand-written digit, and a digit enlarged for display.

``to_mnist`` turns a photo, an upload or a canvas drawing into what an MNIST network expects:
a (28, 28) float32 array in 0..1, white digit on black, the digit scaled so that its longer
side is 20 px and shifted so that its centre of mass sits at the centre, as LeCun et al. did.
``to_mnist_steps`` returns every intermediate image so a page can show what happened. Uploads
are decoded by :mod:`cnnviz.digits.image_files`; ink is told from paper by :mod:`cnnviz.digits.ink`.

Pillow and numpy only (no scipy, no Keras), so this module is cheap to import.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from PIL import Image

from cnnviz.digits.image_files import MAX_PIXELS, ImageError, normalise_mode, open_image, too_large_error
from cnnviz.digits.ink import ink_bounding_box, looks_like_dark_ink, remove_background

WORKING_SIDE = 512  # photos are shrunk to this before the clean-up (plenty for a 20 px digit)
MNIST_SIDE = 28
DIGIT_BOX = 20  # MNIST fits each digit's longer side into 20 px ...
CENTRE_OF_MASS = 14.0  # ... then moves its centre of mass here (measured on MNIST: 13.99, 14.01)


class Step(NamedTuple):
    """One stage of :func:`to_mnist_steps`: a caption and a 2-D image in 0..1 (1 = ink)."""

    name: str
    image: np.ndarray


# --------------------------------------------------------------------------- MNIST normalisation


def to_mnist(image, invert: bool | None = None) -> np.ndarray:
    """A student's digit -> what an MNIST network expects.

    Args:
        image: a Pillow image, the bytes of an image file, or a numpy array: (H, W) grey,
            (H, W, 3) RGB or (H, W, 4) RGBA such as a drawing canvas' ``image_data``
            (uint8 0..255 or float 0..1). In an RGBA array with transparent parts, the ink is
            wherever the strokes are opaque.
        invert: True if the digit is dark ink on light paper (it gets inverted), False if it is
            already light on dark, None to guess from the picture (:func:`looks_like_dark_ink`).

    Returns:
        float32 array (28, 28) in 0..1, white digit on black, longer side 20 px, centre of mass
        at the centre (row 14, column 14), like every MNIST digit.

    Raises:
        ImageError: unreadable or too large file, or no digit in the picture (blank).
    """
    return to_mnist_steps(image, invert)[-1].image


def to_mnist_steps(image, invert: bool | None = None) -> list[Step]:
    """Like :func:`to_mnist`, but returns every stage, the last one being the result.

    Returns:
        A list of :class:`Step` ``(name, image)``: grey picture, ink made white, background
        removed, cropped to the ink, longer side scaled to 20 px, padded to 28 x 28, centre of
        mass centred. Images are float32 2-D arrays in 0..1; the first ones are at most
        512 px on a side, the last three are 28 x 28 (the fifth at most 20 x 20).

    Raises:
        ImageError: as :func:`to_mnist`.
    """
    grey, alpha_is_ink = _as_grey(image)
    steps = [Step("1. grey picture", grey)]
    if alpha_is_ink:
        should_invert = bool(invert) if invert is not None else False
    else:
        should_invert = looks_like_dark_ink(grey) if invert is None else bool(invert)
    ink = 1.0 - grey if should_invert else grey
    steps.append(Step("2. inverted: ink white, paper black" if should_invert else "2. ink already white on black", ink))

    cleaned = remove_background(ink)
    steps.append(Step("3. paper shading and noise removed", cleaned))

    top, bottom, left, right = ink_bounding_box(cleaned)
    cropped = cleaned[top:bottom, left:right]
    steps.append(Step("4. cropped to the ink", cropped))

    scaled = _fit_into_box(cropped, DIGIT_BOX)
    steps.append(Step("5. longer side scaled to 20 px", scaled))

    padded = np.zeros((MNIST_SIDE, MNIST_SIDE), dtype=np.float32)
    row = (MNIST_SIDE - scaled.shape[0]) // 2
    col = (MNIST_SIDE - scaled.shape[1]) // 2
    padded[row:row + scaled.shape[0], col:col + scaled.shape[1]] = scaled
    steps.append(Step("6. padded to 28 x 28", padded))

    steps.append(Step("7. centre of mass moved to the centre", centre_by_mass(padded)))
    return steps


def _as_grey(image) -> tuple[np.ndarray, bool]:
    """Any accepted input -> ((H, W) float32 0..1 grey, whether it came from a canvas' alpha)."""
    if isinstance(image, (bytes, bytearray, memoryview)):
        image = open_image(bytes(image))
    if isinstance(image, Image.Image):
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise too_large_error(None, width, height)
        if width == 0 or height == 0:
            raise ImageError("This picture has no pixels (width or height is 0). Choose another file.")
        image = normalise_mode(image).convert("L")
        image = _shrink(image)
        return np.asarray(image, dtype=np.float32) / 255.0, False
    if isinstance(image, np.ndarray):
        return _array_to_grey(image)
    raise ImageError(f"Expected a picture, file bytes or a numpy array, got {type(image).__name__}.")


def _array_to_grey(array: np.ndarray) -> tuple[np.ndarray, bool]:
    if array.size == 0 or array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise ImageError(f"A picture array must be (H, W), (H, W, 3) or (H, W, 4); got shape {array.shape}.")
    if array.shape[0] * array.shape[1] > MAX_PIXELS:
        raise too_large_error(None, array.shape[1], array.shape[0])
    values = np.nan_to_num(np.asarray(array, dtype=np.float32))
    if array.dtype == np.uint8 or values.max(initial=0) > 1.0:
        values = values / 255.0
    values = np.clip(values, 0.0, 1.0)
    alpha_is_ink = False
    if values.ndim == 3 and values.shape[2] == 4:
        alpha = values[..., 3]
        if alpha.min() < 1.0:  # a canvas with a transparent background: strokes are the ink
            values, alpha_is_ink = alpha, True
        else:
            values = values[..., :3]
    if values.ndim == 3 and values.shape[2] == 3:
        values = values @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601, as Pillow's "L"
    elif values.ndim == 3:
        values = values[..., 0]
    grey = Image.fromarray(values.astype(np.float32))
    return np.asarray(_shrink(grey), dtype=np.float32).clip(0.0, 1.0), alpha_is_ink


def _shrink(image: Image.Image) -> Image.Image:
    """Shrink so the longer side is at most WORKING_SIDE (area averaging keeps thin strokes)."""
    longer = max(image.size)
    if longer <= WORKING_SIDE:
        return image
    factor = WORKING_SIDE / longer
    size = (max(1, round(image.size[0] * factor)), max(1, round(image.size[1] * factor)))
    return image.resize(size, Image.Resampling.BOX)


def _fit_into_box(cropped: np.ndarray, box: int) -> np.ndarray:
    """Resize so the longer side is ``box`` px, keeping the aspect ratio (anti-aliased)."""
    height, width = cropped.shape
    factor = box / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    resized = Image.fromarray(cropped.astype(np.float32)).resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def centre_by_mass(image: np.ndarray, target: float = CENTRE_OF_MASS) -> np.ndarray:
    """Shift a (28, 28) image by whole pixels so its centre of mass is at (target, target).

    The shift is limited so that no ink falls off the edge.
    """
    total = float(image.sum())
    if total <= 0:
        return image.copy()
    positions = np.arange(image.shape[0], dtype=np.float64)
    centre_row = float((image.sum(axis=1) * positions).sum() / total)
    centre_col = float((image.sum(axis=0) * np.arange(image.shape[1])).sum() / total)
    rows = np.flatnonzero(image.sum(axis=1) > 0)
    cols = np.flatnonzero(image.sum(axis=0) > 0)
    shift_row = int(np.clip(round(target - centre_row), -rows[0], image.shape[0] - 1 - rows[-1]))
    shift_col = int(np.clip(round(target - centre_col), -cols[0], image.shape[1] - 1 - cols[-1]))
    shifted = np.zeros_like(image)
    height, width = image.shape
    shifted[max(shift_row, 0):height + min(shift_row, 0), max(shift_col, 0):width + min(shift_col, 0)] = \
        image[max(-shift_row, 0):height - max(shift_row, 0), max(-shift_col, 0):width - max(shift_col, 0)]
    return shifted


def enlarge(image: np.ndarray, side: int = 140, margin_colour: tuple = (235, 238, 242)) -> np.ndarray:
    """A grey image as an RGB square for ``st.image``: scaled with nearest neighbour so every pixel
    stays a crisp square (browsers blur small images), a non-square image centred on a light
    margin so a row of steps lines up.

    Args:
        image: (H, W) float in 0..1, or uint8 in 0..255 (an MNIST digit as stored).

    Returns:
        uint8 array (S, S, 3), S about ``side`` (a multiple of the image's longer side when small).
    """
    image = np.asarray(image)
    pixels = image if image.dtype == np.uint8 else np.clip(image.astype(np.float32) * 255.0, 0, 255).astype(np.uint8)
    longer = max(pixels.shape)
    if longer >= side:
        factor = side / longer
        size = (max(1, round(pixels.shape[1] * factor)), max(1, round(pixels.shape[0] * factor)))
        pixels = np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.BOX))
    else:
        factor = max(1, side // longer)
        pixels = np.kron(pixels, np.ones((factor, factor), dtype=np.uint8))
    square = max(pixels.shape)
    canvas = np.empty((square, square, 3), dtype=np.uint8)
    canvas[...] = margin_colour
    top, left = (square - pixels.shape[0]) // 2, (square - pixels.shape[1]) // 2
    canvas[top:top + pixels.shape[0], left:left + pixels.shape[1]] = pixels[..., None]
    return canvas
