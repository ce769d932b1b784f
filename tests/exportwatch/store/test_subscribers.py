"""Subscribers and subscriptions, and the constraints alerting relies on."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from exportwatch.model import Frequency, Kind, Subscriber, Subscription
from exportwatch.store import DuplicateSubscriberError, NotFoundError, Store
from exportwatch.store.tables import DeliveryRow, PendingAlertRow, SubscriptionRow
from tests.exportwatch.store.factories import NOW, make_doc


def add(store: Store, email: str = "Anna@Example.ORG", *, confirmed: bool = True) -> Subscriber:
    return store.add_subscriber(Subscriber(id=None, email=email, name="Anna"), confirmed=confirmed)


def test_add_stores_a_normalized_email(store: Store) -> None:
    added = store.add_subscriber(
        Subscriber(id=None, email="  Anna@Example.ORG ", language="de", timezone="Europe/Berlin"),
        confirmed=True,
        now=NOW,
    )

    assert added.id is not None
    assert (added.email, added.confirmed_at) == ("anna@example.org", NOW)
    assert store.get_subscriber("ANNA@example.org") == added
    assert store.list_subscribers() == [added]


def test_unconfirmed_subscribers_have_no_confirmation_time(store: Store) -> None:
    assert add(store, confirmed=False).confirmed_at is None


def test_a_duplicate_email_in_any_case_is_refused_clearly(store: Store) -> None:
    add(store)

    with pytest.raises(DuplicateSubscriberError, match=r"anna@example\.org already exists"):
        add(store, "ANNA@example.org")
    assert len(store.list_subscribers()) == 1


def test_subscriptions_round_trip(store: Store) -> None:
    anna = add(store)
    wanted = Subscription(
        id=None,
        subscriber_id=anna.id,
        sectors=["food"],
        markets=["EU", "NO"],
        home_country="DE",
        kinds=[Kind.EVENT, Kind.FINANCE],
        keywords=["organic"],
        languages=["de", "en"],
        frequency=Frequency.WEEKLY,
        daily_hour=9,
        weekly_day=4,
    )

    stored = store.add_subscription(wanted)

    assert stored.id is not None
    wanted.id = stored.id
    assert stored == wanted
    assert anna.id is not None and store.subscriptions_of(anna.id) == [wanted]


def test_a_subscription_needs_an_existing_subscriber(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.add_subscription(Subscription(id=None, subscriber_id=404))


def test_only_confirmed_subscribers_subscriptions_are_active(store: Store) -> None:
    confirmed = add(store, "a@example.org")
    pending = add(store, "b@example.org", confirmed=False)
    first = store.add_subscription(Subscription(id=None, subscriber_id=confirmed.id))
    store.add_subscription(Subscription(id=None, subscriber_id=pending.id))

    assert store.active_subscriptions() == [first]


def test_removing_a_subscriber_removes_their_subscriptions(store: Store) -> None:
    anna = add(store)
    store.add_subscription(Subscription(id=None, subscriber_id=anna.id))

    assert store.remove_subscriber("ANNA@example.org") is True
    assert store.remove_subscriber("anna@example.org") is False

    assert store.list_subscribers() == []
    with store.read_session() as session:
        assert session.scalar(select(func.count()).select_from(SubscriptionRow)) == 0


def test_a_document_is_delivered_to_a_subscriber_at_most_once(store: Store) -> None:
    anna = add(store)
    assert anna.id is not None
    with store.session() as session:
        session.add(DeliveryRow(subscriber_id=anna.id, document_id="doc-00001", delivered_at=NOW))

    with pytest.raises(IntegrityError), store.session() as session:
        session.add(DeliveryRow(subscriber_id=anna.id, document_id="doc-00001", delivered_at=NOW))


def test_pending_alerts_go_with_their_document(store: Store) -> None:
    anna = add(store)
    subscription = store.add_subscription(Subscription(id=None, subscriber_id=anna.id))
    store.save_documents([make_doc(1)])
    assert anna.id is not None and subscription.id is not None
    with store.session() as session:
        session.add(
            PendingAlertRow(
                subscription_id=subscription.id,
                subscriber_id=anna.id,
                document_id="doc-00001",
                reason="Sector: Food & beverages",
            )
        )

    store.delete_documents(["doc-00001"])

    with store.read_session() as session:
        assert session.scalar(select(func.count()).select_from(PendingAlertRow)) == 0
