"""The class database (cnnviz.classroom), on a throwaway SQLite file and a real throwaway PostgreSQL
cluster: the schema and its upgrades, class codes, answers and tallies, the teacher's controls,
class isolation, expiry and retention, the class's handwriting, "fool the MLP", and settings.
Concurrency, crashes and outages are in test_classroom_reliability.py."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from classroom_support import (BAD_CODES, CHOICES, REPO_ROOT, assert_is_sentence, count_rows, digit,
                               backend, classroom, clock, open_classroom,  # noqa: F401 (fixtures)
                               postgres_cluster)
from cnnviz.classroom import (ClassroomPaused, ClassroomSettings, ClassEnded, ClassNotFound,
                              InvalidSubmission, MalformedClassCode, NotTheTeacher, Tally,
                              change_size, codes, new_session_id, schema, settings)

# --- schema ------------------------------------------------------------------------------------

def test_schema_is_created_once_with_its_version(backend, classroom):
    classroom.prepare()
    assert schema.migrate(classroom.engine) == schema.SCHEMA_VERSION  # a second run: nothing to do
    with classroom.engine.connect() as connection:
        names = set(sa.inspect(connection).get_table_names())
        versions = connection.execute(sa.select(schema.schema_version.c.version)).scalars().all()
    assert names == set(schema.metadata.tables)
    assert versions == [schema.SCHEMA_VERSION]


def test_an_older_database_is_upgraded_and_a_newer_one_pauses(backend, open_classroom, monkeypatch):
    old = open_classroom()
    started = old.start_class()

    def add_a_note_column(connection):
        connection.execute(sa.text("ALTER TABLE classes ADD COLUMN note VARCHAR(20)"))

    monkeypatch.setitem(schema.UPGRADES, 2, add_a_note_column)
    assert schema.migrate(old.engine, target_version=2) == 1
    assert schema.migrate(old.engine, target_version=2) == 2
    with old.engine.connect() as connection:
        versions = connection.execute(sa.select(schema.schema_version.c.version)).scalars().all()
        columns = {column["name"] for column in sa.inspect(connection).get_columns("classes")}
    assert sorted(versions) == [1, 2] and "note" in columns
    assert old.join_class(started.code).code == started.code  # the class survived the upgrade
    with pytest.raises(ClassroomPaused):  # a replica still running version 1 code pauses
        open_classroom().join_class(started.code)


# --- codes -------------------------------------------------------------------------------------

def test_class_codes_carry_at_least_30_random_bits():
    assert len(codes.CROCKFORD_ALPHABET) ** codes.CLASS_CODE_LENGTH >= 2 ** 30
    made = [codes.new_class_code() for _ in range(2000)]
    assert all(len(code) == 6 and set(code) <= set(codes.CROCKFORD_ALPHABET) for code in made)
    assert len(set(made)) >= 1995  # 2000 draws from 2**30: a clash is rare
    assert set("".join(made)) == set(codes.CROCKFORD_ALPHABET)  # every symbol is used


@pytest.mark.parametrize("typed, code", [("7k3q9d", "7K3Q9D"), (" 7K3-Q9D ", "7K3Q9D"),
                                         ("7k3 q9d", "7K3Q9D"), ("oOiIlL", "001111"),
                                         ("1o-2i 3l", "102131")])
def test_typed_codes_are_normalised(typed, code):
    assert codes.normalise_class_code(typed) == code


def test_malformed_and_unknown_codes_get_a_sentence(backend, classroom):
    started = classroom.start_class()
    student = new_session_id()
    for bad_code in BAD_CODES:
        for operation in (lambda: classroom.join_class(bad_code),
                          lambda: classroom.tally(bad_code, "q1", CHOICES),
                          lambda: classroom.submit_answer(bad_code, student, new_session_id(),
                                                          "q1", "9", CHOICES),
                          lambda: classroom.reveal(bad_code, started.teacher_token, "q1")):
            with pytest.raises(MalformedClassCode) as refused:
                operation()
            assert_is_sentence(str(refused.value))
    unknown = "0" * 6 if started.code != "000000" else "1" * 6
    with pytest.raises(ClassNotFound, match=f"no class with the code {unknown}"):
        classroom.join_class(unknown.lower())
    assert count_rows(classroom, schema.classes) == 1  # no fragment touched the table


def test_answering_again_replaces_the_answer(backend, classroom):
    code, student = classroom.start_class().code, new_session_id()
    classroom.submit_answer(code, student, new_session_id(), "q1", "9", CHOICES)
    classroom.submit_answer(code, student, new_session_id(), "q1", "14", CHOICES)
    assert classroom.tally(code, "q1", CHOICES).counts == {"9": 0, "12": 0, "14": 1, "28": 0}
    sql_choice = "'); DROP TABLE answers; --"  # a legitimate choice that looks like SQL: bound, stored
    classroom.submit_answer(code, student, new_session_id(), "q2", sql_choice, ("a", sql_choice))
    assert classroom.tally(code, "q2", ("a", sql_choice)).counts == {"a": 0, sql_choice: 1}
    for question, choice, choices in [("q1", "13", CHOICES), ("q1", 9, CHOICES), ("q 1", "9", CHOICES),
                                      ("q1", "9", "9 12"), ("q1", "9", ("9",)), ("q1", "9", ("9", "9"))]:
        with pytest.raises(InvalidSubmission) as refused:
            classroom.submit_answer(code, student, new_session_id(), question, choice, choices)
        assert_is_sentence(str(refused.value))


# --- the teacher ---------------------------------------------------------------------------------

def test_only_the_teacher_token_reveals_clears_and_closes(backend, classroom):
    started, other_class = classroom.start_class(), classroom.start_class()
    code, student = started.code, new_session_id()
    classroom.submit_answer(code, student, new_session_id(), "q1", "28", CHOICES)
    classroom.submit_digit(code, new_session_id(), new_session_id(), digit(3), 3, 5, 3)
    classroom.record_fool_attempt(code, new_session_id(), new_session_id(), 3, 2, 0, 0.0, 1.0, 5, 3)
    wrong_tokens = [student, "", None, 42, other_class.teacher_token, started.teacher_token[:-1] + "x",
                    "' OR 1=1 --", "A" * 10_000, started.teacher_token.upper()]
    for token in wrong_tokens:
        assert not classroom.is_teacher(code, token)
        for action in (lambda: classroom.reveal(code, token, "q1"),
                       lambda: classroom.clear_answers(code, token, "q1"),
                       lambda: classroom.clear_digits(code, token),
                       lambda: classroom.clear_fool_attempts(code, token),
                       lambda: classroom.close_class(code, token)):
            with pytest.raises(NotTheTeacher) as refused:
                action()
            assert_is_sentence(str(refused.value))
    assert not classroom.tally(code, "q1", CHOICES).revealed
    assert classroom.tally(code, "q1", CHOICES).total == 1 and len(classroom.gallery(code)) == 1
    assert classroom.smallest_fool(code) is not None and classroom.join_class(code)
    with classroom.engine.connect() as connection:  # the database holds the token's hash only
        stored = connection.execute(sa.select(schema.classes.c.teacher_token_hash).where(
            schema.classes.c.code == code)).scalar_one()
    assert stored == hashlib.sha256(started.teacher_token.encode()).hexdigest()
    assert classroom.is_teacher(code, started.teacher_token)


def test_the_teacher_reveals_clears_and_closes(backend, classroom):
    started = classroom.start_class()
    code, token = started.code, started.teacher_token
    classroom.submit_answer(code, new_session_id(), new_session_id(), "q1", "28", CHOICES)
    classroom.reveal(code, token, "q1")
    classroom.reveal(code, token, "q1")  # twice is fine
    assert classroom.tally(code, "q1", CHOICES).revealed
    with pytest.raises(InvalidSubmission, match="revealed"):
        classroom.submit_answer(code, new_session_id(), new_session_id(), "q1", "9", CHOICES)
    classroom.clear_answers(code, token, "q1")
    assert classroom.tally(code, "q1", CHOICES) == Tally("q1", dict.fromkeys(CHOICES, 0), revealed=False)
    assert classroom.submit_answer(code, new_session_id(), new_session_id(), "q1", "9", CHOICES)
    classroom.submit_digit(code, new_session_id(), new_session_id(), digit(3), 3, 5, 3)
    classroom.record_fool_attempt(code, new_session_id(), new_session_id(), 3, 2, 0, 0.0, 1.0, 5, 3)
    classroom.clear_digits(code, token)
    classroom.clear_fool_attempts(code, token)
    assert classroom.gallery(code) == [] and classroom.smallest_fool(code) is None
    assert classroom.handwriting_summary(code).mlp_accuracy is None
    classroom.close_class(code, token)
    classroom.close_class(code, token)
    for refused_after_closing in (lambda: classroom.join_class(code),
                                  lambda: classroom.submit_answer(code, new_session_id(),
                                                                  new_session_id(), "q2", "9", CHOICES),
                                  lambda: classroom.reveal(code, token, "q1")):
        with pytest.raises(ClassEnded, match=f"The class {code} has ended"):
            refused_after_closing()
    assert classroom.tally(code, "q1", CHOICES).total == 1  # the board stays readable


def test_a_class_code_expires_after_the_class_lifetime(backend, classroom, clock):
    started_at, code = clock.now, classroom.start_class().code
    lifetime = timedelta(hours=classroom.settings.class_lifetime_hours)
    clock.advance(seconds=lifetime.total_seconds() - 1)
    assert classroom.join_class(code).ends_at == started_at + lifetime
    clock.advance(seconds=1)
    with pytest.raises(ClassEnded):
        classroom.join_class(code)


# --- isolation and retention ---------------------------------------------------------------------

def test_classes_never_see_each_other_and_replicas_agree(backend, open_classroom):
    replica_a, replica_b = open_classroom(), open_classroom()
    first, second = replica_a.start_class(), replica_b.start_class()
    student = new_session_id()  # the same browser in both classes
    replica_a.submit_answer(first.code, student, new_session_id(), "q1", "9", CHOICES)
    replica_b.submit_answer(first.code, new_session_id(), new_session_id(), "q1", "12", CHOICES)
    replica_b.submit_digit(first.code, student, new_session_id(), digit(4), 4, 9, 4)
    replica_a.record_fool_attempt(first.code, student, new_session_id(), 4, 1, 1, 0.0, 1.0, 9, 4)
    replica_b.submit_answer(second.code, student, new_session_id(), "q1", "28", CHOICES)
    assert replica_a.tally(first.code, "q1", CHOICES) == replica_b.tally(first.code, "q1", CHOICES)
    assert replica_a.tally(first.code, "q1", CHOICES).counts == {"9": 1, "12": 1, "14": 0, "28": 0}
    assert replica_a.tally(second.code, "q1", CHOICES).counts == {"9": 0, "12": 0, "14": 0, "28": 1}
    assert replica_b.gallery(second.code) == [] and replica_b.fool_board(second.code) == []
    assert replica_b.handwriting_summary(second.code).digit_count == 0
    with pytest.raises(NotTheTeacher):
        replica_a.reveal(second.code, first.teacher_token, "q1")
    replica_b.clear_answers(second.code, second.teacher_token, "q1")
    assert replica_a.tally(first.code, "q1", CHOICES).total == 2


def test_retention_deletes_old_classes_and_nothing_else(backend, open_classroom, clock):
    classroom = open_classroom()

    def class_with_one_of_everything():
        started = classroom.start_class()
        classroom.submit_answer(started.code, new_session_id(), new_session_id(), "q1", "9", CHOICES)
        classroom.submit_digit(started.code, new_session_id(), new_session_id(), digit(1), 1, 1, 1)
        classroom.record_fool_attempt(started.code, new_session_id(), new_session_id(), 1, 1, 0,
                                      0.0, 1.0, 7, 1)
        classroom.reveal(started.code, started.teacher_token, "q1")
        return started

    old = class_with_one_of_everything()
    clock.advance(days=2)
    kept = class_with_one_of_everything()
    clock.advance(days=29, hours=1)  # old: 30 days and 1 hour; kept: 28 days and 1 hour
    assert classroom.delete_older_than(30) == 1
    for table in (schema.classes, *schema.CLASS_DATA_TABLES):
        assert count_rows(classroom, table, old.code) == 0, table.name
        assert count_rows(classroom, table, kept.code) == (
            3 if table in (schema.submissions, schema.students) else 1), table.name
    with pytest.raises(ClassNotFound):
        classroom.join_class(old.code)
    clock.advance(days=2)
    open_classroom(settings=ClassroomSettings(retention_days=30)).prepare()  # a start deletes too
    assert count_rows(classroom, schema.classes) == 0
    for bad_days in (0, -1, "30", None, True):
        with pytest.raises(ValueError):
            classroom.delete_older_than(bad_days)


# --- the class's handwriting and "fool the MLP" --------------------------------------------------

def test_digits_are_stored_exactly_and_counted_like_numpy(backend, classroom):
    code = classroom.start_class().code
    rng = np.random.default_rng(16)
    labels, mlp_answers, cnn_answers = rng.integers(0, 10, size=(3, 40))
    pictures = rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
    for index in range(40):
        picture = pictures[index] if index % 3 else (pictures[index].reshape(784) if index % 2
                                                      else pictures[index].tobytes())
        classroom.submit_digit(code, new_session_id(), new_session_id(), picture, labels[index],
                               mlp_answers[index], cnn_answers[index])
    newest = classroom.gallery(code, limit=5)
    for offset, shown in enumerate(newest):
        np.testing.assert_array_equal(shown.pixels, pictures[39 - offset])
        assert (shown.label, shown.mlp_label, shown.cnn_label) == (
            labels[39 - offset], mlp_answers[39 - offset], cnn_answers[39 - offset])
    summary = classroom.handwriting_summary(code)
    for answers, confusion, accuracy in ((mlp_answers, summary.mlp_confusion, summary.mlp_accuracy),
                                         (cnn_answers, summary.cnn_confusion, summary.cnn_accuracy)):
        expected = np.zeros((10, 10), dtype=np.int64)
        np.add.at(expected, (labels, answers), 1)
        np.testing.assert_array_equal(confusion, expected)
        assert accuracy == pytest.approx(np.mean(labels == answers))
    for bad_pixels, label in [(pictures[0].astype(float), 1), (pictures[0][:, :27], 1),
                              (pictures[0].tobytes()[:783], 1), (pictures[0].astype(np.int64), 1),
                              ("0" * 784, 1), (None, 1), (pictures[0], 10), (pictures[0], -1),
                              (pictures[0], True), (pictures[0], 3.0), (pictures[0], "3")]:
        with pytest.raises(InvalidSubmission) as refused:
            classroom.submit_digit(code, new_session_id(), new_session_id(), bad_pixels, label, 1, 1)
        assert_is_sentence(str(refused.value))
    assert summary.digit_count == 40 == count_rows(classroom, schema.digits, code)


@pytest.mark.parametrize("change, size", [((0, 0, 0.0, 1.0), 0.0), ((2, 0, 0.0, 1.0), 2.0),
                                          ((3, -4, 0.0, 1.0), 5.0), ((0, 0, -np.degrees(0.2), 1.0), 2.0),
                                          ((0, 0, 0.0, 1.2), 2.0), ((0, 0, 0.0, 0.8), 2.0),
                                          ((3, 4, np.degrees(0.1), 1.1), 7.0)])
def test_the_size_of_a_change_is_how_far_the_digits_edge_moves(change, size):
    assert change_size(*change) == pytest.approx(size)


def test_the_board_shows_the_smallest_change_that_fools_only_the_mlp(backend, classroom):
    code = classroom.start_class().code
    # (shift_x, shift_y, rotation, scale, mlp answer, cnn answer) for a true 7
    tries = [(1, 0, 0.0, 1.0, 1, 1),  # fooled both
             (0, 0, 3.0, 1.0, 7, 7),  # fooled neither
             (3, 0, 0.0, 1.0, 1, 7), (0, 2, 0.0, 1.0, 2, 7), (2, 0, 0.0, 1.0, 3, 7),
             (3, 4, 0.0, 1.0, 1, 7)]
    for shift_x, shift_y, rotation, scale, mlp_answer, cnn_answer in tries:
        classroom.record_fool_attempt(code, new_session_id(), new_session_id(), 7, shift_x, shift_y,
                                      rotation, scale, mlp_answer, cnn_answer)
    board = classroom.fool_board(code)
    assert [(row.shift_x, row.shift_y, row.mlp_label) for row in board] == [(0, 2, 2), (2, 0, 3),
                                                                            (3, 0, 1), (3, 4, 1)]
    assert [row.change_size for row in board] == [2.0, 2.0, 3.0, 5.0]
    assert classroom.smallest_fool(code) == board[0]
    for bad_change in [(1.5, 0, 0.0, 1.0), (15, 0, 0.0, 1.0), (True, 0, 0.0, 1.0), (0, 0, 200.0, 1.0),
                       (0, 0, float("nan"), 1.0), (0, 0, 0.0, 0.0), (0, 0, 0.0, 5.0),
                       (0, 0, 0.0, float("inf")), (0, 0, "10", 1.0)]:
        with pytest.raises(InvalidSubmission) as refused:
            classroom.record_fool_attempt(code, new_session_id(), new_session_id(), 7, *bad_change, 1, 7)
        assert_is_sentence(str(refused.value))


# --- settings ------------------------------------------------------------------------------------

def test_settings_come_from_the_environment_with_sentences_for_bad_values(tmp_path):
    assert ClassroomSettings.from_environment({}) == ClassroomSettings(30, 12, 1, 200)
    assert ClassroomSettings.from_environment({
        "CNNVIZ_CLASS_RETENTION_DAYS": "7", "CNNVIZ_CLASS_LIFETIME_HOURS": "2",
        "CNNVIZ_SECONDS_BETWEEN_SUBMISSIONS": "0.5", "CNNVIZ_SUBMISSIONS_PER_STUDENT": "50",
    }) == ClassroomSettings(7, 2, 0.5, 50)
    for bad in ("thirty", "-1", "nan", "inf"):
        with pytest.raises(ValueError, match="CNNVIZ_CLASS_RETENTION_DAYS must be a number"):
            ClassroomSettings.from_environment({"CNNVIZ_CLASS_RETENTION_DAYS": bad})
    assert settings.DEFAULT_DATA_DIR == REPO_ROOT / "data"
    data_dir = tmp_path / "class-data"
    assert settings.database_url({"CNNVIZ_DATA_DIR": str(data_dir)}) == \
        f"sqlite:///{data_dir / 'cnnviz.sqlite3'}"
    assert data_dir.is_dir()
    postgres_url = "postgresql+psycopg://teacher:secret@db.school/cnnviz"
    assert settings.database_url({"CNNVIZ_DATABASE_URL": postgres_url,
                                  "CNNVIZ_DATA_DIR": str(data_dir)}) == postgres_url
    assert settings.engine_options(postgres_url)["connect_args"] == {"connect_timeout": 5}
