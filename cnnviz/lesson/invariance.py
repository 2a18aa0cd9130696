"""Why pooling helps, measured: move a digit by a pixel or two and compare how much its feature
map and its pooled feature map change."""

from __future__ import annotations

import numpy as np

from cnnviz.lesson import ops

SHIFTS = {"1 pixel right": (0, 1), "1 pixel down": (1, 0), "1 pixel diagonally": (1, 1), "2 pixels right": (0, 2)}


def shift(image, down: int = 0, right: int = 0) -> np.ndarray:
    """The image moved by whole pixels, emptied cells filled with 0 (nothing wraps around).

    Args:
        image: (H, W). down, right: pixels to move (negative: up / left).
    """
    image = np.asarray(image)
    moved = np.zeros_like(image)
    h, w = image.shape
    src_r, dst_r = slice(max(-down, 0), h - max(down, 0)), slice(max(down, 0), h - max(-down, 0))
    src_c, dst_c = slice(max(-right, 0), w - max(right, 0)), slice(max(right, 0), w - max(-right, 0))
    moved[dst_r, dst_c] = image[src_r, src_c]
    return moved


def relative_change(before, after) -> float:
    """How much a map changed: sum |after - before| / sum |before| (0 = identical, 1 = as large as the map)."""
    before, after = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    scale = np.abs(before).sum()
    return float(np.abs(after - before).sum() / scale) if scale > 0 else 0.0


def shift_table(image, kernel, size: int = 2, stride: int | None = None, mode: str = "max",
                padding: str = "valid") -> list[dict]:
    """For each shift in ``SHIFTS``: how much the ReLU feature map and its pooled map change.

    Args:
        image: (H, W) scaled digit; kernel: (k, k) weights; size, stride, mode, padding: the pooling.

    Returns:
        One dict per shift: ``{"shift", "feature map change", "pooled map change"}`` (fractions).
    """
    feature = ops.relu(ops.conv2d(image, kernel))
    pooled = ops.pool2d(feature, size, stride, mode, padding)
    rows = []
    for name, (down, right) in SHIFTS.items():
        moved = ops.relu(ops.conv2d(shift(image, down, right), kernel))
        rows.append({"shift": name, "feature map change": relative_change(feature, moved),
                     "pooled map change": relative_change(pooled, ops.pool2d(moved, size, stride, mode, padding))})
    return rows
