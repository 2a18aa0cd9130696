"""Plotly figures for "Inside the CNN" and "Your digit": filters, one map up close, dense activations
and probability bars. Pure functions: arrays in, figure out (no Keras, no Streamlit). A layer's
feature maps are pictures drawn on the server instead (cnnviz.pictures.map_grid).

Filters are tiled into ONE heatmap (a mosaic, one blank cell between them), so they share one
colour scale and one legend, and the browser draws one trace instead of dozens.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from cnnviz.style import SIGNED_COLOURS, colorbar, font_sizes, style, symmetric_limit

ACTIVATION_COLOURS = "Viridis"  # dark purple = 0 (silent), yellow = strongest response
INPUT_COLOURS = "Greys_r"  # 0 = black background, 1 = white ink, as the network sees MNIST


def grid_columns(count: int) -> int:
    """How many maps per row: 8 for 32 or 64 maps, fewer for small layers."""
    return min(count, 8 if count >= 16 else max(1, math.ceil(math.sqrt(count))))


def mosaic(maps: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Tile (height, width, count) maps into one 2-D array, NaN between them.

    Returns:
        ``(tiles, index)``: tiles (rows*(height+1)-1, columns*(width+1)-1) float32 with NaN gaps;
        index (same shape, 3) int16 holding each cell's (map number, row, column), -1 in gaps.
    """
    height, width, count = maps.shape
    rows = math.ceil(count / columns)
    tiles = np.full((rows * (height + 1) - 1, columns * (width + 1) - 1), np.nan, dtype=np.float32)
    index = np.full(tiles.shape + (3,), -1, dtype=np.int16)
    grid_row, grid_col = np.mgrid[0:height, 0:width]
    for number in range(count):
        top = (number // columns) * (height + 1)
        left = (number % columns) * (width + 1)
        tiles[top:top + height, left:left + width] = maps[..., number]
        index[top:top + height, left:left + width] = np.stack(
            [np.full_like(grid_row, number), grid_row, grid_col], axis=-1)
    return tiles, index


def value_range(values: np.ndarray) -> dict:
    """Colour-scale limits: 0..max for non-negative values, symmetric around 0 otherwise."""
    if float(np.nanmin(values)) >= 0:
        return {"zmin": 0.0, "zmax": max(float(np.nanmax(values)), 1e-6), "colorscale": ACTIVATION_COLOURS}
    return signed_range(values)


def signed_range(values: np.ndarray) -> dict:
    """Colour-scale limits centred on 0 (white), blue negative and red positive: for weights."""
    limit = symmetric_limit(values)
    return {"zmin": -limit, "zmax": limit, "colorscale": SIGNED_COLOURS}


def mosaic_height(shape: tuple, presenter: bool, extra: int = 60) -> int:
    """Figure height (px) that fits a mosaic of ``shape`` (rows, columns) drawn with square cells
    in a full-width chart at 1280x720 without blank bands above and below."""
    plot_width = 560 if presenter else 640  # the page width minus labels and the colour legend
    return int(np.clip(extra + plot_width * shape[0] / shape[1], 200, 900))


def _row_label(row: int, columns: int, count: int) -> str:
    first, last = row * columns, min(count, (row + 1) * columns) - 1
    return f"map {first}" if first == last else f"maps {first}-{last}"


def filter_grid(kernels: np.ndarray, presenter: bool, title: str | None = None) -> go.Figure:
    """The learned filters of a first convolution layer as small heatmaps, weights in the cells.

    Args:
        kernels: (kernel_height, kernel_width, count) one 2-D filter per output map.
    """
    kernel_height, kernel_width, count = kernels.shape
    columns = grid_columns(count)
    tiles, index = mosaic(kernels, columns)
    heatmap = go.Heatmap(
        z=tiles, customdata=index, **signed_range(kernels),
        colorbar=colorbar("weight", presenter), hoverongaps=False,
        hovertemplate="filter %{customdata[0]}, row %{customdata[1]}, column %{customdata[2]}"
                      "<br>weight %{z:.3f}<extra></extra>",
    )
    if kernel_width * columns <= 40 and not presenter:
        rounded = np.round(np.nan_to_num(tiles), 1) + 0.0  # + 0.0 turns -0.0 into 0.0
        text = np.where(np.isnan(tiles), "", np.char.mod("%.1f", rounded))
        heatmap.update(text=text, texttemplate="%{text}", textfont={"size": font_sizes(presenter)["small"]})
    fig = go.Figure(heatmap)
    rows = math.ceil(count / columns)
    fig.update_xaxes(tickvals=[c * (kernel_width + 1) + (kernel_width - 1) / 2 for c in range(columns)],
                     ticktext=[f"+{c}" for c in range(columns)], side="bottom", showgrid=False, zeroline=False)
    fig.update_yaxes(tickvals=[r * (kernel_height + 1) + (kernel_height - 1) / 2 for r in range(rows)],
                     ticktext=[_row_label(r, columns, count).replace("map", "filter") for r in range(rows)],
                     autorange="reversed", scaleanchor="x", showgrid=False, zeroline=False)
    return style(fig, presenter, title, height=mosaic_height(tiles.shape, presenter, extra=110))


def single_map(values: np.ndarray, presenter: bool, title: str | None = None, *, legend_title: str = "activation",
               colour_range: dict | None = None, number_format: str = ".2f", height: int | None = None) -> go.Figure:
    """One 2-D array large: an input digit, one feature map or one filter, numbers in the cells
    when it is small enough (up to 14 x 14) for them to be read.

    Args:
        values: (rows, columns).
        colour_range: ``{"zmin", "zmax", "colorscale"}``; by default from :func:`value_range`.
    """
    values = np.asarray(values, dtype=np.float32)
    scale = colour_range or value_range(values)
    heatmap = go.Heatmap(z=values, **scale, colorbar=colorbar(legend_title, presenter), xgap=1, ygap=1,
                         hovertemplate=f"row %{{y}}, column %{{x}}<br>value %{{z:{number_format}}}<extra></extra>")
    if max(values.shape) <= 14:
        heatmap.update(texttemplate=f"%{{z:{number_format}}}", textfont={"size": font_sizes(presenter)["small"]})
    fig = go.Figure(heatmap)
    step = 1 if max(values.shape) <= 14 else 5  # whole rows and columns only, never -0.5 or 2.5
    fig.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain", showgrid=False, zeroline=False,
                     tickmode="linear", tick0=0, dtick=step)
    fig.update_xaxes(side="top", constrain="domain", showgrid=False, zeroline=False, tickmode="linear", tick0=0,
                     dtick=step)
    return style(fig, presenter, title, height or (420 if presenter else 340))


