"""`exportwatch alerts run`: end to end through the real entry point and a real SMTP server."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from exportwatch.alerts.digests import DigestOutcome
from exportwatch.cli.alerts import describe_outcome, parse_now
from exportwatch.cli.main import main
from exportwatch.model import Frequency, Subscriber, Subscription
from exportwatch.services import Services
from exportwatch.settings import Settings
from tests.exportwatch.store.factories import make_doc
from tests.mockserver import SMTPServer

ROOT = Path(__file__).resolve().parents[3]
MONDAY = "2025-03-03T09:00:00+00:00"
MATCHED = datetime(2025, 3, 3, 5, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@dataclass(frozen=True)
class Hit:
    subscription_id: int
    subscriber_id: int
    document_id: str
    reason: str = '[["sector","food"]]'


Cli = Callable[..., Outcome]


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("EXPORTWATCH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EXPORTWATCH_CONFIG_DIR", str(ROOT / "config"))
    monkeypatch.setenv("EXPORTWATCH_SOURCES_DIR", str(ROOT / "config" / "sources"))
    monkeypatch.setenv("EXPORTWATCH_SECRET_KEY", "cli-test-secret")
    return settings


@pytest.fixture
def smtp(env: Settings, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> SMTPServer:
    url = f"smtp://{smtp_server.host}:{smtp_server.port}?helo=localhost&timeout=5"
    monkeypatch.setenv("EXPORTWATCH_SMTP_URL", url)
    return smtp_server


@pytest.fixture
def cli(env: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run `exportwatch ARGS` through the real entry point (errors become exit 2 there)."""

    def run(*args: str) -> Outcome:
        monkeypatch.setattr(sys, "argv", ["exportwatch", *args])
        with pytest.raises(SystemExit) as exited:
            main()
        captured = capsys.readouterr()
        return Outcome(int(exited.value.code or 0), captured.out, captured.err)

    return run


def given(services: Services, email: str, frequency: Frequency, *numbers: int) -> int:
    """A confirmed subscriber with one subscription and pending alerts for the documents."""
    store = services.store
    person, [sub] = store.enrol_subscriber(
        Subscriber(None, email), [Subscription(None, None, frequency=frequency)], confirmed=True
    )
    assert person.id is not None and sub.id is not None
    docs = [make_doc(number) for number in numbers]
    store.save_documents(docs, now=MATCHED)
    store.add_pending([Hit(sub.id, person.id, doc.id) for doc in docs], MATCHED)
    return person.id


def test_dry_run_then_send_then_nothing_left(
    cli: Cli, smtp: SMTPServer, services: Services
) -> None:
    given(services, "anna@example.test", Frequency.DAILY, 1, 2)
    given(services, "ben@example.test", Frequency.IMMEDIATE, 3)

    dry = cli("alerts", "run", "--now", MONDAY, "--dry-run")
    assert dry.code == 0, dry.err
    lines = dry.out.splitlines()
    assert lines[0].split() == ["would", "send", "anna@example.test", "2", "new"]
    assert lines[1].split() == ["would", "send", "ben@example.test", "1", "new"]
    assert lines[-1] == "2 digests with 3 new items would go out (dry run: nothing stored or sent)"
    assert smtp.messages == []

    sent = cli("alerts", "run", "--now", MONDAY)
    assert sent.code == 0, sent.err
    assert [line.split()[:2] for line in sent.out.splitlines()[:2]] == [
        ["sent", "anna@example.test"],
        ["sent", "ben@example.test"],
    ]
    assert sent.out.splitlines()[-1].startswith("2 digests sent (0 re-sent) with 3 new items")
    assert sorted(m.rcpt_tos for m in smtp.wait_for(2)) == [
        ("anna@example.test",),
        ("ben@example.test",),
    ]

    again = cli("alerts", "run", "--now", "2025-03-03T09:05:00")
    assert again.code == 0 and again.out.startswith("0 digests sent")
    assert len(smtp.messages) == 2


def test_frequency_limits_who_is_due(cli: Cli, smtp: SMTPServer, services: Services) -> None:
    given(services, "anna@example.test", Frequency.DAILY, 1)
    given(services, "ben@example.test", Frequency.IMMEDIATE, 2)
    result = cli("alerts", "run", "--frequency", "immediate", "--now", MONDAY)
    assert result.code == 0, result.err
    assert [m.rcpt_tos for m in smtp.wait_for(1)] == [("ben@example.test",)]
    assert "anna@example.test" not in result.out


def test_failures_are_reported_per_subscriber_and_exit_zero(
    cli: Cli, smtp: SMTPServer, services: Services
) -> None:
    given(services, "anna@example.test", Frequency.IMMEDIATE, 1)
    smtp.reject(550, "5.1.1 No such user", count=1, stage="rcpt")
    bounced = cli("alerts", "run", "--now", MONDAY)
    assert bounced.code == 0, bounced.err
    assert bounced.out.splitlines()[0].startswith("bounced")
    assert "hard bounce 1 of 3" in bounced.out and "550" in bounced.out

    given(services, "ben@example.test", Frequency.IMMEDIATE, 2)
    smtp.down()
    retry = cli("alerts", "run", "--now", "2025-03-03T09:10Z")
    assert retry.code == 0, retry.err
    assert retry.out.splitlines()[0].startswith("retry")
    assert "next try 2025-03-03 09:15 UTC" in retry.out
    assert "1 to retry" in retry.out.splitlines()[-1]


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01"])
def test_a_bad_clock_is_refused(cli: Cli, value: str) -> None:
    result = cli("alerts", "run", "--now", value)
    assert result.code == 2
    assert "--now" in result.err and "ISO 8601" in result.err


def test_a_broken_smtp_url_is_one_line(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPORTWATCH_SMTP_URL", "ftp://relay.example")
    result = cli("alerts", "run")
    assert result.code == 2
    assert result.err.startswith("exportwatch: error: environment: EXPORTWATCH_SMTP_URL")
    assert len(result.err.strip().splitlines()) == 1


def test_parse_now() -> None:
    assert parse_now(None) is None
    assert parse_now("2025-03-03T07:00+01:00") == datetime(2025, 3, 3, 6, tzinfo=UTC)
    assert parse_now("2025-03-03") == datetime(2025, 3, 3, tzinfo=UTC)


def test_lines_name_what_happened() -> None:
    resent = DigestOutcome(1, "a@example.test", "sent", 2, 1, resent=True)
    assert describe_outcome(resent).split() == [
        "re-sent", "a@example.test", "2", "new,", "1", "closing", "soon"
    ]  # fmt: skip
    retry = DigestOutcome(
        1, "a@example.test", "retry", 1, retry_at=datetime(2025, 3, 3, 9, 5, tzinfo=UTC),
        error="127.0.0.1:25: Connection refused", held_back=3,
    )  # fmt: skip
    assert describe_outcome(retry).endswith(
        "next try 2025-03-03 09:05 UTC  3 more wait for the next run: "
        "127.0.0.1:25: Connection refused"
    )
