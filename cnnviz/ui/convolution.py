"""Cached animations and figures for the pages "Convolution" and "Max pooling"."""

from __future__ import annotations

import numpy as np
import streamlit as st
from cnnviz import data
from cnnviz.ui import mnist, prepared

# The animated figures are kept with st.cache_resource, not st.cache_data: unpickling a figure
# with hundreds of frames costs more than building it (~0.1 s), and cache_data unpickles on every
# hit. The figures are shared read-only; nothing may change them after they are built.

SEED_IMAGE = ((1, 1, 1, 0, 0), (0, 1, 1, 1, 0), (0, 0, 1, 1, 1), (0, 0, 1, 1, 0), (0, 1, 1, 0, 0))
SEED_KERNEL = ((1, 0, 1), (0, 1, 0), (1, 0, 1))


def scaled_digit(index: int) -> np.ndarray:
    """Training digit ``index`` as (28, 28) values 0..1, what a network sees."""
    (x_train, _), _ = mnist()
    return data.scale(x_train[index])


@st.cache_resource(max_entries=4, show_spinner=False)
def conv_example_animation(presenter: bool):
    """The lesson's 5 x 5 image convolved with its 3 x 3 filter, animated (seed 001)."""
    from cnnviz.lesson import animation

    figure = animation.convolution_figure(np.array(SEED_IMAGE), np.array(SEED_KERNEL), presenter, decimals=0,
                                          input_name="Image", input_range=(0.0, 1.0))
    return prepared(figure)


@st.cache_resource(max_entries=64, show_spinner="Building the animation...")
def conv_digit_animation(index: int, kernel: tuple, stride: int, padding, dilation: int, presenter: bool):
    """Training digit ``index`` convolved with ``kernel`` (a tuple of row tuples), animated.

    Raises:
        cnnviz.lesson.ops.OperationError: settings with no output (not cached).
    """
    from cnnviz.lesson import animation

    figure = animation.convolution_figure(scaled_digit(index), np.array(kernel), presenter, stride=stride,
                                          padding=padding, dilation=dilation, input_name=f"Digit #{index:,}")
    return prepared(figure)


def feature_map(index: int, kernel_name: str) -> np.ndarray:
    """Digit ``index`` through a preset kernel and ReLU: (26, 26) values >= 0."""
    from cnnviz.lesson import kernels, ops

    return ops.relu(ops.conv2d(scaled_digit(index), kernels.preset_weights(kernel_name)))


@st.cache_resource(max_entries=64, show_spinner="Building the animation...")
def pool_animation(index: int, kernel_name: str, size: int, stride: int, mode: str, padding: str,
                   crop: int | None, presenter: bool):
    """Pooling of digit ``index``'s feature map (preset ``kernel_name``), animated; ``crop``: the
    side of a centred square region to show with numbers in every cell, or None for the whole map.

    Raises:
        cnnviz.lesson.ops.OperationError: settings with no output (not cached).
    """
    from cnnviz.lesson import animation

    values = feature_map(index, kernel_name)
    start = (values.shape[0] - crop) // 2 if crop else 0
    region = values[start:start + crop, start:start + crop] if crop else values
    figure = animation.pooling_figure(region, presenter, size=size, stride=stride, mode=mode, padding=padding,
                                      input_name=f"Feature map: {kernel_name}", row_offset=start, col_offset=start)
    return prepared(figure)


@st.cache_resource(max_entries=64, show_spinner=False)
def conv_result_figures(index: int, kernel: tuple, stride: int, padding, dilation: int, presenter: bool):
    """The raw output of digit ``index`` convolved with ``kernel`` and the same after ReLU: two figures."""
    from cnnviz.lesson import conv_figures, ops

    output = ops.conv2d(scaled_digit(index), np.array(kernel), stride, padding, dilation)
    return tuple(prepared(figure) for figure in conv_figures.raw_and_relu(output, presenter))


@st.cache_resource(max_entries=64, show_spinner=False)
def conv_stack_figure(index: int, kernel_names: tuple[str, ...], presenter: bool):
    """One Conv2D layer with the preset kernels ``kernel_names`` on digit ``index``.

    Returns:
        (figure of the feature maps, kernel shape (3, 3, 1, N), output shape (26, 26, N)).
    """
    from cnnviz.lesson import conv_figures, kernels, ops

    weights = np.stack([kernels.preset_weights(name) for name in kernel_names], axis=-1)[:, :, None, :]
    maps = ops.conv2d(scaled_digit(index)[:, :, None], weights)
    return prepared(conv_figures.feature_stack(maps, list(kernel_names), presenter)), weights.shape, maps.shape


@st.cache_data(max_entries=256, show_spinner=False)
def pool_shift_table(index: int, kernel_name: str, size: int, stride: int, mode: str, padding: str) -> list[dict]:
    """How much digit ``index``'s feature map and pooled map change when it moves (see cnnviz.lesson.invariance)."""
    from cnnviz.lesson import invariance, kernels

    return invariance.shift_table(scaled_digit(index), kernels.preset_weights(kernel_name), size, stride, mode,
                                  padding)


def apply_linked_cells(linked: str | None, size: int) -> None:
    """Fill the kernel editor from a link's ``conv_cells`` value, or say why it cannot.

    Args:
        linked: the URL value (``"1,0,-1;1,0,-1;1,0,-1"``), or None when the link has none.
        size: the kernel size the page shows (3 or 5); the link's grid must match it.
    """
    from cnnviz.lesson import kernels

    if not linked:
        return
    try:
        cells = kernels.grid_from_link(linked)
    except kernels.KernelError as error:
        st.caption(f":material/link_off: The link's kernel cells could not be used ({error}); "
                   "the preset is shown instead.")
        return
    if len(cells) != size:
        st.caption(f":material/link_off: The link's kernel is {len(cells)} x {len(cells)} but the kernel size "
                   f"is {size} x {size}; the preset is shown instead.")
        return
    st.session_state["conv_kernel_cells"] = cells
    st.session_state["conv_editor_version"] = st.session_state.get("conv_editor_version", 0) + 1


def link_cells(kernel: np.ndarray, preset: str) -> None:
    """Keep the edited kernel in the URL (``conv_cells``) while it differs from its preset."""
    from cnnviz.lesson import kernels

    link = kernels.grid_to_link(kernel)
    if link == kernels.grid_to_link(kernels.preset_weights(preset, len(kernel))):  # as typed: 1/9 shows as 0.111
        if "conv_cells" in st.query_params:
            del st.query_params["conv_cells"]
    else:
        st.query_params["conv_cells"] = link


def or_last_good(key: str, build, make_settings, presenter: bool, errors: tuple) -> tuple:
    """``build(*make_settings(), presenter)``; when that raises one of ``errors`` (settings with no
    output, a bad kernel cell), the figure of the last settings that worked in this session instead.

    Args:
        key: where this session keeps its last good settings (``st.session_state[key]``).
        build: a cached figure builder taking ``*settings, presenter``.
        make_settings: returns the settings tuple; may raise one of ``errors`` itself.
    Returns:
        ``(figure or None, settings shown or None, the problem as a sentence or None)``.
    """
    try:
        settings = make_settings()
        figure = build(*settings, presenter)
    except errors as error:
        settings = st.session_state.get(key)
        return (build(*settings, presenter) if settings else None), settings, str(error)
    st.session_state[key] = settings
    return figure, settings, None
