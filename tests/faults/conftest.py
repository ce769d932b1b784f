"""Fixtures of the fault tests: settings for `exportwatch` child processes and their store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exportwatch.settings import Settings
from exportwatch.store import Store

__all__ = ["child_store", "fault_settings"]


@pytest.fixture
def fault_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test settings with an empty sources dir (a child must never crawl config/sources)."""
    sources = tmp_path / "sources"
    sources.mkdir()
    return settings.model_copy(update={"sources_dir": sources})


@pytest.fixture
def child_store(fault_settings: Settings) -> Iterator[Store]:
    """The store the children of a test write (migrated here first), for the test to inspect."""
    store = Store.from_url(fault_settings.resolved_database_url)
    yield store
    store.close()
