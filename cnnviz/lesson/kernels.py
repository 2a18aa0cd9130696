"""Preset convolution kernels, and turning a grid a student edited into a checked kernel.

The presets are the classic hand-made image filters; a trained Conv2D layer learns filters that
often look like them (edges, blobs), which is the point the lesson makes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LARGEST_WEIGHT = 100.0  # bigger weights only blow the colour scale up; no lesson needs them
KERNEL_SIZES = (3, 5)


class KernelError(ValueError):
    """An edited kernel that cannot be used; the message names the bad cell and what to type."""


@dataclass(frozen=True)
class Preset:
    """A named kernel. ``weights`` is (3, 3); ``explanation`` says what it finds."""

    name: str
    weights: np.ndarray
    explanation: str


def _preset(name: str, rows: list[list[float]], explanation: str) -> Preset:
    weights = np.array(rows, dtype=np.float64)
    weights.flags.writeable = False
    return Preset(name, weights, explanation)


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        _preset("identity", [[0, 0, 0], [0, 1, 0], [0, 0, 0]], "copies the image: only the centre counts."),
        _preset("vertical edges", [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
                "right column minus left column: bright where ink starts going left to right, "
                "negative where it ends."),
        _preset("horizontal edges", [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
                "bottom row minus top row: finds the top and bottom borders of strokes."),
        _preset("Sobel (vertical edges)", [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
                "like vertical edges, but trusting the centre row twice as much."),
        _preset("Sobel (horizontal edges)", [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
                "like horizontal edges, with the centre column counted twice."),
        _preset("blur", [[1 / 9] * 3] * 3, "the average of the 9 cells: smooths strokes out."),
        _preset("sharpen", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
                "the centre minus its neighbours, on top of the image: crisper strokes."),
        _preset("emboss", [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
                "lit from the bottom right: strokes look raised."),
        _preset("outline", [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
                "the centre against all 8 neighbours: zero on flat areas, large on borders."),
    )
}


def preset_weights(name: str, size: int = 3) -> np.ndarray:
    """A preset as a (size, size) array; a 5x5 grid gets the 3x3 preset in its centre, zeros around.

    Raises:
        KernelError: unknown preset name or a size other than 3 or 5.
    """
    if name not in PRESETS:
        raise KernelError(f"There is no preset called {name!r}; choose one of {', '.join(PRESETS)}.")
    if size not in KERNEL_SIZES:
        raise KernelError(f"Kernels here are 3 x 3 or 5 x 5, not {size!r} x {size!r}.")
    margin = (size - 3) // 2
    return np.pad(PRESETS[name].weights, margin)


def format_weight(value: float) -> str:
    """A weight as a student would type it: ``1``, ``-2``, ``0.111``."""
    return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def as_text_grid(weights: np.ndarray) -> list[list[str]]:
    """A kernel as rows of strings, the editable form used by the page's grid."""
    return [[format_weight(float(value)) for value in row] for row in np.asarray(weights)]


def _typed(raw) -> str:
    """A cell's text as the parser reads it: trimmed, a pasted minus sign (U+2212) made ``-``."""
    return str(raw).strip().replace("\u2212", "-")


def parse_cell(raw, row: int, col: int) -> float:
    """One edited cell as a float. ``row`` and ``col`` (0-based) only name the cell in messages.

    Raises:
        KernelError: empty, not a number, NaN/infinite, or larger than ``LARGEST_WEIGHT``.
    """
    where = f"Kernel cell in row {row + 1}, column {col + 1}"
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):  # what an emptied editor cell gives
        raise KernelError(f"{where} is empty. Type a number, for example 0.")
    text = _typed(raw)
    if text == "":
        raise KernelError(f"{where} is empty. Type a number, for example 0.")
    try:
        value = float(text)
    except ValueError:
        if "/" in text:  # allow fractions such as 1/9
            numerator, _, denominator = text.partition("/")
            try:
                value = float(numerator) / float(denominator)
            except (ValueError, ZeroDivisionError):
                raise KernelError(f"{where} holds {text!r}, which is not a number. Type e.g. -1, 0.5 or 1/9.") from None
        else:
            raise KernelError(f"{where} holds {text!r}, which is not a number. Type e.g. -1, 0.5 or 1/9.") from None
    if not math.isfinite(value):
        raise KernelError(f"{where} holds {text!r}; a weight must be a finite number.")
    if abs(value) > LARGEST_WEIGHT:
        raise KernelError(f"{where} holds {text}, which is too large: keep weights between "
                          f"-{LARGEST_WEIGHT:g} and {LARGEST_WEIGHT:g}.")
    return value


def with_cell(grid, row, col, text) -> list[list[str]]:
    """``grid`` (rows of strings) with the cell ``(row, col)`` (0-based) set to ``text``, once
    :func:`parse_cell` accepts it; ``grid`` itself is not changed.

    Raises:
        KernelError: ``text`` is not a usable weight (the cell is named), or ``(row, col)`` is not a
            cell of the grid, as an edit sent for a grid of another size would be.
    """
    rows = [list(map(str, cells)) for cells in grid]
    valid_index = all(isinstance(i, int) and not isinstance(i, bool) for i in (row, col))
    if not valid_index or not (0 <= row < len(rows) and 0 <= col < len(rows[row])):
        raise KernelError(f"That cell is not in the kernel any more (it is now {len(rows)} x {len(rows)}). "
                          "Click a cell of the kernel shown and type the weight again.")
    parse_cell(text, row, col)
    rows[row][col] = _typed(text)
    return rows


def parse_grid(grid) -> np.ndarray:
    """An edited kernel (rows of strings or numbers, or a pandas DataFrame) as a (k, k) float array.

    Args:
        grid: k rows of k cells, k in ``KERNEL_SIZES``; cells may be numbers, strings such as
            ``"-1"``, ``"0.5"``, ``"1/9"``, or None/NaN for an empty cell.

    Returns:
        (k, k) float64 weights.

    Raises:
        KernelError: a wrong shape, or the first bad cell (row and column named, counted from 1).
    """
    if hasattr(grid, "to_numpy"):
        grid = grid.to_numpy(dtype=object).tolist()
    rows = [list(row) for row in grid]
    size = len(rows)
    if size not in KERNEL_SIZES or any(len(row) != size for row in rows):
        shape = f"{size} rows of {sorted({len(row) for row in rows})} cells"
        raise KernelError(f"A kernel must be 3 x 3 or 5 x 5, but this one has {shape}.")
    return np.array([[parse_cell(raw, r, c) for c, raw in enumerate(row)] for r, row in enumerate(rows)])


def grid_to_link(weights: np.ndarray) -> str:
    """A kernel as a compact URL value: rows joined by ``;``, cells by ``,`` (``"1,0,-1;1,0,-1;1,0,-1"``)."""
    return ";".join(",".join(format_weight(value) for value in row) for row in np.asarray(weights))


def grid_from_link(text: str) -> list[list[str]]:
    """The editable grid (rows of strings) of a :func:`grid_to_link` value.

    Raises:
        KernelError: not a 3 x 3 or 5 x 5 grid of numbers (the message names the bad cell).
    """
    rows = [row.split(",") for row in str(text).split(";")]
    parse_grid(rows)  # raises for a wrong shape or a bad cell
    return [[cell.strip() for cell in row] for row in rows]
