"""Pictures for "Inside the CNN", drawn on the server once per (network, digit): the network at a
glance (cnnviz.digits.overview) and every stage's feature maps (cnnviz.pictures.map_grid), and the
rule for the map the close-up opens on."""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

from cnnviz.ui import digits as digits_ui
from cnnviz.ui import heavy

OVERVIEW_SIZE = {True: (1180, 400), False: (880, 340)}  # px, by presenter mode: the page's full width
GRID_WIDTH = {True: 1180, False: 880}
DETAIL_FOR_KEY = "inside_detail_for"  # the (network, digit, layer) the close-up's map was chosen for


def _model(source: str):
    """The network ``source`` names: a zoo network, or the student's own from the playground."""
    return digits_ui.playground_model() if source == digits_ui.PLAYGROUND_SOURCE else digits_ui.zoo_model(source)


def _outputs(source: str, image: np.ndarray) -> list:
    from cnnviz.digits import activations

    # A zoo network lives as long as the server: compiled. A student's own is replaced by the next run: eagerly.
    return activations.feature_maps(_model(source), image, compiled_call=source != digits_ui.PLAYGROUND_SOURCE)


def _cached_for_zoo(build):
    """``build(source, image, third)`` cached for zoo networks, drawn one of a few at a time server-wide
    (cnnviz.ui.heavy): per server for the test digits a class shares (24 MB each: layer pictures 0.2-1 MB
    a digit, an overview 20 KB, a close-up 84 KB); in the student's own session for the student's own
    digit (``own=True``, 4 MB: it leaves with the student); a student's own network is drawn afresh."""

    def build_for(source: str, image: np.ndarray, third, _own: bool = False):
        return build(source, image, third)

    build_for.__module__, build_for.__qualname__ = build.__module__, build.__qualname__  # the cache's name
    cached = heavy.cached(max_mb=24, own_mb=4)(build_for)

    @functools.wraps(build)
    def picture(source: str, image: np.ndarray, third, own: bool = False):
        if source == digits_ui.PLAYGROUND_SOURCE:
            return build(source, image, third)
        return cached(source, image, third, _own=own)

    return picture


@_cached_for_zoo
def overview_png(source: str, image: np.ndarray, presenter: bool) -> bytes:
    """The network at a glance for one (28, 28) digit, as PNG bytes sized for the page."""
    from cnnviz.digits import overview

    width, height = OVERVIEW_SIZE[presenter]
    return overview.network_overview(_outputs(source, image), image, presenter=presenter, width_px=width,
                                     height_px=height)


@_cached_for_zoo
def layer_pictures(source: str, image: np.ndarray, presenter: bool) -> list[dict]:
    """Every layer worth drawing (``cnnviz.digits.figures.layer_views``), each with its picture as
    ``"png"``: a map layer's grid of maps, a dense layer's bars, the ten probabilities (None for the
    flatten step, a list of numbers)."""
    from cnnviz import pictures
    from cnnviz.digits import figures

    views = figures.layer_views(_outputs(source, image))
    for view in views:
        values = view["values"]
        if view["kind"] == "maps":
            view["png"] = pictures.map_grid(values, presenter=presenter, width_px=GRID_WIDTH[presenter])
        elif view["kind"] == "bars":
            view["png"] = pictures.bars(values, presenter=presenter, width_px=GRID_WIDTH[presenter],
                                        axis_title="neuron (activation for this digit)")
        elif view["kind"] == "probabilities":
            view["png"] = pictures.bars(values, presenter=presenter, labels=[str(digit) for digit in range(10)],
                                        highlight=int(np.argmax(values)), percent=True, width_px=600,
                                        height_px=240, axis_title="digit")
        else:
            view["png"] = None
    return views


@_cached_for_zoo
def map_detail(source: str, image: np.ndarray, layer_name_and_index: tuple) -> dict:
    """One map and the filter that made it (``cnnviz.digits.figures.map_detail``) as arrays."""
    from cnnviz.digits import figures

    model = _model(source)
    layer_name, index = layer_name_and_index
    return figures.map_detail(model, _outputs(source, image), layer_name, index)


def first_filters(source: str, presenter: bool) -> tuple[str, bytes] | None:
    """The first convolution's learned filters as one picture with a legend: ``(caption, PNG)``, or
    None for a network without a convolution."""
    from cnnviz.digits import activations

    model = _model(source)
    name = activations.first_conv_layer_name(model)
    if name is None:
        return None
    kernel = activations.conv_kernel(model, name)  # (height, width, in_channels, filters)
    caption = f"{name}: {kernel.shape[-1]} learned {kernel.shape[0]}x{kernel.shape[1]} filters"
    if source == digits_ui.PLAYGROUND_SOURCE:  # a student's own network: drawn afresh, never shared
        return caption, _filters_png(kernel[:, :, 0, :], presenter)
    return caption, _zoo_filters_png(source, name, presenter)


@st.cache_resource(max_entries=32, show_spinner=False)
def _zoo_filters_png(model_name: str, layer_name: str, presenter: bool) -> bytes:
    from cnnviz.digits import activations

    return _filters_png(activations.conv_kernel(digits_ui.zoo_model(model_name), layer_name)[:, :, 0, :], presenter)


def _filters_png(kernels: np.ndarray, presenter: bool) -> bytes:
    """(height, width, filters) weights as one picture on a scale centred on 0."""
    from cnnviz import pictures

    return pictures.map_grid(kernels, presenter=presenter, width_px=GRID_WIDTH[presenter], legend_title="weight",
                             cell_px=max(4, 60 // kernels.shape[0]))


def open_close_up_on_an_active_map(source: str, digit_id: str, layer_name: str, maps: np.ndarray) -> None:
    """Before the close-up's map slider: on a new network, digit or layer, point it at the most active
    map (not map 0, often nearly empty), unless this session's first run came with a link's choice.

    Args:
        maps: (height, width, count) the layer's output for the digit.
    """
    from cnnviz.digits import overview

    selection = (source, digit_id, layer_name)
    first_run = DETAIL_FOR_KEY not in st.session_state
    if st.session_state.get(DETAIL_FOR_KEY) == selection:
        return
    st.session_state[DETAIL_FOR_KEY] = selection
    if first_run and "inside_detail_map" in st.query_params:
        return  # the link names its map
    st.session_state["inside_detail_map"] = overview.most_active_maps(maps, 1)[0]


def filter_stack_png(kernel: np.ndarray, presenter: bool) -> bytes:
    """One filter of a deeper convolution, (kh, kw, in_channels): a slice per input map, one picture."""
    return _filters_png(kernel, presenter)
