"""Animated Plotly figures of convolution and pooling, played in the browser.

Every figure has the (padded) input with the moving window, top left; the output filling in
cell by cell, top right; and underneath a strip with the numbers of the current step
(``window x kernel = products -> sum``, or ``window -> max``). The frames carry only what
moves: a few numbers, the window outline and the grey cover over the output cells not computed
yet. A 28 x 28 digit's whole animation stays well under 1.5 MB of figure JSON.
"""

from __future__ import annotations

import numpy as np

from cnnviz.lesson import frames as fr
from cnnviz.lesson import ops
from cnnviz.style import SIGNED_COLOURS, font_sizes, symmetric_limit

INPUT_COLOURS = "Greys"  # 0 = white paper, 1 = black ink
FEATURE_COLOURS = "Reds"  # a feature map after ReLU: 0 = white, strong response = dark red
TOP_PX = {False: 400, True: 440}  # height of the input / output panels
GAP_PX = 72  # room for the strip's titles


def _shows_numbers(n_rows: int, n_cols: int, presenter: bool) -> bool:
    """Numbers fit in a top-row panel (about 380 px wide) only when its cells are big enough."""
    return max(n_rows, n_cols) <= (12 if presenter else 14)


def _cell_font(n_rows: int, n_cols: int, sizes: dict) -> int:
    """Numbers as large as the cells of a top-row panel allow."""
    return sizes["cell"] if max(n_rows, n_cols) <= 8 else max(11, sizes["cell"] - 4)


def _layout(presenter: bool, in_rows, in_cols, out_shape, strip_rows: int, strip_cols: int) -> tuple:
    """Domains of the three panels; returns (layout, input axes, output axes, strip axes, height, strip_top)."""
    cell_px = (58 if presenter else 50) if strip_rows <= 3 else (44 if presenter else 38)
    strip_px = strip_rows * cell_px
    area = TOP_PX[presenter] + GAP_PX + strip_px
    strip_top, top_bottom = strip_px / area, (strip_px + GAP_PX) / area
    layout: dict = {}
    in_axes = fr.grid_axes(layout, 1, [0, 0.40], [top_bottom, 1], in_rows, in_cols)
    out_axes = fr.grid_axes(layout, 2, [0.56, 0.91], [top_bottom, 1], (0, out_shape[0] - 1), (0, out_shape[1] - 1))
    strip_axes = fr.grid_axes(layout, 3, [0, 0.92], [0, strip_top], (0, strip_rows - 1), (0, strip_cols),
                              visible=False)
    layout["xaxis3"]["constraintoward"] = "left"
    height = area + (70 if presenter else 62) + fr.CONTROLS_PX + 20
    return layout, (in_axes, out_axes, strip_axes), height, strip_top, top_bottom


def _padded_view(image: np.ndarray, rows: ops.Geometry, cols: ops.Geometry) -> tuple[np.ndarray, range, range]:
    """The input inside its padding (NaN on padded cells) and the row / column numbers to draw."""
    padded = np.full((image.shape[0] + rows.before + rows.after, image.shape[1] + cols.before + cols.after), np.nan)
    padded[rows.before:rows.before + image.shape[0], cols.before:cols.before + image.shape[1]] = image
    return padded, range(-rows.before, image.shape[0] + rows.after), range(-cols.before, image.shape[1] + cols.after)


def _top_titles(input_name: str, shape, out_shape, output_note: str, padded: bool, sizes: dict,
                window_word: str) -> list[dict]:
    key = f"<span style='color:{fr.HIGHLIGHT}'><b>orange frame</b></span>: the {window_word}"
    if padded:
        key += " · <span style='color:#3a7bbf'><b>blue cells</b></span>: padding"
    small = sizes["small"] + 2
    return [
        fr.title(f"<b>{input_name}</b> ({shape[0]} x {shape[1]})<br><span style='font-size:{small}px'>{key}</span>",
                 "paper", 0, 1, sizes["base"] + 1, shift=18),
        fr.title(f"<b>Output</b> ({out_shape[0]} x {out_shape[1]})<br><span style='font-size:{small}px'>"
                 f"{output_note}</span>", "paper", 0.56, 1, sizes["base"] + 1, shift=18),
    ]


