"""Digest bookkeeping: intent with deliveries in one step, sent, retried, bounced, reminders."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

import exportwatch.store.digests as digests_module
from exportwatch.model import Frequency, Subscriber, Subscription
from exportwatch.store import Store
from exportwatch.store.digests import BOUNCE_LIMIT, BOUNCE_PAUSE
from exportwatch.store.tables import DeliveryRow, DigestRow, PendingAlertRow
from tests.exportwatch.store.factories import NOW, make_doc

SLOT = NOW.replace(hour=6)
REASON = '[["sector","food"]]'


@dataclass(frozen=True)
class Hit:
    """A match as the store needs it (see PendingMatch)."""

    subscription_id: int
    subscriber_id: int
    document_id: str
    reason: str = REASON


@dataclass
class Person:
    id: int
    daily: int
    weekly: int


def given_person(store: Store, email: str = "anna@example.org") -> Person:
    """A confirmed subscriber with a daily and a weekly subscription; documents 1-5 stored."""
    subscriber, subs = store.enrol_subscriber(
        Subscriber(None, email),
        [Subscription(None, None), Subscription(None, None, frequency=Frequency.WEEKLY)],
        confirmed=True,
        now=NOW,
    )
    store.save_documents([make_doc(n) for n in range(1, 6)], now=NOW)
    assert subscriber.id is not None and subs[0].id is not None and subs[1].id is not None
    return Person(subscriber.id, subs[0].id, subs[1].id)


def pend(store: Store, person: Person, *numbers: int, subscription: int | None = None) -> None:
    hits = [Hit(subscription or person.daily, person.id, make_doc(n).id) for n in numbers]
    store.add_pending(hits, NOW)


def count(store: Store, table: type[object]) -> int:
    with store.read_session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def begin(
    store: Store, person: Person, *numbers: int, message: str = "<d1@x>", **kwargs: object
) -> digests_module.DigestRecord | None:
    ids = [make_doc(n).id for n in numbers]
    reasons = {doc_id: REASON for doc_id in ids}
    return store.begin_digest(
        person.id, message, ids, Frequency.DAILY, SLOT, NOW, reasons=reasons, **kwargs
    )


def test_begin_records_intent_and_deliveries_together(store: Store) -> None:
    person = given_person(store)
    record = begin(store, person, 2, 1, 2)
    assert record is not None and record.created
    assert record.status == "intent"
    assert record.document_ids == ("doc-00002", "doc-00001")
    assert record.reasons == {"doc-00002": REASON, "doc-00001": REASON}
    assert record.frequencies == (Frequency.DAILY,)
    assert record.slot == SLOT and record.created_at == NOW
    assert count(store, DeliveryRow) == 2
    assert store.get_digest(record.id) == replace(record, created=False)


def test_the_same_message_id_returns_the_existing_record(store: Store) -> None:
    person = given_person(store)
    first = begin(store, person, 1, 2)
    again = begin(store, person, 1, 2, 3)
    assert first is not None and again is not None
    assert again.id == first.id and not again.created
    assert again.document_ids == first.document_ids
    assert count(store, DigestRow) == 1 and count(store, DeliveryRow) == 2


def test_delivered_documents_are_left_out(store: Store) -> None:
    person = given_person(store)
    first = begin(store, person, 1, 2)
    assert first is not None and store.mark_sent(first.id, NOW)
    second = begin(store, person, 2, 3, message="<d2@x>")
    assert second is not None and second.document_ids == ("doc-00003",)
    assert begin(store, person, 1, 3, message="<d3@x>") is None  # nothing left: no record
    assert count(store, DigestRow) == 2


def test_begin_drops_pending_alerts_of_confirmed_deliveries_only(store: Store) -> None:
    person = given_person(store)
    sent = begin(store, person, 1)
    owed = begin(store, person, 2, message="<d2@x>")
    assert sent is not None and owed is not None and store.mark_sent(sent.id, NOW)
    with store.session() as session:  # matches that raced the sends slipped through
        for number in (1, 2):
            session.execute(
                insert(PendingAlertRow).values(
                    subscription_id=person.weekly,
                    subscriber_id=person.id,
                    document_id=make_doc(number).id,
                    reason=REASON,
                    matched_at=NOW,
                )
            )
    assert begin(store, person, 1, 2, message="<d3@x>") is None
    # Doc 1 was confirmed: its stale alert goes. Doc 2 is still owed: a bounce needs it.
    assert [p.document_id for p in store.pending_for(person.id)] == ["doc-00002"]


def test_the_unique_pair_is_the_last_line_of_defence(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = given_person(store)
    sent = begin(store, person, 1)
    assert sent is not None and store.mark_sent(sent.id, NOW)
    real = digests_module._delivered
    calls: list[int] = []

    def blind_once(*args: object) -> set[str]:  # a concurrent run delivered doc 1 unseen
        calls.append(1)
        return set() if len(calls) == 1 else real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(digests_module, "_delivered", blind_once)
    record = begin(store, person, 1, 2, message="<d2@x>")
    assert record is not None and record.document_ids == ("doc-00002",)
    assert len(calls) == 2
    assert count(store, DigestRow) == 2  # the failed attempt was rolled back whole


def test_mark_sent_clears_pending_of_those_documents_only(store: Store) -> None:
    person = given_person(store)
    pend(store, person, 1, 2, 3)
    pend(store, person, 1, subscription=person.weekly)  # the same document, another subscription
    record = begin(store, person, 1, 2)
    assert record is not None
    assert count(store, PendingAlertRow) == 4  # intent clears nothing: a bounce keeps them
    later = NOW + timedelta(minutes=1)
    assert store.mark_sent(record.id, later)
    assert [p.document_id for p in store.pending_for(person.id)] == ["doc-00003"]
    sent = store.get_digest(record.id)
    assert sent is not None and sent.status == "sent" and sent.sent_at == later
    assert sent.attempts == 1
    assert not store.mark_sent(record.id, later)  # only once
    assert not store.mark_sent(999_999, later)


def test_a_temporary_failure_waits_for_its_retry_time(store: Store) -> None:
    person = given_person(store)
    record = begin(store, person, 1)
    assert record is not None
    assert [r.id for r in store.unsent_digests(NOW)] == [record.id]
    retry_at = NOW + timedelta(minutes=5)
    assert store.mark_failed_temporarily(record.id, "relay down", retry_at) == 1
    assert store.unsent_digests(NOW + timedelta(minutes=4)) == []
    owed = store.unsent_digests(retry_at)
    assert [(r.id, r.attempts, r.last_error) for r in owed] == [(record.id, 1, "relay down")]
    assert store.subscribers_awaiting_retry() == {person.id}
    assert count(store, DeliveryRow) == 1  # still claimed: nothing else may send them
    assert store.mark_sent(record.id, retry_at)
    assert store.unsent_digests(retry_at) == [] and store.subscribers_awaiting_retry() == set()


def test_hard_bounces_release_items_and_disable_at_the_limit(store: Store) -> None:
    person = given_person(store)
    pend(store, person, 1)
    moment = NOW
    for bounce in range(1, BOUNCE_LIMIT + 1):
        record = begin(store, person, 1, message=f"<b{bounce}@x>")
        assert record is not None
        outcome = store.mark_bounced(record.id, "550 no such user", moment)
        assert outcome is not None and outcome.hard_bounces == bounce
        assert outcome.disabled is (bounce == BOUNCE_LIMIT)
        assert count(store, DeliveryRow) == 0  # the document stays deliverable
        assert len(store.pending_for(person.id)) == 1
        bounced = store.get_digest(record.id)
        assert bounced is not None and bounced.status == "failed"
        assert store.mark_bounced(record.id, "again", moment) is None
        paused = [s.id for s in store.deliverable_subscribers(moment + timedelta(hours=1))]
        assert person.id not in paused  # a pause after every bounce
        moment += BOUNCE_PAUSE
    state = store.address_state(person.id)
    assert state is not None and state.closed and state.disabled_at == moment - BOUNCE_PAUSE
    assert person.id not in [s.id for s in store.deliverable_subscribers(moment + BOUNCE_PAUSE)]
    assert store.enable_address(person.id)
    assert person.id in [s.id for s in store.deliverable_subscribers(moment)]


def test_a_sent_digest_resets_the_bounce_count(store: Store) -> None:
    person = given_person(store)
    bounced = begin(store, person, 1)
    assert bounced is not None and store.mark_bounced(bounced.id, "550", NOW)
    record = begin(store, person, 1, message="<ok@x>")
    assert record is not None and store.mark_sent(record.id, NOW)
    state = store.address_state(person.id)
    assert state is not None and state.hard_bounces == 0 and not state.closed
    assert store.address_state(999_999) is None


def test_abandon_releases_the_items_without_a_bounce(store: Store) -> None:
    person = given_person(store)
    record = begin(store, person, 1)
    assert record is not None and store.abandon_digest(record.id, "unsubscribed")
    assert count(store, DeliveryRow) == 0 and store.unsent_digests(NOW) == []
    state = store.address_state(person.id)
    assert state is not None and state.hard_bounces == 0
    assert not store.abandon_digest(record.id, "again")


def test_last_digest_at_per_frequency(store: Store) -> None:
    person = given_person(store)
    assert store.last_digest_at(person.id, Frequency.DAILY) is None
    store.begin_digest(person.id, "<a@x>", ["doc-00001"], Frequency.DAILY, SLOT, NOW)
    both = [Frequency.WEEKLY, Frequency.DAILY]
    later = SLOT + timedelta(days=1)
    store.begin_digest(person.id, "<b@x>", ["doc-00002"], both, later, NOW)
    record = store.begin_digest(person.id, "<c@x>", ["doc-00003"], Frequency.IMMEDIATE, NOW, NOW)
    assert record is not None and record.frequencies == (Frequency.IMMEDIATE,)
    assert store.last_digest_at(person.id, Frequency.DAILY) == later
    assert store.last_digest_at(person.id, Frequency.WEEKLY) == later
    assert store.last_digest_at(person.id, Frequency.IMMEDIATE) == NOW
    assert store.last_digest_slots(Frequency.WEEKLY) == {person.id: later}
    assert store.last_digest_slots(Frequency.DAILY) == {person.id: later}


def test_closing_soon_lists_earlier_deliveries_once(store: Store) -> None:
    person = given_person(store)
    store.save_documents(
        [
            make_doc(6, deadline=date(2025, 4, 10)),  # delivered 40 days before: reminded
            make_doc(7, deadline=date(2025, 4, 2)),  # sooner: listed first
            make_doc(8, deadline=date(2025, 5, 30)),  # not within 14 days on April 1st
            make_doc(9, deadline=date(2025, 3, 10)),  # within 14 days when sent: not reminded
        ],
        now=NOW,
    )
    record = begin(store, person, 6, 7, 8, 9)
    assert record is not None
    today = date(2025, 4, 1)
    assert store.delivered_closing_soon(person.id, today) == []  # not sent yet
    assert store.mark_sent(record.id, NOW)
    closing = store.delivered_closing_soon(person.id, today)
    assert [(c.document_id, c.reason) for c in closing] == [
        ("doc-00007", REASON),
        ("doc-00006", REASON),
    ]
    assert store.subscribers_with_closing_soon(today, today + timedelta(days=14)) == {person.id}
    assert store.delivered_closing_soon(person.id, date(2025, 3, 5)) == []  # doc 9: no

    reminder = store.begin_digest(
        person.id, "<r@x>", [], Frequency.DAILY, SLOT, NOW, closing_soon_ids=["doc-00007"]
    )
    assert reminder is not None and reminder.closing_soon_ids == ("doc-00007",)
    assert reminder.reasons == {"doc-00007": REASON}  # the delivery kept why it matched
    assert [c.document_id for c in store.delivered_closing_soon(person.id, today)] == ["doc-00006"]
    assert store.mark_bounced(reminder.id, "550", NOW)  # released: still to be reminded of
    assert len(store.delivered_closing_soon(person.id, today)) == 2
    sent = store.begin_digest(
        person.id, "<r2@x>", [], Frequency.DAILY, SLOT, NOW, closing_soon_ids=["doc-00007"]
    )
    assert sent is not None and store.mark_sent(sent.id, NOW)
    assert [c.document_id for c in store.delivered_closing_soon(person.id, today)] == ["doc-00006"]
    again = store.begin_digest(
        person.id, "<r3@x>", [], Frequency.DAILY, SLOT, NOW, closing_soon_ids=["doc-00007"]
    )
    assert again is None  # a reminder goes once


def test_unknown_ids_change_nothing(store: Store) -> None:
    assert store.get_digest(1) is None
    assert store.mark_failed_temporarily(1, "x", NOW) == 0
    assert store.mark_bounced(1, "x", NOW) is None
    assert not store.enable_address(1)
    assert store.unsent_digests(datetime.max.replace(tzinfo=NOW.tzinfo)) == []
