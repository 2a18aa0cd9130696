"""Predict, then reveal: the class's questions, one per lesson page, each right answer computed by
the project's own tested code (never typed in), with an explanation that shows the numbers.

No Streamlit here: the UI builds each question once per server and hands in what it needs (MNIST
arrays, a function that runs a zoo network). Questions by the lesson page that asks them:

| page | question | right answer from |
|---|---|---|
| ``matrix`` | how many inputs a flattened 28 x 28 digit gives | ``cnnviz.data.flatten`` |
| ``convolution`` | the output size with stride 2, no padding | ``cnnviz.lesson.ops.output_size`` |
| ``pooling`` | which map changes less when the digit moves | ``cnnviz.lesson.invariance.shift_table`` |
| ``mlp-vs-cnn`` | which network reads more shifted digits | the zoo's MLP and CNN on shifted test digits |
| ``inside-the-cnn`` | what the CNN says about one test digit | the zoo's CNN on that digit |

Xception's question ("what will Xception call this photo?") is left out: its weights are not
available offline, and a question must work in every classroom.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from cnnviz import data
from cnnviz.digits.transform import transform_digit
from cnnviz.lesson import invariance, kernels, ops

MLP = "mlp"
CLASS_CNN = "cnn_chollet"  # the MLP's fair match: about as many weights (the MLP vs CNN page's default)
CLASS_CNN_TITLE = "the CNN"
SHIFT_PIXELS = 3  # moved this far right, the MLP loses about a third of the test digits, the CNN few
SHIFTED_SAMPLE = 1000  # test digits per network for the shifted-digits question (about 1 s on 2 cores)
SAME_CHANGE_TOLERANCE = 0.02  # two measured changes closer than this count as "the same"
DIGIT_CHOICES = tuple(str(digit) for digit in range(10))

# A function that runs a zoo network: (name, images (N, 28, 28) float 0..1) -> probabilities (N, 10).
Predict = Callable[[str, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Question:
    """One predict-then-reveal question.

    Attributes:
        question_id: stable id (letters, digits, ``-``), stored with every answer.
        page: the ``url_path`` of the lesson page that asks it.
        prompt: the question, one sentence.
        choices: 2 to 10 distinct short answers, in the order shown.
        right_choice: the one right choice, computed.
        explanation: why, with the computed numbers (Markdown).
        digit: a (28, 28) picture shown with the question (float 0..1), or None.
    """

    question_id: str
    page: str
    prompt: str
    choices: tuple[str, ...]
    right_choice: str
    explanation: str
    digit: np.ndarray | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.right_choice not in self.choices or len(set(self.choices)) != len(self.choices):
            raise ValueError(f"Question {self.question_id}: the right answer must be one of "
                             "distinct choices.")


def flatten_question() -> Question:
    """How many input values a 28 x 28 digit gives once flattened for the MLP."""
    inputs = int(data.flatten(np.zeros((1, data.IMAGE_SIZE, data.IMAGE_SIZE))).shape[1])
    side = data.IMAGE_SIZE
    choices = _numbers({side, 2 * side, inputs, side * side * 3})
    return Question(
        "flatten-inputs", "matrix",
        f"A {side} x {side} digit is flattened for the MLP. How many input values does the MLP get?",
        choices, str(inputs),
        f"Flattening lays the {side} rows end to end: {side} x {side} = **{inputs}** values, each "
        "divided by 255. The MLP has one input for every pixel, and forgets which pixels were neighbours.")


def stride_question(size: int = 28, kernel: int = 3, stride: int = 2) -> Question:
    """The output size of a convolution with stride 2 and no padding (``ops.output_size``)."""
    right = ops.output_size(size, kernel, stride, "valid")
    # The usual slips: forgetting the stride, dividing without the kernel, dropping the +1.
    slips = {ops.output_size(size, kernel, 1, "valid"), size // stride, (size - kernel) // stride}
    choices = _numbers(slips | {right})
    return Question(
        "conv-stride-output", "convolution",
        f"A {kernel} x {kernel} kernel slides over a {size} x {size} digit with stride {stride} and no "
        "padding. How big is the output?",
        tuple(f"{n} x {n}" for n in choices), f"{right} x {right}",
        f"The window fits {size - kernel + 1} positions per row; with stride {stride} it uses every "
        f"{_ordinal(stride)} one: `{ops.output_size_formula(size, kernel, stride, 'valid')}`, so the "
        f"output is **{right} x {right}**.")


def pooling_question(digit: np.ndarray, digit_index: int, kernel_name: str = "vertical edges",
                     shift_name: str = "1 pixel right") -> Question:
    """Which changes less when a digit moves: the feature map or the pooled map
    (``invariance.shift_table``, the pooling page's own measurement).

    Args:
        digit: (28, 28) test digit, uint8 0..255 or float 0..1.
        digit_index: its number in the MNIST test set (for the explanation).
    """
    image = data.scale(digit) if np.asarray(digit).dtype == np.uint8 else np.asarray(digit, np.float32)
    row = next(row for row in invariance.shift_table(image, kernels.preset_weights(kernel_name))
               if row["shift"] == shift_name)
    feature, pooled = row["feature map change"], row["pooled map change"]
    choices = ("The feature map", "The pooled map", "They change the same")
    if abs(feature - pooled) < SAME_CHANGE_TOLERANCE:
        right = choices[2]
    else:
        right = choices[0] if feature < pooled else choices[1]
    return Question(
        "pooling-shift", "pooling",
        f"This digit moves {shift_name}. Which changes less: the {kernel_name} feature map, or that "
        "map after 2 x 2 max pooling?",
        choices, right,
        f"Measured on test digit #{digit_index:,} with the {kernel_name} kernel: the feature map "
        f"changed by **{feature:.0%}**, the pooled map by **{pooled:.0%}**. Each pooling window keeps "
        "its strongest value, and a one-pixel move often stays inside the same window.",
        digit=image)


def shifted_digits_question(images: np.ndarray, labels: np.ndarray, predict: Predict,
                            shift_pixels: int = SHIFT_PIXELS, sample: int = SHIFTED_SAMPLE) -> Question:
    """Which network gets more of the test digits right once they are moved ``shift_pixels`` right.

    Args:
        images: (N, 28, 28) uint8 MNIST test digits; the first ``sample`` are used.
        labels: (N,) their labels.
        predict: runs a zoo network (see :data:`Predict`).
    """
    images, labels = np.asarray(images[:sample]), np.asarray(labels[:sample])
    scaled = data.scale(images)
    moved = np.stack([transform_digit(image, shift_x=shift_pixels) for image in scaled])
    accuracy = {}
    for name in (MLP, CLASS_CNN):
        before = float(np.mean(predict(name, scaled).argmax(axis=1) == labels))
        after = float(np.mean(predict(name, moved).argmax(axis=1) == labels))
        accuracy[name] = (before, after)
    choices = ("The MLP", "The CNN", "About the same")
    mlp_after, cnn_after = accuracy[MLP][1], accuracy[CLASS_CNN][1]
    if abs(mlp_after - cnn_after) < SAME_CHANGE_TOLERANCE:
        right = choices[2]
    else:
        right = choices[0] if mlp_after > cnn_after else choices[1]
    return Question(
        "shifted-digits", "mlp-vs-cnn",
        f"We move {len(labels):,} test digits {shift_pixels} pixels to the right. Which network gets "
        "more of them right?",
        choices, right,
        f"On the same {len(labels):,} test digits, moved {shift_pixels} pixels right: the MLP gets "
        f"**{mlp_after:.0%}** right (unmoved: {accuracy[MLP][0]:.0%}), the CNN **{cnn_after:.0%}** "
        f"(unmoved: {accuracy[CLASS_CNN][0]:.0%}). The MLP learned which pixels matter; the CNN's "
        "filters slide, and pooling forgives small moves.")


def cnn_answer_question(images: np.ndarray, labels: np.ndarray, cnn_probabilities: np.ndarray) -> Question:
    """What the CNN says about the first test digit it gets wrong (a network's answer is not the truth).

    Args:
        images: (N, 28, 28) uint8 MNIST test digits.
        labels: (N,) their labels.
        cnn_probabilities: (N, 10) the class CNN's probabilities for them.

    Raises:
        ValueError: the CNN gets every digit right (then there is nothing to ask).
    """
    answers = np.asarray(cnn_probabilities).argmax(axis=1)
    wrong = np.flatnonzero(answers != np.asarray(labels))
    if not len(wrong):
        raise ValueError("The CNN gets every one of these digits right: no question to ask.")
    index = int(wrong[0])
    answer, label = int(answers[index]), int(labels[index])
    sure = float(np.asarray(cnn_probabilities)[index, answer])
    return Question(
        "cnn-says", "inside-the-cnn",
        "What will the CNN say about this digit?",
        DIGIT_CHOICES, str(answer),
        f"The CNN says **{answer}**, {sure:.0%} sure; the person who wrote test digit #{index:,} "
        f"meant a **{label}**. Even a network that reads 99% of MNIST right misreads about one digit "
        "in a hundred, and it is just as sure of itself when it does.",
        digit=data.scale(images[index]))


def _numbers(values: set[int]) -> tuple[str, ...]:
    """Distinct positive whole numbers, smallest first, as strings."""
    return tuple(str(value) for value in sorted(value for value in values if value > 0))


def _ordinal(number: int) -> str:
    return {1: "", 2: "second", 3: "third", 4: "fourth"}.get(number, f"{number}th")
