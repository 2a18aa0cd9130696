"""Plumbing shared by the animated figures of ``cnnviz.lesson.animation``: a figure class that carries
hundreds of frames cheaply, square-celled grid panels, text grids, and the play / pause / step
slider controls.

Frames only ever touch scatter traces (outlines, covers, numbers as text), so the browser
plays them with ``redraw: false``: heatmaps are drawn once, and each step costs almost nothing
even on a slow laptop.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
import plotly.colors
import plotly.graph_objects as go
from PIL import Image

from cnnviz.style import colorbar, font_sizes, style

HIGHLIGHT = "#ff7f0e"  # the window on the input = the current cell of the output
WINNER = "#d62728"  # the largest value of a pooling window
PADDING_COLOUR = "#bcd9f5"
COVER_COLOUR = "#e4e4e4"  # output cells not computed yet
STRIP_BACKGROUND = "#f3f3f3"
NEGATIVE_TEXT, POSITIVE_TEXT, ZERO_TEXT = "#1b4f9c", "#b2182b", "#444444"


class AnimatedFigure(go.Figure):
    """A Plotly figure whose frames and step slider stay plain dicts.

    Plotly checks every property of every frame on construction and on unpickling, which costs
    over a second for the ~700 frames of a 28 x 28 digit. These frames are built from a few known
    keys, so they skip the check and join the figure only in ``to_dict`` (what Streamlit and
    ``plotly.io`` serialise). ``fig.frames`` and ``fig.layout.sliders`` themselves stay empty.
    """

    def __init__(self, data_and_layout=None, raw_frames: list[dict] | None = None,
                 raw_sliders: list[dict] | None = None, **kwargs):
        super().__init__(data_and_layout, **kwargs)
        self._raw_frames = list(raw_frames or [])
        self._raw_sliders = list(raw_sliders or [])

    @property
    def raw_frames(self) -> list[dict]:
        """The frames: ``{"name", "data", "traces"}`` dicts, one per step."""
        return self._raw_frames

    def to_dict(self) -> dict:
        figure = super().to_dict()
        figure["frames"] = self._raw_frames
        figure.setdefault("layout", {})["sliders"] = self._raw_sliders
        return figure

    def __reduce__(self):  # pickling (st.cache_data) without re-checking every frame
        return (_rebuild, (super().to_dict(), self._raw_frames, self._raw_sliders))


def _rebuild(data_and_layout: dict, raw_frames: list[dict], raw_sliders: list[dict]) -> AnimatedFigure:
    return AnimatedFigure(data_and_layout, raw_frames, raw_sliders)


def rounded(values) -> list:
    """Numbers for JSON: 4 decimals are more than any label shows."""
    return np.round(np.asarray(values, dtype=np.float64), 4).tolist()


def number_text(value: float, decimals: int) -> str:
    """``value`` with at most ``decimals`` decimals, trailing zeros dropped: 1, 0.5, -0.33."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def d3_format(decimals: int) -> str:
    """The d3 format Plotly uses for the same text as :func:`number_text`."""
    return f".{decimals}~f" if decimals else ".0f"


