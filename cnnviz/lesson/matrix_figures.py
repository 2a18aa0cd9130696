"""The matrix page's figures: a digit's 28x28 values, the flatten strip, one-hot, class counts.

Pure builders (data in, Plotly figure out) in the shared look of :mod:`cnnviz.style`. Every builder
takes ``presenter``: True makes text large and high-contrast for a projector.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cnnviz.data import NUM_CLASSES
from cnnviz.style import colorbar, font_sizes, style

INK_COLOURS = "Greys"  # 0 = white paper, 255 = black ink: readable numbers on a projector
def matrix_heatmap(
    values: np.ndarray,
    presenter: bool,
    *,
    title: str | None = None,
    legend_title: str = "pixel value",
    colorscale: str = INK_COLOURS,
    zmin: float = 0,
    zmax: float = 255,
    number_format: str = "d",
    show_values: bool = True,
    row_offset: int = 0,
    col_offset: int = 0,
    height: int | None = None,
    cell_font_size: int | None = None,
) -> go.Figure:
    """A 2-D array as a heatmap with its numbers in the cells.

    Args:
        values: (rows, cols) numbers to draw.
        number_format: d3 format of the numbers in cells and on hover (``"d"``, ``".2f"``).
        row_offset, col_offset: index of the top-left cell in the full image, so that a zoomed
            region keeps the row/column numbers of the whole 28x28 matrix.
        cell_font_size: override for the numbers' size (a full 28x28 matrix needs small ones).
    """
    values = np.asarray(values)
    rows = np.arange(values.shape[0]) + row_offset
    cols = np.arange(values.shape[1]) + col_offset
    sizes = font_sizes(presenter)
    heatmap = go.Heatmap(
        z=values,
        x=cols,
        y=rows,
        zmin=zmin,
        zmax=zmax,
        colorscale=colorscale,
        colorbar=colorbar(legend_title, presenter),
        xgap=1,
        ygap=1,
        hovertemplate=f"row %{{y}}, column %{{x}}<br>value %{{z:{number_format}}}<extra></extra>",
    )
    if show_values:
        heatmap.update(texttemplate=f"%{{z:{number_format}}}", textfont={"size": cell_font_size or sizes["cell"]})
    fig = go.Figure(heatmap)
    fig.update_yaxes(autorange="reversed", title="row", scaleanchor="x", constrain="domain",
                     showgrid=False, zeroline=False)
    fig.update_xaxes(title="column", side="top", constrain="domain", showgrid=False, zeroline=False)
    return style(fig, presenter, title, height)


def ink_centre_window(image: np.ndarray, side: int) -> tuple[int, int]:
    """The top-left corner (row, column) of the ``side`` x ``side`` window centred on the middle of
    the image's ink (its bounding box), kept inside the image; the image's centre when it is blank.

    Args:
        image: (H, W) pixel values, ink > 0.
    """
    image = np.asarray(image)
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    middle_row = (rows[0] + rows[-1]) // 2 if rows.size else image.shape[0] // 2
    middle_col = (cols[0] + cols[-1]) // 2 if cols.size else image.shape[1] // 2
    top = int(np.clip(middle_row - side // 2 + 1, 0, image.shape[0] - side))
    left = int(np.clip(middle_col - side // 2 + 1, 0, image.shape[1] - side))
    return top, left


def flatten_strip(image: np.ndarray, presenter: bool, height: int | None = None) -> go.Figure:
    """The 28 rows of an image laid end to end: one strip of 784 values, row starts marked.

    Args:
        image: (28, 28) pixel values 0..255.
    """
    image = np.asarray(image)
    rows, cols = image.shape
    flat = image.reshape(1, -1)
    positions = np.arange(flat.shape[1])
    hover_rows = (positions // cols).reshape(1, -1)
    hover_cols = (positions % cols).reshape(1, -1)
    fig = go.Figure(
        go.Heatmap(
            z=flat,
            x=positions,
            zmin=0,
            zmax=255,
            colorscale=INK_COLOURS,
            customdata=np.stack([hover_rows, hover_cols], axis=-1),
            colorbar=colorbar("pixel value", presenter, len=1.4),
            hovertemplate="position %{x} = row %{customdata[0]}, column %{customdata[1]}"
            "<br>value %{z}<extra></extra>",
        )
    )
    # One shapes list: add_vline() re-validates the whole figure per call (~40 ms each).
    fig.update_layout(shapes=[
        {"type": "line", "xref": "x", "yref": "paper", "x0": row * cols - 0.5, "x1": row * cols - 0.5,
         "y0": 0, "y1": 1, "line": {"width": 1.5, "color": "#d62728"}}
        for row in range(1, rows)
    ])
    label_every = 4 if presenter else 2
    fig.update_xaxes(
        tickvals=[row * cols for row in range(0, rows, label_every)],
        ticktext=[f"{row * cols}" for row in range(0, rows, label_every)],
        title=f"position in the flattened vector (red lines: where each of the {rows} rows starts)",
    )
    fig.update_yaxes(visible=False)
    return style(fig, presenter, height=height or (140 if presenter else 160))


def flatten_detail(image: np.ndarray, row: int, presenter: bool, cells_each_side: int = 14) -> go.Figure:
    """A close-up of the flatten step where image row ``row`` ends and row ``row + 1`` begins:
    ``2 * cells_each_side`` neighbouring values of the 784-long vector, with their numbers.

    Args:
        image: (28, 28) pixel values 0..255.
        row: 0..26, the row whose end is shown (clipped into range).
    """
    image = np.asarray(image)
    height, width = image.shape
    row = int(np.clip(row, 0, height - 2))
    boundary = (row + 1) * width  # position of the first value of row + 1
    positions = np.arange(boundary - cells_each_side, boundary + cells_each_side)
    values = image.reshape(-1)[positions].reshape(1, -1)
    sizes = font_sizes(presenter)
    fig = go.Figure(
        go.Heatmap(
            z=values, x=positions, zmin=0, zmax=255, colorscale=INK_COLOURS, xgap=1,
            texttemplate="%{z}", textfont={"size": sizes["cell"]},
            colorbar=colorbar("pixel value", presenter, len=1.5),
            hovertemplate="position %{x}<br>value %{z}<extra></extra>",
        )
    )
    fig.add_shape(type="line", xref="x", yref="paper", x0=boundary - 0.5, x1=boundary - 0.5, y0=-0.15, y1=1.15,
                  line={"width": 4, "color": "#d62728"})
    for text, anchor in ((f"end of row {row}  ", "right"), (f"  start of row {row + 1}", "left")):
        fig.add_annotation(x=boundary - 0.5, y=1.0, yref="paper", yanchor="bottom", xanchor=anchor, text=text,
                           showarrow=False, font={"color": "#d62728", "size": sizes["base"]})
    fig.update_xaxes(tickvals=positions[::2] if not presenter else positions[::4], tickangle=0,
                     title="position in the flattened vector")
    fig.update_yaxes(visible=False)
    fig = style(fig, presenter, height=150 if presenter else 180)
    fig.update_layout(margin={"t": 40})
    return fig


def one_hot_strip(label: int, presenter: bool, num_classes: int = NUM_CLASSES) -> go.Figure:
    """The one-hot label: ``num_classes`` slots, the label's slot set to 1."""
    vector = np.zeros((1, num_classes), dtype=int)
    vector[0, label] = 1
    sizes = font_sizes(presenter)
    fig = go.Figure(
        go.Heatmap(
            z=vector,
            x=[str(digit) for digit in range(num_classes)],
            zmin=0,
            zmax=1,
            colorscale=[[0, "#f2f2f2"], [1, "#1f77b4"]],
            texttemplate="%{z}",
            textfont={"size": sizes["cell"] + 6},
            xgap=3,
            colorbar=colorbar("slot value", presenter, tickvals=[0, 1]),
            hovertemplate="slot for digit %{x}: %{z}<extra></extra>",
        )
    )
    fig.update_xaxes(title="slot (one per digit 0-9)", type="category")
    fig.update_yaxes(visible=False)
    return style(fig, presenter, height=170 if presenter else 140)


