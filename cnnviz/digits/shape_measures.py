"""Eight plain measures of a 28 x 28 digit that every MNIST digit has in a typical amount: how
well MNIST's own digits rebuild it, and seven facts about its ink (pieces, loops, width, faint
ink, solid ink, ink near the edge, outline length). :mod:`cnnviz.digits.novelty` turns them
into the "does this look like a digit?" rule.

Everything works on a batch, numpy only (no scipy, no Keras): ``(N, 28, 28)`` float in 0..1,
white ink on black, as :func:`cnnviz.digits.images.to_mnist` returns and as MNIST's digits are
after dividing by 255.
"""

from __future__ import annotations

import numpy as np

INK_LEVEL = 0.5  # a pixel brighter than this is ink (MNIST's strokes are close to 1)
FAINT_LEVEL = 0.1  # a pixel brighter than this but not ink is faint ink (a stroke's soft edge)
EDGE_WIDTH = 3  # "near the edge": within 3 px of the square's border (MNIST's digits sit in the middle 20 x 20)
SMALLEST_REGION = 2  # a piece or loop of one pixel is a speck, not counted (pieces_and_loops relies on 2)

# name -> (a clause a student reads, how its numbers are written: "share", "count" or "times").
# {value} is the picture's, {limit} the limit it went beyond, {share} the share of MNIST's
# training digits within that limit.
MEASURES = {
    "rebuild": ("MNIST's digits cannot rebuild {value} of it ({share} of them leave at most {limit})", "share"),
    "pieces": ("it is made of {value} separate pieces of ink ({share} of MNIST's digits: at most {limit})", "count"),
    "loops": ("it has {value} closed loops ({share} of MNIST's digits: at most {limit})", "count"),
    "width": ("it is {value} times as wide as it is tall ({share} of MNIST's digits: at most {limit})", "times"),
    "faint": ("{value} of its ink is faint and blurry ({share} of MNIST's digits: at most {limit})", "share"),
    "solid": ("{value} of its ink is a solid filled area ({share} of MNIST's digits: at most {limit})", "share"),
    "edge": ("{value} of its ink lies near the edge of the square ({share} of MNIST's digits: at most {limit})",
             "share"),
    "outline": ("its ink's outline is {value} pixels long ({share} of MNIST's digits: at most {limit})", "count"),
}
NAMES = tuple(MEASURES)


