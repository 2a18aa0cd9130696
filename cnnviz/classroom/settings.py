"""Where the class database lives and the class's limits, read from the environment.

| variable | default | meaning |
|---|---|---|
| ``CNNVIZ_DATABASE_URL`` | unset | a SQLAlchemy URL; PostgreSQL with psycopg 3: ``postgresql+psycopg://user:password@host/db`` |
| ``CNNVIZ_DATA_DIR`` | ``<repository>/data`` | the folder of the default SQLite file ``cnnviz.sqlite3`` |
| ``CNNVIZ_CLASS_RETENTION_DAYS`` | 30 | classes (and all they hold) older than this are deleted |
| ``CNNVIZ_CLASS_LIFETIME_HOURS`` | 12 | after this a class code stops accepting students |
| ``CNNVIZ_SECONDS_BETWEEN_SUBMISSIONS`` | 1 | a student waits this long between two submissions |
| ``CNNVIZ_SUBMISSIONS_PER_STUDENT`` | 200 | the most submissions one student makes in one class |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPOSITORY_ROOT / "data"
SQLITE_FILE_NAME = "cnnviz.sqlite3"


@dataclass(frozen=True)
class ClassroomSettings:
    """The class's limits. Every field has the default a real class uses; tests shorten them."""

    retention_days: float = 30.0
    class_lifetime_hours: float = 12.0
    seconds_between_submissions: float = 1.0
    submissions_per_student: int = 200
    # After the database failed to open, the class features pause this long before trying again,
    # so thirty students' pages do not each wait on a dead database (not an environment setting).
    seconds_before_retrying_database: float = 5.0

    def __post_init__(self) -> None:
        if not self.retention_days > 0 or not self.class_lifetime_hours > 0:
            raise ValueError("The retention days and the class lifetime must both be positive.")
        if self.seconds_between_submissions < 0 or self.submissions_per_student < 1:
            raise ValueError("The seconds between submissions must be 0 or more, and the "
                             "submissions per student at least 1.")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "ClassroomSettings":
        """The settings named in the module's table, read from ``environ`` (``os.environ`` by default).

        Raises:
            ValueError: a sentence naming the variable whose value is not a usable number.
        """
        environ = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            retention_days=_number(environ, "CNNVIZ_CLASS_RETENTION_DAYS", defaults.retention_days),
            class_lifetime_hours=_number(environ, "CNNVIZ_CLASS_LIFETIME_HOURS",
                                         defaults.class_lifetime_hours),
            seconds_between_submissions=_number(environ, "CNNVIZ_SECONDS_BETWEEN_SUBMISSIONS",
                                                defaults.seconds_between_submissions),
            submissions_per_student=int(_number(environ, "CNNVIZ_SUBMISSIONS_PER_STUDENT",
                                                defaults.submissions_per_student)),
        )


def _number(environ: Mapping[str, str], name: str, default: float) -> float:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, like {default:g}.") from None
    if value != value or value in (float("inf"), float("-inf")) or value < 0:
        raise ValueError(f"{name} must be a number of 0 or more, like {default:g}.")
    return value


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """The class database's SQLAlchemy URL: ``CNNVIZ_DATABASE_URL`` when set, else the SQLite file
    ``cnnviz.sqlite3`` in ``CNNVIZ_DATA_DIR`` (default ``<repository>/data``), whose folder this
    creates if it is missing (SQLite makes the file, not the folder)."""
    environ = os.environ if environ is None else environ
    configured = environ.get("CNNVIZ_DATABASE_URL", "").strip()
    if configured:
        return configured
    data_dir = Path(environ.get("CNNVIZ_DATA_DIR", "").strip() or DEFAULT_DATA_DIR)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # SQLite then cannot open the file, and the class features pause with their sentence
    return f"sqlite:///{(data_dir / SQLITE_FILE_NAME).resolve()}"


def engine_options(url: str) -> dict:
    """Keyword arguments for ``sqlalchemy.create_engine(url, ...)``, which
    ``st.connection(name, type="sql", url=url, **engine_options(url))`` passes on: a dead pooled connection is replaced before use (a
    database restarted mid-class), and PostgreSQL gives up connecting after 5 s instead of hanging,
    so the class features pause instead of freezing the page."""
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": 5}
    return options