def class_count_bars(train_counts: np.ndarray, test_counts: np.ndarray, presenter: bool) -> go.Figure:
    """Grouped bar chart of how many images of each digit the two splits hold."""
    digits = [str(digit) for digit in range(len(train_counts))]
    fig = go.Figure(
        [
            go.Bar(name="training set", x=digits, y=train_counts, text=train_counts, textposition="outside",
                   marker_color="#1f77b4", cliponaxis=False, textfont={"size": font_sizes(presenter)["small"]}),
            go.Bar(name="test set", x=digits, y=test_counts, text=test_counts, textposition="outside",
                   marker_color="#ff7f0e", cliponaxis=False, textfont={"size": font_sizes(presenter)["small"]}),
        ]
    )
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.12, "x": 0},
                      uniformtext={"minsize": font_sizes(presenter)["small"], "mode": "show"})
    fig.update_xaxes(title="digit", type="category")
    fig.update_yaxes(title="number of images", range=[0, float(max(train_counts)) * 1.15])
    fig = style(fig, presenter, height=420 if presenter else 340)
    fig.update_layout(margin={"l": 30, "r": 30})
    return fig


def ink_positions_table(image: np.ndarray, count: int = 6) -> dict[str, list]:
    """The first ``count`` inked positions of a (28, 28) uint8 digit once flattened to 784 values:
    position, row and column, raw value and value / 255 (columns for ``st.dataframe``)."""
    flat = np.asarray(image).reshape(-1)
    positions = np.flatnonzero(flat)[:count]
    return {
        "position in the 784 values": [int(position) for position in positions],
        "row, column": [f"{position // 28}, {position % 28}" for position in positions],
        "raw value": [int(flat[position]) for position in positions],
        "scaled (value / 255)": [f"{flat[position] / 255:.3f}" for position in positions],
    }


def dataset_table(shapes: tuple, dtypes: tuple) -> dict[str, list]:
    """What ``mnist.load_data()`` returns: the four arrays' shapes and types (as strings)."""
    return {
        "array": ["x_train", "y_train", "x_test", "y_test"],
        "shape": list(shapes),
        "type": list(dtypes),
        "holds": ["training images", "their labels", "test images", "their labels"],
    }
