"""Figures of the "Train your own CNN" page: the sweep's accuracy map, training curves, run overlays.

Pure builders (data in, Plotly figure or a server-drawn picture out) using the shared look of :mod:`cnnviz.style`.
Accuracies arrive as fractions 0..1 and are drawn as percentages.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cnnviz import number_pictures
from cnnviz.curves import epoch_axis, epoch_curve, history_curves
from cnnviz.style import font_sizes, style

GRID = {"showgrid": True, "gridcolor": "#e5e5e5"}
RUN_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def sweep_picture(grid: np.ndarray, filters: list[int], dropouts: list[float], presenter: bool, *,
                  current: tuple[int, float] | None = None, width_px: int = 800) -> bytes:
    """Test accuracy (%) over the sweep's grid, drawn on the server (PNG bytes): one cell per (dropout,
    filters) with its accuracy written in it, dropout growing upwards, the chosen cell framed in red,
    a colour legend from the lowest to the highest accuracy (whole percents).

    Args:
        grid: (len(dropouts), len(filters)) test accuracies 0..1, NaN where a cell was not trained.
        filters, dropouts: the axes' values (columns and rows).
        current: ``(filters, dropout)`` of the cell to frame, or None.
    """
    percent = np.asarray(grid, dtype=float) * 100
    finite = percent[np.isfinite(percent)]
    low = float(np.floor(finite.min())) if finite.size else 90.0
    high = float(np.ceil(finite.max())) if finite.size else 100.0
    framed = None
    if current is not None and current[0] in filters and current[1] in dropouts:
        framed = (dropouts.index(current[1]), filters.index(current[0]))
    return number_pictures.value_grid(
        percent, [f"{value:g}" for value in dropouts], [str(value) for value in filters], presenter=presenter,
        row_title="dropout rate", column_title="filters per conv layer", legend_title="test accuracy (%)",
        value_format="{:.1f}%", framed=framed, low=low, high=max(high, low + 0.5), width_px=width_px)


def curves(history: dict, presenter: bool, *, epochs: int | None = None, title: str | None = None,
           height: int | None = None) -> go.Figure:
    """Train and validation accuracy per epoch (the gap between them shows overfitting).

    Args:
        history: ``{"accuracy": [...], "val_accuracy": [...]}`` fractions per finished epoch.
        epochs: fix the x axis to 1..epochs so a live run's chart does not jump as it grows.
    """
    fig = go.Figure(history_curves(history, presenter,
                                   labels=("training images", "validation images (held out)")))
    fig.update_xaxes(**epoch_axis(max(epochs or 0, len(history.get("accuracy") or []))), **GRID)
    fig.update_yaxes(title="accuracy (%)", ticksuffix="%", **GRID)
    fig.update_layout(legend={"orientation": "h", "y": -0.28 if not presenter else -0.35, "x": 0})
    if not fig.data:
        fig.update_yaxes(range=[0, 100])
        fig.add_annotation(text="The first point appears when epoch 1 ends.", showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.5, font={"size": font_sizes(presenter)["base"]})
    return style(fig, presenter, title, height or (400 if presenter else 330))


def runs_overlay(runs: list[dict], presenter: bool, *, title: str | None = None,
                 height: int | None = None) -> go.Figure:
    """Validation accuracy per epoch of several runs on one chart, to compare settings.

    Args:
        runs: dicts with ``label`` (str) and ``history`` (``{"val_accuracy": [...], ...}``).
    """
    histories = [run["history"].get("val_accuracy") or [] for run in runs]
    fig = go.Figure([epoch_curve(values, run["label"], RUN_COLOURS[number % len(RUN_COLOURS)], presenter)
                     for number, (run, values) in enumerate(zip(runs, histories))])
    fig.update_xaxes(**epoch_axis(max(map(len, histories), default=1)), **GRID)
    fig.update_yaxes(title="validation accuracy (%)", ticksuffix="%", **GRID)
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1})
    return style(fig, presenter, title, height or (420 if presenter else 340))
