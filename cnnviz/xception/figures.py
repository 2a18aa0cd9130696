"""Figures for the Xception page: top-5 bars, pixel-value histograms, the Grad-CAM overlay and grid.

Pure builders (data in, Plotly figure out) using the shared style of :mod:`cnnviz.style`.
No Keras here, so the figures can be built and tested without loading a network.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from cnnviz import style
from cnnviz.lesson.matrix_figures import matrix_heatmap
from cnnviz.xception.gradcam import plotly_colourscale

BAR_COLOUR = "#0b5cad"
EVIDENCE_LEGEND = "evidence for the class (0 = none, 1 = strongest)"


def top_bars(predictions, presenter: bool, height: int | None = None) -> go.Figure:
    """Horizontal bars of the top classes, best at the top, each labelled with its percentage.

    Args:
        predictions: ``[(..., label, probability), ...]`` best first; the label and probability
            are the last two fields (so both ``predict`` and ``analyse`` results fit).
    """
    labels = [str(entry[-2]).replace("_", " ") for entry in predictions]
    percents = [100.0 * float(entry[-1]) for entry in predictions]
    sizes = style.font_sizes(presenter)
    fig = go.Figure(
        go.Bar(
            x=percents[::-1],
            y=labels[::-1],
            orientation="h",
            marker_color=BAR_COLOUR,
            text=[f"{percent:.1f} %" for percent in percents[::-1]],
            textposition="outside",
            textfont={"size": sizes["base"] + 2},
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.2f} %<extra></extra>",
        )
    )
    fig.update_xaxes(title="probability (%)", range=[0, max(100.0, max(percents, default=0) * 1.15)])
    fig.update_yaxes(tickfont={"size": sizes["base"] + 2}, automargin=True)
    fig.update_layout(margin={"r": 70})
    return style.style(fig, presenter, height=height or (380 if presenter else 300))


def value_histograms(before: np.ndarray, after: np.ndarray, presenter: bool, bins: int = 51) -> go.Figure:
    """Two histograms side by side: pixel values before (0..255) and after (-1..1) preprocess_input.

    Counts are binned here, so the browser receives ~100 numbers instead of 268 203 pixels.
    """
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=("before: 0 to 255", "after preprocess_input: -1 to 1"))
    for column, (values, low, high, colour) in enumerate(
        ((before, 0.0, 255.0, "#7f7f7f"), (after, -1.0, 1.0, BAR_COLOUR)), start=1
    ):
        counts, edges = np.histogram(np.asarray(values).ravel(), bins=bins, range=(low, high))
        centres = (edges[:-1] + edges[1:]) / 2
        fig.add_trace(go.Bar(x=centres, y=counts, width=np.diff(edges), marker_color=colour, showlegend=False,
                             hovertemplate="value %{x:.2f}: %{y} numbers<extra></extra>"), row=1, col=column)
        fig.update_xaxes(title="pixel value", range=[low, high], row=1, col=column)
    fig.update_yaxes(title="how many numbers", row=1, col=1)
    sizes = style.font_sizes(presenter)
    fig.update_annotations(font_size=sizes["base"] + 1)
    style.style(fig, presenter, height=320 if presenter else 260)
    fig.update_layout(margin={"t": 40})
    return fig


def _data_uri(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=88)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def gradcam_overlay(overlaid: Image.Image, heatmap: np.ndarray, presenter: bool, title: str | None = None,
                    height: int | None = None) -> go.Figure:
    """The photo with its Grad-CAM colours, a colour legend, and each region's value on hover.

    Args:
        overlaid: the photo already blended with the heatmap (``gradcam.overlay``), any size.
        heatmap: (h, w) in [0, 1], the grid that was blended in (for the legend and hover).
    """
    width, image_height = overlaid.size
    rows, cols = heatmap.shape
    fig = go.Figure(go.Image(source=_data_uri(overlaid), x0=0, y0=0, dx=1, dy=1, hoverinfo="skip"))
    # The transparent grid over the photo carries the legend and tells the value under the mouse.
    fig.add_trace(go.Heatmap(
        z=heatmap, x0=width / cols / 2, dx=width / cols, y0=image_height / rows / 2, dy=image_height / rows,
        zmin=0, zmax=1, colorscale=plotly_colourscale(), opacity=0.0, showscale=True,
        colorbar=style.colorbar(EVIDENCE_LEGEND, presenter, len=1.0),
        hovertemplate="evidence here: %{z:.2f}<extra></extra>",
    ))
    fig.update_xaxes(visible=False, range=[0, width], constrain="domain")
    fig.update_yaxes(visible=False, range=[image_height, 0], scaleanchor="x", constrain="domain")
    return style.style(fig, presenter, title, height or (520 if presenter else 440))


def gradcam_grid(heatmap: np.ndarray, presenter: bool, title: str | None = None) -> go.Figure:
    """The raw Grad-CAM grid (10 x 10 for Xception) with every value in its cell."""
    return matrix_heatmap(
        heatmap, presenter, title=title, legend_title=EVIDENCE_LEGEND, colorscale=plotly_colourscale(),
        zmin=0, zmax=1, number_format=".1f", height=520 if presenter else 440,
        cell_font_size=style.font_sizes(presenter)["small"],
    )
