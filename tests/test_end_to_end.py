"""The whole path, as a user runs it: subscribe, crawl, send digests; and again, nothing new.

`exportwatch subscribers add` → `exportwatch crawl` (a feed on the local HTTP server) →
`exportwatch alerts run` (a real SMTP server) → the message received and parsed back. It runs
on the default SQLite store and on a real PostgreSQL store.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportwatch.cli.main import app
from exportwatch.settings import Settings
from tests.mockserver import FixtureServer, SMTPServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["sqlite", "postgresql"])
def env(
    request: pytest.FixtureRequest,
    settings: Settings,
    fixture_server: FixtureServer,
    smtp_server: SMTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "fairs.yaml").write_text(
        "id: fairs\nname: Trade fair calendar\nkind: event\ntype: feed\n"
        f"url: {fixture_server.url('feeds/rss20-ttl.rss')}\n",
        encoding="utf-8",
    )
    for name, value in {
        "DATA_DIR": str(settings.data_dir),
        "CONFIG_DIR": str(ROOT / "config"),
        "SOURCES_DIR": str(sources),
        "SECRET_KEY": "end-to-end-secret",
        "ALLOW_PRIVATE_NETWORKS": "true",
        "SMTP_URL": f"smtp://{smtp_server.host}:{smtp_server.port}?helo=localhost&timeout=5",
        "MAIL_FROM": "exportwatch <alerts@exportwatch.example>",
    }.items():
        monkeypatch.setenv(f"EXPORTWATCH_{name}", value)
    if request.param == "postgresql":
        monkeypatch.setenv(
            "EXPORTWATCH_DATABASE_URL", request.getfixturevalue("postgres_database_url")
        )
    return settings


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_subscriber_gets_one_correct_digest_and_then_nothing_new(
    env: Settings, smtp_server: SMTPServer
) -> None:
    run(
        "subscribers", "add", "buyer@sme.example", "--confirmed", "--language", "de",
        "--market", "EU", "--kind", "event", "--frequency", "immediate",
    )  # fmt: skip
    run("crawl", "fairs")
    run("alerts", "run")
    (received,) = smtp_server.wait_for(1)
    message = received.message
    assert received.rcpt_tos == ("buyer@sme.example",)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http")
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "Anuga 2025" in text and "Anuga 2025" in html
    assert "Markt" in text or "Market" in text  # why it matched, in the subscriber's language
    run("crawl", "fairs")
    run("alerts", "run")
    assert len(smtp_server.messages) == 1  # the second round sends nothing new
