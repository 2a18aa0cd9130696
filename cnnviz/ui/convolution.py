"""Numbers and cached figures for the pages "Convolution" and "Max pooling" (the explorer,
cnnviz.ui.explorer, draws and animates the convolution and the pooling in the browser)."""

from __future__ import annotations

import numpy as np
import streamlit as st
from cnnviz import data
from cnnviz.ui import mnist

SEED_IMAGE = ((1, 1, 1, 0, 0), (0, 1, 1, 1, 0), (0, 0, 1, 1, 1), (0, 0, 1, 1, 0), (0, 1, 1, 0, 0))
SEED_KERNEL = ((1, 0, 1), (0, 1, 0), (1, 0, 1))
DIGIT_EXPLORER = "conv_digit_explorer"  # the key of the explorer whose kernel the student edits


def scaled_digit(index: int) -> np.ndarray:
    """Training digit ``index`` as (28, 28) values 0..1, what a network sees."""
    (x_train, _), _ = mnist()
    return data.scale(x_train[index])


def feature_map(index: int, kernel_name: str) -> np.ndarray:
    """Digit ``index`` through a preset kernel and ReLU: (26, 26) values >= 0."""
    from cnnviz.lesson import kernels, ops

    return ops.relu(ops.conv2d(scaled_digit(index), kernels.preset_weights(kernel_name)))


@st.cache_resource(max_entries=64, show_spinner=False)
def conv_result_pictures(index: int, kernel: tuple, stride: int, padding, dilation: int,
                         presenter: bool) -> tuple[bytes, bytes]:
    """Digit ``index`` convolved with ``kernel`` (a tuple of row tuples), before and after ReLU: two
    PNG pictures on one colour scale centred on 0 (blue negative, white 0, red positive)."""
    from cnnviz import pictures
    from cnnviz.lesson import ops
    from cnnviz.style import symmetric_limit

    output = ops.conv2d(scaled_digit(index), np.array(kernel), stride, padding, dilation)
    limit = symmetric_limit(output)
    common = {"presenter": presenter, "value_range": (-limit, limit), "legend_title": "value",
              "cell_px": max(4, (300 if presenter else 260) // output.shape[1])}
    return (pictures.map_grid(output[..., None], labels=["raw output: the sums of products"], **common),
            pictures.map_grid(np.maximum(output, 0.0)[..., None], labels=["after ReLU: max(value, 0)"], **common))


@st.cache_resource(max_entries=64, show_spinner=False)
def conv_stack_picture(index: int, kernel_names: tuple[str, ...], presenter: bool):
    """One Conv2D layer with the preset kernels ``kernel_names`` on digit ``index``.

    Returns:
        (PNG of the feature maps on one scale centred on 0, kernel shape (3, 3, 1, N), output shape (26, 26, N)).
    """
    from cnnviz import pictures
    from cnnviz.lesson import kernels, ops
    from cnnviz.style import symmetric_limit

    weights = np.stack([kernels.preset_weights(name) for name in kernel_names], axis=-1)[:, :, None, :]
    maps = ops.conv2d(scaled_digit(index)[:, :, None], weights)
    limit = symmetric_limit(maps)
    picture = pictures.map_grid(maps, presenter=presenter, labels=list(kernel_names), value_range=(-limit, limit),
                                legend_title="value", width_px=1150 if presenter else 880, columns=4)
    return picture, weights.shape, maps.shape


@st.cache_data(max_entries=256, show_spinner=False)
def pool_shift_table(index: int, kernel_name: str, size: int, stride: int, mode: str, padding: str) -> list[dict]:
    """How much digit ``index``'s feature map and pooled map change when it moves (see cnnviz.lesson.invariance)."""
    from cnnviz.lesson import invariance, kernels

    return invariance.shift_table(scaled_digit(index), kernels.preset_weights(kernel_name), size, stride, mode,
                                  padding)


def take_kernel_cell() -> None:
    """The explorer's ``on_kernel_cell`` callback: put the weight the student typed into the kernel's
    cells (``conv_kernel_cells``, rows of strings), or keep them and leave the sentence saying what
    was wrong in ``conv_kernel_problem`` for the page to show."""
    from cnnviz.lesson import kernels
    from cnnviz.ui import explorer

    edit = explorer.kernel_cell_edit(DIGIT_EXPLORER)
    if edit is None or "conv_kernel_cells" not in st.session_state:
        return
    try:
        st.session_state["conv_kernel_cells"] = kernels.with_cell(st.session_state["conv_kernel_cells"], *edit)
    except kernels.KernelError as error:
        st.session_state["conv_kernel_problem"] = f"{error} The kernel keeps the weights it had."


def reset_kernel_cells(preset: str, size: int) -> None:
    """The kernel's cells become the preset's: a new preset or size, or "Back to the preset"."""
    from cnnviz.lesson import kernels

    st.session_state["conv_kernel_cells"] = kernels.as_text_grid(kernels.preset_weights(preset, size))


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


def link_cells(kernel: np.ndarray, preset: str) -> None:
    """Keep the edited kernel in the URL (``conv_cells``) while it differs from its preset."""
    from cnnviz.lesson import kernels

    link = kernels.grid_to_link(kernel)
    if link == kernels.grid_to_link(kernels.preset_weights(preset, len(kernel))):  # as typed: 1/9 shows as 0.111
        if "conv_cells" in st.query_params:
            del st.query_params["conv_cells"]
    else:
        st.query_params["conv_cells"] = link
