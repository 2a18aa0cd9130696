"""What students send, checked before it reaches the database, and what the board reads back.

Each ``checked_*`` function returns clean values or raises :class:`InvalidSubmission` with a
sentence; the store only ever binds these values as parameters.

The size of a "fool the MLP" change (:func:`change_size`) is how many pixels a point 10 px from
the digit's centre (the edge of MNIST's 20x20 box) moves at most:
``sqrt(dx**2 + dy**2) + 10 * |rotation in radians| + 10 * |scale - 1|``. A 2-pixel shift, a
11.5-degree turn and a 20 % enlargement each measure about 2. Smaller is a sharper lesson: the CNN
still reads the digit, the MLP already does not.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

import numpy as np

from cnnviz.classroom.errors import InvalidSubmission

DIGIT_SHAPE = (28, 28)
DIGIT_RADIUS_PIXELS = 10.0  # half of MNIST's 20x20 box: the lever arm for rotation and scale
LONGEST_SHIFT_PIXELS = 14
LARGEST_ROTATION_DEGREES = 180.0
SCALE_RANGE = (0.25, 4.0)
LONGEST_CHOICE = 100
MOST_CHOICES = 20
QUESTION_ID_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


@dataclass(frozen=True)
class StartedClass:
    """A new class: ``code`` goes into the students' link; ``teacher_token`` stays in the teacher's
    browser session and never on the projector or in a link."""

    code: str
    teacher_token: str


@dataclass(frozen=True)
class ClassInfo:
    """A class a student can join: its code, when it started and when its code stops working (UTC)."""

    code: str
    started_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Tally:
    """A question's live tally: ``counts`` maps each choice (in the caller's order) to how many
    students chose it; never who."""

    question_id: str
    counts: dict[str, int]
    revealed: bool

    @property
    def total(self) -> int:
        """How many students have answered."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class Digit:
    """One digit of the class's handwriting: ``pixels`` (28, 28) uint8, the label the student was
    asked to draw, and the two networks' answers."""

    pixels: np.ndarray
    label: int
    mlp_label: int
    cnn_label: int


@dataclass(frozen=True)
class HandwritingSummary:
    """Counts for the board: confusion matrices (10, 10) int64, row = digit asked for, column =
    the network's answer."""

    mlp_confusion: np.ndarray
    cnn_confusion: np.ndarray

    @property
    def digit_count(self) -> int:
        """How many digits the class has sent."""
        return int(self.mlp_confusion.sum())

    @property
    def mlp_accuracy(self) -> float | None:
        """The MLP's share of right answers, 0..1; ``None`` before the first digit."""
        return _accuracy(self.mlp_confusion)

    @property
    def cnn_accuracy(self) -> float | None:
        """The CNN's share of right answers, 0..1; ``None`` before the first digit."""
        return _accuracy(self.cnn_confusion)


def _accuracy(confusion: np.ndarray) -> float | None:
    total = int(confusion.sum())
    return float(np.trace(confusion)) / total if total else None


@dataclass(frozen=True)
class FoolAttempt:
    """One "fool the MLP" try: the change (pixels, degrees, factor), the answers, its size."""

    true_label: int
    shift_x: int
    shift_y: int
    rotation_degrees: float
    scale: float
    mlp_label: int
    cnn_label: int
    change_size: float


def checked_question(question_id: object, choices: object) -> tuple[str, tuple[str, ...]]:
    """A question id (1-64 letters, digits, ``_.-``) and its choices (2-20 distinct non-empty
    strings of at most 100 characters), as given by the page that asks the question."""
    question_id = checked_question_id(question_id)
    if isinstance(choices, str) or not isinstance(choices, Sequence):
        raise InvalidSubmission("This question has no list of choices. Reload the page and try again.")
    clean = tuple(choices)
    if not (2 <= len(clean) <= MOST_CHOICES and len(set(clean)) == len(clean) and all(
            isinstance(choice, str) and 0 < len(choice) <= LONGEST_CHOICE for choice in clean)):
        raise InvalidSubmission("This question's choices are broken. Reload the page and try again.")
    return question_id, clean


def checked_question_id(question_id: object) -> str:
    """A question id: 1-64 letters, digits and ``_.-``."""
    if not isinstance(question_id, str) or not QUESTION_ID_PATTERN.fullmatch(question_id):
        raise InvalidSubmission("This question has a broken name. Reload the page and try again.")
    return question_id


def checked_choice(choice: object, choices: tuple[str, ...]) -> str:
    """``choice`` if it is one of ``choices``."""
    if not isinstance(choice, str) or choice not in choices:
        raise InvalidSubmission("That answer is not one of the choices. Pick one of the buttons.")
    return choice


def checked_label(value: object, what: str) -> int:
    """A digit label 0..9 as an ``int`` (numpy integers too, ``bool`` never)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or not 0 <= int(value) <= 9:
        raise InvalidSubmission(f"The {what} must be a digit from 0 to 9.")
    return int(value)


def checked_pixels(pixels: object) -> bytes:
    """The 784 bytes of a normalised digit: a uint8 array of shape (28, 28) or (784,), or 784 bytes."""
    if isinstance(pixels, (bytes, bytearray, memoryview)):
        array = np.frombuffer(bytes(pixels), dtype=np.uint8)
    else:
        array = np.asarray(pixels)
    if array.dtype != np.uint8 or array.size != DIGIT_SHAPE[0] * DIGIT_SHAPE[1] \
            or array.shape not in (DIGIT_SHAPE, (array.size,)):
        raise InvalidSubmission("A digit must be the 28x28 normalised picture (784 values from 0 "
                                "to 255). Draw it again.")
    return np.ascontiguousarray(array).tobytes()


def pixels_from_bytes(stored: bytes) -> np.ndarray:
    """The (28, 28) uint8 picture of a stored digit."""
    return np.frombuffer(bytes(stored), dtype=np.uint8).reshape(DIGIT_SHAPE).copy()


def checked_change(shift_x: object, shift_y: object, rotation_degrees: object,
                   scale: object) -> tuple[int, int, float, float]:
    """A "fool the MLP" change: whole-pixel shifts within +-14, a rotation within +-180 degrees and
    a scale factor within 0.25..4."""
    for shift in (shift_x, shift_y):
        if isinstance(shift, bool) or not isinstance(shift, numbers.Integral) \
                or abs(int(shift)) > LONGEST_SHIFT_PIXELS:
            raise InvalidSubmission("A shift must be a whole number of pixels from -14 to 14.")
    for value in (rotation_degrees, scale):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not math.isfinite(float(value)):
            raise InvalidSubmission("The rotation and the scale must be numbers.")
    if abs(float(rotation_degrees)) > LARGEST_ROTATION_DEGREES:
        raise InvalidSubmission("A rotation must be between -180 and 180 degrees.")
    if not SCALE_RANGE[0] <= float(scale) <= SCALE_RANGE[1]:
        raise InvalidSubmission("A scale must be between 0.25 and 4.")
    return int(shift_x), int(shift_y), float(rotation_degrees), float(scale)


def change_size(shift_x: int, shift_y: int, rotation_degrees: float, scale: float) -> float:
    """The size of a change, in pixels (see the module docstring): 0 for no change."""
    return (math.hypot(shift_x, shift_y)
            + DIGIT_RADIUS_PIXELS * abs(math.radians(rotation_degrees))
            + DIGIT_RADIUS_PIXELS * abs(scale - 1.0))