def signed_text_colours(values) -> list[str]:
    """Blue for negative numbers, red for positive, grey for zero: the sign at a glance."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    return [NEGATIVE_TEXT if v < 0 else POSITIVE_TEXT if v > 0 else ZERO_TEXT for v in flat]


def rect(r0: float, c0: float, r1: float, c1: float) -> tuple[list, list]:
    """Outline around cells r0..r1, c0..c1 (heatmap cells are centred on whole numbers)."""
    return [c0 - .5, c1 + .5, c1 + .5, c0 - .5, c0 - .5], [r0 - .5, r0 - .5, r1 + .5, r1 + .5, r0 - .5]


def cover(row: int, col: int, n_rows: int, n_cols: int) -> tuple[list, list]:
    """Polygon over the output cells after (row, col) in reading order: not computed yet."""
    xs = [col + .5, n_cols - .5, n_cols - .5, -.5, -.5, col + .5, col + .5]
    ys = [row - .5, row - .5, n_rows - .5, n_rows - .5, row + .5, row + .5, row - .5]
    return xs, ys


def grid_axes(layout: dict, number: int, x_domain, y_domain, rows: tuple[int, int], cols: tuple[int, int],
              visible: bool = True, tick_step: int | None = None) -> tuple[str, str]:
    """Axes for a square-celled grid covering rows[0]..rows[1], cols[0]..cols[1].

    Returns:
        The ``(xaxis, yaxis)`` references for traces, e.g. ``("x2", "y2")``.
    """
    suffix = "" if number == 1 else str(number)
    common = {"showgrid": False, "zeroline": False, "constrain": "domain", "visible": visible, "ticks": "",
              "fixedrange": True}
    if tick_step is None:
        tick_step = 1 if max(rows[1] - rows[0], cols[1] - cols[0]) < 12 else 5
    common.update(tickmode="linear", tick0=0, dtick=tick_step)
    layout[f"xaxis{suffix}"] = {**common, "domain": x_domain, "anchor": f"y{suffix}", "side": "top",
                                "range": [cols[0] - .5, cols[1] + .5]}
    layout[f"yaxis{suffix}"] = {**common, "domain": y_domain, "anchor": f"x{suffix}", "scaleanchor": f"x{suffix}",
                                "range": [rows[1] + .5, rows[0] - .5]}
    return f"x{suffix}", f"y{suffix}"


def cell_colours(values, colorscale: str, low: float, high: float, nan_colour: str = "#ffffff") -> np.ndarray:
    """(rows, cols, 3) uint8 colours of ``values`` on a Plotly colour scale; NaN cells get ``nan_colour``."""
    scale = plotly.colors.get_colorscale(colorscale)
    stops = np.array([stop for stop, _ in scale])
    rgb = np.array([plotly.colors.unlabel_rgb(plotly.colors.convert_colors_to_same_type(colour, "rgb")[0][0])
                    for _, colour in scale], dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    position = np.clip((np.nan_to_num(values, nan=low) - low) / max(high - low, 1e-12), 0, 1)
    colours = np.stack([np.interp(position, stops, rgb[:, channel]) for channel in range(3)], axis=-1)
    colours[np.isnan(values)] = plotly.colors.hex_to_rgb(nan_colour)
    return np.round(colours).astype(np.uint8)


def _png(colours: np.ndarray, cell_px: int | None = None) -> str:
    """Colours as a PNG data URL: each cell ``cell_px`` wide (default: about 420 px in all) with a
    1 px white gap, so that the browser's scaling keeps the cells crisp."""
    cell_px = cell_px or max(8, -(-420 // max(colours.shape[:2])))
    big = np.repeat(np.repeat(colours, cell_px, axis=0), cell_px, axis=1)
    big[cell_px - 1 :: cell_px, :, :] = 255
    big[:, cell_px - 1 :: cell_px, :] = 255
    buffer = io.BytesIO()
    Image.fromarray(big, "RGB").save(buffer, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _text_colour(rgb) -> str:
    """Black on light cells, white on dark ones."""
    return "#000000" if 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140 else "#ffffff"


@dataclass
class Grid:
    """A drawn grid: a hover-only heatmap trace, its picture, and its numbers (layout annotations)."""

    trace: dict
    image: dict
    annotations: list[dict]


def grid(values, x, y, axes, coloraxis: str, colorscale, low: float, high: float, decimals: int | None,
         text_size: int, what: str, nan_colour: str = "#ffffff", nan_text: str | None = None) -> Grid:
    """A static grid of numbers drawn so that animations cannot erase it.

    Plotly removes heatmaps from a subplot whenever a frame moves a scatter trace without a
    full redraw, and a full redraw costs most of a second per frame. So the colours are a
    picture (layout image), the numbers layout annotations, and the heatmap trace, invisible,
    only gives hover values and the colour legend.

    Args:
        values: (rows, cols), NaN for cells drawn in ``nan_colour`` (padding).
        x, y: column and row numbers of the cells; axes: ``(xaxis, yaxis)`` references.
        coloraxis: the layout colour axis of the legend; colorscale, low, high: its colours.
        decimals: numbers in cells with at most this many decimals, or None for none.
        nan_text: the text written in NaN cells (None: nothing).
    """
    values = np.asarray(values, dtype=np.float64)
    x, y = list(x), list(y)
    shown = 3 if decimals is None else decimals
    trace = {"type": "heatmap", "z": rounded(values), "x": x, "y": y, "xaxis": axes[0], "yaxis": axes[1],
             "coloraxis": coloraxis, "opacity": 0,
             "hovertemplate": f"row %{{y}}, column %{{x}}<br>{what} %{{z:{d3_format(shown)}}}<extra></extra>"}
    colours = cell_colours(values, colorscale, low, high, nan_colour)
    image = {"source": _png(colours), "xref": axes[0], "yref": axes[1], "x": x[0] - 0.5, "y": y[0] - 0.5,
             "sizex": len(x), "sizey": len(y), "sizing": "stretch", "xanchor": "left", "yanchor": "top",
             "layer": "below"}
    notes = []
    if decimals is not None:
        for r, row_number in enumerate(y):
            for c, col_number in enumerate(x):
                value = values[r, c]
                text = (nan_text or "") if np.isnan(value) else number_text(value, decimals)
                if text:
                    notes.append({"text": text, "x": col_number, "y": row_number, "xref": axes[0], "yref": axes[1],
                                  "showarrow": False,
                                  "font": {"size": text_size, "color": _text_colour(colours[r, c])}})
    return Grid(trace, image, notes)


def revealed_numbers(values, row: int, col: int, decimals: int) -> list[str]:
    """The numbers of an output grid in reading order, blank after cell (row, col): not computed yet."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    shown = row * np.shape(values)[1] + col + 1
    return [number_text(v, decimals) if i < shown else "" for i, v in enumerate(flat)]


def blank_grid(n_rows: int, n_cols: int, col_offset: int, axes) -> dict:
    """Light grey cells (a layout image) on which an animated text grid writes its numbers."""
    colours = np.zeros((n_rows, n_cols, 3), dtype=np.uint8) + np.array(plotly.colors.hex_to_rgb(STRIP_BACKGROUND),
                                                                        dtype=np.uint8)
    return {"source": _png(colours, 24), "xref": axes[0], "yref": axes[1], "x": col_offset - 0.5, "y": -0.5,
            "sizex": n_cols, "sizey": n_rows, "sizing": "stretch", "xanchor": "left", "yanchor": "top",
            "layer": "below"}


def contrast_text(values, colorscale: str, low: float, high: float) -> list[str]:
    """Black or white per cell, whichever reads better on the cell's colour (reading order)."""
    colours = cell_colours(values, colorscale, low, high).reshape(-1, 3)
    return [_text_colour(colour) for colour in colours]


def text_grid(n_rows: int, n_cols: int, col_offset: int, axes, size: int, colours: list[str] | None = None) -> dict:
    """A scatter trace writing one number per cell of an n_rows x n_cols grid (text set per frame)."""
    rows, cols = np.divmod(np.arange(n_rows * n_cols), n_cols)
    return {"type": "scatter", "mode": "text", "x": (cols + col_offset).tolist(), "y": rows.tolist(),
            "text": [""] * (n_rows * n_cols), "textfont": {"size": size, "color": colours or ZERO_TEXT},
            "xaxis": axes[0], "yaxis": axes[1], "hoverinfo": "skip", "showlegend": False}


def line(axes, colour: str, width: float, fill: str | None = None) -> dict:
    """An outline (or, with ``fill``, a filled polygon) whose points each frame sets."""
    trace = {"type": "scatter", "mode": "lines", "x": [], "y": [], "xaxis": axes[0], "yaxis": axes[1],
             "line": {"color": colour, "width": width}, "hoverinfo": "skip", "showlegend": False}
    if fill:
        trace.update(fill="toself", fillcolor=fill, line={"width": 0})
    return trace


def label(text: str, axes, x: float, y: float, size: int) -> dict:
    """A text trace (sums, arrows) placed in a grid's coordinates, left-aligned at (x, y)."""
    return {"type": "scatter", "mode": "text", "x": [x], "y": [y], "text": [text], "textposition": "middle right",
            "textfont": {"size": size}, "xaxis": axes[0], "yaxis": axes[1], "hoverinfo": "skip",
            "showlegend": False}


def coloraxis(colours, low: float, high: float, title: str, presenter: bool, x: float, y: float,
              length: float) -> dict:
    """A colour axis with its legend (colour bar) placed at paper position (x, y)."""
    return {"colorscale": colours, "cmin": low, "cmax": high,
            "colorbar": colorbar(title, presenter, x=x, y=y, yanchor="middle", len=length, xpad=4)}


def title(text: str, xref: str, x: float, y: float, size: int, shift: int = 0) -> dict:
    """A panel title at paper height ``y``, left-aligned at ``x`` in ``xref`` coordinates."""
    return {"text": text, "xref": xref, "yref": "paper", "x": x, "y": y, "xanchor": "left", "yanchor": "bottom",
            "showarrow": False, "font": {"size": size}, "yshift": shift, "align": "left"}


def build_frames(steps, moving, traces: list[dict], moving_traces: range) -> list[dict]:
    """One animation frame per step, updating only the traces in ``moving_traces``.

    Args:
        steps: the steps of ``cnnviz.lesson.ops`` (one per output cell).
        moving: step -> list of trace updates, one per index in ``moving_traces``.
        traces: the figure's traces; the moving ones are set to the first frame's state in place,
            so the figure shows step 1 before Play is pressed.

    Returns:
        Frames named "0", "1", ... in step order.
    """
    indices = list(moving_traces)
    frames = [{"name": str(i), "data": moving(step), "traces": indices} for i, step in enumerate(steps)]
    for index, update in zip(indices, frames[0]["data"]):
        traces[index] = {**traces[index], **update}
    return frames


CONTROLS_PX = 78  # room above the panels' titles for the Play/Fast/Pause buttons and the step slider
CONTROLS_ABOVE_TITLES_PX = 62  # lift the controls clear of the panel titles


def finish(traces: list[dict], frames: list[dict], layout: dict, presenter: bool, height: int,
           labels: list[str], slow_ms: int, fast_ms: int) -> AnimatedFigure:
    """Add the controls and the shared style; frames are named "0", "1", ... in step order."""
    sizes = font_sizes(presenter)

    def animate(duration: int) -> dict:
        return {"frame": {"duration": duration, "redraw": False}, "transition": {"duration": 0},
                "fromcurrent": True, "mode": "immediate"}

    buttons = [{"label": "\u25b6 Play", "method": "animate", "args": [None, animate(slow_ms)]},
               {"label": "\u25b6\u25b6 Fast", "method": "animate", "args": [None, animate(fast_ms)]},
               {"label": "Pause", "method": "animate", "args": [[None], animate(0)]}]
    step_args = {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"}
    slider = {
        "active": 0, "x": 0.37 if presenter else 0.3, "len": 0.6 if presenter else 0.68, "y": 1, "yanchor": "bottom",
        "pad": {"t": 0, "b": CONTROLS_ABOVE_TITLES_PX},
        "currentvalue": {"prefix": "Step ", "font": {"size": sizes["base"], "color": "#111111"}, "xanchor": "left"},
        "ticklen": 0, "minorticklen": 0, "font": {"color": "rgba(0,0,0,0)", "size": 1},
        "steps": [{"label": text, "method": "animate", "args": [[str(i)], step_args]} for i, text in enumerate(labels)],
    }
    # Controls above the panels: on a 720 px projector they stay on screen next to what they move.
    layout["updatemenus"] = [{"type": "buttons", "direction": "right", "x": 0, "xanchor": "left", "y": 1,
                              "yanchor": "bottom", "pad": {"b": CONTROLS_ABOVE_TITLES_PX + 8},
                              "showactive": False, "buttons": buttons,
                              "font": {"size": sizes["base"]}}]
    layout["showlegend"] = False
    fig = AnimatedFigure({"data": traces, "layout": layout}, frames, [slider])
    style(fig, presenter, height=height)
    fig.update_layout(margin={"l": 10, "r": 10, "t": (70 if presenter else 62) + CONTROLS_PX,
                              "b": 20})
    return fig
