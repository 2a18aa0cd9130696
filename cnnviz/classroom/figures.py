"""The class board's figures and words: the class's confusion matrices, the gallery's captions,
and a "fool the MLP" change said in plain words. Plotly and numpy only (no Streamlit)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cnnviz.classroom.submissions import Digit, FoolAttempt
from cnnviz.style import colorbar, font_sizes, style


def confusion_heatmap(confusion: np.ndarray, presenter: bool, title: str) -> go.Figure:
    """The class's 10 x 10 confusion matrix, every count in its cell, on a linear colour scale from
    0 to the largest count (a class sends tens of digits, not MNIST's thousands).

    Args:
        confusion: (10, 10) counts, row = the digit asked for, column = the network's answer.
        presenter: projector sizes.
        title: the figure's title.
    """
    confusion = np.asarray(confusion, dtype=np.int64)
    if confusion.shape != (10, 10):
        raise ValueError(f"A confusion matrix is 10 x 10, not {confusion.shape}.")
    sizes = font_sizes(presenter)
    most = max(int(confusion.max()), 1)
    digits = [str(d) for d in range(10)]
    fig = go.Figure(go.Heatmap(
        z=confusion, x=digits, y=digits, text=confusion, texttemplate="%{text}",
        textfont={"size": sizes["cell"]}, colorscale="Blues", zmin=0, zmax=most, xgap=1, ygap=1,
        colorbar=colorbar("digits", presenter, tickformat="d", nticks=min(most + 1, 6)),
        hovertemplate="asked for %{y}, the network said %{x}: %{text} digits<extra></extra>",
    ))
    black = {"size": sizes["base"], "color": "#111111"}  # read from the back row: no grey axis text
    fig.update_xaxes(title={"text": "the network said", "font": black}, type="category", tickfont=black)
    fig.update_yaxes(title={"text": "asked for", "font": black}, autorange="reversed", type="category",
                     tickfont=black)
    return style(fig, presenter, title, height=430 if presenter else 380)


def gallery_caption(digit: Digit) -> str:
    """Under a digit of the gallery: the digit asked for, and a network's answer where it is wrong
    (``"7"``, ``"7: MLP 1"``, ``"7: MLP 1, CNN 2"``)."""
    wrong = [f"{name} {answer}" for name, answer in (("MLP", digit.mlp_label), ("CNN", digit.cnn_label))
             if answer != digit.label]
    return f"{digit.label}" + (f": {', '.join(wrong)}" if wrong else "")


def describe_change(attempt: FoolAttempt) -> str:
    """A "fool the MLP" change in words, e.g. ``"2 px right, 1 px up, turned 10° anticlockwise,
    1.2x bigger"`` (``"no change"`` for none)."""
    parts = []
    if attempt.shift_x:
        parts.append(f"{abs(attempt.shift_x)} px {'right' if attempt.shift_x > 0 else 'left'}")
    if attempt.shift_y:
        parts.append(f"{abs(attempt.shift_y)} px {'down' if attempt.shift_y > 0 else 'up'}")
    if attempt.rotation_degrees:
        way = "anticlockwise" if attempt.rotation_degrees > 0 else "clockwise"
        parts.append(f"turned {abs(attempt.rotation_degrees):g}° {way}")
    if attempt.scale != 1:
        parts.append(f"{attempt.scale:g}x {'bigger' if attempt.scale > 1 else 'smaller'}")
    return ", ".join(parts) or "no change"
