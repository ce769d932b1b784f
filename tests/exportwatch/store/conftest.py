"""Store fixtures: a migrated store on a fresh SQLite file, and on a fresh PostgreSQL database.

Every test that takes `store` runs twice: on SQLite and on PostgreSQL (the server of the
`tests.plugins.postgres` plugin, started for the session, or `EXPORTWATCH_TEST_POSTGRES_URL`).
On PostgreSQL the schema is migrated once per session into a template database, and each test
gets a copy of it, dropped afterwards: faster than migrating for every test, and still every
test opens (and so checks) a database that the migrations built.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from exportwatch.devtools.postgres import fresh_database
from exportwatch.store import Store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A freshly migrated, empty store."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'data' / 'exportwatch.db'}"
    else:
        url = request.getfixturevalue("postgres_store_url")
    opened = Store.from_url(url)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def postgres_store_template(postgres_url: str) -> Iterator[str]:
    """Name of a database on the session's server migrated to head, to copy for each test."""
    with fresh_database(postgres_url, prefix="template_") as url:
        Store.from_url(url).close()  # closing disposes the engine: a template must be unused
        yield str(make_url(url).database)


@pytest.fixture
def postgres_store_url(postgres_url: str, postgres_store_template: str) -> Iterator[str]:
    """URL of this test's own copy of the migrated template, dropped after the test."""
    with fresh_database(postgres_url, template=postgres_store_template) as url:
        yield url


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """Where a test's SQLite store lives (the directory does not exist yet)."""
    return tmp_path / "nested" / "dir" / "exportwatch.db"
