"""The real taxonomy of config/, loaded once: tests check its data as well as the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportwatch.taxonomy import Markets, Sectors, Taxonomy, load_taxonomy

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "taxonomy"


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return load_taxonomy(ROOT / "config")


@pytest.fixture(scope="session")
def markets(taxonomy: Taxonomy) -> Markets:
    return taxonomy.markets


@pytest.fixture(scope="session")
def sectors(taxonomy: Taxonomy) -> Sectors:
    return taxonomy.sectors
