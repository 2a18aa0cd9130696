"""The one look of every cnnviz figure: fonts, colours, colour legends, Plotly layout.

Every builder takes ``presenter``: True makes text large and high-contrast for a projector.
Heatmaps always carry a colour legend (:func:`colorbar`); signed values (weights, raw
convolution outputs) use :data:`SIGNED_COLOURS` between -:func:`symmetric_limit` and +it, so
white always means zero.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

FONT_FAMILY = "Source Sans Pro, Arial, sans-serif"
SIGNED_COLOURS = "RdBu_r"  # blue negative, white zero, red positive
TRAIN_COLOUR = "#1f77b4"  # a training curve (solid)
VALIDATION_COLOUR = "#d62728"  # a validation curve (dashed)


def font_sizes(presenter: bool) -> dict[str, int]:
    """Text sizes (px) for figures: ``base`` labels, ``title``, ``cell`` numbers, ``small``."""
    if presenter:
        return {"base": 20, "title": 26, "cell": 18, "small": 18}  # nothing under 18 px on a projector
    return {"base": 14, "title": 18, "cell": 13, "small": 11}


def style(fig: go.Figure, presenter: bool, title: str | None = None, height: int | None = None) -> go.Figure:
    """Apply the shared look: fonts, white background, black text, tight margins."""
    sizes = font_sizes(presenter)
    fig.update_layout(
        font={"family": FONT_FAMILY, "size": sizes["base"], "color": "#111111"},
        title={"text": title, "font": {"size": sizes["title"]}, "x": 0, "xanchor": "left"} if title else None,
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 50 if title else 10, "b": 10},
        hoverlabel={"font_size": sizes["base"]},
    )
    # Streamlit's chart theme draws ticks, axis titles and legends in its own small sizes unless the
    # figure names them: name them, so a projector gets nothing under 18 px.
    axis_text = {"tickfont": {"size": sizes["base"]}, "title": {"font": {"size": sizes["base"]}}}
    fig.update_xaxes(**axis_text)
    fig.update_yaxes(**axis_text)
    fig.update_layout(legend={"font": {"size": sizes["base"]}})
    if height:
        fig.update_layout(height=height)
    return fig


def colorbar(title: str, presenter: bool, **extra) -> dict:
    """A colour legend with a readable title."""
    sizes = font_sizes(presenter)
    return {"title": {"text": title, "side": "right", "font": {"size": sizes["base"]}},
            "tickfont": {"size": sizes["small"] + 2}, "thickness": 18 if presenter else 14, **extra}


def symmetric_limit(*arrays) -> float:
    """The largest absolute value in ``arrays`` (at least 1e-9), for a colour scale centred on zero."""
    return max(max(float(np.max(np.abs(a))) if np.size(a) else 0.0 for a in arrays), 1e-9)
