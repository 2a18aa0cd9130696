"""The class's shared state: the one object the pages talk to.

Build one :class:`Classroom` per server on the engine the UI hands in (``st.connection("classroom",
type="sql", ...).engine``, or ``sqlalchemy.create_engine(url)``). Every replica that shares the
database shares the class: codes, answers, digits, "fool the MLP" attempts and the rate limits all
live in the database, each operation in one transaction with bound parameters only.

Errors: :class:`ClassroomError` subclasses carry a sentence for the person who asked (a bad code,
a student pressing a teacher's button, sending too fast); :class:`ClassroomPaused` means the
database cannot be reached or written, from every operation, never a raw SQLAlchemy error.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator, Sequence

from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.engine import Connection, Engine, Row

from cnnviz.classroom import codes, database, schema
from cnnviz.classroom.board import BoardReader, find_class, is_revealed
from cnnviz.classroom.errors import (ClassEnded, ClassroomPaused, InvalidSubmission, NotTheTeacher,
                                     SlowDown)
from cnnviz.classroom.settings import ClassroomSettings
from cnnviz.classroom.submissions import (ClassInfo, StartedClass, change_size, checked_change,
                                          checked_choice, checked_label, checked_pixels,
                                          checked_question, checked_question_id)

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]
NEW_CODE_ATTEMPTS = 8  # a clash among 2**30 codes is rare; eight in a row means a broken generator
RETENTION_LOCK_KEY = schema.MIGRATION_LOCK_KEY + 1


def utc_now() -> datetime:
    """Now, as the naive UTC ``datetime`` every table stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Classroom(BoardReader):
    """The class features on one database (SQLite or PostgreSQL).

    Args:
        engine: the SQLAlchemy engine of the class database; it gets the connection rules of
            :func:`cnnviz.classroom.database.prepare_engine`.
        settings: the limits (default: :meth:`ClassroomSettings.from_environment`).
        clock: returns now as a naive UTC ``datetime`` (tests move time with it).

    The schema is created or upgraded, and old classes deleted, by the first operation
    (:meth:`prepare`), so building the object never touches the database.
    """

    def __init__(self, engine: Engine, settings: ClassroomSettings | None = None,
                 clock: Clock = utc_now) -> None:
        database.prepare_engine(engine)
        self.engine = engine
        self.settings = settings if settings is not None else ClassroomSettings.from_environment()
        self._clock = clock
        self._prepared = False
        self._prepare_lock = threading.Lock()
        self._retry_prepare_at = 0.0  # time.monotonic() before which a failed prepare is not retried

    def prepare(self) -> None:
        """Create or upgrade the schema and delete classes older than the retention setting; once
        per object. After a failure it raises ClassroomPaused at once for the next few seconds
        (students' pages do not each wait on a dead database), then tries again."""
        with self._prepare_lock:
            if self._prepared:
                return
            if time.monotonic() < self._retry_prepare_at:
                raise ClassroomPaused()  # failed moments ago: no one waits on a dead database again
            try:
                with database.paused_on_failure(self.engine):
                    try:
                        schema.migrate(self.engine)
                    except schema.SchemaTooNew as error:
                        logger.error("%s", error)
                        raise ClassroomPaused() from error
                with database.writing(self.engine) as connection:
                    self._delete_older_than(connection, self.settings.retention_days)
            except ClassroomPaused:
                self._retry_prepare_at = (time.monotonic()
                                          + self.settings.seconds_before_retrying_database)
                raise
            self._prepared = True

    # --- the teacher ---------------------------------------------------------------------------

    def start_class(self) -> StartedClass:
        """A new class with a fresh random code and teacher token (the token's hash is stored).
        Also deletes classes older than the retention setting."""
        self.prepare()
        token = codes.new_teacher_token()
        with database.writing(self.engine) as connection:
            self._delete_older_than(connection, self.settings.retention_days)
            for _ in range(NEW_CODE_ATTEMPTS):
                code = codes.new_class_code()
                if database.insert_unless_present(connection, schema.classes, {
                        "code": code, "teacher_token_hash": codes.hash_teacher_token(token),
                        "started_at": self._clock()}, ["code"]):
                    return StartedClass(code=code, teacher_token=token)
        logger.error("%d class codes in a row were taken: is the random generator broken?",
                     NEW_CODE_ATTEMPTS)
        raise ClassroomPaused()

    def is_teacher(self, code: object, teacher_token: object) -> bool:
        """Whether ``teacher_token`` is the token of the class ``code`` (wrong tokens: ``False``)."""
        code = codes.normalise_class_code(code)
        self.prepare()
        with database.reading(self.engine) as connection:
            return codes.token_matches(teacher_token, find_class(connection, code).teacher_token_hash)

    def reveal(self, code: object, teacher_token: object, question_id: object) -> None:
        """Reveal a question's answer to the class; its answers are then closed. Teacher only."""
        question_id = checked_question_id(question_id)
        with self._as_teacher(code, teacher_token) as (connection, class_id):
            database.insert_unless_present(connection, schema.revealed_questions, {
                "class_id": class_id, "question_id": question_id, "revealed_at": self._clock()},
                ["class_id", "question_id"])

    def clear_answers(self, code: object, teacher_token: object, question_id: object) -> None:
        """Delete a question's answers and un-reveal it, to ask it again. Teacher only."""
        question_id = checked_question_id(question_id)
        with self._as_teacher(code, teacher_token) as (connection, class_id):
            for table in (schema.answers, schema.revealed_questions):
                connection.execute(delete(table).where(table.c.class_id == class_id,
                                                       table.c.question_id == question_id))

    def clear_digits(self, code: object, teacher_token: object) -> None:
        """Delete the class's handwriting gallery. Teacher only."""
        with self._as_teacher(code, teacher_token) as (connection, class_id):
            connection.execute(delete(schema.digits).where(schema.digits.c.class_id == class_id))

    def clear_fool_attempts(self, code: object, teacher_token: object) -> None:
        """Delete the class's "fool the MLP" board. Teacher only."""
        with self._as_teacher(code, teacher_token) as (connection, class_id):
            table = schema.fool_attempts
            connection.execute(delete(table).where(table.c.class_id == class_id))

    def close_class(self, code: object, teacher_token: object) -> None:
        """End the class: its code stops accepting students (the board stays readable until the
        retention setting deletes it). Closing twice is fine. Teacher only."""
        with self._as_teacher(code, teacher_token, must_be_open=False) as (connection, class_id):
            classes = schema.classes
            connection.execute(update(classes).where(classes.c.id == class_id,
                                                     classes.c.closed_at.is_(None))
                               .values(closed_at=self._clock()))

    def delete_older_than(self, days: float) -> int:
        """Delete classes started more than ``days`` days ago, with everything they hold.
        Returns how many classes were deleted."""
        if isinstance(days, bool) or not isinstance(days, (int, float)) or not days > 0:
            raise ValueError("The number of days to keep must be a positive number.")
        self.prepare()
        with database.writing(self.engine) as connection:
            return self._delete_older_than(connection, days)

    # --- the students --------------------------------------------------------------------------

    def join_class(self, code: object) -> ClassInfo:
        """Check a code a student typed or a link carried. Returns the class; raises
        MalformedClassCode, ClassNotFound or ClassEnded with a sentence."""
        code = codes.normalise_class_code(code)
        self.prepare()
        with database.reading(self.engine) as connection:
            row = self._open_class(connection, code)
        return ClassInfo(code=row.code, started_at=row.started_at, ends_at=self._ends_at(row))

    def submit_answer(self, code: object, student_id: object, submission_id: object,
                      question_id: object, choice: object, choices: Sequence[str]) -> bool:
        """Record a student's answer to a question (answering again replaces it; a revealed
        question takes no more answers). ``choices`` is the question's fixed list.
        Returns False when ``submission_id`` was already recorded (a double click)."""
        question_id, choices = checked_question(question_id, choices)
        choice = checked_choice(choice, choices)
        values = {"question_id": question_id, "choice": choice}
        return self._submit(code, student_id, submission_id, schema.answers, values)

    def submit_digit(self, code: object, student_id: object, submission_id: object, pixels: object,
                     label: object, mlp_label: object, cnn_label: object) -> bool:
        """Add a digit to the class's handwriting: ``pixels`` the normalised (28, 28) uint8 digit,
        ``label`` the digit the student was asked to draw, and the MLP's and CNN's answers.
        Returns False when ``submission_id`` was already recorded."""
        values = {"pixels": checked_pixels(pixels), "label": checked_label(label, "digit asked for"),
                  "mlp_label": checked_label(mlp_label, "MLP's answer"),
                  "cnn_label": checked_label(cnn_label, "CNN's answer")}
        return self._submit(code, student_id, submission_id, schema.digits, values)

    def record_fool_attempt(self, code: object, student_id: object, submission_id: object,
                            true_label: object, shift_x: object, shift_y: object,
                            rotation_degrees: object, scale: object, mlp_label: object,
                            cnn_label: object) -> bool:
        """Record a "fool the MLP" try: the change (pixels, degrees, factor), the digit's true
        label and both networks' answers. Returns False when ``submission_id`` was already recorded."""
        shift_x, shift_y, rotation_degrees, scale = checked_change(shift_x, shift_y,
                                                                   rotation_degrees, scale)
        values = {"true_label": checked_label(true_label, "digit's true label"),
                  "mlp_label": checked_label(mlp_label, "MLP's answer"),
                  "cnn_label": checked_label(cnn_label, "CNN's answer"),
                  "shift_x": shift_x, "shift_y": shift_y, "rotation_degrees": rotation_degrees,
                  "scale": scale, "change_size": change_size(shift_x, shift_y, rotation_degrees, scale)}
        return self._submit(code, student_id, submission_id, schema.fool_attempts, values)

    # --- inside --------------------------------------------------------------------------------

    def _submit(self, code: object, student_id: object, submission_id: object, table: Table,
                values: dict) -> bool:
        code = codes.normalise_class_code(code)
        student_id = codes.checked_session_id(student_id, "student id")
        submission_id = codes.checked_session_id(submission_id, "submission id")
        self.prepare()
        now = self._clock()
        with database.writing(self.engine) as connection:
            class_id = self._open_class(connection, code).id
            if table is schema.answers and is_revealed(connection, class_id, values["question_id"]):
                raise InvalidSubmission("The teacher has revealed this question's answer, so it "
                                        "takes no more answers.")
            if not self._claim(connection, class_id, student_id, submission_id, now):
                return False
            if table is schema.answers:
                database.upsert(connection, table, {**values, "class_id": class_id,
                                                    "student_id": student_id, "answered_at": now},
                                ["class_id", "question_id", "student_id"])
            else:
                connection.execute(table.insert().values(**values, class_id=class_id, submitted_at=now))
        return True

    def _claim(self, connection: Connection, class_id: int, student_id: str, submission_id: str,
               now: datetime) -> bool:
        """Record the submission id and count it against the student's limits, atomically (the
        conditional UPDATE holds the student's row). False for an id already recorded."""
        if not database.insert_unless_present(connection, schema.submissions, {
                "submission_id": submission_id, "class_id": class_id, "received_at": now},
                ["submission_id"]):
            return False
        students = schema.students
        database.insert_unless_present(connection, students, {
            "class_id": class_id, "student_id": student_id, "submission_count": 0},
            ["class_id", "student_id"])
        limit = self.settings.submissions_per_student
        earliest = now - timedelta(seconds=self.settings.seconds_between_submissions)
        this_student = (students.c.class_id == class_id) & (students.c.student_id == student_id)
        counted = connection.execute(
            update(students).where(this_student, students.c.submission_count < limit,
                                   or_(students.c.last_submission_at.is_(None),
                                       students.c.last_submission_at <= earliest))
            .values(submission_count=students.c.submission_count + 1, last_submission_at=now))
        if counted.rowcount == 1:
            return True
        sent = connection.execute(select(students.c.submission_count).where(this_student)).scalar_one()
        if sent >= limit:
            raise SlowDown(f"You have sent {limit} answers and drawings in this class, the most one "
                           "student can. Thank you! Watch the projector for the rest.")
        raise SlowDown("Please wait a moment before sending again: your last one has arrived.")

    @contextmanager
    def _as_teacher(self, code: object, teacher_token: object,
                    must_be_open: bool = True) -> Iterator[tuple[Connection, int]]:
        """A write transaction on the class ``code`` once ``teacher_token`` is checked: yields the
        connection and the class's row id."""
        code = codes.normalise_class_code(code)
        self.prepare()
        with database.writing(self.engine) as connection:
            row = find_class(connection, code)
            if not codes.token_matches(teacher_token, row.teacher_token_hash):
                raise NotTheTeacher()
            if must_be_open:
                self._check_open(row)
            yield connection, row.id

    def _ends_at(self, row: Row) -> datetime:
        return row.started_at + timedelta(hours=self.settings.class_lifetime_hours)

    def _open_class(self, connection: Connection, code: str) -> Row:
        return self._check_open(find_class(connection, code))

    def _check_open(self, row: Row) -> Row:
        if row.closed_at is not None or self._clock() >= self._ends_at(row):
            raise ClassEnded(row.code)
        return row

    def _delete_older_than(self, connection: Connection, days: float) -> int:
        if connection.dialect.name == "postgresql":  # replicas starting at once delete in turn
            connection.execute(select(func.pg_advisory_xact_lock(RETENTION_LOCK_KEY)))
        cutoff = self._clock() - timedelta(days=days)
        old = select(schema.classes.c.id).where(schema.classes.c.started_at < cutoff)
        for table in schema.CLASS_DATA_TABLES:  # explicit, so no reliance on ON DELETE CASCADE
            connection.execute(delete(table).where(table.c.class_id.in_(old)))
        deleted = connection.execute(delete(schema.classes).where(schema.classes.c.started_at < cutoff))
        if deleted.rowcount:
            logger.info("Deleted %d classes older than %g days", deleted.rowcount, days)
        return deleted.rowcount
