"""A real local PostgreSQL server for tests and development.

`LocalPostgres` runs the PostgreSQL server installed on this machine (Debian: ``apt-get install
postgresql``) in a fresh temp dir, on 127.0.0.1 and a free port, and removes it all when it
stops. It is tuned for throwaway data: no fsync, no synchronous commit, no full-page writes.

    with LocalPostgres() as server:
        engine = create_engine(server.url)  # postgresql+psycopg://exportwatch@127.0.0.1:PORT/...

`provide_postgres` reuses ``$EXPORTWATCH_TEST_POSTGRES_URL`` when it is set instead, and
`fresh_database` gives each test an empty database of its own on either.

Run ``python -m exportwatch.devtools.postgres`` to start a server until Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from exportwatch.devtools._server import (
    Account,
    LocalServer,
    reachable_by,
    run_until_interrupted,
    spawn,
    system_account,
    tail,
)
from exportwatch.errors import ExportwatchError

__all__ = [
    "DATABASE",
    "INSTALL_HINT",
    "LIB_ROOT",
    "LOGGER_NAME",
    "REUSE_URL_ENV",
    "SERVER_USER",
    "SUPERUSER",
    "LocalPostgres",
    "PostgresSetupError",
    "check_server",
    "find_bindir",
    "fresh_database",
    "main",
    "provide_postgres",
]

LOGGER_NAME = "exportwatch.devtools.postgres"
logger = logging.getLogger(LOGGER_NAME)

# Set it to a database the tests may wipe to use a running server instead of starting one.
REUSE_URL_ENV = "EXPORTWATCH_TEST_POSTGRES_URL"
INSTALL_HINT = "install PostgreSQL: apt-get install postgresql"
# Where Debian installs each major version's server: /usr/lib/postgresql/15/bin/postgres.
LIB_ROOT = Path("/usr/lib/postgresql")
# PostgreSQL refuses to run as root; as root we run it as Debian's `postgres` user, else this.
SERVER_USER = "exportwatch-pg"
# The server's superuser (trusted from 127.0.0.1) and the database it is created with.
SUPERUSER = "exportwatch"
DATABASE = "exportwatch"

_SERVER_PROGRAMS = ("initdb", "postgres")
# A cluster takes about 40 MB, each test database 8 MB; Docker's default /dev/shm is 64 MB.
_RAM_DIR = Path("/dev/shm")
_RAM_DIR_MIN_BYTES = 1 << 30
_HBA = "local all all trust\nhost all all 127.0.0.1/32 trust\n"
# Throwaway data: durability off, and no background work a short test run never needs.
_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "logging_collector": "off",
    "autovacuum": "off",
}


class PostgresSetupError(ExportwatchError):
    """The local PostgreSQL server could not be provided; the message says what to do."""


def find_bindir(*, pg_config: str | None = "pg_config", lib_root: Path = LIB_ROOT) -> Path:
    """Return the directory holding the server programs (``initdb``, ``postgres``).

    Tries ``pg_config --bindir`` (``pg_config`` found on PATH; None skips it), then the newest
    ``lib_root/<version>/bin``. ``pg_config`` alone proves nothing: Debian's ``libpq-dev`` has
    it without the server, so a directory counts only if the programs are in it.
    """
    tried: list[Path] = []
    candidates = [_pg_config_bindir(pg_config)] if pg_config else []
    candidates += _versioned_bindirs(lib_root)
    for bindir in candidates:
        if bindir is None or bindir in tried:
            continue
        tried.append(bindir)
        if all(os.access(bindir / name, os.X_OK) for name in _SERVER_PROGRAMS):
            return bindir
    looked = ", ".join(str(path) for path in tried) or "nothing found"
    raise PostgresSetupError(
        f"no PostgreSQL server programs ({', '.join(_SERVER_PROGRAMS)}) on this machine "
        f"(looked at pg_config --bindir and {lib_root}/*/bin: {looked}): {INSTALL_HINT} "
        f"(or scripts/ensure-postgres), or set {REUSE_URL_ENV} to a database the tests may wipe"
    )


def _pg_config_bindir(pg_config: str) -> Path | None:
    """Return what ``pg_config --bindir`` prints, None if it is missing or fails."""
    program = shutil.which(pg_config)
    if program is None:
        return None
    try:
        result = subprocess.run(
            [program, "--bindir"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    output = result.stdout.strip()
    return Path(output) if result.returncode == 0 and output else None


def _versioned_bindirs(lib_root: Path) -> list[Path]:
    """Return ``lib_root/<version>/bin`` directories, the highest version first."""
    if not lib_root.is_dir():
        return []
    versions = [path for path in lib_root.iterdir() if re.fullmatch(r"\d+(\.\d+)*", path.name)]
    versions.sort(key=lambda path: tuple(int(part) for part in path.name.split(".")), reverse=True)
    return [path / "bin" for path in versions]


class LocalPostgres(LocalServer):
    """A PostgreSQL server in a fresh temp dir: `start()`, use `url`, `stop()` removes it all.

    The temp dir is made in ``parent_dir``, by default in RAM (``/dev/shm``) when it has room,
    where creating a database takes milliseconds instead of a disk-bound half second; else in
    the system's temp dir. The server listens on 127.0.0.1 only (trust authentication, from
    there and from its Unix socket in the temp dir), and has one database, ``exportwatch``,
    owned by the superuser ``exportwatch``.
    """

    product = "PostgreSQL"
    what = "the PostgreSQL server"
    setup_error = PostgresSetupError
    logger = logger
    # Fast shutdown, then immediate shutdown, both sent to the postmaster alone.
    _STOP_SIGNALS = (signal.SIGINT, signal.SIGQUIT)
    _SIGNAL_GROUP = False

    def __init__(
        self,
        *,
        bindir: Path | None = None,
        port: int | None = None,
        database: str = DATABASE,
        start_timeout: float = 60.0,
        user: str | None = None,
        parent_dir: Path | None = None,
    ) -> None:
        self.bindir = bindir
        self.parent_dir = parent_dir
        self.port = port
        self.database = database
        self.start_timeout = start_timeout
        self.user = user
        super().__init__()

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the database, ``postgresql+psycopg://exportwatch@127.0.0.1:N/…``."""
        return super().url

    def _start(self) -> None:
        """Create, start and wait for the server, or raise `PostgresSetupError` with its log."""
        bindir = self.bindir or find_bindir()
        # As root: the user asked for, else Debian's `postgres`, else ours (created if need be).
        account = system_account(
            (self.user,) if self.user else ("postgres", SERVER_USER),
            product=self.product,
            error=self.setup_error,
            logger=logger,
        )
        with self._stopped_on_failure():
            started = time.monotonic()
            self._init_cluster(bindir, account)
            initialised = time.monotonic()
            port = self._launch(bindir, account)
            _create_database(self._wait_until_ready(port), self.database)
        self._url = _sqlalchemy_url(port, self.database)
        logger.info(
            "PostgreSQL (%s) is up at %s after %.1f s (initdb %.1f s, start %.1f s; run dir %s)",
            bindir,
            self._url,
            time.monotonic() - started,
            initialised - started,
            time.monotonic() - initialised,
            self.run_dir,
        )

    def failure(self, reason: str, output: str | None = None) -> PostgresSetupError:
        """Build the error for a server that failed, with the tail of its log."""
        if output is None:
            log = self.run_dir / "postgres.log" if self.run_dir else None
            output = tail(log) if log else "(none: the server was never launched)"
        return PostgresSetupError(
            f"PostgreSQL {reason}.\nRun dir: {self.run_dir}\nLast lines of its output:\n{output}"
        )

    def _init_cluster(self, bindir: Path, account: Account | None) -> None:
        """Create the run dir, owned by the server's user, and a cluster in ``run_dir/data``."""
        parent = self.parent_dir or _default_parent_dir()
        self.run_dir = run_dir = Path(tempfile.mkdtemp(prefix="exportwatch-pg-", dir=parent))
        if account is not None:
            if not reachable_by(run_dir.parent, account):
                raise PostgresSetupError(
                    f"the temp dir {run_dir.parent} is closed to the user {account.name} that "
                    "runs PostgreSQL; set TMPDIR to a directory such as /tmp"
                )
            os.chown(run_dir, account.uid, account.gid)
        command = [str(bindir / "initdb"), "--pgdata", str(run_dir / "data")]
        command += ["--username", SUPERUSER, "--auth", "trust", "--encoding", "UTF8"]
        command += ["--no-locale", "--no-sync", "--no-instructions"]
        try:
            result = subprocess.run(
                command,
                cwd=run_dir,
                env=_environment(account, run_dir),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=self.start_timeout,
                check=False,
                user=account.uid if account else None,
                group=account.gid if account else None,
                extra_groups=[] if account else None,
            )
        except subprocess.TimeoutExpired as exc:
            raise self.failure(f"initdb did not finish in {self.start_timeout:.0f} s") from exc
        if result.returncode != 0:
            output = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
            raise self.failure(f"initdb failed (exit code {result.returncode})", output)
        # Trust only the socket in the run dir and 127.0.0.1, whatever initdb's defaults are.
        (run_dir / "data" / "pg_hba.conf").write_text(_HBA, encoding="utf-8")

    def _launch(self, bindir: Path, account: Account | None) -> int:
        """Start ``postgres`` in its own session, output going to ``postgres.log``; its port."""
        assert self.run_dir is not None
        port = self.port or _free_port()
        self._output = (self.run_dir / "postgres.log").open("wb")
        command = [str(bindir / "postgres"), "-D", str(self.run_dir / "data"), "-p", str(port)]
        command += ["-k", str(self.run_dir)]
        for name, value in _SETTINGS.items():
            command += ["-c", f"{name}={value}"]
        self._process = spawn(
            command,
            cwd=self.run_dir,
            env=_environment(account, self.run_dir),
            output=self._output,
            account=account,
        )
        return port

    def _wait_until_ready(self, port: int) -> str:
        """Wait until the server accepts connections; return the libpq URL of its ``postgres``."""
        assert self._process is not None
        conninfo = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                raise self.failure(f"exited with code {code} while starting")
            try:
                psycopg.connect(conninfo, connect_timeout=2).close()
            except psycopg.OperationalError:
                time.sleep(0.05)
                continue
            return conninfo
        raise self.failure(f"did not accept connections {self.start_timeout:.0f} s after launch")


