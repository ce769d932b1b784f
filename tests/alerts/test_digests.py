"""Digest runs against a real SMTP server: combining, scheduling, reminders, exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from pydantic import SecretStr
from sqlalchemy import func, insert, select

from exportwatch.alerts.delivery import SmtpTransport
from exportwatch.alerts.digest_model import Digest
from exportwatch.alerts.digests import (
    MAX_ITEMS,
    DigestRunReport,
    plan_digest,
    retry_delay,
    run_digests,
)
from exportwatch.alerts.messages import digest_message
from exportwatch.alerts.reasons import Reason, encode_reasons
from exportwatch.errors import ConfigError
from exportwatch.model import Document, Frequency, Kind, Subscriber, Subscription
from exportwatch.services import Services
from exportwatch.settings import Settings
from exportwatch.store import Store
from exportwatch.store.digests import BOUNCE_LIMIT
from exportwatch.store.tables import DeliveryRow, DigestRow, PendingAlertRow
from exportwatch.taxonomy import Taxonomy
from tests.exportwatch.store.factories import make_doc
from tests.mockserver import SMTPServer
from tests.mockserver.smtp import CapturedMessage

MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
REASON = encode_reasons([Reason("sector", "food"), Reason("market", "DE", "EU")])
SOURCES = {"example-fairs": "Example Fairs"}


class Crash(Exception):
    """The process dies right after the relay accepted a message."""


@dataclass
class CrashAfterSend:
    """A transport that hands the message over, then dies before anything is recorded."""

    inner: SmtpTransport

    def send(self, message: EmailMessage) -> None:
        self.inner.send(message)
        raise Crash(message["Message-ID"])


@dataclass
class Hit:
    """A match as the store needs it (see PendingMatch)."""

    subscription_id: int
    subscriber_id: int
    document_id: str
    reason: str = REASON


@pytest.fixture
def relay(smtp_server: SMTPServer) -> SmtpTransport:
    return SmtpTransport(f"smtp://{smtp_server.host}:{smtp_server.port}?helo=localhost", timeout=5)


def enrol(
    store: Store, email: str, *subscriptions: Subscription, timezone: str = "UTC"
) -> tuple[int, list[int]]:
    """A confirmed subscriber; returns their id and their subscriptions' ids."""
    person, subs = store.enrol_subscriber(
        Subscriber(None, email, name="Anna", timezone=timezone),
        list(subscriptions) or [Subscription(None, None, frequency=Frequency.IMMEDIATE)],
        confirmed=True,
        now=MONDAY - timedelta(days=30),
    )
    assert person.id is not None
    return person.id, [sub.id for sub in subs if sub.id is not None]


def daily(hour: int = 7) -> Subscription:
    return Subscription(None, None, frequency=Frequency.DAILY, daily_hour=hour)


def weekly(day: int, hour: int = 7) -> Subscription:
    return Subscription(None, None, frequency=Frequency.WEEKLY, daily_hour=hour, weekly_day=day)


def immediate() -> Subscription:
    return Subscription(None, None, frequency=Frequency.IMMEDIATE)


def pend(
    store: Store, subscriber: int, subscription: int, *documents: Document, at: datetime
) -> None:
    store.save_documents(list(documents), now=at)
    store.add_pending([Hit(subscription, subscriber, doc.id) for doc in documents], at)


def finance(number: int, deadline: date, **changes: object) -> Document:
    fields: dict[str, object] = {"starts_on": None, "ends_on": None, "venue": None}
    return make_doc(
        number,
        kind=Kind.FINANCE,
        title=f"Export credit {number}",
        deadline=deadline,
        **{**fields, **changes},
    )


def regulation(number: int, effective: date) -> Document:
    return make_doc(
        number,
        kind=Kind.REGULATION,
        title=f"Labelling rule {number}",
        starts_on=None,
        ends_on=None,
        deadline=None,
        venue=None,
        effective_on=effective,
    )


def run(services: Services, transport: object, now: datetime, **options: object) -> DigestRunReport:
    return run_digests(
        services,
        transport=transport,  # type: ignore[arg-type]
        now=now,
        source_names=SOURCES,
        **options,  # type: ignore[arg-type]
    )


