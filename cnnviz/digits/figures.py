"""A digit through a network, for "Inside the CNN" and "Your digit": the ten probabilities as a chart,
and every layer's output and one map's detail as arrays (the pages draw them as pictures, see
cnnviz.pictures and cnnviz.digits.overview). Pure functions: no Keras import, no Streamlit.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cnnviz.style import style


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


def layer_views(outputs: list) -> list[dict]:
    """One entry per layer worth drawing, for the "Inside the CNN" page.

    Args:
        outputs: :func:`cnnviz.digits.activations.feature_maps` of one digit.

    Returns:
        dicts with ``name``, ``class_name``, ``shape`` (tuple), ``kind`` (``"maps"``, ``"bars"``,
        ``"probabilities"`` or ``"flat"``) and ``values`` (the layer's output, no batch axis).
        Pass-through layers (dropout, augmentation) are left out: at prediction time they change nothing.
    """
    from cnnviz.digits.activations import shown_layers

    shown = shown_layers(outputs)
    views = []
    for position, entry in enumerate(shown):
        shape = tuple(entry.output.shape)
        if entry.output.ndim == 3:
            kind = "maps"
        elif position == len(shown) - 1 and shape == (10,):
            kind = "probabilities"
        elif entry.layer_class_name == "Flatten" or shape[0] > 1024:
            kind = "flat"
        else:
            kind = "bars"
        views.append({"name": entry.layer_name, "class_name": entry.layer_class_name, "shape": shape, "kind": kind,
                      "values": entry.output})
    return views


def map_detail(model, outputs: list, layer_name: str, index: int) -> dict:
    """One feature map, with the filter of the convolution that made it.

    Args:
        model: the ``keras.Model`` (only its weights are read).
        outputs: :func:`cnnviz.digits.activations.feature_maps` of the digit.
        layer_name: a layer with (height, width, count) output.
        index: which map, 0..count-1.

    Returns:
        dict with ``map`` ((height, width) values), ``filter`` (the filter's (kh, kw, in_channels)
        weights, or None), ``filter_layer`` (name or None) and ``note`` (a sentence saying how the
        map was made).
    """
    from cnnviz.digits import activations

    entry = next(item for item in outputs if item.layer_name == layer_name)
    index = int(np.clip(index, 0, entry.output.shape[-1] - 1))
    detail = {"map": entry.output[..., index], "filter": None, "filter_layer": None, "note": ""}
    source = activations.source_layer_name(model, layer_name)
    if source is None:
        return detail
    kernel = activations.conv_kernel(model, source)[..., index]  # (kernel_height, kernel_width, in_channels)
    detail["filter"], detail["filter_layer"] = kernel, source
    size = f"{kernel.shape[0]}x{kernel.shape[1]}"
    if kernel.shape[-1] == 1:
        detail["note"] = (f"Filter {index} of {source} slides over the input; at each position it multiplies the "
                          f"{size} pixels under it by these weights and adds them up (plus a bias), then relu "
                          "keeps the positive part.")
    else:
        detail["note"] = (f"Filter {index} of {source} has one {size} slice for each of the {kernel.shape[-1]} maps "
                          "of the layer before; the products of all slices are added into this one map.")
    if source != layer_name:
        detail["note"] += f" {layer_name} ({entry.layer_class_name}) then transformed map {index} of {source}."
    return detail
