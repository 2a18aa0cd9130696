"""Scores of a classifier computed with numpy from its predicted probabilities: accuracy,
cross-entropy, confusion matrix, and the digits one model gets wrong while another gets right.

No Keras here: the zoo's cards, its re-evaluation test and the "MLP vs CNN" page all score
models from the same (N, 10) probability arrays.
"""

from __future__ import annotations

import numpy as np

from cnnviz.data import NUM_CLASSES


def _check(probabilities: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels).astype(np.int64)
    if probabilities.ndim != 2 or probabilities.shape[0] != labels.shape[0]:
        raise ValueError(f"Expected probabilities (N, classes) and labels (N,), got "
                         f"{probabilities.shape} and {labels.shape}.")
    return probabilities, labels


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Share of rows whose most probable class is the label (0..1).

    Args:
        probabilities: (N, classes) model outputs.
        labels: (N,) integer labels.
    """
    probabilities, labels = _check(probabilities, labels)
    return float(np.mean(probabilities.argmax(axis=1) == labels))


def cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean categorical cross-entropy, as Keras computes it (probabilities clipped to 1e-7)."""
    probabilities, labels = _check(probabilities, labels)
    picked = probabilities[np.arange(len(labels)), labels]
    return float(np.mean(-np.log(np.clip(picked, 1e-7, 1.0))))


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Counts of (true digit, predicted digit) pairs.

    Args:
        labels: (N,) true classes.
        predicted: (N,) predicted classes.

    Returns:
        int64 array (num_classes, num_classes): row = true digit, column = predicted digit.
    """
    labels = np.asarray(labels).astype(np.int64)
    predicted = np.asarray(predicted).astype(np.int64)
    if labels.shape != predicted.shape:
        raise ValueError(f"labels {labels.shape} and predictions {predicted.shape} differ in length.")
    flat = labels * num_classes + predicted
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def wrong_here_right_there(first: np.ndarray, second: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Indices of the samples the ``first`` model misclassifies and the ``second`` gets right,
    most confident mistakes of ``first`` first.

    Args:
        first, second: (N, classes) probabilities of the two models on the same samples.
        labels: (N,) true classes.

    Returns:
        int64 array (M,) of sample indices.
    """
    first, labels = _check(first, labels)
    second, _ = _check(second, labels)
    chosen = np.flatnonzero((first.argmax(axis=1) != labels) & (second.argmax(axis=1) == labels))
    confidence_in_wrong = first[chosen].max(axis=1)
    return chosen[np.argsort(-confidence_in_wrong, kind="stable")]
