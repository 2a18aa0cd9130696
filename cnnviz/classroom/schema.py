"""The class database's tables (SQLAlchemy Core) and :func:`migrate`, which creates or upgrades
them on start.

The tables below are the newest schema, :data:`SCHEMA_VERSION`. A new database gets them all at
once and is stamped with that version; an older database gets each step of :data:`UPGRADES` after
its version, in order. So a change to a table means: edit the table here, bump
:data:`SCHEMA_VERSION`, and add the step that brings an existing database there.

Times are naive UTC ``datetime`` values (the same on SQLite and PostgreSQL). What is stored about a
student is an anonymous per-session id, their answers, and a count for the rate limit; a digit row
holds the 28x28 digit (784 bytes), its prompted label and the two networks' answers, and nothing
that links it to a student.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import (CheckConstraint, Column, DateTime, Float, ForeignKey, Index, Integer,
                        LargeBinary, MetaData, SmallInteger, String, Table, func, inspect, select,
                        text)
from sqlalchemy.engine import Connection, Engine

from cnnviz.classroom import database
from cnnviz.classroom.codes import CLASS_CODE_LENGTH

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# A fixed number for PostgreSQL's advisory lock: replicas starting at once migrate one at a time.
MIGRATION_LOCK_KEY = 0x636E6E76  # "cnnv"
DIGIT_BYTES = 28 * 28
ID_LENGTH = 64  # student and submission ids (see codes.SESSION_ID_PATTERN)

metadata = MetaData()


def _class_reference(primary_key: bool = False) -> Column:
    return Column("class_id", Integer, ForeignKey("classes.id", ondelete="CASCADE"),
                  nullable=False, primary_key=primary_key)


schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", DateTime, nullable=False),
)

classes = Table(
    "classes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(CLASS_CODE_LENGTH), nullable=False, unique=True),
    Column("teacher_token_hash", String(64), nullable=False),  # SHA-256 hex of the token
    Column("started_at", DateTime, nullable=False, index=True),
    Column("closed_at", DateTime, nullable=True),
)

# One row per student per class: the rate limit's state, shared by every replica.
students = Table(
    "students", metadata,
    _class_reference(primary_key=True),
    Column("student_id", String(ID_LENGTH), primary_key=True),
    Column("submission_count", Integer, nullable=False, server_default=text("0")),
    Column("last_submission_at", DateTime, nullable=True),
)

# Every accepted submission's id: a repeated id (a double click, a retried request) is not stored twice.
submissions = Table(
    "submissions", metadata,
    Column("submission_id", String(ID_LENGTH), primary_key=True),
    _class_reference(),
    Column("received_at", DateTime, nullable=False),
    Index("submissions_by_class", "class_id"),
)

answers = Table(
    "answers", metadata,
    _class_reference(primary_key=True),
    Column("question_id", String(ID_LENGTH), primary_key=True),
    Column("student_id", String(ID_LENGTH), primary_key=True),  # one answer per student per question
    Column("choice", String(100), nullable=False),
    Column("answered_at", DateTime, nullable=False),
)

revealed_questions = Table(
    "revealed_questions", metadata,
    _class_reference(primary_key=True),
    Column("question_id", String(ID_LENGTH), primary_key=True),
    Column("revealed_at", DateTime, nullable=False),
)

digits = Table(
    "digits", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _class_reference(),
    Column("label", SmallInteger, nullable=False),
    Column("mlp_label", SmallInteger, nullable=False),
    Column("cnn_label", SmallInteger, nullable=False),
    Column("pixels", LargeBinary, nullable=False),  # 784 bytes: 28 rows of 28 uint8, row by row
    Column("submitted_at", DateTime, nullable=False),
    CheckConstraint("label BETWEEN 0 AND 9 AND mlp_label BETWEEN 0 AND 9 "
                    "AND cnn_label BETWEEN 0 AND 9", name="digits_labels_are_digits"),
    CheckConstraint(f"length(pixels) = {DIGIT_BYTES}", name="digits_are_28_by_28"),
    Index("digits_by_class", "class_id", "id"),
)

fool_attempts = Table(
    "fool_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _class_reference(),
    Column("true_label", SmallInteger, nullable=False),
    Column("shift_x", Integer, nullable=False),  # pixels, + is right
    Column("shift_y", Integer, nullable=False),  # pixels, + is down
    Column("rotation_degrees", Float, nullable=False),  # + is anticlockwise
    Column("scale", Float, nullable=False),
    Column("mlp_label", SmallInteger, nullable=False),
    Column("cnn_label", SmallInteger, nullable=False),
    Column("change_size", Float, nullable=False),  # see submissions.change_size
    Column("submitted_at", DateTime, nullable=False),
    Index("fool_attempts_by_size", "class_id", "change_size"),
)

# The tables holding a class's data, children first (the order retention deletes them in).
CLASS_DATA_TABLES = (answers, revealed_questions, digits, fool_attempts, submissions, students)

# UPGRADES[n] takes a database at version n - 1 to version n (inside migrate's transaction).
UPGRADES: dict[int, Callable[[Connection], None]] = {}


class SchemaTooNew(RuntimeError):
    """The database was made by a newer cnnviz than this one (a replica not yet updated)."""


def current_version(connection: Connection) -> int:
    """The database's schema version; 0 for a database without the class tables."""
    if not inspect(connection).has_table(schema_version.name):
        return 0
    return connection.execute(select(func.max(schema_version.c.version))).scalar_one() or 0


def migrate(engine: Engine, target_version: int | None = None) -> int:
    """Create the class tables, or upgrade them to ``target_version`` (default
    :data:`SCHEMA_VERSION`), in one transaction. Running it again changes nothing; replicas running
    it at the same moment take turns (PostgreSQL's advisory lock, SQLite's write lock).

    Returns:
        The version the database had before (0 when it was new).

    Raises:
        SchemaTooNew: the database is at a newer version than ``target_version``.
        sqlalchemy.exc.SQLAlchemyError: the database failed (the caller turns it into a pause).
    """
    target_version = SCHEMA_VERSION if target_version is None else target_version
    database.prepare_engine(engine)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
        found_version = current_version(connection)
        if found_version > target_version:
            raise SchemaTooNew(f"The class database is at schema version {found_version}, newer "
                               f"than this cnnviz ({target_version}). Update this server.")
        if found_version == 0:
            metadata.create_all(connection)
            _stamp(connection, target_version)
        else:
            for version in range(found_version + 1, target_version + 1):
                logger.info("Upgrading the class database to schema version %d", version)
                UPGRADES[version](connection)
                _stamp(connection, version)
    return found_version


def _stamp(connection: Connection, version: int) -> None:
    applied_at = datetime.now(timezone.utc).replace(tzinfo=None)
    connection.execute(schema_version.insert().values(version=version, applied_at=applied_at))
