"""Fixtures every test may use: settings on a temp data dir, opened services, real servers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from exportwatch.services import Services, open_services
from exportwatch.settings import Settings
from exportwatch.taxonomy import Taxonomy, load_taxonomy

pytest_plugins = [
    "tests.plugins.elasticsearch",
    "tests.plugins.postgres",
    "tests.plugins.servers",
]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    """The taxonomy shipped in config/, loaded once per session."""
    return load_taxonomy(ROOT / "config")


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on a fresh data dir, ignoring the developer's environment and `.env`."""
    for name in list(os.environ):
        if name.startswith("EXPORTWATCH_") and not name.startswith("EXPORTWATCH_TEST_"):
            monkeypatch.delenv(name)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "var",
        config_dir=ROOT / "config",
        sources_dir=ROOT / "config" / "sources",
        allow_private_networks=True,
        secret_key="test-secret-key",  # type: ignore[arg-type]
    )


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    """Taxonomy loaded and store migrated in the temp data dir."""
    opened = open_services(settings)
    yield opened
    opened.close()