def input_digit(image: np.ndarray, presenter: bool, title: str | None = "what the network receives") -> go.Figure:
    """The 28x28 network input (0 = black background, 1 = white ink)."""
    return single_map(image, presenter, title, legend_title="pixel value (0..1)",
                      colour_range={"zmin": 0.0, "zmax": 1.0, "colorscale": INPUT_COLOURS})


def dense_bars(values: np.ndarray, presenter: bool, title: str | None = None) -> go.Figure:
    """A dense layer's activations, one bar per neuron."""
    values = np.asarray(values, dtype=np.float32)
    fig = go.Figure(go.Bar(x=np.arange(len(values)), y=values, marker_color="#1f77b4",
                           hovertemplate="neuron %{x}<br>activation %{y:.3f}<extra></extra>"))
    fig.update_xaxes(title="neuron", showgrid=False)
    fig.update_yaxes(title="activation", zeroline=True, zerolinecolor="#888888")
    return style(fig, presenter, title, height=300 if presenter else 240)


def probability_bars(probabilities: np.ndarray, presenter: bool, title: str | None = None,
                     height: int | None = None) -> go.Figure:
    """Ten softmax probabilities as labelled bars; the predicted digit in orange."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    best = int(np.argmax(probabilities))
    colours = ["#ff7f0e" if digit == best else "#1f77b4" for digit in range(len(probabilities))]
    fig = go.Figure(go.Bar(
        x=[str(digit) for digit in range(len(probabilities))], y=probabilities * 100, marker_color=colours,
        text=[f"{100 * p:.0f}%" if p >= 0.005 else "" for p in probabilities], textposition="outside",
        cliponaxis=False, hovertemplate="digit %{x}: %{y:.2f}%<extra></extra>",
    ))
    fig.update_xaxes(title="digit", type="category")
    fig.update_yaxes(title="probability (%)", range=[0, 118], tickvals=[0, 25, 50, 75, 100])
    fig = style(fig, presenter, title, height or (360 if presenter else 290))
    fig.update_layout(margin_t=max(fig.layout.margin.t or 0, 30))  # room for the top bar's label
    return fig


# --------------------------------------------------------------------------- whole-model views


def layer_views(outputs: list, presenter: bool) -> list[dict]:
    """One entry per layer worth drawing, for the "Inside the CNN" page.

    Args:
        outputs: :func:`cnnviz.digits.activations.feature_maps` of one digit.

    Returns:
        dicts with ``name``, ``class_name``, ``shape`` (tuple), ``kind`` (``"maps"``, ``"bars"``,
        ``"probabilities"`` or ``"flat"``) and ``figure`` (None for ``"maps"`` and ``"flat"``). Pass-through
        layers (dropout, augmentation) are left out: at prediction time they change nothing.
    """
    from cnnviz.digits.activations import shown_layers

    shown = shown_layers(outputs)
    views = []
    for position, entry in enumerate(shown):
        shape = tuple(entry.output.shape)
        view = {"name": entry.layer_name, "class_name": entry.layer_class_name, "shape": shape, "figure": None}
        if entry.output.ndim == 3:
            view["kind"] = "maps"  # drawn on the server as a picture (cnnviz.pictures.map_grid)
        elif position == len(shown) - 1 and shape == (10,):
            view["kind"] = "probabilities"
            view["figure"] = probability_bars(entry.output, presenter)
        elif entry.layer_class_name == "Flatten" or shape[0] > 1024:
            view["kind"] = "flat"
        else:
            view["kind"] = "bars"
            view["figure"] = dense_bars(entry.output, presenter)
        views.append(view)
    return views


def map_detail(model, outputs: list, layer_name: str, index: int, presenter: bool) -> dict:
    """One feature map large, with the filter of the convolution that made it.

    Args:
        model: the ``keras.Model`` (only its weights are read).
        outputs: :func:`cnnviz.digits.activations.feature_maps` of the digit.
        layer_name: a layer with (height, width, count) output.
        index: which map, 0..count-1.

    Returns:
        dict with ``map`` (figure), ``filter`` (figure or None), ``filter_layer`` (name or None)
        and ``note`` (a sentence saying how the map was made).
    """
    from cnnviz.digits import activations

    entry = next(item for item in outputs if item.layer_name == layer_name)
    index = int(np.clip(index, 0, entry.output.shape[-1] - 1))
    detail = {"map": single_map(entry.output[..., index], presenter, f"map {index}",
                                height=460 if presenter else 380),
              "filter": None, "filter_layer": None, "note": ""}
    source = activations.source_layer_name(model, layer_name)
    if source is None:
        return detail
    kernel = activations.conv_kernel(model, source)[..., index]  # (kernel_height, kernel_width, in_channels)
    detail["filter_layer"] = source
    size = f"{kernel.shape[0]}x{kernel.shape[1]}"
    if kernel.shape[-1] == 1:
        detail["filter"] = single_map(kernel[..., 0], presenter, f"its filter ({size})",
                                      legend_title="weight", height=460 if presenter else 380,
                                      colour_range=signed_range(kernel))
        detail["note"] = (f"Filter {index} of {source} slides over the input; at each position it multiplies the "
                          f"{size} pixels under it by these weights and adds them up (plus a bias), then relu "
                          "keeps the positive part.")
    else:
        detail["filter"] = filter_grid(kernel, presenter, f"{source}, filter {index}: one {size} slice per input map")
        detail["note"] = (f"Filter {index} of {source} has one {size} slice for each of the {kernel.shape[-1]} maps "
                          "of the layer before; the products of all slices are added into this one map.")
    if source != layer_name:
        detail["note"] += f" {layer_name} ({entry.layer_class_name}) then transformed map {index} of {source}."
    return detail
