"""A whole network at a glance, for one digit: the input, a few maps of every convolution and pooling
layer drawn at their true sizes (so they visibly shrink), and the ten probabilities. One PNG, drawn
on the server (cnnviz.pictures): the picture "Inside the CNN" opens on.

Which maps: the most active ones for this digit (largest mean activation), so the picture never
shows a layer by its silent maps. :func:`most_active_maps` is the rule, also used to pick the map
the page's close-up opens on.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from cnnviz import pictures
from cnnviz.digits.activations import LayerOutput, shown_layers

BEST_COLOUR = (255, 127, 14)  # the predicted digit, as on the probability charts
OTHER_COLOUR = (31, 119, 180)


def most_active_maps(maps: np.ndarray, count: int) -> list[int]:
    """The ``count`` maps with the largest mean activation, strongest first.

    Args:
        maps: (height, width, maps) one layer's output for one digit.
    Returns:
        Map numbers (ties go to the lower number).
    """
    means = np.asarray(maps, dtype=np.float64).reshape(-1, maps.shape[-1]).mean(axis=0)
    return [int(number) for number in np.argsort(-means, kind="stable")[:count]]


def stages(outputs: list[LayerOutput]) -> list[LayerOutput]:
    """The map layers worth a column: of each run of layers with the same output shape (a convolution,
    its batch normalisation, its activation), the last one, the maps the next stage receives."""
    maps = [entry for entry in shown_layers(outputs) if entry.output.ndim == 3]
    return [entry for position, entry in enumerate(maps)
            if position + 1 == len(maps) or maps[position + 1].output.shape != entry.output.shape]


def network_overview(outputs: list[LayerOutput], image: np.ndarray, *, presenter: bool, width_px: int = 1180,
                     height_px: int = 420, maps_per_layer: int = 2) -> bytes:
    """The picture: input -> each stage's most active maps -> the answer, as PNG bytes.

    Args:
        outputs: :func:`cnnviz.digits.activations.feature_maps` of the digit.
        image: (28, 28) the digit as the network received it, 0..1.
        presenter: text at least 18 px (else 13 px).
        width_px, height_px: the picture's size; maps are scaled to fit, all at one scale (when
            even one pixel per cell is too wide, middle stages are left out).
    """
    shown = shown_layers(outputs)
    answer = shown[-1].output if shown and shown[-1].output.shape == (10,) else None
    text_px = pictures.TEXT_PX[presenter]
    header, footer = 2 * text_px + 16, 2 * text_px + 16
    gap, arrow = max(6, text_px // 3), 2 * text_px
    answer_width = 11 * text_px if answer is not None else 0
    label_width = int(pictures.font(text_px).getlength("#00")) + 6
    columns = [("input", "28x28", np.asarray(image, dtype=np.float64)[..., None], [0])]
    for entry in stages(outputs):
        shape = "x".join(str(size) for size in entry.output.shape)
        columns.append((entry.layer_name, shape, entry.output, most_active_maps(entry.output, maps_per_layer)))

    def widths(scale: int, chosen: list) -> list[int]:
        return [int(max(pictures.font(text_px, bold=True).getlength(name), pictures.font(text_px).getlength(shape),
                        maps.shape[1] * scale + (label_width if position else 0)))
                for position, (name, shape, maps, _) in enumerate(chosen)]

    room = width_px - answer_width
    tallest = max(len(numbers) * maps.shape[0] for _, _, maps, numbers in columns)
    scale = max(1, int((height_px - header - footer - gap * maps_per_layer) / tallest))
    while scale > 1 and sum(widths(scale, columns)) + arrow * len(columns) > room:
        scale -= 1
    while len(columns) > 3 and sum(widths(scale, columns)) + arrow * len(columns) > room:
        del columns[len(columns) // 2]  # keep the input, the first and the last stages
    picture = Image.new("RGB", (width_px, height_px), pictures.BACKGROUND)
    draw = ImageDraw.Draw(picture)
    left = 0
    for position, ((name, shape, maps, numbers), column_width) in enumerate(zip(columns, widths(scale, columns))):
        draw.text((left, 3), name, fill=pictures.INK, font=pictures.font(text_px, bold=True), anchor="lt")
        draw.text((left, text_px + 6), shape, fill=pictures.MUTED, font=pictures.font(text_px), anchor="lt")
        low, high, scheme = (0.0, 1.0, pictures.INPUT_SCHEME) if position == 0 else pictures.value_limits(maps)
        top = header
        for number in numbers:
            tile = pictures.enlarged(pictures.colour(maps[..., number], low, high, scheme), scale)
            picture.paste(tile, (left, top))
            if position:
                draw.text((left + tile.width + 3, top), f"#{number}", fill=pictures.MUTED,
                          font=pictures.font(text_px), anchor="lt")
            top += tile.height + gap
        range_text = "0 to 1" if position == 0 else f"{pictures.number(low)} to {pictures.number(high)}"
        draw.text((left, height_px - footer + 4), range_text, fill=pictures.MUTED, font=pictures.font(text_px),
                  anchor="lt")
        left += column_width
        draw.text((left + arrow // 2, header + min(60, scale * 14)), "\u2192", fill=pictures.MUTED,
                  font=pictures.font(text_px + 6), anchor="mm")
        left += arrow
    if answer is not None:
        _answer_bars(draw, answer, left, header, height_px - header - footer, width_px - left, text_px)
    _colour_key(picture, 0, height_px - text_px - 4, text_px)
    return pictures.png(picture)


def _answer_bars(draw: ImageDraw.ImageDraw, probabilities: np.ndarray, left: int, top: int, height: int, width: int,
                 text_px: int) -> None:
    """Ten horizontal bars, one per digit, the predicted one orange, percentages written."""
    draw.text((left, 3), "answer", fill=pictures.INK, font=pictures.font(text_px, bold=True), anchor="lt")
    draw.text((left, text_px + 6), "probability", fill=pictures.MUTED, font=pictures.font(text_px), anchor="lt")
    best = int(np.argmax(probabilities))
    row_height = height / 10
    digit_width = int(pictures.font(text_px).getlength("0")) + 8
    percent_width = int(pictures.font(text_px).getlength("100%")) + 6
    longest = max(width - digit_width - percent_width - 4, 10)
    for digit, probability in enumerate(probabilities):
        middle = top + (digit + 0.5) * row_height
        draw.text((left, middle), str(digit), fill=pictures.INK, font=pictures.font(text_px, bold=digit == best),
                  anchor="lm")
        bar_height = max(4, int(row_height * 0.6))
        length = int(round(longest * float(probability)))
        if length:
            draw.rectangle((left + digit_width, middle - bar_height / 2, left + digit_width + length,
                            middle + bar_height / 2), fill=BEST_COLOUR if digit == best else OTHER_COLOUR)
        if probability >= 0.005:
            draw.text((left + digit_width + length + 4, middle), f"{100 * probability:.0f}%", fill=pictures.INK,
                      font=pictures.font(text_px), anchor="lm")


def _colour_key(picture: Image.Image, left: int, top: int, text_px: int) -> None:
    """One line saying what the maps' colours mean: each column's own range, dark to bright."""
    draw = ImageDraw.Draw(picture)
    draw.text((left, top), "0", fill=pictures.INK, font=pictures.font(text_px), anchor="lt")
    bar_left = left + int(pictures.font(text_px).getlength("0")) + 6
    bar_width = 6 * text_px
    shades = pictures.colour(np.linspace(0, 1, bar_width)[None, :], 0.0, 1.0, pictures.ACTIVATION_SCHEME)
    picture.paste(Image.fromarray(np.repeat(shades, text_px, axis=0)), (bar_left, top + 1))
    draw.text((bar_left + bar_width + 6, top), "= the column's strongest response (each column its own range)",
              fill=pictures.INK, font=pictures.font(text_px), anchor="lt")
