"""Training curves, drawn one way on every page: one value per finished epoch, as a line.

A history is what Keras' ``model.fit`` returns: ``{"accuracy": [...], "val_accuracy": [...],
"loss": [...], ...}``, one float per epoch. Accuracies (fractions 0..1) are drawn as percentages.
Training is a solid line and validation a dashed one, in the colours of :mod:`cnnviz.style`;
the gap between them shows overfitting.
"""

from __future__ import annotations

import plotly.graph_objects as go

from cnnviz.style import TRAIN_COLOUR, VALIDATION_COLOUR


def epoch_curve(values: list[float], label: str, colour: str, presenter: bool, *, dash: str = "solid",
                percent: bool = True, hover_label: str | None = None, **trace) -> go.Scatter:
    """One line of per-epoch values: x = epoch 1, 2, ..., y in % when ``percent``.

    Args:
        values: one number per finished epoch (accuracies as fractions 0..1 when ``percent``).
        label: the legend entry; hover_label: what the hover box names (default ``label``).
        trace: more ``go.Scatter`` arguments (``legendgroup``, ``showlegend``).
    """
    scale, suffix = (100, "%") if percent else (1, "")
    return go.Scatter(
        x=list(range(1, len(values) + 1)), y=[scale * value for value in values], name=label,
        mode="lines+markers", line={"color": colour, "dash": dash, "width": 4 if presenter else 3},
        marker={"size": 10 if presenter else 7},
        hovertemplate=f"{hover_label or label}<br>epoch %{{x}}: %{{y:.2f}}{suffix}<extra></extra>", **trace)


def history_curves(history: dict, presenter: bool, *, metric: str = "accuracy",
                   labels: tuple[str, str] = ("training", "validation"), hover_prefix: str = "",
                   **trace) -> list[go.Scatter]:
    """The training (solid) and validation (dashed) lines of ``metric`` that ``history`` holds.

    Args:
        history: ``{metric: [...], "val_" + metric: [...]}``; a missing or empty list draws no line.
        labels: legend entries of the training and the validation line.
        hover_prefix: put before the label in the hover box (e.g. the model's name).
    """
    lines = []
    for key, label, colour, dash in ((metric, labels[0], TRAIN_COLOUR, "solid"),
                                     (f"val_{metric}", labels[1], VALIDATION_COLOUR, "dash")):
        values = history.get(key) or []
        if values:
            lines.append(epoch_curve(values, label, colour, presenter, dash=dash, percent=metric == "accuracy",
                                     hover_label=f"{hover_prefix}{label}", legendgroup=label, **trace))
    return lines


def epoch_axis(epochs: int) -> dict:
    """``update_xaxes`` arguments for an epoch axis 1..``epochs`` (fixed, so a growing run does not jump)."""
    epochs = max(epochs, 1)
    return {"title": "epoch", "range": [0.7, epochs + 0.3], "dtick": 1 if epochs <= 12 else 2}
