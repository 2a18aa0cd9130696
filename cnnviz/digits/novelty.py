"""Does a student's picture look like a handwritten digit at all? A network trained on MNIST always
answers one of ten digits, even for a puppy; this rule says when that answer means nothing.

The rule in one sentence: eight simple measures of the 28 x 28 picture (how much of it MNIST's
digits cannot rebuild, and its ink's pieces, loops, width, faintness, solidity, nearness to the
edge and outline length, see :mod:`cnnviz.digits.shape_measures`) are compared with MNIST's 60 000
training digits; a measure beyond what 99.9% of them do scores two points, one beyond what about
98% do scores one point, and two points mean "not a digit".

The limits and each digit's main shapes are fitted once from the training digits (never the test
digits) and committed in ``models/mnist_novelty.npz`` (0.36 MB); rebuild it (about 11 s) with::

    python -m cnnviz.digits.novelty

numpy only: no Keras, no Streamlit.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from cnnviz.digits import shape_measures
from cnnviz.problems import Unavailable

RULE_PATH = Path(__file__).resolve().parents[2] / "models" / "mnist_novelty.npz"
REBUILD_COMMAND = "python -m cnnviz.digits.novelty"
COMPONENTS_PER_DIGIT = 30  # each digit's main shapes kept for rebuilding (74-89% of its variation)
RARE_PERCENTILE = 99.9  # beyond what 999 in 1000 training digits do: two points
TARGET_PASS = 0.985  # the "usual" limits are set so that this share of training digits passes
POINTS_FOR_NOT_A_DIGIT = 2
DIGIT_SHAPE = (28, 28)


class RuleUnavailable(Unavailable):
    """The fitted rule's file is missing or broken; the message says how to rebuild it."""

    summary = "This server cannot check whether a picture looks like a handwritten digit."


class Rule(NamedTuple):
    """The fitted numbers: each digit's mean and main shapes, and each measure's two limits.

    ``means`` (10, 784) float32; ``components`` (10, 784, K) float16, the principal components;
    ``usual_limits``, ``rare_limits``, ``usual_shares``, ``rare_shares``: (8,) float64 in the
    order of :data:`shape_measures.NAMES` (a share is the fraction of training digits at or under
    that limit); ``usual_percentile`` and ``training_pass`` describe the fit. ``bases`` is
    ``components`` made exactly orthonormal in float32 (derived on loading, not stored).
    """

    means: np.ndarray
    components: np.ndarray
    usual_limits: np.ndarray
    rare_limits: np.ndarray
    usual_shares: np.ndarray
    rare_shares: np.ndarray
    usual_percentile: float
    training_pass: float
    bases: np.ndarray | None = None


STORED_FIELDS = Rule._fields[:-1]  # everything but the derived bases


class Measure(NamedTuple):
    """One measure of one picture: its value, the two limits, and the points it scored (0, 1, 2)."""

    name: str
    value: float
    usual_limit: float
    rare_limit: float
    points: int
    clause: str  # what a student reads when this measure is unusual


class Verdict(NamedTuple):
    """Whether a picture looks like a handwritten digit, and why, in a sentence for a student.

    ``score`` is the picture's points, ``threshold`` the points that mean "not a digit" (a
    picture without any clear ink is not a digit either); ``measures`` holds all eight measures; ``closest_digit`` is the digit whose shapes rebuild
    the picture best.
    """

    looks_like_a_digit: bool
    score: int
    threshold: int
    reason: str
    measures: tuple[Measure, ...]
    closest_digit: int


def assess(digit: np.ndarray, rule: Rule | None = None) -> Verdict:
    """Does this normalised picture look like a handwritten digit?

    Args:
        digit: (28, 28) float in 0..1, white ink on black: the output of
            :func:`cnnviz.digits.images.to_mnist`, or an MNIST digit divided by 255.
        rule: the fitted rule; None loads the committed one (:func:`load_rule`).

    Returns:
        A :class:`Verdict`.

    Raises:
        ValueError: not a (28, 28) array of finite values in 0..1.
        RuleUnavailable: the committed rule's file is missing or broken.
    """
    digit = _checked(digit)
    rule = rule if rule is not None else load_rule()
    values, closest = measure(digit[None], rule)
    measures = tuple(_scored(name, float(values[name][0]), index, rule)
                     for index, name in enumerate(shape_measures.NAMES))
    score = sum(item.points for item in measures)
    has_ink = bool((digit > shape_measures.INK_LEVEL).any())
    looks_like_a_digit = has_ink and score < POINTS_FOR_NOT_A_DIGIT
    return Verdict(looks_like_a_digit, score, POINTS_FOR_NOT_A_DIGIT, _reason(measures, has_ink, looks_like_a_digit),
                   measures, int(closest[0]))


