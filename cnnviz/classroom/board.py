"""What the projector's class board reads: live tallies, the handwriting gallery and its
confusion matrices, and the "fool the MLP" board. Never a student id.

:class:`BoardReader` is mixed into :class:`cnnviz.classroom.store.Classroom`; pages call these
methods on their ``Classroom``. They work on a closed class too, until retention deletes it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine, Row

from cnnviz.classroom import codes, database, schema
from cnnviz.classroom.errors import ClassNotFound
from cnnviz.classroom.submissions import (Digit, FoolAttempt, HandwritingSummary, Tally,
                                          checked_question, pixels_from_bytes)

LARGEST_PAGE = 500  # the most rows one board read returns


def find_class(connection: Connection, code: str) -> Row:
    """The ``classes`` row of a normalised ``code``; raises ClassNotFound."""
    row = connection.execute(select(schema.classes).where(schema.classes.c.code == code)).first()
    if row is None:
        raise ClassNotFound(code)
    return row


def is_revealed(connection: Connection, class_id: int, question_id: str) -> bool:
    """Whether the teacher has revealed the answer of ``question_id`` in the class ``class_id``."""
    revealed = schema.revealed_questions
    return connection.execute(select(revealed.c.question_id).where(
        revealed.c.class_id == class_id, revealed.c.question_id == question_id)).first() is not None


class BoardReader:
    """The board's reads; the class that mixes it in provides ``engine`` and ``prepare()``."""

    engine: Engine

    def prepare(self) -> None:  # pragma: no cover - provided by Classroom
        raise NotImplementedError

    @contextmanager
    def _reading(self, code: object) -> Iterator[tuple[Connection, int]]:
        code = codes.normalise_class_code(code)
        self.prepare()
        with database.reading(self.engine) as connection:
            yield connection, find_class(connection, code).id

    def tally(self, code: object, question_id: object, choices: Sequence[str]) -> Tally:
        """The live tally of a question: how many students chose each of ``choices`` (in that
        order, zeros included), and whether the teacher has revealed the answer."""
        question_id, choices = checked_question(question_id, choices)
        answers = schema.answers
        with self._reading(code) as (connection, class_id):
            counted = dict(connection.execute(
                select(answers.c.choice, func.count())
                .where(answers.c.class_id == class_id, answers.c.question_id == question_id)
                .group_by(answers.c.choice)).all())
            revealed = is_revealed(connection, class_id, question_id)
        return Tally(question_id=question_id,
                     counts={choice: int(counted.get(choice, 0)) for choice in choices},
                     revealed=revealed)

    def gallery(self, code: object, limit: int = 60) -> list[Digit]:
        """The class's newest ``limit`` digits (1..500), newest first."""
        limit = _checked_limit(limit)
        digits = schema.digits
        with self._reading(code) as (connection, class_id):
            rows = connection.execute(
                select(digits.c.pixels, digits.c.label, digits.c.mlp_label, digits.c.cnn_label)
                .where(digits.c.class_id == class_id).order_by(digits.c.id.desc()).limit(limit)).all()
        return [Digit(pixels=pixels_from_bytes(row.pixels), label=row.label,
                      mlp_label=row.mlp_label, cnn_label=row.cnn_label) for row in rows]

    def handwriting_summary(self, code: object) -> HandwritingSummary:
        """Both networks' confusion matrices on the class's digits (the accuracies follow)."""
        digits = schema.digits
        confusions = []
        with self._reading(code) as (connection, class_id):
            for answer in (digits.c.mlp_label, digits.c.cnn_label):
                confusion = np.zeros((10, 10), dtype=np.int64)
                for label, predicted, count in connection.execute(
                        select(digits.c.label, answer, func.count())
                        .where(digits.c.class_id == class_id).group_by(digits.c.label, answer)):
                    confusion[label, predicted] = count
                confusions.append(confusion)
        return HandwritingSummary(mlp_confusion=confusions[0], cnn_confusion=confusions[1])

    def fool_board(self, code: object, limit: int = 5) -> list[FoolAttempt]:
        """The ``limit`` smallest changes (see ``submissions.change_size``) that fooled the MLP
        but not the CNN, smallest first (the earlier of two equal ones first)."""
        limit = _checked_limit(limit)
        attempts = schema.fool_attempts
        with self._reading(code) as (connection, class_id):
            rows = connection.execute(
                select(attempts).where(attempts.c.class_id == class_id,
                                       attempts.c.mlp_label != attempts.c.true_label,
                                       attempts.c.cnn_label == attempts.c.true_label)
                .order_by(attempts.c.change_size, attempts.c.id).limit(limit)).all()
        return [FoolAttempt(true_label=row.true_label, shift_x=row.shift_x, shift_y=row.shift_y,
                            rotation_degrees=row.rotation_degrees, scale=row.scale,
                            mlp_label=row.mlp_label, cnn_label=row.cnn_label,
                            change_size=row.change_size) for row in rows]

    def smallest_fool(self, code: object) -> FoolAttempt | None:
        """The smallest change that fooled the MLP but not the CNN; ``None`` before the first."""
        board = self.fool_board(code, limit=1)
        return board[0] if board else None


def _checked_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= LARGEST_PAGE:
        raise ValueError(f"A board shows 1 to {LARGEST_PAGE} rows.")
    return limit
