"""`exportwatch ingest`: partners' JSONL files into the store and the index, errors by line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportwatch.cli.main import app
from exportwatch.settings import Settings
from exportwatch.store import Store

ROOT = Path(__file__).resolve().parents[3]
PARTNER_FILE = ROOT / "tests" / "fixtures" / "pipeline" / "jsonl" / "partner-calendar.jsonl"


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("EXPORTWATCH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EXPORTWATCH_CONFIG_DIR", str(ROOT / "config"))
    return settings


def test_valid_lines_are_imported_and_bad_lines_listed(env: Settings) -> None:
    result = CliRunner().invoke(app, ["ingest", str(PARTNER_FILE)])
    assert result.exit_code == 1
    assert "3 valid: 3 new, 0 changed, 0 unchanged" in result.output
    assert f"{PARTNER_FILE}: line 6, sectors: " in result.output
    assert "7 rejected" in result.output
    searched = CliRunner().invoke(app, ["search", "water", "--json"])
    assert '"total": 1' in searched.output  # indexed, not only stored


def test_importing_the_same_file_again_changes_nothing(env: Settings) -> None:
    CliRunner().invoke(app, ["ingest", str(PARTNER_FILE)])
    again = CliRunner().invoke(app, ["ingest", str(PARTNER_FILE)])
    assert "3 valid: 0 new, 0 changed, 3 unchanged" in again.output
    with Store.open(env) as store:
        assert store.count_documents() == 3 and store.count_outbox() == 0


def test_dry_run_stores_nothing(env: Settings) -> None:
    result = CliRunner().invoke(app, ["ingest", "--dry-run", str(PARTNER_FILE)])
    assert "3 valid, 7 rejected (dry run: nothing stored)" in result.output
    with Store.open(env) as store:
        assert store.count_documents() == 0