def text_of(captured: CapturedMessage) -> str:
    body = captured.message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def count(store: Store, table: type[object]) -> int:
    with store.read_session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_one_email_combines_due_subscriptions_grouped_and_sorted(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    anna, (every_day, at_once) = enrol(
        store, "anna@example.test", daily(7), immediate(), timezone="Europe/Berlin"
    )
    before_slot = MONDAY.replace(hour=5)  # 06:00 in Berlin: before the 07:00 digest
    late_fair = make_doc(1, title="Autumn fair", starts_on=date(2025, 10, 4))
    early_fair = make_doc(2, title="Spring fair", starts_on=date(2025, 5, 1))
    pend(store, anna, every_day, late_fair, early_fair, at=before_slot)
    pend(
        store,
        anna,
        at_once,
        regulation(3, date(2025, 9, 1)),
        regulation(4, date(2025, 7, 1)),
        finance(5, date(2025, 6, 1)),
        finance(6, date(2025, 4, 15)),
        at=MONDAY,
    )

    report = run(services, relay, MONDAY)

    [outcome] = report.outcomes
    assert (outcome.status, outcome.items, outcome.email) == ("sent", 6, "anna@example.test")
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ("anna@example.test",)
    assert mail.message["Message-ID"] == outcome.message_id
    assert mail.message["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/subscriptions/")
    text = text_of(mail)
    order = [
        "Trade fairs and events", "Spring fair", "Autumn fair",
        "Export finance", "Export credit 6", "Export credit 5",
        "Market regulations", "Labelling rule 4", "Labelling rule 3",
    ]  # fmt: skip
    positions = [text.index(heading) for heading in order]
    assert positions == sorted(positions)
    assert "Dates: Oct 4" in text and "Deadline: Jun 30, 2025" in text  # key dates
    assert "Place: Koelnmesse, Köln, Germany" in text
    assert "Source: Example Fairs – Koelnmesse GmbH" in text
    assert "https://example.org/events/2" in text
    assert "Why you get this: Sector: Food" in text and "Germany (EU)" in text
    assert store.unsent_digests() == []  # marked sent
    assert store.pending_for(anna) == []
    # Served up to the latest slot it combined: the immediate one's, the run's time.
    assert store.last_digest_at(anna, Frequency.DAILY) == MONDAY
    assert run(services, relay, MONDAY + timedelta(minutes=5)).outcomes == []


def test_daily_digests_go_at_each_subscribers_local_hour(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    jakarta, [j_sub] = enrol(store, "budi@example.test", daily(7), timezone="Asia/Jakarta")
    berlin, [b_sub] = enrol(store, "clara@example.test", daily(7), timezone="Europe/Berlin")
    evening = datetime(2025, 3, 2, 20, 0, tzinfo=UTC)
    pend(store, jakarta, j_sub, make_doc(1), at=evening)
    pend(store, berlin, b_sub, make_doc(2), at=evening)

    def recipients(now: datetime) -> list[str]:
        return [o.email for o in run(services, relay, now).outcomes if o.status == "sent"]

    assert recipients(datetime(2025, 3, 3, 0, 30, tzinfo=UTC)) == ["budi@example.test"]
    assert recipients(datetime(2025, 3, 3, 3, 0, tzinfo=UTC)) == []  # 04:00 in Berlin
    assert recipients(datetime(2025, 3, 3, 6, 5, tzinfo=UTC)) == ["clara@example.test"]
    assert recipients(datetime(2025, 3, 3, 7, 0, tzinfo=UTC)) == []
    assert [m.rcpt_tos for m in smtp_server.messages] == [
        ("budi@example.test",),
        ("clara@example.test",),
    ]


def test_matches_after_the_slot_wait_for_the_next_one(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    dora, [sub] = enrol(store, "dora@example.test", daily(7))
    pend(store, dora, sub, make_doc(1), at=MONDAY.replace(hour=10))  # after today's 07:00
    assert run(services, relay, MONDAY.replace(hour=11)).outcomes == []
    tuesday = MONDAY + timedelta(days=1)
    assert [o.items for o in run(services, relay, tuesday).outcomes] == [1]


def test_weekly_items_wait_for_their_day_even_when_a_daily_digest_goes(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    emil, (every_day, wednesdays) = enrol(store, "emil@example.test", daily(7), weekly(2))
    early = MONDAY.replace(hour=5)
    pend(store, emil, every_day, make_doc(1, title="Daily fair"), at=early)
    pend(store, emil, wednesdays, make_doc(2, title="Weekly fair"), at=early)

    monday = run(services, relay, MONDAY)
    assert [o.items for o in monday.outcomes] == [1]
    assert "Daily fair" in text_of(smtp_server.wait_for(1)[0])
    assert run(services, relay, MONDAY + timedelta(days=1)).outcomes == []  # Tuesday
    wednesday = run(services, relay, MONDAY + timedelta(days=2))
    assert [o.items for o in wednesday.outcomes] == [1]
    assert "Weekly fair" in text_of(smtp_server.wait_for(2)[1])
    assert store.last_digest_at(emil, Frequency.WEEKLY) == datetime(2025, 3, 5, 7, tzinfo=UTC)


def test_immediate_alerts_go_with_the_next_run(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    fay, [sub] = enrol(store, "fay@example.test", immediate())
    pend(store, fay, sub, make_doc(1), at=MONDAY)
    assert [o.status for o in run(services, relay, MONDAY + timedelta(minutes=1)).outcomes] == [
        "sent"
    ]
    pend(store, fay, sub, make_doc(2), at=MONDAY + timedelta(minutes=2))
    second = run(services, relay, MONDAY + timedelta(minutes=3))
    assert [(o.status, o.items) for o in second.outcomes] == [("sent", 1)]
    assert run(services, relay, MONDAY + timedelta(minutes=4)).outcomes == []
    ids = [m.message["Message-ID"] for m in smtp_server.wait_for(2)]
    assert len(set(ids)) == 2


def test_closing_soon_reminds_once_of_deadlines_sent_earlier(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    gil, [sub] = enrol(store, "gil@example.test", daily(7))
    early = MONDAY.replace(hour=5)
    pend(store, gil, sub, finance(1, date(2025, 3, 25)), finance(2, date(2025, 4, 10)), at=early)
    assert [o.items for o in run(services, relay, MONDAY).outcomes] == [2]

    # 14 days later: a new item; the first deadline (in 8 days) is reminded of with it.
    day_14 = MONDAY + timedelta(days=14)
    pend(store, gil, sub, make_doc(3, title="New fair"), at=day_14.replace(hour=5))
    [with_new] = run(services, relay, day_14).outcomes
    assert (with_new.items, with_new.closing_soon) == (1, 1)
    text = text_of(smtp_server.wait_for(2)[1])
    closing = text.index("Closing soon")
    assert closing < text.index("Export credit 1") < text.index("Trade fairs and events")
    assert "Export credit 2" not in text
    assert "Deadline: Mar 25, 2025 (in 8 days)" in text
    assert "Why you get this: Sector: Food" in text[closing:]

    assert run(services, relay, day_14 + timedelta(days=1)).outcomes == []  # nothing new
    # The second deadline comes within 14 days: a reminder goes alone at the daily hour.
    day_27 = MONDAY + timedelta(days=27)
    [alone] = run(services, relay, day_27).outcomes
    assert (alone.items, alone.closing_soon) == (0, 1)
    reminder = smtp_server.wait_for(3)[2]
    assert reminder.message["Subject"] == "1 deadline closing soon"
    assert "Export credit 2" in text_of(reminder)
    assert run(services, relay, day_27 + timedelta(days=1)).outcomes == []


def test_a_crash_between_send_and_record_resends_the_same_message_once(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    hana, [h_sub] = enrol(store, "hana@example.test")
    ivo, [i_sub] = enrol(store, "ivo@example.test")
    pend(store, hana, h_sub, make_doc(1), make_doc(2), at=MONDAY)
    pend(store, ivo, i_sub, make_doc(3), at=MONDAY)

    with pytest.raises(Crash):
        run(services, CrashAfterSend(relay), MONDAY)
    [accepted] = smtp_server.wait_for(1)
    owed = store.unsent_digests(MONDAY)
    assert [(r.subscriber_id, r.message_id) for r in owed] == [
        (hana, accepted.message["Message-ID"])
    ]

    later = MONDAY + timedelta(minutes=5)
    second = run(services, relay, later)
    assert [(o.email, o.status, o.resent) for o in second.outcomes] == [
        ("hana@example.test", "sent", True),
        ("ivo@example.test", "sent", False),
    ]
    messages = smtp_server.wait_for(3)
    assert [m.message["Message-ID"] for m in messages[:2]] == [accepted.message["Message-ID"]] * 2
    assert text_of(messages[1]) == text_of(messages[0]).replace(
        *_token_lines(text_of(messages[0]), text_of(messages[1]))
    )
    assert messages[2].rcpt_tos == ("ivo@example.test",)
    assert run(services, relay, later + timedelta(minutes=5)).outcomes == []
    assert len(smtp_server.messages) == 3
    assert count(store, DeliveryRow) == 3 and count(store, PendingAlertRow) == 0


def _token_lines(first: str, second: str) -> tuple[str, str]:
    """The re-sent copy differs only in its freshly signed links (or not at all)."""
    changed = [(a, b) for a, b in zip(first.splitlines(), second.splitlines(), strict=True)]
    different = [(a, b) for a, b in changed if a != b]
    assert all("token=" in a for a, _ in different)
    return ("\n".join(a for a, _ in different), "\n".join(b for _, b in different))


def test_an_smtp_outage_delays_and_retries_with_backoff(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    jan, [sub] = enrol(store, "jan@example.test")
    pend(store, jan, sub, make_doc(1), at=MONDAY)
    smtp_server.down()

    [first] = run(services, relay, MONDAY).outcomes
    assert first.status == "retry" and first.retry_at == MONDAY + timedelta(minutes=5)
    assert "Connection refused" in (first.error or "")
    assert run(services, relay, MONDAY + timedelta(minutes=4)).outcomes == []
    [second] = run(services, relay, MONDAY + timedelta(minutes=5)).outcomes
    assert second.retry_at == MONDAY + timedelta(minutes=15)  # doubled
    smtp_server.up()
    assert run(services, relay, MONDAY + timedelta(minutes=10)).outcomes == []  # waits
    [third] = run(services, relay, MONDAY + timedelta(minutes=15)).outcomes
    assert (third.status, third.resent, third.message_id) == ("sent", True, first.message_id)
    assert run(services, relay, MONDAY + timedelta(hours=1)).outcomes == []
    [mail] = smtp_server.wait_for(1)
    assert mail.message["Message-ID"] == first.message_id and len(smtp_server.messages) == 1
    assert count(store, DigestRow) == 1 and count(store, PendingAlertRow) == 0


def test_new_alerts_wait_behind_an_owed_digest(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    sam, [sub] = enrol(store, "sam@example.test")
    pend(store, sam, sub, make_doc(1), at=MONDAY)
    smtp_server.down()
    run(services, relay, MONDAY)
    smtp_server.up()
    pend(store, sam, sub, make_doc(2), at=MONDAY + timedelta(minutes=1))
    assert run(services, relay, MONDAY + timedelta(minutes=2)).outcomes == []
    [owed] = run(services, relay, MONDAY + timedelta(minutes=5)).outcomes  # one email a run
    assert (owed.resent, owed.items) == (True, 1)
    [new] = run(services, relay, MONDAY + timedelta(minutes=6)).outcomes
    assert (new.resent, new.items) == (False, 1)
    assert ["Trade fair 1" in text_of(m) for m in smtp_server.wait_for(2)] == [True, False]


def test_a_relay_that_is_down_ends_the_run_early(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    for number in range(5):
        person, [sub] = enrol(store, f"p{number}@example.test")
        pend(store, person, sub, make_doc(number), at=MONDAY)
    smtp_server.down()
    report = run(services, relay, MONDAY)
    assert [o.status for o in report.outcomes] == ["retry"] * 3
    assert report.relay_down and report.waiting == 2
    assert count(store, DigestRow) == 3  # the others' alerts simply stay pending
    smtp_server.up()
    later = run(services, relay, MONDAY + timedelta(minutes=5))
    assert [(o.status, o.resent) for o in later.outcomes] == [("sent", True)] * 3 + [
        ("sent", False)
    ] * 2
    assert len(smtp_server.wait_for(5)) == 5


def test_4xx_at_rcpt_is_temporary(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    kim, [sub] = enrol(store, "kim@example.test")
    pend(store, kim, sub, make_doc(1), at=MONDAY)
    smtp_server.reject(450, "4.2.1 Mailbox busy", count=1, stage="rcpt")
    [outcome] = run(services, relay, MONDAY).outcomes
    assert outcome.status == "retry" and "450 at RCPT" in (outcome.error or "")
    state = store.address_state(kim)
    assert state is not None and state.hard_bounces == 0
    [retried] = run(services, relay, MONDAY + timedelta(minutes=5)).outcomes
    assert retried.status == "sent"
    assert len(smtp_server.wait_for(1)) == 1


def test_5xx_at_data_is_retried_not_counted_as_a_bounce(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    lea, [sub] = enrol(store, "lea@example.test")
    pend(store, lea, sub, make_doc(1), at=MONDAY)
    smtp_server.reject(554, "5.7.1 Content rejected", count=1, stage="data")
    [outcome] = run(services, relay, MONDAY).outcomes
    assert outcome.status == "retry"
    state = store.address_state(lea)
    assert state is not None and state.hard_bounces == 0


def test_hard_bounces_disable_the_address_at_the_limit(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    max_, [sub] = enrol(store, "max@example.test")
    pend(store, max_, sub, make_doc(1), at=MONDAY)
    smtp_server.reject(550, "5.1.1 No such user", stage="rcpt")
    statuses = []
    for day in range(BOUNCE_LIMIT):
        now = MONDAY + timedelta(days=day, minutes=day)
        [outcome] = run(services, relay, now).outcomes
        statuses.append((outcome.status, outcome.hard_bounces))
        assert run(services, relay, now + timedelta(hours=1)).outcomes == []  # a pause
    assert statuses == [("bounced", 1), ("bounced", 2), ("disabled", 3)]
    smtp_server.reset()
    assert run(services, relay, MONDAY + timedelta(days=10)).outcomes == []
    assert smtp_server.messages == []
    assert len(store.pending_for(max_)) == 1 and count(store, DeliveryRow) == 0


def test_a_delivered_document_is_never_sent_again(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    nia, (at_once, wednesdays) = enrol(store, "nia@example.test", immediate(), weekly(2))
    pend(store, nia, at_once, make_doc(1), at=MONDAY)
    assert [o.items for o in run(services, relay, MONDAY).outcomes] == [1]
    pend(store, nia, at_once, make_doc(1), at=MONDAY + timedelta(hours=1))  # matched again
    pend(store, nia, wednesdays, make_doc(1), at=MONDAY + timedelta(hours=1))
    assert store.pending_for(nia) == []
    with store.session() as session:  # a match that raced the send slipped through
        session.execute(
            insert(PendingAlertRow).values(
                subscription_id=wednesdays,
                subscriber_id=nia,
                document_id=make_doc(1).id,
                reason=REASON,
                matched_at=MONDAY + timedelta(hours=1),
            )
        )
    assert run(services, relay, MONDAY + timedelta(days=2)).outcomes == []
    assert len(smtp_server.messages) == 1
    assert store.pending_for(nia) == []  # the stale alert is gone too


def test_a_dry_run_stores_and_sends_nothing(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    olga, [sub] = enrol(store, "olga@example.test")
    pend(store, olga, sub, make_doc(1), make_doc(2), at=MONDAY)
    report = run(services, relay, MONDAY, dry_run=True)
    assert [(o.status, o.items) for o in report.outcomes] == [("would_send", 2)]
    assert report.dry_run and smtp_server.messages == []
    assert count(store, DigestRow) == 0 and count(store, DeliveryRow) == 0
    assert len(store.pending_for(olga)) == 2
    assert [o.status for o in run(services, relay, MONDAY).outcomes] == ["sent"]


def test_a_dry_run_lists_what_would_be_sent_again(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    pia, [sub] = enrol(store, "pia@example.test")
    pend(store, pia, sub, make_doc(1), at=MONDAY)
    with pytest.raises(Crash):
        run(services, CrashAfterSend(relay), MONDAY)
    report = run_digests(services, now=MONDAY, dry_run=True)  # no transport needed
    assert [(o.status, o.resent) for o in report.outcomes] == [("would_send", True)]
    assert len(store.unsent_digests(MONDAY)) == 1 and len(smtp_server.messages) == 1


def test_at_most_40_items_per_email_the_rest_next_run(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    quinn, [sub] = enrol(store, "quinn@example.test")
    docs = [make_doc(number) for number in range(1, 46)]
    for number, doc in enumerate(docs):
        pend(store, quinn, sub, doc, at=MONDAY + timedelta(seconds=number))
    [first] = run(services, relay, MONDAY + timedelta(minutes=1)).outcomes
    assert (first.items, first.held_back) == (MAX_ITEMS, 5)
    assert "Trade fair 1\n" in text_of(smtp_server.wait_for(1)[0])  # oldest matches first
    [rest] = run(services, relay, MONDAY + timedelta(minutes=2)).outcomes
    assert (rest.items, rest.held_back) == (5, 0)
    assert "Trade fair 45" in text_of(smtp_server.wait_for(2)[1])


def test_an_owed_digest_of_someone_who_unsubscribed_is_dropped(
    services: Services, relay: SmtpTransport, smtp_server: SMTPServer
) -> None:
    store = services.store
    rui, [sub] = enrol(store, "rui@example.test")
    pend(store, rui, sub, make_doc(1), at=MONDAY)
    smtp_server.down()
    run(services, relay, MONDAY)
    smtp_server.up()
    assert store.unsubscribe_subscriber(rui, MONDAY)
    assert run(services, relay, MONDAY + timedelta(hours=1)).outcomes == []
    assert store.unsent_digests() == [] and smtp_server.messages == []
    assert count(store, DeliveryRow) == 0


def test_retry_delay_doubles_up_to_six_hours() -> None:
    minutes = [retry_delay(n) / timedelta(minutes=1) for n in range(1, 9)]
    assert minutes == [5, 10, 20, 40, 80, 160, 320, 360]
    assert retry_delay(500) == timedelta(hours=6)


def test_a_broken_smtp_url_stops_the_run(services: Services, settings: Settings) -> None:
    @dataclass
    class Broken:
        settings: Settings
        taxonomy: Taxonomy
        store: Store

    bad = settings.model_copy(update={"smtp_url": SecretStr("ftp://relay.example")})
    with pytest.raises(ConfigError, match="EXPORTWATCH_SMTP_URL"):
        run_digests(Broken(bad, services.taxonomy, services.store), now=MONDAY)


def test_plan_needs_something_due_and_ready() -> None:
    subscriber = Subscriber(1, "a@example.test")
    assert plan_digest(subscriber, [], [], list) is None


def test_a_capped_digest_says_how_many_items_wait(
    services: Services, relay: SmtpTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    composed: list[Digest] = []

    def keep(digest: Digest, *, mail_from: str) -> EmailMessage:
        composed.append(digest)
        return digest_message(digest, mail_from=mail_from)

    monkeypatch.setattr("exportwatch.alerts.digests.digest_message", keep)
    store = services.store
    quinn, [sub] = enrol(store, "quinn@example.test")
    for number in range(1, 46):
        pend(store, quinn, sub, make_doc(number), at=MONDAY + timedelta(seconds=number))

    run(services, relay, MONDAY + timedelta(minutes=1))
    run(services, relay, MONDAY + timedelta(minutes=2))

    assert [(d.new_count, d.more_waiting) for d in composed] == [(MAX_ITEMS, 5), (5, 0)]
