"""A real, throwaway PostgreSQL cluster for the class database tests: one per test session, one
fresh database per test.

The fixture runs Debian's ``initdb`` and ``pg_ctl`` (``/usr/lib/postgresql/<version>/bin``).
PostgreSQL refuses to run as root, so as root (CI, this machine) they run as the ``postgres``
system user through ``runuser``; as anyone else they run as that user. The cluster lives in a
temp folder that user owns and listens only on a unix socket in that folder (no TCP port, nothing
another process on the machine can reach), trusting whoever can open the folder. It is stopped
and the folder deleted when the session ends.

Without PostgreSQL the tests skip with the reason, unless ``CNNVIZ_REQUIRE_POSTGRES=1`` (CI)
turns the skip into a failure.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"
SYSTEM_USER = "postgres"  # who runs the server when the tests run as root
DATABASE_USER = "cnnviz"
SOCKET_PORT = 5432  # names the socket file only: the cluster opens no TCP port
SERVER_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",  # a throwaway cluster: commits still reach the OS, which is what a crash test needs
    "max_connections": "200",  # 30 students' threads from two "replicas" at once
}


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason``, or fail when ``CNNVIZ_REQUIRE_POSTGRES=1`` says PostgreSQL must run."""
    if os.environ.get("CNNVIZ_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} (CNNVIZ_REQUIRE_POSTGRES=1 requires the PostgreSQL tests to run)")
    pytest.skip(reason)


def postgres_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding ``initdb``, else the folder of an
    ``initdb`` on PATH, else ``None``."""
    def version(folder: Path) -> int:
        return int(re.sub(r"\D", "", folder.parent.name) or 0)

    folders = sorted((folder for folder in Path("/").glob(POSTGRES_BIN_GLOB.lstrip("/"))
                      if (folder / "initdb").is_file()), key=version)
    if folders:
        return folders[-1]
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class PostgresCluster:
    """A cluster in ``root`` (a folder the server's user owns): ``data/``, ``server.log`` and the socket."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin_dir, self.root = bin_dir, root
        self.data_dir, self.log_path = root / "data", root / "server.log"
        self._database_numbers = itertools.count(1)
        self._admin: sa.Engine | None = None

    def _run(self, *command: str) -> None:
        as_user = ["runuser", "-u", SYSTEM_USER, "--"] if os.geteuid() == 0 else []
        result = subprocess.run([*as_user, str(self.bin_dir / command[0]), *command[1:]],
                                cwd=self.root, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}\n"
                               f"{self.log_tail()}")

    def log_tail(self) -> str:
        """The server log's last lines (for a failure message)."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return ""

    def create(self) -> None:
        """``initdb`` then start the server (waits until it accepts connections)."""
        self._run("initdb", "-D", str(self.data_dir), "--auth=trust", f"--username={DATABASE_USER}",
                  "--encoding=UTF8", "--locale=C", "--no-sync")
        self.start()

    def start(self) -> None:
        """Start the server on its socket; waits until it accepts connections."""
        options = " ".join(f"-c {name}={value}" for name, value in SERVER_SETTINGS.items())
        options += f" -c unix_socket_directories={self.root} -p {SOCKET_PORT}"
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_path), "-w", "-t", "60",
                  "-o", options, "start")

    def crash_and_restart(self) -> None:
        """Stop the server as a crash would (``-m immediate``: no checkpoint, recovery on start),
        then start it again."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        self.start()

    def stop(self) -> None:
        """Stop the server at once (its data is thrown away next)."""
        if self._admin is not None:
            self._admin.dispose()
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        """The psycopg 3 URL of ``database`` on this cluster's socket."""
        return sa.URL.create("postgresql+psycopg", username=DATABASE_USER, database=database,
                             query={"host": str(self.root), "port": str(SOCKET_PORT)}
                             ).render_as_string(hide_password=False)

    def admin(self, statement: str) -> None:
        """Run one statement outside a transaction as the cluster's superuser (CREATE DATABASE...)."""
        if self._admin is None:
            self._admin = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
        with self._admin.connect() as connection:
            connection.exec_driver_sql(statement)

    def new_database(self) -> tuple[str, str]:
        """A fresh empty database: its name and URL."""
        name = f"class_test_{next(self._database_numbers)}"
        self.admin(f"CREATE DATABASE {name}")
        return name, self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database made by :meth:`new_database`, disconnecting whoever is still on it."""
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


_shared: dict[str, PostgresCluster] = {}  # the session's one cluster, whichever module asks first


@pytest.fixture(scope="session")
def postgres_cluster(request):
    """The session's running throwaway :class:`PostgresCluster`. Test modules that import this
    fixture get one definition each, so the cluster is kept here, made on first use and removed
    when pytest finishes."""
    if "cluster" not in _shared:
        _shared["cluster"] = _start_cluster()
        request.config.add_cleanup(_remove_cluster)
    return _shared["cluster"]


def _start_cluster() -> PostgresCluster:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        skip_or_fail("PostgreSQL is not installed: `apt-get install -y postgresql` to run the "
                     "class database tests against it")
    if os.geteuid() == 0:
        try:
            server_user = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            skip_or_fail(f"Running as root, and there is no '{SYSTEM_USER}' user to run PostgreSQL as")
        if shutil.which("runuser") is None:
            skip_or_fail("Running as root, and there is no `runuser` to run PostgreSQL as another user")
    # A short path: a unix socket's path must stay under about 100 characters.
    root = Path(tempfile.mkdtemp(prefix="cnnviz-pg-", dir="/tmp" if Path("/tmp").is_dir() else None))
    if os.geteuid() == 0:
        os.chown(root, server_user.pw_uid, server_user.pw_gid)
    cluster = PostgresCluster(bin_dir, root)
    try:
        cluster.create()
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        _stop_and_delete(cluster)
        pytest.fail(f"PostgreSQL is installed but the throwaway cluster did not start: {error}")
    return cluster


def _remove_cluster() -> None:
    _stop_and_delete(_shared.pop("cluster"))


def _stop_and_delete(cluster: PostgresCluster) -> None:
    try:
        cluster.stop()
    except (RuntimeError, subprocess.TimeoutExpired):
        pass  # never started, or already gone: the folder goes either way
    shutil.rmtree(cluster.root, ignore_errors=True)
