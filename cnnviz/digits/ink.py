"""Telling ink from paper in a student's picture: which way round the ink is, the paper's shading
and noise removed, and the box that holds the ink. Pillow and numpy only.

Every function takes a 2-D float image in 0..1. A picture with no ink that stands out raises
:class:`cnnviz.digits.image_files.ImageError` with :data:`BLANK_MESSAGE`.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from cnnviz.digits.image_files import ImageError

MIN_CONTRAST = 0.12  # ink must differ from the paper by this much (0..1) to count as a digit

BLANK_MESSAGE = (
    "No digit found: the image is blank or almost blank. Draw a digit first (thick strokes help), "
    "or photograph a dark, thick digit on plain paper so that it fills most of the picture."
)


def looks_like_dark_ink(grey: np.ndarray) -> bool:
    """Guess whether a grey picture (0..1) is dark ink on light paper.

    The paper is most of the picture, so the median pixel is the paper's colour: light paper
    (median above 0.5) means the ink is dark and must be inverted to look like MNIST.
    """
    return float(np.median(grey)) > 0.5


def remove_background(ink: np.ndarray) -> np.ndarray:
    """Remove paper shading and noise from an ink-is-bright image (0..1).

    A smooth background estimate (a low percentile in coarse blocks, spread with a minimum over
    neighbouring blocks so thick strokes are not mistaken for paper) is subtracted; then Otsu's
    threshold separates ink from paper and the ink is stretched so its strokes reach 1.

    Returns:
        float32 array, same shape, 0 where there is paper, up to 1 on the strokes.

    Raises:
        ImageError: no ink stands out from the paper (a blank canvas or photo).
    """
    height, width = ink.shape
    smooth = ink
    blur_radius = max(height, width) / 300.0
    if blur_radius >= 0.5:  # photo-sized: soften sensor noise and JPEG blocks before thresholding
        smooth = _box_blur(_box_blur(ink, round(blur_radius)), round(blur_radius))  # ~ Gaussian
    residual = np.clip(smooth - _background_estimate(smooth), 0.0, 1.0)
    if float(residual.max(initial=0.0)) < MIN_CONTRAST:
        raise ImageError(BLANK_MESSAGE)
    threshold = _otsu_threshold(residual)
    strokes = residual[residual > threshold]
    if strokes.size == 0 or float(strokes.mean() - residual[residual <= threshold].mean()) < MIN_CONTRAST:
        raise ImageError(BLANK_MESSAGE)
    peak = float(np.percentile(strokes, 75))
    low = threshold * 0.75
    stretched = (residual - low) / max(peak - low, 1e-6)
    return np.clip(stretched, 0.0, 1.0).astype(np.float32)


def _box_blur(image: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1) x (2r+1) window, edges repeated (two passes approximate a Gaussian)."""
    if radius < 1:
        return image
    size = 2 * radius + 1
    padded = np.pad(image.astype(np.float64), radius, mode="edge")
    summed = np.cumsum(np.pad(padded, ((1, 0), (1, 0))), axis=0).cumsum(axis=1)
    window = summed[size:, size:] - summed[:-size, size:] - summed[size:, :-size] + summed[:-size, :-size]
    return (window / (size * size)).astype(np.float32)


def _background_estimate(image: np.ndarray, blocks: int = 8) -> np.ndarray:
    """A smooth estimate of the paper's brightness, same shape as ``image``."""
    height, width = image.shape
    rows = min(blocks, height)
    cols = min(blocks, width)
    row_edges = np.linspace(0, height, rows + 1).astype(int)
    col_edges = np.linspace(0, width, cols + 1).astype(int)
    grid = np.empty((rows, cols), dtype=np.float32)
    for i in range(rows):
        for j in range(cols):
            block = image[row_edges[i]:row_edges[i + 1], col_edges[j]:col_edges[j + 1]]
            grid[i, j] = np.percentile(block, 20)
    # A block inside a thick stroke looks bright: take the darkest of each block's neighbours.
    padded = np.pad(grid, 1, mode="edge")
    neighbours = np.stack([padded[r:r + rows, c:c + cols] for r in range(3) for c in range(3)])
    grid = neighbours.min(axis=0)
    return np.asarray(Image.fromarray(grid.astype(np.float32)).resize((width, height), Image.Resampling.BILINEAR))


def _otsu_threshold(values: np.ndarray, bins: int = 128) -> float:
    """Otsu's threshold: the cut that best separates two groups of values in 0..1."""
    counts, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    centres = (edges[:-1] + edges[1:]) / 2
    weight_low = np.cumsum(counts)
    weight_high = weight_low[-1] - weight_low
    sum_low = np.cumsum(counts * centres)
    mean_low = sum_low / np.maximum(weight_low, 1)
    mean_high = (sum_low[-1] - sum_low) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    return float(edges[int(np.argmax(between)) + 1])


def ink_bounding_box(ink: np.ndarray, fraction: float = 0.02) -> tuple[int, int, int, int]:
    """The rows and columns holding the ink: ``(top, bottom, left, right)``, bottom/right exclusive.

    Rows (columns) whose ink is under ``fraction`` of the inkiest row (column) are ignored, so a
    stray speck of dust far from the digit does not stretch the box.

    Raises:
        ImageError: there is no ink at all.
    """
    row_ink = ink.sum(axis=1)
    col_ink = ink.sum(axis=0)
    if row_ink.max(initial=0) <= 0:
        raise ImageError(BLANK_MESSAGE)
    rows = np.flatnonzero(row_ink > fraction * row_ink.max())
    cols = np.flatnonzero(col_ink > fraction * col_ink.max())
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
