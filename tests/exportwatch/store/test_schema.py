"""The migrations build exactly the schema the models describe, and SQLite is set up for WAL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect

from exportwatch.settings import Settings
from exportwatch.store import Store, alembic_config
from exportwatch.store.tables import metadata

TABLES = {
    "alembic_version",
    "deliveries",
    "digests",
    "documents",
    "index_outbox",
    "index_rebuilds",
    "job_failures",
    "pending_alerts",
    "source_runs",
    "sources",
    "subscribers",
    "subscriptions",
}


def test_fresh_file_gets_every_table(sqlite_path: Path) -> None:
    store = Store.from_url(f"sqlite:///{sqlite_path}")
    try:
        assert set(inspect(store.engine).get_table_names()) == TABLES
    finally:
        store.close()


def test_migrations_and_models_do_not_drift(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        # The comparison is not vacuous: against no tables it wants to drop them all.
        removed = compare_metadata(context, MetaData())
        dropped = {diff[1].name for diff in removed if diff[0] == "remove_table"}
        assert dropped == TABLES - {"alembic_version"}


def test_alembic_check_sees_nothing_to_generate(store: Store) -> None:
    with store.engine.connect() as connection:
        command.check(alembic_config(connection))  # raises if autogenerate finds a change


def test_tables_of_other_components_are_not_ours_to_drop(store: Store) -> None:
    with store.engine.begin() as connection:  # e.g. APScheduler's job store in the same database
        connection.exec_driver_sql("CREATE TABLE apscheduler_jobs (id VARCHAR(191) PRIMARY KEY)")
    with store.engine.connect() as connection:
        command.check(alembic_config(connection))


def test_sqlite_file_uses_wal_and_pragmas(sqlite_path: Path) -> None:
    store = Store.from_url(f"sqlite:///{sqlite_path}")
    try:
        with store.engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 5000
            assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        store.close()
    raw = sqlite3.connect(sqlite_path)  # WAL is a property of the file, seen by any client
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        raw.close()


def test_open_uses_the_data_dir_and_reopens(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "var")  # type: ignore[call-arg]
    Store.open(settings).close()
    assert (tmp_path / "var" / "exportwatch.db").is_file()
    with Store.open(settings) as store:  # an up-to-date file is opened as it is
        assert store.count_documents() == 0


def test_downgrade_to_base_and_back(sqlite_path: Path) -> None:
    store = Store.from_url(f"sqlite:///{sqlite_path}")
    try:
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        assert set(inspect(store.engine).get_table_names()) == {"alembic_version"}
    finally:
        store.close()
    with Store.from_url(f"sqlite:///{sqlite_path}") as reopened:
        assert set(inspect(reopened.engine).get_table_names()) == TABLES
