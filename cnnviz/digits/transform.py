"""Shift, rotate and scale a 28x28 digit: the "fool the MLP" sliders, in numpy alone.

One affine map about the image's centre (row and column 13.5, so that a quarter turn is exactly
``np.rot90``): scale, then rotate, then shift by whole pixels, sampled with bilinear
interpolation and zeros outside the picture (nothing wraps around). Directions as on the screen:
``shift_x`` + is right, ``shift_y`` + is down, ``rotation_degrees`` + is anticlockwise,
``scale`` > 1 makes the digit bigger. These are the units the class board stores
(``cnnviz.classroom.submissions.change_size``).
"""

from __future__ import annotations

import numpy as np

DIGIT_SIDE = 28


def transform_digit(image, shift_x: int = 0, shift_y: int = 0, rotation_degrees: float = 0.0,
                    scale: float = 1.0) -> np.ndarray:
    """The digit moved, turned and resized.

    Args:
        image: (H, W) grey picture, 0..1 floats or 0..255 (any real dtype); a digit is (28, 28).
        shift_x, shift_y: whole pixels to the right and down (negative: left, up).
        rotation_degrees: anticlockwise turn about the centre.
        scale: size factor about the centre (positive).

    Returns:
        float32 (H, W) in the input's value range. A shift alone moves every pixel exactly;
        rotation 0 with scale 1 returns the picture unchanged.

    Raises:
        ValueError: a picture that is not 2-D, or a scale that is not a positive number.
    """
    picture = np.asarray(image, dtype=np.float32)
    if picture.ndim != 2:
        raise ValueError(f"A digit must be one 2-D picture, not an array of shape {picture.shape}.")
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError("The scale must be a positive number.")
    height, width = picture.shape
    centre_row, centre_column = (height - 1) / 2, (width - 1) / 2
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float64)
    # Each output pixel looks back to where it came from: undo the shift, then the turn and size.
    x = columns - centre_column - int(shift_x)
    y = rows - centre_row - int(shift_y)
    angle = np.deg2rad(rotation_degrees)
    cosine, sine = _exact_trig(angle)
    source_x = (x * cosine - y * sine) / scale
    source_y = (x * sine + y * cosine) / scale
    return _bilinear(picture, source_y + centre_row, source_x + centre_column)


def _exact_trig(angle: float) -> tuple[float, float]:
    """cos and sin, with the multiples of a quarter turn exact (cos(90 degrees) is 0, not 6e-17)."""
    cosine, sine = float(np.cos(angle)), float(np.sin(angle))
    return round(cosine) if abs(cosine - round(cosine)) < 1e-12 else cosine, \
        round(sine) if abs(sine - round(sine)) < 1e-12 else sine


def _bilinear(picture: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """``picture`` sampled at fractional (rows, columns), both (H, W); zero outside it."""
    height, width = picture.shape
    padded = np.zeros((height + 2, width + 2), dtype=np.float64)  # a ring of zeros for the edges
    padded[1:-1, 1:-1] = picture
    rows = np.clip(rows + 1, 0, height + 1)  # beyond the ring everything is zero anyway
    columns = np.clip(columns + 1, 0, width + 1)
    top = np.minimum(np.floor(rows).astype(int), height)
    left = np.minimum(np.floor(columns).astype(int), width)
    down, right = rows - top, columns - left
    value = (padded[top, left] * (1 - down) * (1 - right) + padded[top, left + 1] * (1 - down) * right
             + padded[top + 1, left] * down * (1 - right) + padded[top + 1, left + 1] * down * right)
    return value.astype(np.float32)
