"""Pytest plugin: a real PostgreSQL server for the session, and an empty database per test.

Load it with ``-p tests.plugins.postgres`` or ``pytest_plugins = [...]`` in a conftest.
The server starts lazily, for the first test that asks for it, and stops when the session ends.
Set ``EXPORTWATCH_TEST_POSTGRES_URL`` to use a running server instead (its user should be allowed
to create databases; otherwise each test empties that database's ``public`` schema).
Tests that use the server are marked ``postgres``: ``-m "not postgres"`` leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from exportwatch.devtools.postgres import PostgresSetupError, fresh_database, provide_postgres

__all__ = ["postgres_database_url", "postgres_url"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of the session's server; never skipped: if it cannot start, tests fail."""
    try:
        with provide_postgres() as url:
            yield url
    except PostgresSetupError as exc:
        pytest.fail(f"no PostgreSQL for the tests: {exc}", pytrace=False)


@pytest.fixture
def postgres_database_url(postgres_url: str) -> Iterator[str]:
    """URL of an empty database of this test's own on the session's server, dropped after it."""
    with fresh_database(postgres_url) as url:
        yield url


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``postgres`` marker (the suite runs with ``--strict-markers``)."""
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL server of the session")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that use the server ``postgres``, so ``-m`` can select them."""
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
