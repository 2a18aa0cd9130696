"""A few numbers drawn as a picture on the server: labelled horizontal bars, and a grid of values.

For the charts whose every number is written on them (six models' test accuracies, the playground's
grid of measured accuracies): nobody needs to zoom or hover them, and as pictures they cost the
student's browser no Plotly bundle, which is what kept "MLP vs CNN" and "Train your own CNN"
opening slower than a page with one Plotly chart (benchmarks/browser_pages.py). Same rules as
:mod:`cnnviz.pictures`: PNG bytes shown one image pixel per screen pixel, text at least 18 px high on
the projector and 13 px on a laptop, a colour legend where colour carries a value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageColor, ImageDraw

from cnnviz.pictures import ACTIVATION_SCHEME, BACKGROUND, INK, MUTED, TEXT_PX, colour, font, legend, png

GRID_LINE = (225, 225, 225)
OUTLINE = (17, 17, 17)
FRAME = (255, 45, 45)  # the framed cell: the student's own setting
NOT_MEASURED = (238, 238, 238)


def _readable_on(fill: Sequence[int]) -> tuple[int, int, int]:
    """White or near-black text, whichever reads better on ``fill`` (by its luminance)."""
    red, green, blue = fill[:3]
    return INK if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else (255, 255, 255)


def horizontal_bars(values: Sequence[float], labels: Sequence[str], *, presenter: bool, low: float, high: float,
                    colours: Sequence[str], outlined: Sequence[bool] = (), inside: Sequence[str] = (),
                    ticks: Sequence[float] = (), axis_title: str = "", width_px: int = 680) -> bytes:
    """One bar per value, top to bottom, its label on the left, along an axis from ``low`` to ``high``
    with a light line and a number at each tick and the axis's title under it. PNG bytes.

    Args:
        values: (n,) numbers; a bar starts at ``low`` (values below it draw no bar).
        labels: (n,) text left of each bar (say the value there too: it is the reading).
        colours: (n,) ``"#rrggbb"`` fills; ``outlined``: (n,) whether a bar gets a dark frame.
        inside: (n,) text written at the end of each bar (inside when it fits, else after it).
    """
    values = np.asarray(values, dtype=np.float64)
    text_px = TEXT_PX[presenter]
    label_font, small_font = font(text_px, bold=True), font(text_px)
    row = int(text_px * (3.2 if presenter else 3.4))
    label_room = int(max((label_font.getlength(text) for text in labels), default=0)) + 14
    top, plot_height = 6, row * len(values)
    height = top + plot_height + 2 * text_px + (text_px + 10 if axis_title else 0) + 8
    image = Image.new("RGB", (width_px, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    last_tick = small_font.getlength(f"{ticks[-1]:g}") / 2 if len(ticks) else 0
    left, right = label_room, width_px - 12 - int(last_tick)
    span = high - low if high > low else 1.0

    def x_of(value: float) -> float:
        return left + (min(max(value, low), high) - low) / span * (right - left)

    bottom = top + plot_height
    for tick in ticks:
        draw.line((x_of(tick), top, x_of(tick), bottom), fill=GRID_LINE, width=1)
        draw.text((x_of(tick), bottom + 6), f"{tick:g}", fill=MUTED, font=small_font, anchor="mt")
    for position, value in enumerate(values):
        middle = top + position * row + row / 2
        draw.text((left - 10, middle), labels[position], fill=INK, font=label_font, anchor="rm")
        end, thickness = x_of(value), row * 0.68
        box = (left, middle - thickness / 2, max(end, left + 1), middle + thickness / 2)
        fill = ImageColor.getrgb(colours[position])
        framed = position < len(outlined) and outlined[position]
        draw.rectangle(box, fill=fill, outline=OUTLINE if framed else None, width=3 if framed else 0)
        if position < len(inside) and inside[position]:
            text = inside[position]
            if small_font.getlength(text) + 16 <= end - left:
                draw.text((end - 8, middle), text, fill=_readable_on(fill), font=small_font, anchor="rm")
            else:
                draw.text((end + 6, middle), text, fill=INK, font=small_font, anchor="lm")
    draw.line((left, bottom, right, bottom), fill=MUTED, width=1)
    if axis_title:
        draw.text(((left + right) / 2, height - 6), axis_title, fill=MUTED, font=small_font, anchor="mb")
    return png(image)


def value_grid(values: np.ndarray, row_labels: Sequence[str], column_labels: Sequence[str], *, presenter: bool,
               row_title: str, column_title: str, legend_title: str, value_format: str = "{:.1f}",
               framed: tuple[int, int] | None = None, low: float | None = None, high: float | None = None,
               scheme: str = ACTIVATION_SCHEME, width_px: int = 800) -> bytes:
    """A table of coloured cells, each with its value written in it, row 0 at the bottom (values grow
    upwards, as on a chart's axis), with a colour legend stating the range. PNG bytes.

    Args:
        values: (rows, columns) numbers; NaN cells are grey and say "not trained".
        row_labels, column_labels: (rows,) and (columns,) axis labels; ``row_title``, ``column_title``
            name the axes.
        framed: ``(row, column)`` of a cell drawn with a thick red frame, or None.
        low, high: the colour scale's ends (default: the finite values' range).
    """
    values = np.asarray(values, dtype=np.float64)
    rows, columns = values.shape
    finite = values[np.isfinite(values)]
    low = float(finite.min()) if low is None and finite.size else (0.0 if low is None else low)
    high = float(finite.max()) if high is None and finite.size else (1.0 if high is None else high)
    high = max(high, low + 1e-9)
    text_px = TEXT_PX[presenter]
    cell_font, label_font = font(text_px + 2, bold=True), font(text_px)
    row_label_room = int(max(label_font.getlength(text) for text in row_labels)) + 10
    left = text_px + 8 + row_label_room  # the row axis's title runs upwards left of its labels
    written = value_format.format  # a value as its cell and the legend's ends write it
    legend_room = int(max(label_font.getlength(legend_title), label_font.getlength(written(high)) + text_px)) + 30
    cell_width = (width_px - left - legend_room) // columns
    cell_height = int(text_px * (3.0 if presenter else 3.2))
    gap = 3
    top, grid_height = 4, rows * cell_height
    height = top + grid_height + 2 * text_px + 22
    image = Image.new("RGB", (width_px, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    fills = colour(np.nan_to_num(values, nan=low), low, high, scheme)
    for row in range(rows):
        cell_top = top + (rows - 1 - row) * cell_height  # row 0 at the bottom
        draw.text((left - 8, cell_top + cell_height / 2), row_labels[row], fill=INK, font=label_font, anchor="rm")
        for column in range(columns):
            box = (left + column * cell_width + gap, cell_top + gap, left + (column + 1) * cell_width - gap,
                   cell_top + cell_height - gap)
            centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
            if np.isfinite(values[row, column]):
                fill = tuple(int(channel) for channel in fills[row, column])
                draw.rectangle(box, fill=fill)
                draw.text(centre, written(values[row, column]), fill=_readable_on(fill), font=cell_font,
                          anchor="mm")
            else:
                draw.rectangle(box, fill=NOT_MEASURED)
                draw.text(centre, "not trained", fill=MUTED, font=label_font, anchor="mm")
    if framed is not None:
        row, column = framed
        cell_top = top + (rows - 1 - row) * cell_height
        draw.rectangle((left + column * cell_width, cell_top, left + (column + 1) * cell_width, cell_top + cell_height),
                       outline=FRAME, width=5 if presenter else 4)
    for column in range(columns):
        draw.text((left + (column + 0.5) * cell_width, top + grid_height + 4), column_labels[column], fill=INK,
                  font=label_font, anchor="mt")
    draw.text((left + columns * cell_width / 2, height - 4), column_title, fill=MUTED, font=label_font, anchor="mb")
    title = Image.new("RGB", (int(label_font.getlength(row_title)) + 4, text_px + 6), BACKGROUND)
    ImageDraw.Draw(title).text((2, 1), row_title, fill=MUTED, font=label_font, anchor="lt")
    turned = title.rotate(90, expand=True)
    image.paste(turned, (2, max(0, top + grid_height // 2 - turned.height // 2)))
    legend(image, left + columns * cell_width + 18, top, grid_height, low, high, scheme, text_px, label=written)
    draw.text((left + columns * cell_width + 18, top + grid_height + 4), legend_title, fill=MUTED, font=label_font,
              anchor="lt")
    return png(image)
