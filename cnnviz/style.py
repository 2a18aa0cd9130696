"""The one look of every cnnviz figure: fonts, colours, colour legends, Plotly layout.

Every builder takes ``presenter``: True makes text large and high-contrast for a projector.
Heatmaps always carry a colour legend (:func:`colorbar`).
"""

from __future__ import annotations

import plotly.graph_objects as go

FONT_FAMILY = "Source Sans Pro, Arial, sans-serif"


def font_sizes(presenter: bool) -> dict[str, int]:
    """Text sizes (px) for figures: ``base`` labels, ``title``, ``cell`` numbers, ``small``."""
    if presenter:
        return {"base": 20, "title": 26, "cell": 18, "small": 16}
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
    if height:
        fig.update_layout(height=height)
    return fig


def colorbar(title: str, presenter: bool, **extra) -> dict:
    """A colour legend with a readable title."""
    sizes = font_sizes(presenter)
    return {"title": {"text": title, "side": "right", "font": {"size": sizes["base"]}},
            "tickfont": {"size": sizes["small"] + 2}, "thickness": 18 if presenter else 14, **extra}
