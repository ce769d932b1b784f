"""`exportwatch search` and `exportwatch reindex` on a data dir filled from the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportwatch.cli import app
from exportwatch.model import Document
from exportwatch.search.sync import sync_outbox
from exportwatch.services import open_services
from exportwatch.settings import Settings
from tests.search.conftest import CORPUS

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def filled(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A data dir whose store and index hold the search corpus; the CLI reads it from env."""
    monkeypatch.setenv("EXPORTWATCH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EXPORTWATCH_CONFIG_DIR", str(ROOT / "config"))
    services = open_services(settings)
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    services.store.save_documents(Document.from_json(json.loads(line)) for line in lines)
    sync_outbox(services.store, services.index)
    services.close()
    return settings


def test_search_prints_a_table(filled: Settings) -> None:
    result = CliRunner().invoke(app, ["search", "dairy", "--kind", "regulation"])
    assert result.exit_code == 0, result.output
    assert "1 results" in result.output
    assert "Labelling of dairy" in result.output


def test_search_json_is_the_api_shape(filled: Settings) -> None:
    result = CliRunner().invoke(app, ["search", "--market", "GCC", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["total"] == 2
    assert {hit["document"]["id"] for hit in body["hits"]} == {"e-gitex", "r-gcc-cosmetics"}
    assert {"kind", "sector", "country", "source", "language", "month"} <= set(body["facets"])


def test_reindex_rebuilds_from_the_store(filled: Settings) -> None:
    result = CliRunner().invoke(app, ["reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 24 documents" in result.output


def test_bad_filter_is_an_error_naming_the_field(filled: Settings) -> None:
    result = CliRunner().invoke(app, ["search", "--sector", "no-such-sector"])
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception)
    assert "sector: unknown sector code 'no-such-sector'" in str(result.exception)
