"""`exportwatch demo --no-serve`: every shipped source crawled from its recordings, one digest."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from exportwatch.cli.demo import demo
from exportwatch.crawlers import definition_files, polling
from exportwatch.demo import DEMO_EMAIL, find_checkout
from exportwatch.errors import ExportwatchError
from exportwatch.model import RunStatus
from exportwatch.search import Query
from exportwatch.services import open_services
from exportwatch.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
AS_OF = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the recordings' day: calendar windows as then

app = typer.Typer()
app.command()(demo)  # as `exportwatch demo` until the main app registers it


@pytest.fixture
def as_of_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(polling, "utcnow", lambda: AS_OF)


@pytest.mark.usefixtures("as_of_recording")
def test_the_demo_crawls_every_source_sends_one_digest_and_prints_the_tour(
    settings: Settings, tmp_path: Path
) -> None:
    data_dir = tmp_path / "demo"
    data_dir.mkdir()
    (data_dir / "left-over.txt").write_text("from an earlier run")
    result = CliRunner().invoke(
        app, ["--data-dir", str(data_dir), "--port", "8765", "--no-serve"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert not (data_dir / "left-over.txt").exists()  # wiped

    demo_settings = settings.model_copy(update={"data_dir": data_dir})
    services = open_services(demo_settings)
    try:
        shipped = [path.stem for path in definition_files(ROOT / "config" / "sources")]
        for source_id in shipped:
            (run,) = services.store.list_runs(source_id)
            assert run.status is RunStatus.SUCCESS, (source_id, run.first_error)
            assert run.counts.new >= 2, source_id
        hits = services.index.search(Query(text="Anuga", size=5)).hits
        assert any("Anuga" in hit.document.title for hit in hits)
    finally:
        services.close()

    (eml,) = (data_dir / "outbox").glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message["To"].addresses[0].addr_spec == DEMO_EMAIL
    text_part = message.get_body(preferencelist=("plain",))
    assert text_part is not None
    text = text_part.get_content()
    titles = re.findall(r"^\* (.+)$", text, flags=re.MULTILINE)
    links = re.findall(r"^  (https?://\S+)$", text, flags=re.MULTILINE)
    assert len(titles) >= 10 and len(links) >= 10
    assert "Anuga FoodTec 2027" in titles

    output = result.output
    for url in (
        "http://127.0.0.1:8765/",
        "http://127.0.0.1:8765/documents/",
        "http://127.0.0.1:8765/feeds/search.atom?",
        "http://127.0.0.1:8765/docs",
        "http://127.0.0.1:8765/admin",
    ):
        assert url in output
    assert re.search(r"Admin token: \S{20,}", output)
    assert str(eml) in output.replace("\n", "")


def test_without_the_recordings_the_demo_says_where_it_looked(tmp_path: Path) -> None:
    assert find_checkout(tmp_path, ROOT) == ROOT
    with pytest.raises(ExportwatchError, match=f"{tmp_path}/tests/fixtures/http/sources"):
        find_checkout(tmp_path)
