"""Figures and tables of the "MLP vs CNN" page, built from the zoo's model cards and predictions.

Pure functions (data in, figure or rows out); every figure takes ``presenter`` and uses the
shared style of :mod:`cnnviz.style`. No Keras here.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cnnviz import number_pictures
from cnnviz.curves import history_curves
from cnnviz.style import colorbar, font_sizes, style

MLP_COLOUR = "#ff7f0e"
CNN_COLOUR = "#1f77b4"


def _title(card: dict) -> str:
    return card.get("title") or card["name"]


def _wrong(card: dict) -> int:
    """How many test digits the card's model gets wrong (its accuracy times the test set's size)."""
    return int(round((1 - card["test_accuracy"]) * card.get("test_samples", 10000)))


def models_table(cards: list[dict]) -> list[dict]:
    """One row per model for a table: name, seed, params, accuracy, errors, epochs, batch, optimizer,
    training time (the device and file sizes are on the cards, and said once under the table)."""
    rows = []
    for card in cards:
        errors = _wrong(card)
        rows.append({
            "model": _title(card), "from seed": card.get("seed_source", ""),
            "weights": int(card["params"]),
            "test accuracy (%)": round(100 * card["test_accuracy"], 2),
            "wrong of 10 000": int(errors), "epochs": card["epochs"], "batch": card["batch_size"],
            "optimizer": card["optimizer"]["name"] if isinstance(card["optimizer"], dict) else card["optimizer"],
            "minutes to train": round(card["training_time_s"] / 60, 1),
        })
    return rows


def layer_rows(card: dict) -> list[dict]:
    """The card's layer table like ``model.summary()``: layer, type, output shape, parameters."""
    rows = []
    for layer in card["layers"]:
        shape = layer.get("output_shape")
        shape_text = "(" + ", ".join("batch" if size is None else str(size) for size in shape) + ")" if shape else ""
        rows.append({"layer": layer["name"], "type": layer["type"], "output shape": shape_text,
                     "parameters": int(layer["params"])})
    return rows


def accuracy_picture(cards: list[dict], presenter: bool, highlight: tuple[str, ...] = (),
                     width_px: int = 680) -> bytes:
    """Horizontal bars of test accuracy (%), drawn on the server (PNG bytes): each model's accuracy in
    its label, the number it gets wrong in its bar, the MLP orange and the CNNs blue, ``highlight``'s
    bars framed. Every number is written on it, so it needs no chart in the student's browser. The
    axis starts at 96% (or just under the lowest accuracy) so that tenths of a point show; the axis
    title says so."""
    accuracies = [100 * card["test_accuracy"] for card in cards]
    low = min(96.0, min(accuracies) - 0.5) if accuracies else 96.0
    wrong = [_wrong(card) for card in cards]
    return number_pictures.horizontal_bars(
        accuracies, [f"{_title(card)}  {value:.2f}%" for card, value in zip(cards, accuracies)], presenter=presenter,
        low=low, high=100.0, colours=[MLP_COLOUR if card["name"] == "mlp" else CNN_COLOUR for card in cards],
        outlined=[card["name"] in highlight for card in cards], inside=[f"{count} wrong" for count in wrong],
        ticks=list(range(int(np.ceil(low)), 101)), axis_title=f"test accuracy, % (axis starts at {low:g}%)",
        width_px=width_px)


def training_curves(cards: list[dict], presenter: bool, metric: str = "accuracy") -> go.Figure:
    """Small multiples, one panel per model: training vs validation ``metric`` per epoch.

    A widening gap between the two lines is overfitting.
    """
    columns = min(3, max(1, len(cards)))
    rows = int(np.ceil(len(cards) / columns)) or 1
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[_title(card) for card in cards],
                        horizontal_spacing=0.06, vertical_spacing=0.16 if rows > 1 else 0.1)
    floor = None
    if metric == "accuracy":  # zoom on the interesting top; points far below are marked at the bottom
        lowest = min((100 * min(values) for card in cards for key, values in card["history"].items()
                      if key.endswith("accuracy") and values), default=95.0)
        floor = max(ACCURACY_FLOOR, lowest - 0.3)
    for index, card in enumerate(cards):
        row, column = index // columns + 1, index % columns + 1
        history = card["history"]
        for line in history_curves(history, presenter, metric=metric, labels=("training", "validation (test digits)"),
                                   hover_prefix=f"{_title(card)}: ", showlegend=index == 0):
            for trace in _kept_on_the_axis(line, floor, presenter):
                fig.add_trace(trace, row=row, col=column)
        fig.update_xaxes(title="epoch" if row == rows else None, dtick=2 if len(history.get(metric, [])) > 6 else 1,
                         row=row, col=column)
    y_title = "accuracy (%)" if metric == "accuracy" else metric
    fig.update_yaxes(title=y_title, col=1)
    if floor is not None:
        fig.update_yaxes(range=[floor, 100.2])
    sizes = font_sizes(presenter)
    fig.update_annotations(font_size=sizes["base"])
    fig.update_layout(legend={"orientation": "h", "y": 1.0 + 0.12 / rows, "x": 0, "yanchor": "bottom"})
    figure = style(fig, presenter, height=(330 if presenter else 270) * rows + 40)
    figure.update_layout(margin={"t": 70})
    return figure