def convolution_figure(image, kernel, presenter: bool, *, stride: int = 1, padding: ops.Padding = 0,
                       dilation: int = 1, bias: float = 0.0, input_range: tuple[float, float] = (0.0, 1.0),
                       decimals: int = 2, input_name: str = "Input") -> fr.AnimatedFigure:
    """The convolution of ``image`` by ``kernel``, animated one output cell per frame.

    Args:
        image: (H, W) values; kernel: (k, k) weights; stride, padding, dilation, bias: as ``ops.conv2d``.
        input_range: colour range of the input (0..1 for scaled pixels).
        decimals: at most this many decimals in the numbers shown (0 for whole numbers).
        input_name: the input's title, e.g. ``"Input: digit #7"``.

    Returns:
        A figure with one frame per output cell, play / fast / pause buttons and a step slider.

    Raises:
        ops.OperationError: arguments ``ops.conv2d`` rejects.
    """
    sizes = font_sizes(presenter)
    steps = list(ops.conv_steps(image, kernel, stride, padding, dilation, bias))
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    k_rows, k_cols = kernel.shape
    rows = ops.geometry(image.shape[0], k_rows, stride, padding, dilation)
    cols = ops.geometry(image.shape[1], k_cols, stride, padding, dilation)
    out_shape = (rows.output, cols.output)
    output = np.array([step.value for step in steps]).reshape(out_shape)
    padded, y_in, x_in = _padded_view(image, rows, cols)
    strip_cols = 3 * k_cols + 7
    layout, (in_axes, out_axes, strip_axes), height, strip_top, top_bottom = _layout(
        presenter, (y_in[0], y_in[-1]), (x_in[0], x_in[-1]), out_shape, k_rows, strip_cols)

    in_decimals = decimals if _shows_numbers(*padded.shape, presenter) else None
    out_decimals = decimals if _shows_numbers(*out_shape, presenter) else None
    strip_text = sizes["cell"] + (4 if k_rows <= 3 else 1)
    products_at, sum_at = 2 * k_cols + 2, 3 * k_cols + 1.7
    weight_limit, out_limit = symmetric_limit(kernel), symmetric_limit(output)
    grids = [
        fr.grid(padded, x_in, y_in, in_axes, "coloraxis", INPUT_COLOURS, *input_range, in_decimals,
                _cell_font(*padded.shape, sizes), "input", nan_colour=fr.PADDING_COLOUR, nan_text="0"),
        fr.grid(output, range(out_shape[1]), range(out_shape[0]), out_axes, "coloraxis3", SIGNED_COLOURS,
                -out_limit, out_limit, None, sizes["cell"], "output"),
        fr.grid(kernel, range(k_cols + 1, 2 * k_cols + 1), range(k_rows), strip_axes, "coloraxis2",
                SIGNED_COLOURS, -weight_limit, weight_limit, max(decimals, 2), strip_text, "weight"),
    ]
    traces = [
        *(g.trace for g in grids),
        fr.text_grid(k_rows, k_cols, 0, strip_axes, strip_text),
        fr.text_grid(k_rows, k_cols, products_at, strip_axes, strip_text),
        fr.line(in_axes, fr.HIGHLIGHT, 4),
        fr.line(out_axes, fr.COVER_COLOUR, 0, fill=fr.COVER_COLOUR),
        fr.line(out_axes, fr.HIGHLIGHT, 4),
        fr.label("", strip_axes, sum_at, (k_rows - 1) / 2, sizes["title"]),
        fr.text_grid(*out_shape, 0, out_axes, _cell_font(*out_shape, sizes),
                     fr.contrast_text(output, SIGNED_COLOURS, -out_limit, out_limit) if out_decimals is not None
                     else None),
    ]
    images = [*(g.image for g in grids), fr.blank_grid(k_rows, k_cols, 0, strip_axes),
              fr.blank_grid(k_rows, k_cols, products_at, strip_axes)]

    def moving(step: ops.ConvStep) -> list[dict]:
        read_rows = [int(r) - rows.before for r in step.rows]  # plain ints: numpy scalars are slow here
        read_cols = [int(c) - cols.before for c in step.cols]
        wx, wy = fr.rect(read_rows[0], read_cols[0], read_rows[-1], read_cols[-1])
        if dilation > 1:  # also frame each cell the kernel actually reads
            for r in read_rows:
                for c in read_cols:
                    cx, cy = fr.rect(r, c, r, c)
                    wx, wy = wx + [None] + cx, wy + [None] + cy
        ox, oy = fr.rect(step.out_row, step.out_col, step.out_row, step.out_col)
        cover_x, cover_y = fr.cover(step.out_row, step.out_col, *out_shape)
        total = fr.number_text(step.total, max(decimals, 2))
        result = f"sum = {total}" + (f" + bias {bias:g} = {fr.number_text(step.value, 2)}" if bias else "")
        return [
            {"text": [fr.number_text(v, decimals) for v in step.window.ravel()]},
            {"text": [fr.number_text(v, max(decimals, 2)) for v in step.products.ravel()],
             "textfont": {"color": fr.signed_text_colours(step.products), "size": strip_text}},
            {"x": wx, "y": wy}, {"x": cover_x, "y": cover_y}, {"x": ox, "y": oy},
            {"text": [f"<b>{result}</b><br>\u2192 output cell<br>(row {step.out_row}, column {step.out_col})"]},
            {"text": fr.revealed_numbers(output, step.out_row, step.out_col, decimals) if out_decimals is not None
             else []},
        ]

    frames = fr.build_frames(steps, moving, traces, moving_traces=range(3, 10))

    top_mid, top_len = (top_bottom + 1) / 2, 1 - top_bottom
    strip_title = sizes["base"] + 1
    layout.update(
        images=images,
        coloraxis=fr.coloraxis(INPUT_COLOURS, *input_range, "input value", presenter, 0.41, top_mid, top_len),
        coloraxis2=fr.coloraxis(SIGNED_COLOURS, -weight_limit, weight_limit, "weight", presenter, 0.93,
                                strip_top / 2, max(strip_top, 0.2)),
        coloraxis3=fr.coloraxis(SIGNED_COLOURS, -out_limit, out_limit, "output value", presenter, 0.93,
                                top_mid, top_len),
        annotations=[
            *(note for g in grids for note in g.annotations),
            *_top_titles(input_name, image.shape, out_shape, "one sum per window position · grey: to do",
                         rows.before + rows.after + cols.before + cols.after > 0, sizes, "kernel's window"),
            fr.title("<b>window</b>", "x3", -0.5, strip_top, strip_title, shift=4),
            fr.title("<b>kernel</b>", "x3", k_cols + 0.5, strip_top, strip_title, shift=4),
            fr.title("<b>products</b>", "x3", products_at - 0.5, strip_top, strip_title, shift=4),
            *[{"text": symbol, "xref": "x3", "yref": "y3", "x": x, "y": (k_rows - 1) / 2, "showarrow": False,
               "font": {"size": sizes["title"] + 8}} for symbol, x in (("\u00d7", k_cols), ("=", 2 * k_cols + 1))],
        ],
    )
    labels = [f"{i + 1} of {len(steps)}: output row {s.out_row}, column {s.out_col}" for i, s in enumerate(steps)]
    slow = 1000 if len(steps) <= 16 else 250
    return fr.finish(traces, frames, layout, presenter, height, labels, slow, max(slow // 5, 40))


def pooling_figure(feature_map, presenter: bool, *, size: int = 2, stride: int | None = None, mode: str = "max",
                   padding: str = "valid", decimals: int = 1, input_name: str = "Feature map",
                   row_offset: int = 0, col_offset: int = 0) -> fr.AnimatedFigure:
    """Max or average pooling of ``feature_map``, animated one output cell per frame.

    Args:
        feature_map: (H, W) values, usually >= 0 (after ReLU).
        size, stride, mode, padding: as ``ops.pool2d`` (square windows).
        decimals: at most this many decimals in the numbers shown.
        row_offset, col_offset: where ``feature_map`` starts in a larger map, so that a cropped
            region keeps the row and column numbers of the whole map.

    Returns:
        A figure with one frame per output cell; the window's largest value is framed in red.

    Raises:
        ops.OperationError: arguments ``ops.pool2d`` rejects.
    """
    sizes = font_sizes(presenter)
    steps = list(ops.pool_steps(feature_map, size, stride, mode, padding))
    feature_map = np.asarray(feature_map, dtype=np.float64)
    stride = size if stride is None else stride
    rows = ops.geometry(feature_map.shape[0], size, stride, padding)
    cols = ops.geometry(feature_map.shape[1], size, stride, padding)
    out_shape = (rows.output, cols.output)
    output = np.array([step.value for step in steps]).reshape(out_shape)
    padded, y_in, x_in = _padded_view(feature_map, rows, cols)
    y_in = range(y_in[0] + row_offset, y_in[-1] + row_offset + 1)
    x_in = range(x_in[0] + col_offset, x_in[-1] + col_offset + 1)
    layout, (in_axes, out_axes, strip_axes), height, strip_top, top_bottom = _layout(
        presenter, (y_in[0], y_in[-1]), (x_in[0], x_in[-1]), out_shape, max(size, 2), size + 9)
    top = max(float(np.max(feature_map)), 1e-9)
    in_decimals = decimals if _shows_numbers(*padded.shape, presenter) else None
    out_decimals = decimals if _shows_numbers(*out_shape, presenter) else None
    strip_text = sizes["cell"] + 4
    word = "max" if mode == "max" else "average"
    grids = [
        fr.grid(padded, x_in, y_in, in_axes, "coloraxis", FEATURE_COLOURS, 0.0, top, in_decimals,
                _cell_font(*padded.shape, sizes), "value", nan_colour=fr.PADDING_COLOUR, nan_text="pad"),
        fr.grid(output, range(out_shape[1]), range(out_shape[0]), out_axes, "coloraxis", FEATURE_COLOURS, 0.0, top,
                None, sizes["cell"], word),
    ]
    traces = [
        *(g.trace for g in grids),
        fr.text_grid(size, size, 0, strip_axes, strip_text),
        fr.line(in_axes, fr.HIGHLIGHT, 4),
        fr.line(in_axes, fr.WINNER, 3),
        fr.line(strip_axes, fr.WINNER, 4),
        fr.line(out_axes, fr.COVER_COLOUR, 0, fill=fr.COVER_COLOUR),
        fr.line(out_axes, fr.HIGHLIGHT, 4),
        fr.label("", strip_axes, size + 0.2, (size - 1) / 2, sizes["title"]),
        fr.text_grid(*out_shape, 0, out_axes, _cell_font(*out_shape, sizes),
                     fr.contrast_text(output, FEATURE_COLOURS, 0.0, top) if out_decimals is not None else None),
    ]

    def moving(step: ops.PoolStep) -> list[dict]:
        top_row, left = int(step.rows[0]) - rows.before + row_offset, int(step.cols[0]) - cols.before + col_offset
        wx, wy = fr.rect(top_row, left, top_row + size - 1, left + size - 1)
        win_r, win_c = step.winner
        winner_in = fr.rect(top_row + win_r, left + win_c, top_row + win_r, left + win_c) if mode == "max" else ([], [])
        winner_strip = fr.rect(win_r, win_c, win_r, win_c) if mode == "max" else ([], [])
        cover_x, cover_y = fr.cover(step.out_row, step.out_col, *out_shape)
        ox, oy = fr.rect(step.out_row, step.out_col, step.out_row, step.out_col)
        counted = step.window[~np.isnan(step.window)]
        if mode == "max":
            result = f"\u2192 <b>max = {fr.number_text(step.value, decimals)}</b>"
        else:
            result = (f"\u2192 <b>average = {fr.number_text(counted.sum(), decimals + 1)} / {counted.size} = "
                      f"{fr.number_text(step.value, decimals + 1)}</b>")
        return [
            {"text": ["pad" if np.isnan(v) else fr.number_text(v, decimals) for v in step.window.ravel()]},
            {"x": wx, "y": wy}, {"x": winner_in[0], "y": winner_in[1]},
            {"x": winner_strip[0], "y": winner_strip[1]}, {"x": cover_x, "y": cover_y}, {"x": ox, "y": oy},
            {"text": [f"{result}<br>\u2192 output cell<br>(row {step.out_row}, column {step.out_col})"]},
            {"text": fr.revealed_numbers(output, step.out_row, step.out_col, decimals) if out_decimals is not None
             else []},
        ]

    frames = fr.build_frames(steps, moving, traces, moving_traces=range(2, 10))

    top_mid, top_len = (top_bottom + 1) / 2, 1 - top_bottom
    note = f"{word} of each window" + (" · <span style='color:#d62728'><b>red</b></span>: winner"
                                       if mode == "max" else "")
    layout.update(
        coloraxis=fr.coloraxis(FEATURE_COLOURS, 0.0, top, "feature value", presenter, 0.93, top_mid, top_len),
        images=[*(g.image for g in grids), fr.blank_grid(size, size, 0, strip_axes)],
        annotations=[
            *(note for g in grids for note in g.annotations),
            *_top_titles(input_name, feature_map.shape, out_shape, note + " · grey: to do",
                         rows.before + rows.after + cols.before + cols.after > 0, sizes, "pooling window"),
            fr.title(f"<b>window</b> ({size} x {size})", "x3", -0.5, strip_top, sizes["base"] + 1, shift=4),
        ],
    )
    labels = [f"{i + 1} of {len(steps)}: output row {s.out_row}, column {s.out_col}" for i, s in enumerate(steps)]
    slow = 900 if len(steps) <= 40 else 300
    return fr.finish(traces, frames, layout, presenter, height, labels, slow, max(slow // 5, 40))
