"""Shared by the class database tests: every database test runs on a throwaway SQLite file and
on a fresh database of the session's throwaway PostgreSQL cluster (tests/postgres_support.py).
Test modules import the fixtures they use from here."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
import sqlalchemy as sa

from cnnviz.classroom import (PAUSED_SENTENCE, Classroom, ClassroomPaused, ClassroomSettings,
                              engine_options, new_session_id, schema)
from postgres_support import postgres_cluster  # noqa: F401 (re-exported with the fixtures below)

REPO_ROOT = Path(__file__).resolve().parents[1]
CHOICES = ("9", "12", "14", "28")
NO_WAIT = ClassroomSettings(seconds_between_submissions=0)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
# What students might type or paste as a class code: each must get a sentence, never a traceback.
BAD_CODES = ["' OR 1=1 --", "'; DROP TABLE classes; --", '7K3"9D', "7K3Q9", "7K3Q9DX", "", " ",
             "ÅBCDEF", "ＡＢＣＤＥＦ", "٣٣٣٣٣٣", "ßßß", "7K3Q9U", "\x007K3Q9", "7K3Q9D" * 2,
             "A" * 10_000, None, 123456, b"7K3Q9D", ["7K3Q9D"]]


class Backend(NamedTuple):
    name: str  # "sqlite" or "postgresql"
    url: str
    database: str | None = None  # PostgreSQL's database name
    cluster: object | None = None


class FakeClock:
    """A clock the test moves: returns naive UTC like :func:`utc_now`."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 3, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **duration: float) -> None:
        self.now += timedelta(**duration)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    """A fresh, empty class database: a SQLite file, or a new database on the session's cluster."""
    if request.param == "sqlite":
        yield Backend("sqlite", f"sqlite:///{tmp_path / 'class.sqlite3'}")
        return
    cluster = request.getfixturevalue("postgres_cluster")
    name, url = cluster.new_database()
    yield Backend("postgresql", url, name, cluster)
    cluster.drop_database(name)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def open_classroom(backend, clock):
    """``open_classroom(settings=, clock=, url=)``: a Classroom on its own engine (one per replica)."""
    engines = []

    def open_one(settings=NO_WAIT, clock=clock, url=backend.url):
        engine = sa.create_engine(url, **engine_options(url))
        engines.append(engine)
        return Classroom(engine, settings, clock)

    yield open_one
    for engine in engines:
        engine.dispose()


@pytest.fixture
def classroom(open_classroom):
    return open_classroom()


def count_rows(classroom: Classroom, table: sa.Table, class_code: str | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(table)
    if class_code is not None and table is schema.classes:
        query = query.where(schema.classes.c.code == class_code)
    elif class_code is not None:
        query = query.join(schema.classes, schema.classes.c.id == table.c.class_id).where(
            schema.classes.c.code == class_code)
    with classroom.engine.connect() as connection:
        return connection.execute(query).scalar_one()


def digit(fill: int) -> np.ndarray:
    return np.full((28, 28), fill % 256, dtype=np.uint8)


def assert_is_sentence(message: str) -> None:
    assert message[0].isupper() and message.endswith(".") and len(message) < 200, message
    assert "Traceback" not in message and "sqlalchemy" not in message.lower()


def every_operation(classroom: Classroom, code: str, token: str) -> dict:
    """One call of each public operation of ``classroom`` on the class ``code``."""
    student = new_session_id()
    return {
        "prepare": classroom.prepare,
        "start_class": classroom.start_class,
        "join_class": lambda: classroom.join_class(code),
        "is_teacher": lambda: classroom.is_teacher(code, token),
        "submit_answer": lambda: classroom.submit_answer(code, student, new_session_id(), "q1", "9",
                                                         CHOICES),
        "submit_digit": lambda: classroom.submit_digit(code, student, new_session_id(), digit(1), 1, 1, 1),
        "record_fool_attempt": lambda: classroom.record_fool_attempt(
            code, student, new_session_id(), 1, 1, 0, 0.0, 1.0, 7, 1),
        "tally": lambda: classroom.tally(code, "q1", CHOICES),
        "gallery": lambda: classroom.gallery(code),
        "handwriting_summary": lambda: classroom.handwriting_summary(code),
        "fool_board": lambda: classroom.fool_board(code),
        "smallest_fool": lambda: classroom.smallest_fool(code),
        "reveal": lambda: classroom.reveal(code, token, "q1"),
        "clear_answers": lambda: classroom.clear_answers(code, token, "q1"),
        "clear_digits": lambda: classroom.clear_digits(code, token),
        "clear_fool_attempts": lambda: classroom.clear_fool_attempts(code, token),
        "close_class": lambda: classroom.close_class(code, token),
        "delete_older_than": lambda: classroom.delete_older_than(30),
    }


def assert_every_operation_pauses(classroom: Classroom, code: str, token: str) -> None:
    operations = every_operation(classroom, code, token)
    assert set(operations) == {name for name in dir(Classroom) if not name.startswith("_")}
    for name, operation in operations.items():
        with pytest.raises(ClassroomPaused) as paused:
            operation()
        assert str(paused.value) == PAUSED_SENTENCE, name