def rebuild_error(digits: np.ndarray, means: np.ndarray, bases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How much of each digit MNIST's digits cannot rebuild, and which digit rebuilds it best.

    Each of the ten digits has its own mean picture and main shapes (principal components of its
    training examples). A picture is rebuilt as that mean plus the best mix of those shapes; what
    is left over is the part no such mix explains.

    Args:
        digits: (N, 28, 28) float, 0..1.
        means: (10, 784) float, each digit's mean picture.
        bases: (10, 784, K) float32, each digit's K main shapes as orthonormal columns.

    Returns:
        ``(error, closest)``: (N,) float32, the left-over's size as a share of the picture's size
        (0 = rebuilt perfectly, 1 = nothing of it rebuilt); (N,) int, the best-rebuilding digit.
    """
    flat = digits.reshape(len(digits), -1).astype(np.float32)
    means = means.astype(np.float32)
    classes, pixels, shapes = bases.shape
    # |x - m|^2 - |(x - m) . shapes|^2 is what the shapes leave over (their columns are orthonormal)
    squared = (flat ** 2).sum(axis=1)
    centred_squared = squared[:, None] - 2 * flat @ means.T + (means ** 2).sum(axis=1)[None, :]  # (N, 10)
    stacked = bases.transpose(1, 0, 2).reshape(pixels, classes * shapes)  # (784, 10 K)
    coefficients = (flat @ stacked).reshape(len(flat), classes, shapes) - np.einsum("cp,cpk->ck", means, bases)
    left_over = np.sqrt(np.maximum(centred_squared - (coefficients ** 2).sum(axis=2), 0.0))  # (N, 10)
    closest = left_over.argmin(axis=1)
    return left_over.min(axis=1) / np.maximum(np.sqrt(squared), 1e-6), closest


def orthonormal(components: np.ndarray) -> np.ndarray:
    """(10, 784, K) shapes, e.g. stored as float16 -> float32 spanning the same directions with
    exactly orthonormal columns (through the Cholesky factor of their K x K overlaps: far
    cheaper than a QR of each 784 x K block on a busy machine)."""
    result = []
    for shapes in components.astype(np.float64):
        lower = np.linalg.cholesky(shapes.T @ shapes)
        result.append(np.linalg.solve(lower, shapes.T).T)
    return np.stack(result).astype(np.float32)


def ink_measures(digits: np.ndarray) -> dict[str, np.ndarray]:
    """The seven ink measures of each digit.

    Args:
        digits: (N, 28, 28) float, 0..1.

    Returns:
        ``{name: (N,) float}`` for pieces, loops, width, faint, solid, edge and outline (see
        :data:`MEASURES`). A digit with no ink at all gets 0 pieces and 0 width.
    """
    digits = np.asarray(digits, dtype=np.float32)
    ink = digits > INK_LEVEL
    inked = digits > FAINT_LEVEL
    ink_pixels = ink.sum(axis=(1, 2))
    total = np.maximum(digits.sum(axis=(1, 2)), 1e-6)
    frame = np.ones(digits.shape[1:], dtype=bool)
    frame[EDGE_WIDTH:-EDGE_WIDTH, EDGE_WIDTH:-EDGE_WIDTH] = False
    pieces, loops = pieces_and_loops(ink)
    return {
        "pieces": pieces.astype(np.float32),
        "loops": loops.astype(np.float32),
        "width": _width_over_height(ink),
        "faint": (inked & ~ink).sum(axis=(1, 2)) / np.maximum(inked.sum(axis=(1, 2)), 1),
        "solid": _erode(_erode(ink)).sum(axis=(1, 2)) / np.maximum(ink_pixels, 1),
        "edge": (digits * frame).sum(axis=(1, 2)) / total,
        "outline": _outline_length(ink).astype(np.float32),
    }


def pieces_and_loops(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Separate pieces of ink (8-connected) and closed loops (regions of paper, 4-connected, that
    the ink cuts off from the border), each of at least :data:`SMALLEST_REGION` pixels.

    Only the pieces are labelled; the loops follow from Euler's count (pieces minus loops, read off
    2 x 2 windows), which is much cheaper than labelling the paper too.

    Args:
        ink: (N, H, W) bool.

    Returns:
        ``(pieces, loops)``, each (N,) int.
    """
    all_pieces = count_regions(ink, connectivity=8, smallest=1)
    all_loops = all_pieces - euler_number(ink)
    lonely_ink = ink.copy()  # a one-pixel piece: ink with no ink among its 8 neighbours
    lonely_paper = ~ink  # a one-pixel loop: paper with ink on all 4 sides (beyond the border is paper)
    for rows in (-1, 0, 1):
        for cols in (-1, 0, 1):
            if rows or cols:
                lonely_ink &= ~_shifted(ink, rows, cols)
            if abs(rows) + abs(cols) == 1:
                lonely_paper &= _shifted(ink, rows, cols)
    pieces, loops = all_pieces - lonely_ink.sum(axis=(1, 2)), all_loops - lonely_paper.sum(axis=(1, 2))
    return pieces, loops


def euler_number(ink: np.ndarray) -> np.ndarray:
    """(N,) int: pieces of ink (8-connected) minus holes in them, from Gray's 2 x 2 window counts."""
    padded = np.pad(ink, ((0, 0), (1, 1), (1, 1))).astype(np.int8)
    top_left, top_right = padded[:, :-1, :-1], padded[:, :-1, 1:]
    bottom_left, bottom_right = padded[:, 1:, :-1], padded[:, 1:, 1:]
    inked = top_left + top_right + bottom_left + bottom_right
    diagonal = (inked == 2) & (top_left == bottom_right)
    return ((inked == 1).sum(axis=(1, 2)) - (inked == 3).sum(axis=(1, 2)) - 2 * diagonal.sum(axis=(1, 2))) // 4


def count_regions(mask: np.ndarray, connectivity: int = 8, outside: bool = False,
                  smallest: int = SMALLEST_REGION) -> np.ndarray:
    """Connected regions of True pixels, of at least ``smallest`` pixels, per image.

    Args:
        mask: (N, H, W) bool.
        connectivity: 8 (diagonal neighbours touch) or 4.
        outside: what lies beyond the border: True joins every region touching the border into one
            region with the surroundings, which is not counted (so counting the paper's regions
            gives the closed loops).
        smallest: regions of fewer pixels are not counted.

    Returns:
        (N,) int.
    """
    counts = [_count_chunk(mask[start:start + 256], connectivity, outside, smallest)
              for start in range(0, len(mask), 256)]
    return np.concatenate(counts) if counts else np.zeros(0, dtype=int)


def _count_chunk(mask: np.ndarray, connectivity: int, outside: bool, smallest: int) -> np.ndarray:
    # Each pixel starts with its own number and repeatedly takes the largest number among its
    # neighbours, and the number held by the pixel that number names (which speeds this up),
    # until nothing changes: then each region holds the number of its last pixel, its "root".
    count = len(mask)
    padded = np.pad(mask, ((0, 0), (1, 1), (1, 1)), constant_values=outside)
    pixels = padded[0].size
    numbers = np.arange(1, pixels + 1, dtype=np.int16).reshape(padded.shape[1:])
    labels = np.where(padded, numbers, 0).astype(np.int16)
    shifts = [(0, 1), (0, -1), (1, 0), (-1, 0)]
    if connectivity == 8:
        shifts += [(1, 1), (1, -1), (-1, 1), (-1, -1)]
    active = np.arange(count)  # the images still changing
    while len(active):
        current = labels[active]
        widest = current.copy()
        for rows, cols in shifts:
            _maximum_shifted(widest, current, rows, cols)
        widest *= padded[active]
        flat = widest.reshape(len(active), -1)
        pointed = np.take_along_axis(flat, np.maximum(flat - 1, 0).astype(np.intp), axis=1)
        np.maximum(flat, np.where(flat > 0, pointed, 0).astype(np.int16), out=flat)
        changed = (widest != current).reshape(len(active), -1).any(axis=1)
        labels[active[changed]] = widest[changed]
        active = active[changed]
    flat = labels.reshape(count, -1).astype(np.intp)
    sizes = np.bincount((np.arange(count)[:, None] * (pixels + 1) + flat).ravel(),
                        minlength=count * (pixels + 1)).reshape(count, -1)
    is_root = (flat == np.arange(1, pixels + 1)[None, :]) & (np.take_along_axis(sizes, flat, axis=1) >= smallest)
    regions = is_root.sum(axis=1)
    if outside:  # the region around the border is the surroundings, not a region of its own
        regions -= 1
    return regions


def _maximum_shifted(target: np.ndarray, source: np.ndarray, rows: int, cols: int) -> None:
    """``target = max(target, source moved by (rows, cols))``, in place; (N, H, W) arrays."""
    height, width = source.shape[1:]
    np.maximum(target[:, max(rows, 0):height + min(rows, 0), max(cols, 0):width + min(cols, 0)],
               source[:, max(-rows, 0):height - max(rows, 0), max(-cols, 0):width - max(cols, 0)],
               out=target[:, max(rows, 0):height + min(rows, 0), max(cols, 0):width + min(cols, 0)])


def _shifted(array: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """``array`` (N, H, W) moved by (rows, cols), zeros coming in."""
    result = np.zeros_like(array)
    height, width = array.shape[1:]
    result[:, max(rows, 0):height + min(rows, 0), max(cols, 0):width + min(cols, 0)] = \
        array[:, max(-rows, 0):height - max(rows, 0), max(-cols, 0):width - max(cols, 0)]
    return result


def _erode(mask: np.ndarray) -> np.ndarray:
    """Keep the True pixels whose 8 neighbours are all True (outside the square counts as False)."""
    kept = mask.copy()
    for rows in (-1, 0, 1):
        for cols in (-1, 0, 1):
            kept &= _shifted(mask, rows, cols)
    return kept


def _width_over_height(ink: np.ndarray) -> np.ndarray:
    """(N,) float: the ink's bounding box, width divided by height (0 without ink)."""
    rows, cols = ink.any(axis=2), ink.any(axis=1)
    height = ink.shape[1] - rows.argmax(axis=1) - rows[:, ::-1].argmax(axis=1)
    width = ink.shape[2] - cols.argmax(axis=1) - cols[:, ::-1].argmax(axis=1)
    has_ink = rows.any(axis=1)
    return np.where(has_ink, width / np.maximum(height, 1), 0.0).astype(np.float32)


def _outline_length(ink: np.ndarray) -> np.ndarray:
    """(N,) int: pixel sides where ink meets paper (the border of the square counts as paper)."""
    padded = np.pad(ink, ((0, 0), (1, 1), (1, 1)))
    return ((padded[:, 1:, :] != padded[:, :-1, :]).sum(axis=(1, 2))
            + (padded[:, :, 1:] != padded[:, :, :-1]).sum(axis=(1, 2)))
