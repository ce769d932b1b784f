"""Engine, sessions and schema migration: the plumbing every repository method shares.

SQLite is tuned for one writer and many readers (WAL, busy timeout). Write transactions start
with `BEGIN IMMEDIATE`, so two writers queue on the lock instead of failing with "database is
locked" when a read inside the transaction would have to be upgraded to a write.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from exportwatch import jsoncodec
from exportwatch.store.errors import StoreError

__all__ = [
    "MIGRATIONS_DIR",
    "StoreBase",
    "alembic_config",
    "check_foreign_keys",
    "create_store_engine",
    "migration_connection",
    "upgrade_schema",
]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
)
_BEGIN_OPTION = "exportwatch_sqlite_begin"


def create_store_engine(url: str) -> Engine:
    """An engine for `url`; for a SQLite file, create its directory and apply the pragmas."""
    parsed = make_url(url)
    engine = create_engine(
        parsed, json_serializer=jsoncodec.dumps, json_deserializer=jsoncodec.loads
    )
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite_file(parsed.database)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        if parsed.database and parsed.database != ":memory:":
            event.listen(engine, "handle_error", _SqliteFileErrors(Path(parsed.database)))
    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config built in code (no alembic.ini needed), optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` in one transaction (a fresh database gets all tables)."""
    with migration_connection(engine) as connection, connection.begin():
        command.upgrade(alembic_config(connection), revision)


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection to migrate on; on SQLite with foreign keys off until it is given back.

    Batch migrations rebuild SQLite tables, and dropping a parent table with foreign keys on
    would cascade-delete its children. `check_foreign_keys` verifies the result instead.
    """
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            _set_sqlite_foreign_keys(connection, on=False)
        try:
            yield connection
        finally:
            if sqlite:
                _set_sqlite_foreign_keys(connection, on=True)


def check_foreign_keys(connection: Connection) -> None:
    """Fail the migration if SQLite rows point at missing parents (no-op elsewhere)."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise StoreError(
            f"migration left {len(broken)} rows with broken foreign keys: {broken[:5]}"
        )


class StoreBase:
    """Holds the engine and hands out sessions; the repository mixins build on it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = sessionmaker(engine, expire_on_commit=False)
        reader = engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
        self._reader = sessionmaker(reader, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on an exception."""
        with self._writer.begin() as session:
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A read-only snapshot that does not take SQLite's write lock."""
        with self._reader() as session, session.begin():
            yield session

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> StoreBase:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _prepare_sqlite_file(database: str | None) -> None:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


class _SqliteFileErrors:
    """Turn SQLite's disk failures into one line naming the file and what is wrong with it.

    "disk I/O error" or "unable to open database file" alone does not tell an operator that
    the disk is full or the data dir read-only; the filesystem does.
    """

    def __init__(self, database: Path) -> None:
        self.database = database

    def __call__(self, context: ExceptionContext) -> None:
        error = context.original_exception
        if not isinstance(error, sqlite3.OperationalError) or "lock" in str(error):
            return
        problem = _filesystem_problem(self.database.parent)
        if problem is not None:
            raise StoreError(f"cannot write the store {self.database}: {problem} ({error})")


def _filesystem_problem(directory: Path) -> str | None:
    """What keeps SQLite from writing in `directory`: read-only, full, or no permission."""
    try:
        info = os.statvfs(directory)
    except OSError as error:
        return f"{directory} is not usable: {error.strerror}"
    if info.f_flag & os.ST_RDONLY:
        return f"{directory} is on a read-only filesystem"
    free = info.f_bavail * info.f_frsize
    if free < 1 << 20:
        return f"the disk holding {directory} is full ({free // 1024} KiB free)"
    if not os.access(directory, os.W_OK):
        return f"no permission to write in {directory}"
    return None


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module; `_on_sqlite_begin` emits BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def _set_sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    # Outside any transaction (SQLite ignores this pragma inside one), so use the raw cursor.
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    cursor.close()
