"""How the class features use the engine they are handed: connection rules, transactions, and
turning every database failure into :class:`ClassroomPaused`.

SQLite (the default, one file) gets, on every new connection: a busy timeout (writers queue
instead of failing), WAL mode (readers never wait for the writer, and a crash loses no committed
row) and foreign keys on. Each write transaction starts with ``BEGIN IMMEDIATE``: it takes the
write lock first, so two students' read-then-write transactions queue instead of one failing with
"database is locked" half-way (SQLite's deferred BEGIN cannot wait once it has read).
PostgreSQL needs no rules: its row locks and unique indexes do the same work.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from contextlib import contextmanager
from typing import Iterator, Sequence

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from cnnviz.classroom.errors import ClassroomPaused

logger = logging.getLogger(__name__)

SUPPORTED_DIALECTS = ("sqlite", "postgresql")
SQLITE_BUSY_TIMEOUT_MS = 5000  # 30 students' writes take well under a second; a stuck lock pauses
READ_ONLY_OPTION = "cnnviz_read_only"  # an execution option: this transaction only reads
# Failures that mean "cannot reach the database" (logged in one line); others get a traceback.
CONNECTIVITY_ERRORS = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError,
                       sqlalchemy.exc.TimeoutError)


def prepare_engine(engine: Engine) -> None:
    """Give ``engine`` the class database's connection rules (see the module docstring); safe to
    call again. Connections the engine pooled before the rules were added are dropped.

    Raises:
        ValueError: for a database other than SQLite or PostgreSQL.
    """
    if engine.dialect.name not in SUPPORTED_DIALECTS:
        raise ValueError(f"The class database must be SQLite or PostgreSQL, not "
                         f"{engine.dialect.name}. Set CNNVIZ_DATABASE_URL to a PostgreSQL URL or "
                         "leave it unset for the SQLite file.")
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _on_sqlite_connect):
        return
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    engine.dispose()


def _on_sqlite_connect(dbapi_connection, connection_record) -> None:
    # Python's sqlite3 would otherwise send its own deferred BEGIN; _on_sqlite_begin sends ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # The busy timeout first: switching to WAL waits for other connections like any write.
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        # In WAL mode, NORMAL syncs at checkpoints, not at every commit: a killed or restarted server
        # loses nothing (tested); only a power cut could lose the last moments. 30 students at once
        # otherwise wait on one disk flush per answer.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _switch_to_wal(cursor) -> None:
    """``PRAGMA journal_mode = WAL``, retried for up to the busy timeout: SQLite does not always call
    its busy handler for a journal-mode switch, so replicas opening a brand-new file at the same
    moment could fail at once with "database is locked" (1 start in about 40 of three replicas)."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _on_sqlite_begin(connection: Connection) -> None:
    read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


@contextmanager
def paused_on_failure(engine: Engine) -> Iterator[None]:
    """Run the block; any database failure in it becomes :class:`ClassroomPaused` (logged)."""
    driver_error = getattr(engine.dialect, "loaded_dbapi", None)
    driver_errors = (driver_error.Error,) if driver_error is not None else ()
    try:
        yield
    except CONNECTIVITY_ERRORS as error:
        logger.warning("The class database failed, class features paused: %s",
                       str(error).splitlines()[0] if str(error) else type(error).__name__)
        raise ClassroomPaused() from error
    except (sqlalchemy.exc.SQLAlchemyError, *driver_errors) as error:
        logger.exception("The class database failed, class features paused")
        raise ClassroomPaused() from error


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed when the block ends, rolled back if it raises."""
    with paused_on_failure(engine), engine.begin() as connection:
        yield connection


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction (a consistent snapshot; on SQLite it never waits for writers)."""
    with paused_on_failure(engine), engine.connect() as connection:
        connection.execution_options(**{READ_ONLY_OPTION: True})
        with connection.begin():
            yield connection


def _insert(connection: Connection, table: sqlalchemy.Table):
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_unless_present(connection: Connection, table: sqlalchemy.Table, values: dict,
                          unique_columns: Sequence[str]) -> bool:
    """Insert one row unless a row with the same ``unique_columns`` exists (``ON CONFLICT DO
    NOTHING``, so a concurrent twin waits and then does nothing). Returns whether it inserted."""
    # RETURNING, not rowcount: with an implicit RETURNING, PostgreSQL's driver reports rowcount -1.
    statement = (_insert(connection, table).values(**values)
                 .on_conflict_do_nothing(index_elements=list(unique_columns))
                 .returning(*(table.c[name] for name in unique_columns)))
    return connection.execute(statement).first() is not None


def upsert(connection: Connection, table: sqlalchemy.Table, values: dict,
           unique_columns: Sequence[str]) -> None:
    """Insert one row, or update the row with the same ``unique_columns`` to ``values``."""
    statement = _insert(connection, table).values(**values)
    changes = {name: statement.excluded[name] for name in values if name not in unique_columns}
    connection.execute(statement.on_conflict_do_update(index_elements=list(unique_columns),
                                                       set_=changes))
