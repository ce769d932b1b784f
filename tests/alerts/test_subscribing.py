"""Double opt-in end to end: input checks, the one confirmation email, links, CSV import."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from pydantic import SecretStr

from exportwatch.alerts.delivery import list_outbox
from exportwatch.alerts.i18n import translator
from exportwatch.alerts.subscribing import (
    ConfirmationNotSentError,
    LinkError,
    SubscriptionInputError,
    UnsubscribedAddressError,
    confirm,
    import_csv,
    link_url,
    subscribe,
    unsubscribe,
)
from exportwatch.alerts.tokens import TokenPurpose
from exportwatch.model import Frequency, Kind, Subscription
from exportwatch.services import Services, open_services
from exportwatch.settings import Settings
from exportwatch.store import DuplicateSubscriberError
from exportwatch.store.tables import PendingAlertRow
from tests.exportwatch.store.factories import make_doc
from tests.mockserver import SMTPServer

ROOT = Path(__file__).resolve().parents[2]
AGENCY_CSV = ROOT / "tests" / "fixtures" / "alerts" / "subscribers.csv"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ANNA = {"email": " Anna.Schmidt@Molkerei-Alpen.example ", "name": "Anna Schmidt", "language": "de"}
DAIRY_TO_GERMANY = {"sectors": ["Produits laitiers"], "markets": ["Deutschland", "eu"]}


@pytest.fixture
def mailed(settings: Settings, smtp_server: SMTPServer) -> Iterator[Services]:
    """Services whose email goes to the real SMTP server of the test."""
    url = f"smtp://{smtp_server.host}:{smtp_server.port}?helo=localhost&timeout=5"
    opened = open_services(settings.model_copy(update={"smtp_url": SecretStr(url)}))
    yield opened
    opened.close()


def confirm_token(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    found = re.search(r"/subscriptions/confirm\?token=(\S+)", body.get_content())
    assert found, body.get_content()
    return found.group(1)


def test_an_unconfirmed_subscriber_gets_exactly_the_confirmation_request(
    mailed: Services, smtp_server: SMTPServer
) -> None:
    result = subscribe(mailed, ANNA, DAIRY_TO_GERMANY, now=NOW)

    [sent] = smtp_server.wait_for(1)
    assert result.confirmation_sent
    assert sent.rcpt_tos == ("anna.schmidt@molkerei-alpen.example",)
    assert sent.message["Subject"] == translator("de")("confirm.subject")  # her language
    assert result.subscriber.confirmed_at is None
    assert mailed.store.active_subscriptions() == []  # so matching sends nothing else

    outcome = confirm(mailed, confirm_token(sent.message), now=NOW + timedelta(hours=2))

    assert outcome.changed and outcome.subscriber is not None
    assert outcome.subscriber.confirmed_at == NOW + timedelta(hours=2)
    assert mailed.store.active_subscriptions() == result.subscriptions
    assert len(smtp_server.messages) == 1


def test_names_are_resolved_to_taxonomy_codes(services: Services) -> None:
    result = subscribe(
        services,
        {**ANNA, "language": "de_AT"},
        {**DAIRY_TO_GERMANY, "home_country": "Deutschland", "kinds": "Events"},
        confirmed=True,
    )

    [subscription] = result.subscriptions
    assert (subscription.sectors, subscription.markets) == (["food.dairy"], ["DE", "EU"])
    assert (subscription.home_country, subscription.kinds) == ("DE", [Kind.EVENT])
    assert (result.subscriber.language, result.subscriber.timezone) == ("de-AT", "Europe/Berlin")


def test_confirming_twice_changes_nothing_the_second_time(mailed: Services) -> None:
    result = subscribe(mailed, ANNA, {}, now=NOW)
    assert result.subscriber.id is not None
    token = link_url(mailed.settings, TokenPurpose.CONFIRM, result.subscriber.id, now=NOW)
    token = token.split("token=")[1]
    confirm(mailed, token, now=NOW + timedelta(minutes=5))

    again = confirm(mailed, token, now=NOW + timedelta(days=1))

    assert not again.changed
    assert again.subscriber is not None
    assert again.subscriber.confirmed_at == NOW + timedelta(minutes=5)


def test_an_expired_confirmation_link_is_refused(mailed: Services, smtp_server: SMTPServer) -> None:
    subscribe(mailed, ANNA, {}, now=NOW)
    token = confirm_token(smtp_server.wait_for(1)[0].message)

    with pytest.raises(LinkError, match=r"has expired .*7 days.*subscribe again") as refused:
        confirm(mailed, token, now=NOW + timedelta(days=8))

    assert refused.value.reason == "expired"
    assert mailed.store.active_subscriptions() == []


@pytest.mark.parametrize(
    "tamper",
    [lambda token: token[:-2], lambda token: "2" + token[1:], lambda token: token + "x"],
    ids=["cut", "other-id", "appended"],
)
def test_an_altered_confirmation_link_is_refused(
    mailed: Services, smtp_server: SMTPServer, tamper: Callable[[str], str]
) -> None:
    subscribe(mailed, ANNA, {}, now=NOW)
    token = confirm_token(smtp_server.wait_for(1)[0].message)

    with pytest.raises(LinkError, match="not valid: it may have been cut or altered"):
        confirm(mailed, tamper(token), now=NOW)
    assert mailed.store.active_subscriptions() == []


def test_an_unsubscribe_link_cannot_confirm(services: Services) -> None:
    result = subscribe(services, ANNA, {}, now=NOW)
    assert result.subscriber.id is not None
    url = link_url(services.settings, TokenPurpose.UNSUBSCRIBE, result.subscriber.id, now=NOW)

    with pytest.raises(LinkError) as refused:
        confirm(services, url.split("token=")[1], now=NOW)
    assert refused.value.reason == "invalid"


def test_confirmed_subscribers_are_sent_nothing(mailed: Services, smtp_server: SMTPServer) -> None:
    result = subscribe(mailed, ANNA, DAIRY_TO_GERMANY, confirmed=True, now=NOW)

    assert not result.confirmation_sent
    assert result.subscriber.confirmed_at == NOW
    assert mailed.store.active_subscriptions() == result.subscriptions
    assert smtp_server.messages == []
    assert list_outbox(mailed.settings.outbox_dir) == []


def test_without_smtp_the_request_goes_to_the_outbox(services: Services) -> None:
    subscribe(services, ANNA, {}, now=NOW)

    [written] = list_outbox(services.settings.outbox_dir)
    assert written.to == "Anna Schmidt <anna.schmidt@molkerei-alpen.example>"


def test_bad_input_names_every_field_and_stores_and_sends_nothing(
    mailed: Services, smtp_server: SMTPServer
) -> None:
    with pytest.raises(SubscriptionInputError) as refused:
        subscribe(
            mailed,
            {"email": "anna@molkerei", "timezone": "Europe/Berln"},
            {"sectors": ["fod"], "markets": ["Germny", "EU"], "frequency": "hourly"},
        )

    problems = {problem.label: problem.message for problem in refused.value.problems}
    assert set(problems) == {"email", "timezone", "sector", "market", "frequency"}
    assert problems["sector"] == "unknown sector 'fod' (did you mean 'food' (Food & beverages)?)"
    assert "'DE' (Germany)" in problems["market"]
    assert "'Europe/Berlin'" in problems["timezone"]
    assert "\n" not in str(refused.value)
    assert mailed.store.list_subscribers() == []
    assert smtp_server.messages == []


def test_a_home_country_must_be_a_country(services: Services) -> None:
    with pytest.raises(SubscriptionInputError, match="home-country: must be one country"):
        subscribe(services, ANNA, {"home_country": "EU"})


def test_a_duplicate_address_is_refused_and_not_mailed_again(
    mailed: Services, smtp_server: SMTPServer
) -> None:
    subscribe(mailed, ANNA, {}, now=NOW)

    with pytest.raises(DuplicateSubscriberError, match="already exists"):
        subscribe(mailed, {"email": "ANNA.schmidt@molkerei-alpen.example"}, {}, confirmed=True)
    assert len(smtp_server.wait_for(1)) == 1


def test_when_the_relay_is_down_nothing_is_kept(mailed: Services, smtp_server: SMTPServer) -> None:
    smtp_server.down()
    with pytest.raises(
        ConfirmationNotSentError,
        match=r"not sent \(.*\); anna\S+ was not subscribed$",
    ):
        subscribe(mailed, ANNA, DAIRY_TO_GERMANY, now=NOW)
    assert mailed.store.list_subscribers() == []

    smtp_server.up()
    assert subscribe(mailed, ANNA, DAIRY_TO_GERMANY, now=NOW).confirmation_sent


def test_unsubscribing_stops_everything_and_is_idempotent(services: Services) -> None:
    result = subscribe(services, ANNA, {}, confirmed=True, now=NOW)
    anna, [subscription] = result.subscriber, result.subscriptions
    assert anna.id is not None and subscription.id is not None
    services.store.save_documents([make_doc(1)])
    with services.store.session() as session:
        session.add(
            PendingAlertRow(
                subscription_id=subscription.id,
                subscriber_id=anna.id,
                document_id="doc-00001",
                reason="Sector: Food & beverages",
            )
        )
    token = link_url(services.settings, TokenPurpose.UNSUBSCRIBE, anna.id).split("token=")[1]

    first = unsubscribe(services, token, now=NOW + timedelta(days=30))
    again = unsubscribe(services, token, now=NOW + timedelta(days=31))

    assert first.changed and not again.changed
    assert again.subscriber is not None
    assert again.subscriber.unsubscribed_at == NOW + timedelta(days=30)
    assert services.store.active_subscriptions() == []
    assert services.store.pending_for(anna.id) == []


def test_an_old_confirmation_link_cannot_undo_an_unsubscribe(
    mailed: Services, smtp_server: SMTPServer
) -> None:
    result = subscribe(mailed, ANNA, {}, now=NOW)
    assert result.subscriber.id is not None
    token = confirm_token(smtp_server.wait_for(1)[0].message)
    leave = link_url(mailed.settings, TokenPurpose.UNSUBSCRIBE, result.subscriber.id, now=NOW)
    unsubscribe(mailed, leave.split("token=")[1], now=NOW)

    with pytest.raises(LinkError, match="has unsubscribed") as refused:
        confirm(mailed, token, now=NOW + timedelta(hours=1))
    assert refused.value.reason == "unsubscribed"


def test_an_unsubscribed_address_can_subscribe_again_only_with_double_opt_in(
    mailed: Services, smtp_server: SMTPServer
) -> None:
    first = subscribe(mailed, ANNA, {}, confirmed=True, now=NOW)
    assert first.subscriber.id is not None
    leave = link_url(mailed.settings, TokenPurpose.UNSUBSCRIBE, first.subscriber.id, now=NOW)
    unsubscribe(mailed, leave.split("token=")[1], now=NOW)

    with pytest.raises(UnsubscribedAddressError, match="unsubscribed on 2025-03-03"):
        subscribe(mailed, ANNA, {}, confirmed=True)
    again = subscribe(mailed, ANNA, {"frequency": "weekly"}, now=NOW + timedelta(days=2))

    assert again.subscriber.id == first.subscriber.id  # its delivery history still counts
    assert again.confirmation_sent and again.subscriber.confirmed_at is None
    assert [s.frequency for s in mailed.store.subscriptions_of(first.subscriber.id)] == [
        Frequency.WEEKLY
    ]
    assert len(smtp_server.wait_for(1)) == 1


def test_unsubscribing_a_removed_subscriber_is_a_no_op(services: Services) -> None:
    result = subscribe(services, ANNA, {}, confirmed=True)
    assert result.subscriber.id is not None
    url = link_url(services.settings, TokenPurpose.UNSUBSCRIBE, result.subscriber.id)
    services.store.remove_subscriber(result.subscriber.email)

    outcome = unsubscribe(services, url.split("token=")[1])

    assert (outcome.subscriber, outcome.changed) == (None, False)


def test_links_point_at_the_web_pages(services: Services) -> None:
    url = link_url(services.settings, TokenPurpose.CONFIRM, 42)

    assert re.fullmatch(r"http://127\.0\.0\.1:8000/subscriptions/confirm\?token=[\w.-]+", url)


def test_csv_import_reports_each_refused_row(services: Services) -> None:
    ticks: list[tuple[int, int]] = []

    report = import_csv(
        services, AGENCY_CSV, now=NOW, progress=lambda done, total: ticks.append((done, total))
    )

    assert report.problem is None and report.ignored_columns == ["notes"]
    refused = {row.line: (row.email, row.error) for row in report.failed}
    assert refused == {
        6: (
            "maria.garcia@aceites-garcia.example",
            "sector: unknown sector 'food.diary' (did you mean 'food.dairy' (Dairy)?)",
        ),
        7: (
            "joao.silva@vinhos-douro",
            "email: malformed email address 'joao.silva@vinhos-douro': The part after the "
            "@-sign is not valid. It should have a period.",
        ),
        8: ("Anna.Schmidt@Molkerei-Alpen.example", "duplicate address: already on line 2"),
    }
    assert [row.line for row in report.imported] == [2, 3, 4, 5, 9, 10]
    assert all(row.confirmation_sent for row in report.imported)
    assert len(list_outbox(services.settings.outbox_dir)) == 6
    assert ticks[-1] == (9, 9) and len(ticks) == 9


def test_csv_lists_and_languages_are_read_per_column(services: Services) -> None:
    import_csv(services, AGENCY_CSV, confirmed=True, now=NOW)

    anna = services.store.get_subscriber("anna.schmidt@molkerei-alpen.example")
    lars = services.store.get_subscriber("lars.hansen@fjordfisk.example")
    emma = services.store.get_subscriber("emma.clarke@clarke-textiles.example")
    assert anna is not None and anna.id is not None and lars is not None and emma is not None
    assert services.store.subscriptions_of(anna.id) == [
        Subscription(
            id=1,
            subscriber_id=anna.id,
            sectors=["food.dairy", "food.beverages"],
            markets=["FR", "AT", "BENELUX"],
            home_country="DE",
            kinds=[Kind.EVENT, Kind.FINANCE],
            keywords=["Bio", "Käse"],
            languages=["de", "en"],
            frequency=Frequency.WEEKLY,
            daily_hour=8,
            weekly_day=0,
        )
    ]
    assert (lars.language, lars.timezone, lars.confirmed_at) == ("nb", "Europe/Oslo", NOW)
    assert (emma.organisation, emma.language) == ("Clarke Textiles, Ltd", "en-GB")


def test_csv_import_with_confirmed_sends_nothing(services: Services) -> None:
    report = import_csv(services, AGENCY_CSV, confirmed=True)

    assert len(report.imported) == 6 and not any(r.confirmation_sent for r in report.imported)
    assert list_outbox(services.settings.outbox_dir) == []
    assert len(services.store.active_subscriptions()) == 6


def test_a_dry_run_checks_rows_against_the_store_but_stores_nothing(services: Services) -> None:
    subscribe(services, {"email": "jean.dupont@fromagerie-dupont.example"}, {}, confirmed=True)

    report = import_csv(services, AGENCY_CSV, dry_run=True)

    assert [row.line for row in report.failed] == [3, 6, 7, 8]
    assert "already exists" in str(report.failed[0].error)
    assert len(services.store.list_subscribers()) == 1
    assert list_outbox(services.settings.outbox_dir) == []


def test_semicolon_delimited_exports_use_the_pipe_for_lists(
    services: Services, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("E-Mail;Sectors;Markets\r\nkim@bakery.example;food|textiles;Japan|KR\r\n")

    report = import_csv(services, path, confirmed=True)

    assert report.failed == []
    kim = services.store.get_subscriber("kim@bakery.example")
    assert kim is not None and kim.id is not None
    [subscription] = services.store.subscriptions_of(kim.id)
    assert (subscription.sectors, subscription.markets) == (["food", "textiles"], ["JP", "KR"])


def test_rows_without_an_address_say_so(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_text("email,name\n,Anna\n,Bob\nbob@firma.example,Bob,extra\n")

    report = import_csv(services, path, confirmed=True)

    assert [(row.line, row.error) for row in report.rows] == [
        (2, "email: an email address is required"),
        (3, "email: an email address is required"),
        (4, "more cells than the header has columns"),
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("email,name\nmüller@firma.example,Jörg Müller\n".encode("latin-1"), "not UTF-8"),
        (b"name,sector\nAnna,food\n", "no 'email' column"),
        (b"", "empty file"),
    ],
    ids=["latin-1", "no-email-column", "empty"],
)
def test_an_unreadable_file_is_one_problem(
    services: Services, tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "clients.csv"
    path.write_bytes(content)

    report = import_csv(services, path)

    assert report.problem is not None and problem in report.problem
    assert report.rows == []
