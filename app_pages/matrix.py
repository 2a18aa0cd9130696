"""Page "An image is a matrix": a real MNIST digit as numbers, flattened, scaled and one-hot."""

import numpy as np
import streamlit as st

from cnnviz import data, ui
from cnnviz.lesson import matrix_figures
from cnnviz.ui import explorer, lesson

present = ui.presenter()
(x_train, y_train), (x_test, y_test) = ui.mnist_or_stop()

st.title("An image is a matrix")
ui.intro(
    "A computer sees a photo as a grid of numbers. Each MNIST digit is **28 x 28 = 784 pixels**, "
    "and each pixel is one number from **0 (background)** to **255 (ink)**."
)

CLASS_CHOICES = ["any digit", *[str(digit) for digit in range(10)]]
CLOSE_UP = 8  # the close-up's side: 8 x 8 numbers are readable from the back of a classroom

# The link names the digit by its training-set number (?digit=123) and may name a class filter; the
# digit wins on the first run of this session only: later runs write the URL themselves.
requested = ui.query_int("digit") if "matrix_url_applied" not in st.session_state else None
st.session_state["matrix_url_applied"] = True
if requested is not None and 0 <= requested < len(x_train):
    linked_class = st.query_params.get("matrix_class", "any digit")
    if linked_class != str(int(y_train[requested])):
        linked_class = "any digit"
    st.session_state["matrix_class"] = linked_class
    linked_candidates = data.indices_of_class(y_train, None if linked_class == "any digit" else int(linked_class))
    st.session_state["matrix_position"] = int(np.flatnonzero(linked_candidates == requested)[0])
elif requested is not None:
    st.warning(
        f"The link asks for digit {requested}, but the training set has digits 0 to "
        f"{len(x_train) - 1:,}. Showing digit 0 instead; pick another below."
    )

control_class, control_position, control_random = st.columns([4, 6, 3], vertical_alignment="bottom")
chosen_class = control_class.selectbox("Show digits of class", CLASS_CHOICES, key="matrix_class",
                                       bind="query-params")
digit_filter = None if chosen_class == "any digit" else int(chosen_class)
candidates = data.indices_of_class(y_train, digit_filter)
st.session_state["matrix_position"] = min(st.session_state.get("matrix_position", 0), len(candidates) - 1)
if control_random.button("Random digit", icon=":material/casino:", width="stretch"):
    st.session_state["matrix_position"] = int(np.random.default_rng().integers(len(candidates)))
position = control_position.number_input(
    f"Example number (0 to {len(candidates) - 1:,} among {'all' if digit_filter is None else 'the'} "
    f"{len(candidates):,} {'digits' if digit_filter is None else f'images of a {digit_filter}'})",
    min_value=0, max_value=len(candidates) - 1, step=1, key="matrix_position",
)
index = int(candidates[position])
image, label = x_train[index], int(y_train[index])
st.query_params["digit"] = str(index)

# Only the open tab's content runs (the tabs rerun the page when a student switches): a class opening
# this first page at once costs the server a third of the work.
pixels_tab, zoom_tab, flatten_tab, label_tab, dataset_tab = st.tabs(
    lesson.MATRIX_TABS, key=lesson.MATRIX_TAB_KEY, bind="query-params", default=lesson.MATRIX_TABS[0],
    on_change="rerun",
)

if pixels_tab.open:
    with pixels_tab:
        top, left = matrix_figures.ink_centre_window(image, CLOSE_UP)
        with ui.main_picture():
            picture_column, matrix_column, close_up_column = st.columns([1.1, 2.9, 2.6], gap="small")
            with picture_column:
                st.image(ui.picture(255 - image, 8 * 28), caption=f"#{index:,}: a {label}", width="stretch")
            with matrix_column:
                explorer.matrix(image, decimals=0, colours="grey", value_range=(0, 255), title="The matrix",
                                presenter=present, max_height_px=420 if present else 470, key="matrix_full")
            with close_up_column:
                explorer.matrix(image[top:top + CLOSE_UP, left:left + CLOSE_UP], decimals=0, colours="grey",
                                value_range=(0, 255), origin=(top, left),
                                title=f"Close-up: rows {top}-{top + CLOSE_UP - 1}, columns {left}-{left + CLOSE_UP - 1}",
                                presenter=present, max_height_px=420 if present else 470, key="matrix_close_up")
        st.markdown(
            f"Training image **#{index:,}**, labelled **{label}**: the picture and the matrix hold the same 784 "
            "numbers. Light cells are background (0), dark cells are ink (up to 255). Point at a cell for its "
            "row, column and value; the close-up shows the numbers in the middle of the digit, and **Zoom in** "
            "lets you pick any region."
        )