@contextmanager
def provide_postgres(*, start_timeout: float = 60.0) -> Iterator[str]:
    """Yield the URL of ``$EXPORTWATCH_TEST_POSTGRES_URL`` if set, else of a `LocalPostgres`."""
    url = os.environ.get(REUSE_URL_ENV, "").strip()
    if url:
        try:
            version = check_server(url)
        except PostgresSetupError as exc:
            raise PostgresSetupError(f"{exc} (from {REUSE_URL_ENV})") from exc
        logger.info("using %s at %s (%s); starting none", version, _safe(url), REUSE_URL_ENV)
        yield url
        return
    with LocalPostgres(start_timeout=start_timeout) as server:
        yield server.url


def check_server(url: str, timeout: float = 10.0) -> str:
    """Return ``select version()`` of the database at SQLAlchemy ``url``; raise if it fails."""
    try:
        with psycopg.connect(_libpq_url(url), connect_timeout=max(1, int(timeout))) as connection:
            row = connection.execute("select version()").fetchone()
    except psycopg.Error as exc:
        raise PostgresSetupError(f"no PostgreSQL answers at {_safe(url)}: {exc}") from exc
    return str(row[0]) if row else "PostgreSQL"


@contextmanager
def fresh_database(
    url: str, *, template: str = "template0", prefix: str = "test_"
) -> Iterator[str]:
    """Yield the URL of a new database on ``url``'s server, a copy of ``template``; drop it after.

    The copy is dropped ``WITH (FORCE)``, so connections a test leaves open do not keep it
    alive. Where ``url``'s user may not create databases, the ``public`` schema of ``url``'s
    own database is emptied instead and ``url`` is yielded.
    """
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    create = sql.SQL("CREATE DATABASE {} TEMPLATE {}")
    with psycopg.connect(_libpq_url(url), autocommit=True) as connection:
        try:
            connection.execute(create.format(sql.Identifier(name), sql.Identifier(template)))
        except psycopg.errors.InsufficientPrivilege:
            logger.debug("%s may not create databases; emptying its public schema", _safe(url))
            connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
            connection.execute("CREATE SCHEMA public")
            name = ""
    if not name:
        yield url
        return
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq_url(url), autocommit=True) as connection:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            connection.execute(drop.format(sql.Identifier(name)))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: start a server, print its URL, and stop it on Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m exportwatch.devtools.postgres",
        description="Run a throwaway local PostgreSQL server until Ctrl-C.",
    )
    parser.add_argument("--port", type=int, help="TCP port on 127.0.0.1 (default: a free one)")
    args = parser.parse_args(argv)
    return run_until_interrupted(
        LocalPostgres(port=args.port),
        title="PostgreSQL",
        url_variable="EXPORTWATCH_DATABASE_URL",
        stop_hint=" (its data is deleted)",
    )


