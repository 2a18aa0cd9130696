"""Still figures for the convolution and pooling pages: a feature map before and after ReLU, and
the stack of feature maps one Conv2D layer makes with several filters."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cnnviz.lesson.matrix_figures import matrix_heatmap
from cnnviz.style import SIGNED_COLOURS, colorbar, font_sizes, style, symmetric_limit

def raw_and_relu(output, presenter: bool) -> tuple[go.Figure, go.Figure]:
    """The raw output of a convolution and the same map after ReLU, on one diverging colour scale.

    Args:
        output: (rows, cols) signed values.

    Returns:
        Two figures; in the second the negative (blue) cells have become 0 (white).
    """
    output = np.asarray(output, dtype=np.float64)
    limit = symmetric_limit(output)
    numbers = max(output.shape) <= 12
    common = {"colorscale": SIGNED_COLOURS, "zmin": -limit, "zmax": limit, "number_format": ".2f",
              "show_values": numbers, "height": 430 if presenter else 380}
    raw = matrix_heatmap(output, presenter, title="Raw output (sum of products)", legend_title="value",
                         **common)
    relu = matrix_heatmap(np.maximum(output, 0.0), presenter, title="After ReLU: max(value, 0)",
                          legend_title="value", **common)
    for figure in (raw, relu):  # the titles say what the maps are; axis titles would collide with them
        figure.update_xaxes(title=None)
        figure.update_yaxes(title=None)
        figure.update_layout(margin={"t": 80 if presenter else 70})  # the title above the column numbers
    return raw, relu


def feature_stack(maps, names: list[str], presenter: bool) -> go.Figure:
    """The feature maps of one layer with several filters, side by side on one colour scale.

    Args:
        maps: (rows, cols, filters) values, e.g. ``ops.conv2d`` of a (H, W, 1) image with a
            (k, k, 1, filters) kernel. names: one title per filter.
    """
    maps = np.asarray(maps, dtype=np.float64)
    count = maps.shape[2]
    per_row = min(count, 4 if presenter else 5)
    rows = -(-count // per_row)
    limit = symmetric_limit(maps)
    sizes = font_sizes(presenter)
    fig = make_subplots(rows=rows, cols=per_row, subplot_titles=names, horizontal_spacing=0.02,
                        vertical_spacing=0.08 if rows > 1 else 0.02)
    for index in range(count):
        fig.add_trace(go.Heatmap(z=maps[:, :, index], coloraxis="coloraxis", name=names[index],
                                 hovertemplate=f"{names[index]}<br>row %{{y}}, column %{{x}}<br>value %{{z:.2f}}"
                                               "<extra></extra>"),
                      row=index // per_row + 1, col=index % per_row + 1)
    fig.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain", showticklabels=False,
                     showgrid=False, zeroline=False, ticks="")
    fig.update_xaxes(constrain="domain", showticklabels=False, showgrid=False, zeroline=False, ticks="")
    for axis_index in range(2, count + 1):  # every panel square
        fig.layout[f"yaxis{axis_index}"].scaleanchor = f"x{axis_index}"
    fig.update_annotations(font_size=sizes["base"])
    fig.update_layout(coloraxis={"colorscale": SIGNED_COLOURS, "cmin": -limit, "cmax": limit,
                                 "colorbar": colorbar("value", presenter)})
    panel = 230 if presenter else 190
    style(fig, presenter, height=rows * panel + 60)
    fig.update_layout(margin={"t": 40})  # room for the panel titles
    return fig
