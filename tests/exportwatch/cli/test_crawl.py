"""`exportwatch crawl` and `exportwatch sources preview` on a definition served locally."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportwatch.cli.main import app
from exportwatch.settings import Settings
from tests.mockserver import FixtureServer

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def sources_dir(
    settings: Settings,
    fixture_server: FixtureServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """A sources dir with one feed definition pointing at the local server."""
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "fairs.yaml").write_text(
        "id: fairs\nname: Fair calendar\nkind: event\ntype: feed\n"
        f"url: {fixture_server.url('feeds/rss20-ttl.rss')}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EXPORTWATCH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EXPORTWATCH_CONFIG_DIR", str(ROOT / "config"))
    monkeypatch.setenv("EXPORTWATCH_SOURCES_DIR", str(folder))
    monkeypatch.setenv("EXPORTWATCH_ALLOW_PRIVATE_NETWORKS", "true")
    return folder


def test_crawl_stores_and_reports_each_source(sources_dir: Path) -> None:
    result = CliRunner().invoke(app, ["crawl", "fairs"])
    assert result.exit_code == 0, result.output
    assert "fairs: success, 3 seen, 3 new, 0 updated, 0 unchanged" in result.output
    again = CliRunner().invoke(app, ["crawl", "--all"])
    assert "fairs: success, 0 seen, 0 new" in again.output  # 304: nothing to read


def test_crawl_names_unknown_sources(sources_dir: Path) -> None:
    result = CliRunner().invoke(app, ["crawl", "nope"])
    assert result.exit_code != 0
    assert "unknown source nope" in str(result.exception) + result.output


def test_preview_shows_items_and_their_empty_fields_without_storing(sources_dir: Path) -> None:
    result = CliRunner().invoke(app, ["sources", "preview", str(sources_dir / "fairs.yaml")])
    assert result.exit_code == 0, result.output
    assert "3 item(s), nothing stored" in result.output
    as_json = CliRunner().invoke(app, ["sources", "preview", "fairs", "--json", "--limit", "2"])
    documents = json.loads(as_json.stdout)
    assert len(documents) == 2 and documents[0]["source_id"] == "fairs"
    listed = CliRunner().invoke(app, ["sources", "list"])
    assert "fairs" in listed.output and "never" in listed.output.lower()
