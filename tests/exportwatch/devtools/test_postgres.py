"""The local PostgreSQL server: the real server programs of this machine; no mocks."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from exportwatch.devtools import postgres as devtools_pg
from exportwatch.devtools.postgres import (
    INSTALL_HINT,
    REUSE_URL_ENV,
    LocalPostgres,
    PostgresSetupError,
    check_server,
    find_bindir,
    fresh_database,
    provide_postgres,
)

# These start a server of their own, or create roles, which a reused server may not allow.
starts_own_server = pytest.mark.skipif(
    bool(os.environ.get(REUSE_URL_ENV)), reason=f"{REUSE_URL_ENV} is set: start no local server"
)
PUBLIC_API = {
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
}


def test_public_api_is_what_all_claims() -> None:
    assert set(devtools_pg.__all__) == PUBLIC_API
    assert all(hasattr(devtools_pg, name) for name in PUBLIC_API)


def _scalar(url: str, query: str) -> object:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(query)).scalar()
    finally:
        engine.dispose()


def _execute(url: str, statement: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@starts_own_server
def test_local_server_answers_and_stop_removes_everything() -> None:
    with LocalPostgres() as server:
        url, run_dir, pid = make_url(server.url), server.run_dir, server.pid
        assert (url.drivername, url.host, url.database) == (
            "postgresql+psycopg",
            "127.0.0.1",
            "exportwatch",
        )
        assert str(_scalar(server.url, "select version()")).startswith("PostgreSQL ")
        assert _scalar(server.url, "show fsync") == "off"
        assert _scalar(server.url, "show server_encoding") == "UTF8"
        assert run_dir is not None and (run_dir / "data" / "PG_VERSION").is_file()
        assert pid is not None
    assert not run_dir.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(PostgresSetupError, match="no PostgreSQL answers"):
        check_server(str(url), timeout=2)


@starts_own_server
def test_start_failure_includes_the_servers_output() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # not listening: our connection attempts fail at once
        server = LocalPostgres(port=taken.getsockname()[1])
        with pytest.raises(PostgresSetupError) as caught:
            server.start()
    message = str(caught.value)
    assert "exited with code" in message
    assert "could not bind" in message.split("Last lines of its output:")[1]
    assert server.run_dir is None and server.pid is None


def test_missing_server_programs_say_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "15" / "bin").mkdir(parents=True)  # as libpq-dev leaves it: no server in it
    with pytest.raises(PostgresSetupError) as caught:
        find_bindir(pg_config=None, lib_root=tmp_path)
    message = str(caught.value)
    assert "install PostgreSQL: apt-get install postgresql" in message
    assert INSTALL_HINT in message and REUSE_URL_ENV in message
    assert str(tmp_path / "15" / "bin") in message


def test_the_highest_installed_version_is_used(tmp_path: Path) -> None:
    for version in ("9.6", "10", "16"):
        bindir = tmp_path / version / "bin"
        bindir.mkdir(parents=True)
        for program in ("initdb", "postgres") if version != "16" else ("initdb",):
            (bindir / program).write_text("#!/bin/sh\n", encoding="utf-8")
            (bindir / program).chmod(stat.S_IRWXU)
    assert find_bindir(pg_config=None, lib_root=tmp_path) == tmp_path / "10" / "bin"


@starts_own_server
def test_this_machine_has_the_server_programs() -> None:
    bindir = find_bindir()
    assert (bindir / "postgres").is_file() and (bindir / "initdb").is_file()


@pytest.fixture
def limited_url(postgres_url: str) -> Iterator[str]:
    """A database owned by a role that may not create databases."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("CREATE ROLE ew_limited LOGIN NOCREATEDB"))
            connection.execute(text("CREATE DATABASE ew_limited OWNER ew_limited"))
        yield (
            make_url(postgres_url)
            .set(username="ew_limited", database="ew_limited")
            .render_as_string(hide_password=False)
        )
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE ew_limited WITH (FORCE)"))
            connection.execute(text("DROP ROLE ew_limited"))
    finally:
        admin.dispose()


def test_fresh_database_is_empty_and_dropped_after(postgres_url: str) -> None:
    with fresh_database(postgres_url) as url:
        assert make_url(url).database != make_url(postgres_url).database
        assert _scalar(url, "select count(*) from pg_tables where schemaname = 'public'") == 0
        _execute(url, "create table leftover (id int)")
    name = make_url(url).database
    query = f"select count(*) from pg_database where datname = '{name}'"
    assert _scalar(postgres_url, query) == 0


@starts_own_server
def test_without_createdb_the_public_schema_is_emptied(limited_url: str) -> None:
    _execute(limited_url, "create table leftover (id int)")
    with fresh_database(limited_url) as url:
        assert url == limited_url
        assert _scalar(url, "select count(*) from pg_tables where schemaname = 'public'") == 0


def test_reuse_url_starts_no_server(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REUSE_URL_ENV, postgres_url)
    with provide_postgres() as url:
        assert url == postgres_url


def test_reuse_url_that_does_not_answer_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REUSE_URL_ENV, "postgresql+psycopg://nobody@127.0.0.1:9/none")
    with pytest.raises(PostgresSetupError, match=REUSE_URL_ENV), provide_postgres():
        pass