ACCURACY_FLOOR = 94.0  # %: the curves' axis starts here at the lowest, so the last epochs' gaps show


def _kept_on_the_axis(line: go.Scatter, floor: float | None, presenter: bool) -> list[go.Scatter]:
    """``line`` with its points below ``floor`` left out, plus a marker for each of them at the bottom
    edge, labelled with the true value: a curve never runs off its axis without saying where it went."""
    values = list(line.y)
    below = [(epoch, value) for epoch, value in zip(line.x, values) if floor is not None and value < floor]
    if not below:
        return [line]
    line.y = [None if value < floor else value for value in values]
    colour = line.line.color
    marker = go.Scatter(
        x=[epoch for epoch, _ in below], y=[floor + 0.35] * len(below), mode="markers+text",
        marker={"symbol": "triangle-down", "size": 14 if presenter else 10, "color": colour},
        text=[f"{value:.0f}%" for _, value in below], textposition="middle right",
        textfont={"color": colour, "size": 18 if presenter else 12}, showlegend=False,
        hovertemplate=f"{line.hovertemplate.split('<br>')[0]}<br>epoch %{{x}}: %{{text}} (below the axis)<extra></extra>")
    return [line, marker]


def confusion_heatmap(matrix: np.ndarray, presenter: bool, title: str) -> go.Figure:
    """A 10x10 confusion matrix (row = true digit, column = predicted) with its counts in the cells.

    Colours follow log10(count + 1) so that a handful of mistakes is as visible as the ~1000
    right answers on the diagonal; the colour legend is labelled in counts.
    """
    matrix = np.asarray(matrix, dtype=np.int64)
    sizes = font_sizes(presenter)
    ticks = [1, 10, 100, 1000]
    fig = go.Figure(go.Heatmap(
        z=np.log10(matrix + 1), x=[str(d) for d in range(10)], y=[str(d) for d in range(10)],
        text=matrix, texttemplate="%{text}", textfont={"size": sizes["small"] + (2 if presenter else 0)},
        colorscale="Blues", zmin=0, zmax=np.log10(1200), xgap=1, ygap=1,
        colorbar=colorbar("digits (log scale)", presenter, tickvals=[np.log10(t + 1) for t in ticks],
                          ticktext=[str(t) for t in ticks]),
        hovertemplate="true %{y}, predicted %{x}: %{text} digits<extra></extra>",
    ))
    fig.update_xaxes(title="predicted digit", side="bottom", type="category")
    fig.update_yaxes(title="true digit", autorange="reversed", type="category")
    return style(fig, presenter, title, height=560 if presenter else 460)


def probability_pair(first: np.ndarray, second: np.ndarray, labels: tuple[str, str], true_digit: int,
                     presenter: bool) -> go.Figure:
    """Two models' probabilities for one digit, as grouped bars over the classes 0-9.

    Args:
        first, second: (10,) probabilities of the two models.
        labels: the models' names for the legend.
        true_digit: the right answer, marked on the axis.
    """
    digits = [f"<b>{d}</b>" if d == true_digit else str(d) for d in range(10)]
    fig = go.Figure([
        go.Bar(name=labels[0], x=digits, y=100 * np.asarray(first), marker_color=MLP_COLOUR,
               hovertemplate=f"{labels[0]}: %{{y:.1f}}% for %{{x}}<extra></extra>"),
        go.Bar(name=labels[1], x=digits, y=100 * np.asarray(second), marker_color=CNN_COLOUR,
               hovertemplate=f"{labels[1]}: %{{y:.1f}}% for %{{x}}<extra></extra>"),
    ])
    fig.update_layout(barmode="group", bargap=0.15, showlegend=False)
    fig.update_yaxes(range=[0, 100], title="probability (%)", dtick=50)
    fig.update_xaxes(type="category", title=f"digit (true: {true_digit})")
    figure = style(fig, presenter, height=230 if presenter else 190)
    figure.update_layout(margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return figure


def _first_weight_layer_params(card: dict) -> int:
    """Parameters of the first layer that has any (the first Dense or Conv2D)."""
    return next((int(layer["params"]) for layer in card["layers"] if layer["params"]), 0)


def comparison_facts(first: dict, second: dict) -> dict:
    """The numbers the page quotes when comparing two models' cards (first = the MLP).

    Returns:
        dict with ``first_params``, ``second_params``, ``first_accuracy``/``second_accuracy`` (%),
        ``first_wrong``/``second_wrong`` (of the test set), ``params_ratio`` (second / first),
        ``error_ratio`` (first's mistakes / second's), ``first_layer_params``,
        ``second_first_layer_params``, ``second_title``.
    """
    return {
        "first_params": int(first["params"]), "second_params": int(second["params"]),
        "first_accuracy": 100 * first["test_accuracy"], "second_accuracy": 100 * second["test_accuracy"],
        "first_wrong": _wrong(first), "second_wrong": _wrong(second),
        "params_ratio": int(second["params"]) / max(int(first["params"]), 1),
        "error_ratio": _wrong(first) / max(_wrong(second), 1),
        "first_layer_params": _first_weight_layer_params(first),
        "second_first_layer_params": _first_weight_layer_params(second),
        "second_title": _title(second),
    }
