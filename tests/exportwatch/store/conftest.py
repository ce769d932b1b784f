"""Store fixtures: a migrated store on a fresh SQLite file, and on PostgreSQL when one is given.

Set `EXPORTWATCH_TEST_POSTGRES_URL` (a database the tests may wipe) to run every store test on
PostgreSQL too; without it the PostgreSQL variants are skipped, visibly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from exportwatch.store import Store

POSTGRES_ENV = "EXPORTWATCH_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A freshly migrated, empty store."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'data' / 'exportwatch.db'}"
    else:
        url = os.environ.get(POSTGRES_ENV, "")
        if not url:
            pytest.skip(f"PostgreSQL variant: set {POSTGRES_ENV} to run it")
        _wipe_postgres(url)
    opened = Store.from_url(url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """Where a test's SQLite store lives (the directory does not exist yet)."""
    return tmp_path / "nested" / "dir" / "exportwatch.db"


def _wipe_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