def looks_like_digits(digits: np.ndarray, rule: Rule | None = None) -> np.ndarray:
    """:func:`assess`'s answer for a whole batch at once (for benchmarks and tests).

    Args:
        digits: (N, 28, 28) float in 0..1, white ink on black.
        rule: as in :func:`assess`.

    Returns:
        (N,) bool, True where the picture looks like a handwritten digit.
    """
    digits = np.asarray(digits, dtype=np.float32)
    rule = rule if rule is not None else load_rule()
    values, _ = measure(digits, rule)
    has_ink = (digits > shape_measures.INK_LEVEL).any(axis=(1, 2))
    return has_ink & (points(values, rule.usual_limits, rule.rare_limits) < POINTS_FOR_NOT_A_DIGIT)


def measure(digits: np.ndarray, rule: Rule) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The eight measures of a batch.

    Args:
        digits: (N, 28, 28) float in 0..1.
        rule: supplies each digit's mean and main shapes for the rebuild.

    Returns:
        ``({name: (N,) float}, closest)``: the measures in :data:`shape_measures.NAMES` order, and
        (N,) int, the digit whose shapes rebuild each picture best.
    """
    error, closest = shape_measures.rebuild_error(digits, rule.means, rule.bases)
    return {"rebuild": error, **shape_measures.ink_measures(digits)}, closest


def points(values: dict[str, np.ndarray], usual_limits: np.ndarray, rare_limits: np.ndarray) -> np.ndarray:
    """(N,) int: each picture's points, one per measure beyond its usual limit, two beyond its rare one."""
    total = 0
    for index, name in enumerate(shape_measures.NAMES):
        total = total + (values[name] > usual_limits[index]).astype(int) + (values[name] > rare_limits[index])
    return np.asarray(total, dtype=int)


def _checked(digit) -> np.ndarray:
    array = np.asarray(digit, dtype=np.float32)
    if array.shape != DIGIT_SHAPE:
        raise ValueError(f"Expected a 28 x 28 picture (the output of to_mnist), got an array of shape {array.shape}.")
    if not np.isfinite(array).all():
        raise ValueError("The picture holds missing or infinite values (NaN or inf); every pixel must be a number "
                         "between 0 and 1.")
    if array.min() < 0.0 or array.max() > 1.0 + 1e-6:
        raise ValueError(f"Pixels must lie between 0 and 1 (ink = 1); these go from {array.min():g} to "
                         f"{array.max():g}. Divide an MNIST digit's 0..255 values by 255 first.")
    return array


def _scored(name: str, value: float, index: int, rule: Rule) -> Measure:
    usual, rare = float(rule.usual_limits[index]), float(rule.rare_limits[index])
    scored = int(value > usual) + int(value > rare)
    limit, share = (rare, rule.rare_shares[index]) if scored == 2 else (usual, rule.usual_shares[index])
    template, unit = shape_measures.MEASURES[name]
    written_value, written_limit = _written(value, limit, unit)
    clause = template.format(value=written_value, limit=written_limit, share=_percent(float(share), 1))
    return Measure(name, value, usual, rare, scored, clause)


def _written(value: float, limit: float, unit: str) -> tuple[str, str]:
    """Both numbers as a student reads them, with just enough decimals to tell them apart."""
    for decimals in range(3):
        if unit == "share":
            written = _percent(value, decimals), _percent(limit, decimals)
        elif unit == "times":
            written = f"{value:.{decimals + 1}f}", f"{limit:.{decimals + 1}f}"
        else:
            written = f"{value:.0f}", f"{limit:.0f}"
        if written[0] != written[1]:
            break
    return written


def _percent(share: float, decimals: int) -> str:
    written = f"{100 * share:.{decimals}f}"
    return (written.rstrip("0").rstrip(".") if "." in written else written) + "%"


def _reason(measures: tuple[Measure, ...], has_ink: bool, looks_like_a_digit: bool) -> str:
    unusual = sorted((item for item in measures if item.points), key=lambda item: -item.points)
    if not has_ink:
        return "This does not look like a handwritten digit: it has no clear ink at all."
    if looks_like_a_digit:
        if unusual:
            return f"This looks like a handwritten digit, although {unusual[0].clause}."
        return "This looks like a handwritten digit: every measure stays within what MNIST's training digits do."
    if len(unusual) == 1:
        return f"This does not look like a handwritten digit: {unusual[0].clause}."
    clauses = [item.clause for item in unusual[:3]]
    more = f", and {len(unusual) - 3} more" if len(unusual) > 3 else ""
    listed = "; ".join(clauses[:-1]) + f"; and {clauses[-1]}" if len(clauses) > 1 else clauses[0]
    return f"This does not look like a handwritten digit, unusual in {len(unusual)} ways at once: {listed}{more}."


# --------------------------------------------------------------------------- the fitted file