if zoom_tab.open:
    with zoom_tab:
        st.markdown("Pick a region to read its numbers from the back of the room.")
        rows_column, cols_column = st.columns(2)
        top, bottom = rows_column.slider("Rows", 0, 27, (10, 17), key="matrix_zoom_rows", bind="query-params")
        left, right = cols_column.slider("Columns", 0, 27, (10, 17), key="matrix_zoom_cols",
                                        bind="query-params")
        region = image[top : bottom + 1, left : right + 1]
        raw_column, scaled_column = st.columns(2)
        with raw_column:
            explorer.matrix(region, decimals=0, colours="grey", value_range=(0, 255), origin=(top, left),
                            title="Raw pixel values (0-255)", presenter=present, key="matrix_zoom_raw")
        with scaled_column:
            explorer.matrix(data.scale(region), decimals=2, colours="grey", value_range=(0, 1), origin=(top, left),
                            title="Scaled: value / 255", presenter=present, key="matrix_zoom_scaled")

if flatten_tab.open:
    with flatten_tab:
        flat = data.flatten(image)
        first_ink_row = int(np.flatnonzero(image.any(axis=1))[0]) if image.any() else 0
        with ui.main_picture():
            ui.plot(ui.cached_figure(matrix_figures.flatten_strip, image, present), key="matrix_flatten")
            slider_column, note_column = st.columns(2, vertical_alignment="bottom")
            detail_row = slider_column.slider("Close-up: where row ... ends and the next begins", 0, 26, first_ink_row,
                                              key="matrix_flatten_row", bind="query-params")
            note_column.caption(f"Row {detail_row} fills positions {detail_row * 28} to {detail_row * 28 + 27}; "
                                f"row {detail_row + 1} continues at position {detail_row * 28 + 28}.")
            ui.plot(ui.cached_figure(matrix_figures.flatten_detail, image, detail_row, present),
                    key="matrix_flatten_detail")
        st.markdown(
            "A plain neural network (the MLP) takes one long list, so the 28 rows are laid **end to end**: "
            "row 0 fills positions 0-27, row 1 fills 28-55, and so on up to position 783. "
            "Then every value is divided by 255 so that inputs lie between 0 and 1."
        )
        ui.table(ui.cached_table(matrix_figures.ink_positions_table, image))
        st.caption(f"The first inked positions of digit #{index:,}: shape {image.shape} becomes {flat.shape}.")

if label_tab.open:
    with label_tab:
        st.markdown(
            f"The label **{label}** becomes ten slots, one per digit, with a **1** in slot {label} and 0 "
            "elsewhere (one-hot encoding). The network's last layer also has ten outputs, one per slot."
        )
        ui.plot(ui.cached_figure(matrix_figures.one_hot_strip, label, present), key="matrix_one_hot")
        st.code(f"{label}  ->  {data.one_hot(label).astype(int).tolist()}", language=None)

if dataset_tab.open:
    with dataset_tab:
        shapes_column, counts_column = st.columns([2, 3])
        with shapes_column:
            st.markdown("**What Keras' `mnist.load_data()` returns**")
            arrays = (x_train, y_train, x_test, y_test)
            ui.table(ui.cached_table(matrix_figures.dataset_table, tuple(str(a.shape) for a in arrays),
                                     tuple(str(a.dtype) for a in arrays)))
            st.caption(f"Loaded from {data.source_description()}.")
        with counts_column:
            ui.plot(ui.cached_figure(matrix_figures.class_count_bars, data.class_counts(y_train),
                                     data.class_counts(y_test), present), key="matrix_counts")
