"""Pending alerts: idempotent writes, delivered documents never pending again, read and clear."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select

from exportwatch.alerts import Match, Reason
from exportwatch.model import Subscriber, Subscription
from exportwatch.store import PendingAlert, PendingChange, Store
from exportwatch.store.tables import DeliveryRow, PendingAlertRow
from tests.exportwatch.store.factories import NOW, make_doc

REASONS = [Reason("sector", "food"), Reason("market", "DE", "EU")]


def given_subscriptions(store: Store, count: int = 2) -> list[Subscription]:
    """One confirmed subscriber per subscription, in order; documents 1-3 stored."""
    subs = []
    for number in range(count):
        person = store.add_subscriber(Subscriber(None, f"p{number}@example.org"), confirmed=True)
        subs.append(store.add_subscription(Subscription(None, person.id, sectors=["food"])))
    store.save_documents([make_doc(1), make_doc(2), make_doc(3)], now=NOW)
    return subs


def match(sub: Subscription, number: int, reasons: list[Reason] = REASONS) -> Match:
    assert sub.id is not None and sub.subscriber_id is not None
    return Match(sub.id, sub.subscriber_id, make_doc(number).id, reasons)


def count_pending(store: Store) -> int:
    with store.read_session() as session:
        return session.scalar(select(func.count()).select_from(PendingAlertRow)) or 0


def test_add_pending_is_idempotent(store: Store) -> None:
    first, second = given_subscriptions(store)
    matches = [match(first, 1), match(first, 2), match(second, 1)]
    assert store.add_pending(matches, NOW) == 3
    assert store.add_pending(matches, NOW + timedelta(hours=1)) == 0
    assert store.add_pending([*matches, matches[0]], NOW) == 0  # repeats in one call too
    assert count_pending(store) == 3


def test_pending_for_reads_what_was_stored(store: Store) -> None:
    first, second = given_subscriptions(store)
    store.add_pending([match(first, 2)], NOW + timedelta(minutes=5))
    store.add_pending([match(first, 1), match(second, 3)], now=NOW)
    pending = store.pending_for(first.subscriber_id or 0)
    assert [(p.document_id, p.matched_at) for p in pending] == [
        ("doc-00001", NOW),
        ("doc-00002", NOW + timedelta(minutes=5)),
    ]
    assert isinstance(pending[0], PendingAlert)
    assert pending[0].subscription_id == first.id
    assert pending[0].reason == '[["sector","food"],["market","DE","EU"]]'
    assert store.pending_for(12345) == []


def test_pending_subscribers(store: Store) -> None:
    first, second = given_subscriptions(store)
    assert store.pending_subscribers() == []
    store.add_pending([match(second, 1), match(first, 1), match(second, 2)], NOW)
    assert store.pending_subscribers() == sorted([first.subscriber_id, second.subscriber_id])


def test_clear_pending(store: Store) -> None:
    first, second = given_subscriptions(store)
    store.add_pending([match(first, 1), match(first, 2), match(second, 1)], NOW)
    ids = [p.id for p in store.pending_for(first.subscriber_id or 0)]
    assert store.clear_pending([*ids, 999_999]) == 2
    assert store.pending_for(first.subscriber_id or 0) == []
    assert store.pending_subscribers() == [second.subscriber_id]
    assert store.clear_pending([]) == 0


def test_a_delivered_document_is_never_pending_again(store: Store) -> None:
    first, second = given_subscriptions(store)
    with store.session() as session:
        row = {"subscriber_id": first.subscriber_id, "document_id": "doc-00001"}
        session.execute(insert(DeliveryRow).values(**row, delivered_at=NOW))
    assert store.add_pending([match(first, 1), match(first, 2), match(second, 1)], NOW) == 2
    assert [p.document_id for p in store.pending_for(first.subscriber_id or 0)] == ["doc-00002"]


def test_vanished_subscriptions_and_documents_are_skipped(store: Store) -> None:
    first, _second = given_subscriptions(store)
    assert first.id is not None and first.subscriber_id is not None
    gone = [
        Match(first.id, first.subscriber_id, "no-such-document", REASONS),
        Match(999, first.subscriber_id, "doc-00001", REASONS),
        Match(first.id, 999, "doc-00001", REASONS),  # subscription of someone else
    ]
    assert store.add_pending([*gone, match(first, 2)], NOW) == 1
    assert count_pending(store) == 1


def test_sync_pending_withdraws_matches_a_document_lost(store: Store) -> None:
    first, second = given_subscriptions(store)
    store.add_pending([match(first, 1), match(second, 1), match(second, 2)], NOW)
    change = store.sync_pending(["doc-00001", "doc-00003"], [match(second, 1), match(first, 3)])
    assert change == PendingChange(added=1, withdrawn=1)
    assert [p.document_id for p in store.pending_for(first.subscriber_id or 0)] == ["doc-00003"]
    assert [p.document_id for p in store.pending_for(second.subscriber_id or 0)] == [
        "doc-00001",
        "doc-00002",  # not among the documents synced: left alone
    ]
    assert store.sync_pending(["doc-00003"], []) == PendingChange(added=0, withdrawn=1)


def test_deleting_a_document_drops_its_pending_alerts(store: Store) -> None:
    first, _second = given_subscriptions(store)
    store.add_pending([match(first, 1), match(first, 2)], NOW)
    store.delete_documents(["doc-00001"])
    assert [p.document_id for p in store.pending_for(first.subscriber_id or 0)] == ["doc-00002"]


def test_many_matches_in_one_call(store: Store) -> None:
    person = store.add_subscriber(Subscriber(None, "many@example.org"), confirmed=True)
    subs = [
        store.add_subscription(Subscription(None, person.id, markets=[f"M{n}"])) for n in range(3)
    ]
    store.save_documents([make_doc(n) for n in range(400)], now=NOW)
    matches = [match(sub, n) for sub in subs for n in range(400)]  # more than one IN chunk
    assert store.add_pending(matches, NOW) == 1200
    assert store.add_pending(matches, NOW) == 0
    assert len(store.pending_for(person.id or 0)) == 1200