@functools.lru_cache(maxsize=4)
def load_rule(path: Path = RULE_PATH) -> Rule:
    """The committed rule, read once per process (0.36 MB).

    Raises:
        RuleUnavailable: the file is missing or broken (the message names the rebuild command).
    """
    try:
        with np.load(path, allow_pickle=False) as stored:
            rule = Rule(**{field: stored[field] for field in STORED_FIELDS})
    except (OSError, KeyError, ValueError) as error:
        raise RuleUnavailable(f"The not-a-digit rule's file {path} is missing or unreadable ({error}). "
                              f"Rebuild it from MNIST with `{REBUILD_COMMAND}` (under a minute).") from error
    return rule._replace(usual_percentile=float(rule.usual_percentile), training_pass=float(rule.training_pass),
                         bases=shape_measures.orthonormal(rule.components))


def fit(x_train: np.ndarray, y_train: np.ndarray, components_per_digit: int = COMPONENTS_PER_DIGIT) -> Rule:
    """Fit the rule on MNIST's training digits.

    Args:
        x_train: (N, 28, 28) uint8, 0..255 (MNIST's 60 000 training digits).
        y_train: (N,) int labels.
        components_per_digit: how many main shapes each digit keeps.

    Returns:
        A :class:`Rule`. Its usual limits are the ``usual_percentile`` of each measure, with that
        percentile chosen so that :data:`TARGET_PASS` of the training digits score under
        :data:`POINTS_FOR_NOT_A_DIGIT` points.
    """
    digits = np.asarray(x_train, dtype=np.float32) / 255.0
    flat = digits.reshape(len(digits), -1)
    means = np.empty((10, flat.shape[1]), dtype=np.float32)
    components = np.empty((10, flat.shape[1], components_per_digit), dtype=np.float16)
    for digit_class in range(10):
        examples = flat[y_train == digit_class]
        means[digit_class] = examples.mean(axis=0, dtype=np.float64)
        centred = examples - means[digit_class]
        # float32 is plenty: the shapes are stored as float16 (and ten times faster than float64 here)
        directions = np.linalg.eigh(centred.T @ centred / np.float32(len(centred)))[1]  # ascending variance
        components[digit_class] = directions[:, ::-1][:, :components_per_digit]  # largest variance first
    bases = shape_measures.orthonormal(components)
    partial = Rule(means, components, *[np.zeros(len(shape_measures.NAMES))] * 4, 0.0, 0.0, bases)
    values, _ = measure(digits, partial)
    table = np.stack([values[name] for name in shape_measures.NAMES], axis=1)  # (N, 8)
    rare = np.percentile(table, RARE_PERCENTILE, axis=0, method="higher")
    low, high = 90.0, RARE_PERCENTILE
    for _ in range(40):  # the smallest percentile whose limits let TARGET_PASS of the digits through
        middle = (low + high) / 2
        usual = np.percentile(table, middle, axis=0, method="higher")
        passing = float((points(values, usual, rare) < POINTS_FOR_NOT_A_DIGIT).mean())
        low, high = (low, middle) if passing >= TARGET_PASS else (middle, high)
    usual = np.percentile(table, high, axis=0, method="higher")
    passing = float((points(values, usual, rare) < POINTS_FOR_NOT_A_DIGIT).mean())
    return Rule(means, components, usual, rare, (table <= usual).mean(axis=0), (table <= rare).mean(axis=0),
                high, passing, bases)


def save_rule(rule: Rule, path: Path = RULE_PATH) -> None:
    """Write ``rule`` as a compressed ``.npz`` (plain arrays, no pickles)."""
    np.savez_compressed(path, **{field: np.asarray(getattr(rule, field)) for field in STORED_FIELDS})


def main() -> int:
    """``python -m cnnviz.digits.novelty``: fit the rule on MNIST's training digits and save it."""
    from cnnviz import data

    (x_train, y_train), _ = data.load_mnist()
    start = time.perf_counter()
    rule = fit(x_train, y_train)
    save_rule(rule)
    load_rule.cache_clear()
    print(f"Fitted on {len(x_train)} training digits in {time.perf_counter() - start:.0f} s; "
          f"{rule.training_pass:.2%} of them pass. Usual limits at the {rule.usual_percentile:.2f}th percentile, "
          f"rare ones at the {RARE_PERCENTILE}th.")
    print(f"{'measure':<10}{'usual limit':>13}{'digits within':>15}{'rare limit':>12}{'digits within':>15}")
    for index, name in enumerate(shape_measures.NAMES):
        print(f"{name:<10}{rule.usual_limits[index]:>13.3f}{rule.usual_shares[index]:>15.2%}"
              f"{rule.rare_limits[index]:>12.3f}{rule.rare_shares[index]:>15.2%}")
    print(f"Wrote {RULE_PATH} ({RULE_PATH.stat().st_size / 1e6:.2f} MB).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
