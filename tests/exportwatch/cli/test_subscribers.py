"""`exportwatch subscribers`: add (double opt-in or --confirmed), list, remove, import."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from exportwatch.alerts.delivery import list_outbox
from exportwatch.cli.main import main
from exportwatch.settings import Settings
from tests.mockserver import SMTPServer

ROOT = Path(__file__).resolve().parents[3]
AGENCY_CSV = ROOT / "tests" / "fixtures" / "alerts" / "subscribers.csv"


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("EXPORTWATCH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EXPORTWATCH_CONFIG_DIR", str(ROOT / "config"))
    monkeypatch.setenv("EXPORTWATCH_SECRET_KEY", "cli-test-secret")
    return settings


@pytest.fixture
def smtp(env: Settings, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch) -> SMTPServer:
    url = f"smtp://{smtp_server.host}:{smtp_server.port}?helo=localhost&timeout=5"
    monkeypatch.setenv("EXPORTWATCH_SMTP_URL", url)
    return smtp_server


Cli = Callable[..., Outcome]


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


def listed(cli: Cli) -> list[dict[str, object]]:
    result = cli("subscribers", "list", "--json")
    assert result.code == 0, result.err
    entries = json.loads(result.out)
    assert isinstance(entries, list)
    return entries


def test_add_sends_only_the_confirmation_request(cli: Cli, smtp: SMTPServer) -> None:
    result = cli(
        "subscribers", "add", "Anna@Molkerei.example", "--name", "Anna Schmidt",
        "--sector", "Milchprodukte", "--market", "Deutschland", "--market", "EU",
        "--home-country", "DE", "--kind", "event", "--keyword", "Bio",
        "--subscription-language", "de", "--frequency", "weekly", "--weekly-day", "friday",
    )  # fmt: skip

    assert result.code == 0, result.err
    assert "Added anna@molkerei.example" in result.out
    assert "confirmation request sent" in result.out
    [sent] = smtp.wait_for(1)
    assert sent.rcpt_tos == ("anna@molkerei.example",)
    [anna] = listed(cli)
    assert (anna["status"], anna["confirmed"], anna["timezone"]) == (
        "pending",
        False,
        "Europe/Berlin",
    )
    assert anna["subscriptions"] == [
        {
            "sectors": ["food.dairy"],
            "markets": ["DE", "EU"],
            "home_country": "DE",
            "kinds": ["event"],
            "keywords": ["Bio"],
            "languages": ["de"],
            "frequency": "weekly",
            "daily_hour": 7,
            "weekly_day": 4,
            "summary": "weekly (Fri 07:00) · sectors food.dairy · markets DE, EU · home DE · "
            "kinds event · keywords Bio · languages de",
        }
    ]


def test_add_confirmed_sends_nothing(cli: Cli, smtp: SMTPServer, env: Settings) -> None:
    result = cli("subscribers", "add", "carl@firma.example", "--confirmed", "--sector", "food")

    assert result.code == 0, result.err
    assert "as confirmed" in result.out and "nothing was sent" in result.out
    assert smtp.messages == []
    assert list_outbox(env.outbox_dir) == []
    [carl] = listed(cli)
    assert (carl["status"], carl["confirmed"]) == ("confirmed", True)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["bob@firma.example", "--sector", "fod"], "did you mean 'food' (Food & beverages)?"),
        (["bob@firma.example", "--market", "Germny"], "did you mean 'DE' (Germany)"),
        (["bob@firma", "--confirmed"], "email: malformed email address 'bob@firma'"),
        (["bob@firma.example", "--frequency", "hourly"], "frequency: must be one of"),
        (["bob@firma.example", "--daily-hour", "25"], "daily-hour: an hour from 0 to 23"),
        (["bob@firma.example", "--timezone", "Mars/Olympus"], "unknown time zone"),
    ],
    ids=["sector", "market", "email", "frequency", "hour", "timezone"],
)
def test_bad_input_is_one_line_and_exit_2(
    cli: Cli, env: Settings, args: list[str], reason: str
) -> None:
    result = cli("subscribers", "add", *args)

    assert result.code == 2
    assert result.err.startswith("exportwatch: error: ")
    assert result.err.count("\n") == 1 and reason in result.err
    assert listed(cli) == []
    assert list_outbox(env.outbox_dir) == []


def test_a_duplicate_address_is_one_line_and_exit_2(cli: Cli) -> None:
    cli("subscribers", "add", "anna@molkerei.example", "--confirmed")

    result = cli("subscribers", "add", "ANNA@molkerei.example")

    assert result.code == 2
    assert result.err == (
        "exportwatch: error: a subscriber with email anna@molkerei.example already exists\n"
    )


def test_remove_deletes_and_says_when_there_is_nobody(cli: Cli) -> None:
    cli("subscribers", "add", "anna@molkerei.example", "--confirmed")

    removed = cli("subscribers", "remove", "Anna@Molkerei.example")
    again = cli("subscribers", "remove", "anna@molkerei.example")

    assert (removed.code, removed.out) == (0, "Removed anna@molkerei.example.\n")
    assert again.code == 2
    assert again.err == "exportwatch: error: no subscriber with email anna@molkerei.example\n"
    assert listed(cli) == []


def test_list_without_subscribers(cli: Cli) -> None:
    result = cli("subscribers", "list")

    assert (result.code, result.out) == (0, "No subscribers.\n")


def test_list_shows_status_and_subscriptions(cli: Cli) -> None:
    cli("subscribers", "add", "anna@molkerei.example", "--confirmed", "--sector", "food")
    cli("subscribers", "add", "bob@firma.example", "--frequency", "immediate")

    result = cli("subscribers", "list")

    assert result.code == 0
    assert "anna@molkerei.example" in result.out and "confirmed" in result.out
    assert "bob@firma.example" in result.out and "pending" in result.out
    assert "immediate" in result.out


def test_import_reports_refused_rows_and_exits_1(cli: Cli, env: Settings) -> None:
    result = cli("subscribers", "import", str(AGENCY_CSV))

    assert result.code == 1
    assert result.out.endswith("6 imported (6 confirmation requests sent), 3 refused\n")
    refused = [line for line in result.err.splitlines() if line.startswith(str(AGENCY_CSV))]
    assert [line.split(":")[1] for line in refused] == ["6", "7", "8"]
    assert "unknown sector 'food.diary' (did you mean 'food.dairy'" in refused[0]
    assert "malformed email address 'joao.silva@vinhos-douro'" in refused[1]
    assert "duplicate address: already on line 2" in refused[2]
    assert "ignored columns: notes" in result.err
    assert len(list_outbox(env.outbox_dir)) == 6
    assert len(listed(cli)) == 6


def test_import_confirmed_sends_nothing(cli: Cli, smtp: SMTPServer) -> None:
    result = cli("subscribers", "import", "--confirmed", str(AGENCY_CSV))

    assert result.code == 1
    assert "6 imported (0 confirmation requests sent), 3 refused" in result.out
    assert smtp.messages == []
    assert {entry["status"] for entry in listed(cli)} == {"confirmed"}


def test_import_dry_run_stores_nothing(cli: Cli) -> None:
    result = cli("subscribers", "import", "--dry-run", str(AGENCY_CSV))

    assert "6 valid, 3 refused (dry run: nothing stored or sent)" in result.out
    assert listed(cli) == []


def test_import_of_a_missing_file_is_one_line_and_exit_2(cli: Cli, tmp_path: Path) -> None:
    result = cli("subscribers", "import", str(tmp_path / "nope.csv"))

    assert result.code == 2
    assert result.err.count("\n") == 1 and "nope.csv: cannot read" in result.err
