"""Pictures for "Inside the CNN", drawn on the server once per (network, digit): the network at a
glance (cnnviz.digits.overview) and every stage's feature maps (cnnviz.pictures.map_grid), and the
rule for the map the close-up opens on."""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz.ui import digits as digits_ui

OVERVIEW_SIZE = {True: (1180, 400), False: (880, 340)}  # px, by presenter mode: the page's full width
GRID_WIDTH = {True: 1180, False: 880}
DETAIL_FOR_KEY = "inside_detail_for"  # the (network, digit, layer) the close-up's map was chosen for


def _outputs(source: str, image: np.ndarray) -> list:
    from cnnviz.digits import activations

    model = digits_ui.playground_model() if source == digits_ui.PLAYGROUND_SOURCE else digits_ui.zoo_model(source)
    return activations.feature_maps(model, image)


def _cached_for_zoo(build):
    """``build(source, image, presenter)`` cached per server for zoo networks (a class looks at the same
    few digits); a student's own playground network is drawn afresh."""
    cached = st.cache_resource(max_entries=128, show_spinner=False)(build)

    def picture(source: str, image: np.ndarray, presenter: bool):
        if source == digits_ui.PLAYGROUND_SOURCE:
            return build(source, image, presenter)
        return cached(source, image, presenter)

    return picture


@_cached_for_zoo
def overview_png(source: str, image: np.ndarray, presenter: bool) -> bytes:
    """The network at a glance for one (28, 28) digit, as PNG bytes sized for the page."""
    from cnnviz.digits import overview

    width, height = OVERVIEW_SIZE[presenter]
    return overview.network_overview(_outputs(source, image), image, presenter=presenter, width_px=width,
                                     height_px=height)


@_cached_for_zoo
def stage_grids(source: str, image: np.ndarray, presenter: bool) -> list[dict]:
    """Every map layer's feature maps as a picture: ``{"name", "class_name", "shape", "png"}`` each."""
    from cnnviz import pictures
    from cnnviz.digits.activations import shown_layers

    return [{"name": entry.layer_name, "class_name": entry.layer_class_name, "shape": entry.output.shape,
             "png": pictures.map_grid(entry.output, presenter=presenter, width_px=GRID_WIDTH[presenter])}
            for entry in shown_layers(_outputs(source, image)) if entry.output.ndim == 3]


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


def layer_output(source: str, image: np.ndarray, layer_name: str) -> np.ndarray:
    """One layer's output for the digit: (height, width, count) for a map layer."""
    return next(entry.output for entry in _outputs(source, image) if entry.layer_name == layer_name)
