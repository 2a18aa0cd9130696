"""Pictures drawn on the server as PNG images: feature-map grids and a whole network at a glance.

A picture is not a chart: nobody zooms it or reads an axis, so it need not cost the student's
browser Plotly's bundle. Pillow draws it once (the pages cache the bytes per digit), the browser
only shows an image. Every picture keeps a colour legend and states its value range; text is drawn
at least 18 px high in presenter mode (the image is shown at its own width, one image pixel per
screen pixel) and 13 px on a laptop.

Pillow and numpy, plus matplotlib's colour maps and its DejaVu font file (read, not imported).
"""

from __future__ import annotations

import importlib.util
import io
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

BACKGROUND = (255, 255, 255)
INK = (17, 17, 17)
MUTED = (90, 90, 90)
GAP_COLOUR = (230, 230, 230)
ACTIVATION_SCHEME = "viridis"  # dark purple = 0 (silent), yellow = strongest response
SIGNED_SCHEME = "RdBu_r"  # blue negative, white zero, red positive
INPUT_SCHEME = "gray"  # 0 = black background, 1 = white ink, as the network sees MNIST
TEXT_PX = {True: 18, False: 13}  # by presenter mode


@lru_cache(maxsize=8)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` px (matplotlib ships the file); Pillow's own font if it is missing."""
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.submodule_search_locations:
        name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
        path = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf" / name
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def colour(values: np.ndarray, low: float, high: float, scheme: str) -> np.ndarray:
    """``values`` (any shape) mapped to RGB uint8 (shape + (3,)) by a matplotlib colour map, ``low``
    and ``high`` at its two ends (values outside are clipped)."""
    from matplotlib import colormaps

    span = high - low if high > low else 1.0
    fractions = np.clip((np.asarray(values, dtype=np.float64) - low) / span, 0.0, 1.0)
    return (colormaps[scheme](fractions)[..., :3] * 255).round().astype(np.uint8)


def value_limits(values: np.ndarray) -> tuple[float, float, str]:
    """Colour range and scheme: 0..max (viridis) for values >= 0, symmetric around 0 otherwise."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0 or float(values.min()) >= 0:
        return 0.0, max(float(values.max()) if values.size else 0.0, 1e-6), ACTIVATION_SCHEME
    limit = max(float(np.abs(values).max()), 1e-9)
    return -limit, limit, SIGNED_SCHEME


def number(value: float) -> str:
    """A legend number: 2 significant digits, no trailing zeros, ``0`` for anything under 0.001 in size."""
    return "0" if abs(value) < 1e-3 else f"{value:.2g}"


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def enlarged(array_rgb: np.ndarray, cell_px: int) -> Image.Image:
    """An (H, W, 3) uint8 array with every cell drawn as ``cell_px`` x ``cell_px`` pixels."""
    return Image.fromarray(np.repeat(np.repeat(array_rgb, cell_px, axis=0), cell_px, axis=1))


def legend(image: Image.Image, left: int, top: int, height: int, low: float, high: float, scheme: str,
           text_px: int, title: str | None = None, label=number) -> int:
    """A vertical colour bar at (left, top) of ``image`` with its two end values written by ``label``
    (and ``title`` beside its middle); returns the right edge used."""
    draw = ImageDraw.Draw(image)
    bar_width = max(12, text_px - 2)
    shades = colour(np.linspace(high, low, max(height, 2))[:, None], low, high, scheme)
    strip = Image.fromarray(np.repeat(shades, bar_width, axis=1))
    image.paste(strip, (left, top))
    draw.rectangle((left, top, left + bar_width - 1, top + height - 1), outline=MUTED)
    label_font = font(text_px)
    draw.text((left + bar_width + 5, top), label(high), fill=INK, font=label_font, anchor="lt")
    draw.text((left + bar_width + 5, top + height), label(low), fill=INK, font=label_font, anchor="lb")
    right = left + bar_width + 5 + int(max(draw.textlength(label(high), font=label_font),
                                           draw.textlength(label(low), font=label_font)))
    if title:
        draw.text((left + bar_width + 5, top + height // 2), title, fill=MUTED, font=font(text_px), anchor="lm")
        right = max(right, left + bar_width + 5 + int(draw.textlength(title, font=font(text_px))))
    return right


def map_grid(maps: np.ndarray, *, presenter: bool, columns: int | None = None, cell_px: int | None = None,
             width_px: int = 900, legend_title: str = "activation", first_number: int = 0,
             labels: list[str] | None = None, value_range: tuple[float, float] | None = None) -> bytes:
    """One layer's feature maps as a grid of small images on one shared colour scale, each map
    numbered, with a colour legend stating the range. PNG bytes.

    Args:
        maps: (height, width, count) one layer's output for one digit (or a filter stack).
        columns: maps per row (default: as many as fit ``width_px``, at most 16).
        cell_px: pixels per map cell (default: chosen so the grid fits ``width_px``).
        first_number: the number printed under the first map; ``labels``: names printed instead.
        value_range: colour limits shared with another picture (default: from ``maps``).
    """
    maps = np.asarray(maps, dtype=np.float64)
    height, width, count = maps.shape
    text_px = TEXT_PX[presenter]
    low, high, scheme = value_limits(maps if value_range is None else np.asarray(value_range, dtype=np.float64))
    legend_room = 4 * text_px + 40
    gap = max(6, text_px // 2)
    if cell_px is None:
        cell_px = max(2, min(8, (width_px - legend_room) // (min(count, 16) * (width + 1))))
    label_font = font(text_px)
    if labels is not None:  # a name under each map: the map must be at least as wide as its name
        cell_px = max(cell_px, -(-int(max(label_font.getlength(text) for text in labels) + 8) // width))
    tile = width * cell_px
    label_room = text_px + 6
    if columns is None:
        columns = max(1, min(count, 16, (width_px - legend_room + gap) // (tile + gap)))
    rows = -(-count // columns)
    grid_width = columns * (tile + gap) - gap
    image = Image.new("RGB", (grid_width + legend_room, rows * (height * cell_px + label_room + gap)), BACKGROUND)
    draw = ImageDraw.Draw(image)
    shades = colour(maps, low, high, scheme)
    for number_on_grid in range(count):
        row, column = divmod(number_on_grid, columns)
        left, top = column * (tile + gap), row * (height * cell_px + label_room + gap)
        image.paste(enlarged(shades[..., number_on_grid, :], cell_px), (left, top))
        text = labels[number_on_grid] if labels is not None else str(first_number + number_on_grid)
        draw.text((left + tile // 2, top + height * cell_px + 2), text, fill=MUTED, font=label_font, anchor="mt")
    legend(image, grid_width + 16, 0, min(image.height - label_room, max(120, 10 * text_px)), low, high, scheme,
           text_px)
    draw.text((grid_width + 16, min(image.height - 2, max(120, 10 * text_px) + text_px + 6)), legend_title,
              fill=MUTED, font=font(text_px), anchor="lt")
    return png(image)


def bars(values, *, presenter: bool, labels: list[str] | None = None, highlight: int | None = None,
         percent: bool = False, width_px: int = 880, height_px: int = 220, axis_title: str = "") -> bytes:
    """Vertical bars, one per value (a dense layer's neurons, ten probabilities), with the value axis's
    range written at its ends and ``highlight``'s bar in orange. PNG bytes.

    Args:
        values: (n,) numbers; negative bars go down from the zero line.
        labels: a name under each bar (written when they fit), e.g. the ten digits.
        percent: values are fractions 0..1, written as percentages above the bars (when they fit).
    """
    values = np.asarray(values, dtype=np.float64)
    text_px = TEXT_PX[presenter]
    image = Image.new("RGB", (width_px, height_px), BACKGROUND)
    draw = ImageDraw.Draw(image)
    low, high = min(0.0, float(values.min(initial=0.0))), max(float(values.max(initial=0.0)), 1e-9)
    if percent:
        low, high = 0.0, 1.0
    top_text = f"{high:.0%}" if percent else number(high)
    left = int(font(text_px).getlength(top_text)) + 10
    top, bottom = text_px + 8, height_px - (text_px + 10 if labels else 4) - (text_px + 6 if axis_title else 0)
    plot_width = width_px - left - 4
    slot = plot_width / max(len(values), 1)
    zero = bottom - (0.0 - low) / (high - low) * (bottom - top)
    for position, value in enumerate(values):
        x0, x1 = left + position * slot + slot * 0.12, left + (position + 1) * slot - slot * 0.12
        y = bottom - (value - low) / (high - low) * (bottom - top)
        colour = (255, 127, 14) if position == highlight else (31, 119, 180)
        draw.rectangle((x0, min(y, zero), max(x1, x0 + 1), max(y, zero)), fill=colour)
        if percent and slot >= 2.2 * text_px and value >= 0.005:
            draw.text(((x0 + x1) / 2, y - 2), f"{value:.0%}", fill=INK, font=font(text_px), anchor="mb")
        if labels and slot >= 0.8 * text_px:
            draw.text(((x0 + x1) / 2, bottom + 4), labels[position], fill=INK, font=font(text_px, bold=position == highlight),
                      anchor="mt")
    draw.line((left - 2, zero, width_px - 4, zero), fill=MUTED, width=1)
    draw.text((left - 6, top), top_text, fill=MUTED, font=font(text_px), anchor="rm")
    draw.text((left - 6, bottom), f"{low:.0%}" if percent else number(low), fill=MUTED, font=font(text_px), anchor="rm")
    if axis_title:
        draw.text((left + plot_width / 2, height_px - 2), axis_title, fill=MUTED, font=font(text_px), anchor="mb")
    return png(image)
