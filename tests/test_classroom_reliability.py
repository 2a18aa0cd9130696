"""The class database under a real class's stresses, on a throwaway SQLite file and a real
throwaway PostgreSQL cluster: replicas migrating at once, 30 students at once, double clicks, rate
limits shared by replicas, server restarts and crashes, and a database that is read-only or
unreachable (every operation pauses with one sentence)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import sqlalchemy as sa

from classroom_support import (BACKENDS, CHOICES, REPO_ROOT, assert_every_operation_pauses,
                               assert_is_sentence, count_rows, digit, backend, classroom, clock, open_classroom,  # noqa: F401 (fixtures)
                               postgres_cluster)
from cnnviz.classroom import (ClassroomPaused, ClassroomSettings, SlowDown, codes, database,
                              new_session_id, schema)
from cnnviz.classroom.store import utc_now

# A replica starting: imports, then waits for "go" on stdin so that all of them migrate at once.
MIGRATE_SCRIPT = """
import sys, sqlalchemy
from cnnviz.classroom import schema
engine = sqlalchemy.create_engine(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
print(schema.migrate(engine), flush=True)
"""


def test_replicas_starting_at_once_migrate_once(backend):
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    replicas = [subprocess.Popen([sys.executable, "-c", MIGRATE_SCRIPT, backend.url], env=environment,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(3)]
    assert [replica.stdout.readline().strip() for replica in replicas] == ["ready"] * 3
    for replica in replicas:
        replica.stdin.write("go\n")
        replica.stdin.flush()
    results = [replica.communicate(timeout=60) for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0] * 3, results
    assert sorted(int(out) for out, _ in results) == [0] + [schema.SCHEMA_VERSION] * 2


def test_threads_starting_at_once_migrate_once(backend):
    engines = [sa.create_engine(backend.url) for _ in range(8)]
    barrier = threading.Barrier(len(engines))

    def start(engine):
        barrier.wait()
        return schema.migrate(engine)

    with ThreadPoolExecutor(len(engines)) as pool:
        found = sorted(pool.map(start, engines))
    for engine in engines:
        engine.dispose()
    assert found == [0] + [schema.SCHEMA_VERSION] * 7


# --- a class of 30 -----------------------------------------------------------------------------

def send(classroom, code, student, kind, submission_id, item, label):
    """One submission: an answer (``item`` the question number, ``label`` the choice's index) or a
    digit (``item`` the pixel fill; the CNN answers ``(label + item) % 10``)."""
    if kind == "answer":
        return classroom.submit_answer(code, student, submission_id, f"q{item}", CHOICES[label], CHOICES)
    return classroom.submit_digit(code, student, submission_id, digit(item), label, label,
                                  (label + item) % 10)


def test_thirty_students_at_once_lose_and_duplicate_nothing(backend, open_classroom):
    classroom = open_classroom(clock=utc_now)
    code = classroom.start_class().code
    barrier = threading.Barrier(30)

    def one_student(number):
        student = new_session_id()
        plan = [("answer", new_session_id(), question, (number + question) % 4) for question in range(3)]
        plan += [("digit", new_session_id(), number, label) for label in range(10)]
        barrier.wait()
        first = [send(classroom, code, student, *submission) for submission in plan]
        again = [send(classroom, code, student, *submission) for submission in plan]  # double clicks
        return first, again

    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(one_student, range(30)))
    assert results == [([True] * 13, [False] * 13)] * 30
    assert count_rows(classroom, schema.answers, code) == 90
    assert count_rows(classroom, schema.digits, code) == 300
    assert count_rows(classroom, schema.submissions, code) == 390
    for question in range(3):
        expected = Counter(CHOICES[(number + question) % 4] for number in range(30))
        assert classroom.tally(code, f"q{question}", CHOICES).counts == {c: expected[c] for c in CHOICES}
    summary = classroom.handwriting_summary(code)
    expected_cnn = np.zeros((10, 10), dtype=np.int64)
    for number in range(30):
        for label in range(10):
            expected_cnn[label, (label + number) % 10] += 1
    np.testing.assert_array_equal(summary.mlp_confusion, np.diag([30] * 10))
    np.testing.assert_array_equal(summary.cnn_confusion, expected_cnn)
    assert summary.mlp_accuracy == 1.0 and summary.cnn_accuracy == pytest.approx(3 / 30)


def test_a_double_click_at_the_same_moment_stores_one_row(backend, open_classroom):
    classroom = open_classroom(settings=ClassroomSettings())  # the real 1 s limit
    code = classroom.start_class().code
    student, submission = new_session_id(), new_session_id()
    barrier = threading.Barrier(8)

    def click(_):
        barrier.wait()
        return classroom.submit_digit(code, student, submission, digit(7), 7, 1, 7)

    with ThreadPoolExecutor(8) as pool:
        stored = list(pool.map(click, range(8)))
    assert sorted(stored) == [False] * 7 + [True]  # the twins are recognised, not refused as too fast
    assert count_rows(classroom, schema.digits, code) == 1


# --- rate limits ---------------------------------------------------------------------------------

def test_rate_limits_are_shared_by_replicas_and_polite(backend, open_classroom, clock):
    limits = ClassroomSettings(seconds_between_submissions=1, submissions_per_student=3)
    replica_a, replica_b = open_classroom(settings=limits), open_classroom(settings=limits)
    code, student = replica_a.start_class().code, new_session_id()
    assert replica_a.submit_digit(code, student, new_session_id(), digit(1), 1, 1, 1)
    clock.advance(seconds=0.5)
    too_soon = new_session_id()
    with pytest.raises(SlowDown, match="Please wait a moment") as refused:
        replica_b.submit_digit(code, student, too_soon, digit(2), 2, 2, 2)
    assert_is_sentence(str(refused.value))
    assert replica_b.submit_answer(code, new_session_id(), new_session_id(), "q1", "9", CHOICES)
    clock.advance(seconds=0.5)
    assert replica_b.submit_digit(code, student, too_soon, digit(2), 2, 2, 2)  # the retry is not a twin
    clock.advance(seconds=1)
    assert replica_a.submit_answer(code, student, new_session_id(), "q1", "12", CHOICES)
    clock.advance(seconds=60)
    with pytest.raises(SlowDown, match="sent 3 answers and drawings") as refused:
        replica_b.submit_answer(code, student, new_session_id(), "q1", "28", CHOICES)
    assert_is_sentence(str(refused.value))
    assert count_rows(replica_a, schema.digits, code) == 2
    assert replica_a.tally(code, "q1", CHOICES).counts == {"9": 1, "12": 1, "14": 0, "28": 0}


def test_a_new_engine_on_the_same_database_has_everything(backend, open_classroom):
    before = open_classroom()
    started = before.start_class()
    before.submit_answer(started.code, new_session_id(), new_session_id(), "q1", "14", CHOICES)
    before.submit_digit(started.code, new_session_id(), new_session_id(), digit(200), 8, 3, 8)
    before.engine.dispose()
    after = open_classroom()  # the app server restarted
    assert after.tally(started.code, "q1", CHOICES).counts["14"] == 1
    [kept] = after.gallery(started.code)
    assert (kept.label, kept.mlp_label, kept.cnn_label) == (8, 3, 8)
    np.testing.assert_array_equal(kept.pixels, digit(200))
    assert after.is_teacher(started.code, started.teacher_token)


KILLED_SERVER_SCRIPT = """
import sys, numpy as np, sqlalchemy as sa
from cnnviz.classroom import Classroom, ClassroomSettings, new_session_id
url, code = sys.argv[1:3]
classroom = Classroom(sa.create_engine(url), ClassroomSettings(seconds_between_submissions=0,
                                                               submissions_per_student=100_000))
student = new_session_id()
for number in range(100_000):
    classroom.submit_digit(code, student, new_session_id(), np.full((28, 28), number % 256, np.uint8),
                           number % 10, 0, 0)
    print(number, flush=True)
"""


def test_a_server_killed_mid_class_loses_no_acknowledged_digit(backend, open_classroom):
    classroom = open_classroom(clock=utc_now)  # the server's clock: a fake old class would be deleted
    code = classroom.start_class().code
    server = subprocess.Popen([sys.executable, "-c", KILLED_SERVER_SCRIPT, backend.url, code],
                              env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        acknowledged = [server.stdout.readline() for _ in range(40)]
        os.kill(server.pid, signal.SIGKILL)  # mid-write, no clean shutdown
        rest, errors = server.communicate(timeout=30)
    finally:
        server.kill()
    acknowledged = [line for line in acknowledged + rest.splitlines() if line.strip()]
    assert len(acknowledged) >= 40, errors
    stored = classroom.gallery(code, limit=500)
    assert len(stored) - len(acknowledged) in (0, 1)  # at most the one in flight, committed unreported
    assert all(int(row.pixels[0, 0]) % 10 == row.label and row.pixels.min() == row.pixels.max()
               for row in stored)
    if backend.name == "sqlite":
        with classroom.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


@pytest.mark.parametrize("backend", [BACKENDS[1]], indirect=True)
def test_a_postgres_crash_mid_class_loses_nothing_and_the_class_carries_on(backend, classroom):
    started = classroom.start_class()
    for choice in CHOICES:
        classroom.submit_answer(started.code, new_session_id(), new_session_id(), "q1", choice, CHOICES)
    backend.cluster.crash_and_restart()  # the pooled connections are now dead
    assert classroom.tally(started.code, "q1", CHOICES).total == 4  # pool_pre_ping reconnects
    assert classroom.submit_answer(started.code, new_session_id(), new_session_id(), "q1", "9", CHOICES)
    assert classroom.tally(started.code, "q1", CHOICES).counts["9"] == 2


@pytest.mark.parametrize("backend", [BACKENDS[1]], indirect=True)
def test_postgres_going_away_mid_class_pauses_then_resumes(backend, classroom):
    code = classroom.start_class().code
    backend.cluster.admin(f"ALTER DATABASE {backend.database} WITH ALLOW_CONNECTIONS false")
    backend.cluster.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          f"WHERE datname = '{backend.database}'")
    with pytest.raises(ClassroomPaused, match="^The class features are paused"):
        classroom.submit_answer(code, new_session_id(), new_session_id(), "q1", "9", CHOICES)
    backend.cluster.admin(f"ALTER DATABASE {backend.database} WITH ALLOW_CONNECTIONS true")
    assert classroom.submit_answer(code, new_session_id(), new_session_id(), "q1", "9", CHOICES)


# --- a database that is read-only or unreachable -------------------------------------------------

def test_a_read_only_database_pauses_every_operation(backend, open_classroom, tmp_path):
    writable = open_classroom()
    started = writable.start_class()
    writable.engine.dispose()
    if backend.name == "sqlite":  # root ignores file permissions, so SQLite is told: read-only
        read_only_url = f"sqlite:///file:{tmp_path / 'class.sqlite3'}?mode=ro&uri=true"
    else:
        backend.cluster.admin(f"ALTER DATABASE {backend.database} SET default_transaction_read_only = on")
        read_only_url = backend.url
    assert_every_operation_pauses(open_classroom(url=read_only_url), started.code, started.teacher_token)


def test_an_unreachable_database_pauses_every_operation(backend, open_classroom, tmp_path):
    if backend.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'no-such-folder' / 'class.sqlite3'}"
    else:
        with socket.socket() as probe:  # a loopback port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        url = f"postgresql+psycopg://cnnviz@127.0.0.1:{port}/class"
    assert_every_operation_pauses(open_classroom(url=url), "7K3Q9D", codes.new_teacher_token())


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_sqlite_connection_gets_wal_a_busy_timeout_and_foreign_keys(backend, classroom):
    classroom.prepare()
    reading = {database.READ_ONLY_OPTION: True}  # two writers' BEGIN IMMEDIATE would queue
    with classroom.engine.connect().execution_options(**reading) as first, \
            classroom.engine.connect().execution_options(**reading) as second:
        for connection in (first, second):
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL




def test_a_database_that_comes_back_resumes_the_class_features(backend, open_classroom, tmp_path):
    if backend.name == "sqlite":
        url, later = f"sqlite:///{tmp_path / 'later' / 'class.sqlite3'}", tmp_path / "later"
        comes_back = later.mkdir
    else:
        url, allow = backend.url, f"ALTER DATABASE {backend.database} WITH ALLOW_CONNECTIONS "
        backend.cluster.admin(allow + "false")
        comes_back = lambda: backend.cluster.admin(allow + "true")  # noqa: E731
    retry_seconds = 2.0
    classroom = open_classroom(url=url, settings=ClassroomSettings(
        seconds_before_retrying_database=retry_seconds))
    with pytest.raises(ClassroomPaused):
        classroom.start_class()
    failed_at = time.monotonic()
    comes_back()
    with pytest.raises(ClassroomPaused):  # moments later: paused at once, the database untried
        classroom.start_class()
    time.sleep(max(0.0, failed_at + retry_seconds - time.monotonic()))
    assert classroom.start_class().code


def test_without_postgres_the_tests_skip_unless_ci_requires_them(monkeypatch):
    import postgres_support

    monkeypatch.setattr(postgres_support, "postgres_bin_dir", lambda: None)
    monkeypatch.delenv("CNNVIZ_REQUIRE_POSTGRES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y postgresql"):
        postgres_support._start_cluster()
    monkeypatch.setenv("CNNVIZ_REQUIRE_POSTGRES", "1")
    with pytest.raises(pytest.fail.Exception, match="CNNVIZ_REQUIRE_POSTGRES=1 requires"):
        postgres_support._start_cluster()


class LockedCursor:
    """A cursor whose ``PRAGMA journal_mode = WAL`` fails with ``errors`` first, then works."""

    def __init__(self, errors):
        self.errors = list(errors)
        self.calls = 0

    def execute(self, statement):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)


def test_the_switch_to_wal_waits_out_a_lock_sqlite_does_not_wait_for(monkeypatch):
    """SQLite sometimes answers a journal-mode switch with "database is locked" at once, without its
    busy handler (three replicas opening a new file: 1 start in about 40 failed). It is retried
    until the busy timeout; any other failure is raised at once."""
    import sqlite3

    cursor = LockedCursor([sqlite3.OperationalError("database is locked")] * 3)
    database._switch_to_wal(cursor)
    assert cursor.calls == 4
    broken = LockedCursor([sqlite3.OperationalError("disk I/O error")])
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        database._switch_to_wal(broken)
    assert broken.calls == 1
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 100)
    stuck = LockedCursor([sqlite3.OperationalError("database is locked")] * 1000)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        database._switch_to_wal(stuck)
    assert 3 <= stuck.calls < 1000