def _create_database(conninfo: str, database: str) -> None:
    """Create ``database`` on the server reached by the libpq URL ``conninfo``."""
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def _sqlalchemy_url(port: int, database: str) -> str:
    """Return the SQLAlchemy URL for ``database`` on the local server at ``port``."""
    return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/{database}"


def _libpq_url(url: str) -> str:
    """Turn a SQLAlchemy URL (``postgresql+psycopg://…``) into one libpq understands."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _safe(url: str) -> str:
    """Return ``url`` with its password masked, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _default_parent_dir() -> Path | None:
    """Return ``/dev/shm`` if it has room for a throwaway cluster, else None (the temp dir)."""
    try:
        info = os.statvfs(_RAM_DIR)
    except OSError:
        return None
    room = info.f_bavail * info.f_frsize
    if room >= _RAM_DIR_MIN_BYTES and os.access(_RAM_DIR, os.W_OK | os.X_OK):
        return _RAM_DIR
    return None


def _free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(account: Account | None, run_dir: Path) -> dict[str, str]:
    """Return the server's environment: ours without libpq's ``PG*`` variables."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    if account is not None:
        env.update(HOME=str(run_dir), USER=account.name, LOGNAME=account.name)
    return env


if __name__ == "__main__":
    sys.exit(main())
