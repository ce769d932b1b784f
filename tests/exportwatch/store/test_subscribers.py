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


def test_enrolling_stores_the_subscriber_with_subscriptions(store: Store) -> None:
    anna, [weekly] = store.enrol_subscriber(
        Subscriber(id=None, email=" Anna@Example.ORG", timezone="Europe/Berlin"),
        [Subscription(id=None, subscriber_id=None, sectors=["food"], frequency=Frequency.WEEKLY)],
        now=NOW,
    )

    assert anna.id is not None and weekly.subscriber_id == anna.id
    assert (anna.email, anna.created_at, anna.confirmed_at) == ("anna@example.org", NOW, None)
    assert store.get_subscriber_by_id(anna.id) == anna
    assert store.subscriptions_of(anna.id) == [weekly]
    assert store.active_subscriptions() == []  # not confirmed yet


def test_enrolling_an_existing_address_changes_nothing(store: Store) -> None:
    add(store, confirmed=False)

    with pytest.raises(DuplicateSubscriberError):
        store.enrol_subscriber(
            Subscriber(id=None, email="anna@example.org"), [Subscription(None, None)]
        )

    with store.read_session() as session:
        assert session.scalar(select(func.count()).select_from(SubscriptionRow)) == 0


def test_confirming_happens_once(store: Store) -> None:
    anna = add(store, confirmed=False)
    assert anna.id is not None
    later = NOW.replace(hour=18)

    assert store.confirm_subscriber(anna.id, NOW) is True
    assert store.confirm_subscriber(anna.id, later) is False
    assert store.confirm_subscriber(404, NOW) is False

    confirmed = store.get_subscriber_by_id(anna.id)
    assert confirmed is not None and confirmed.confirmed_at == NOW


def test_unsubscribing_deactivates_and_drops_pending_alerts(store: Store) -> None:
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

    assert store.unsubscribe_subscriber(anna.id, NOW) is True
    assert store.unsubscribe_subscriber(anna.id, NOW.replace(hour=18)) is False

    gone = store.get_subscriber_by_id(anna.id)
    assert gone is not None and gone.unsubscribed_at == NOW
    assert store.subscriptions_of(anna.id) == [] and store.active_subscriptions() == []
    assert store.pending_for(anna.id) == []
    assert store.confirm_subscriber(anna.id, NOW) is False  # confirmed already, and gone


def test_an_unconfirmed_unsubscriber_cannot_be_confirmed(store: Store) -> None:
    anna = add(store, confirmed=False)
    assert anna.id is not None
    store.unsubscribe_subscriber(anna.id, NOW)

    assert store.confirm_subscriber(anna.id, NOW) is False


def test_an_unsubscribed_address_is_taken_back_under_its_id(store: Store) -> None:
    anna = add(store)
    assert anna.id is not None
    store.add_subscription(Subscription(id=None, subscriber_id=anna.id, sectors=["food"]))
    store.unsubscribe_subscriber(anna.id, NOW)

    back, [textiles] = store.enrol_subscriber(
        Subscriber(id=None, email="ANNA@example.org", name="Anna S.", language="fr"),
        [Subscription(id=None, subscriber_id=None, sectors=["textiles"])],
        now=NOW,
    )

    assert back.id == anna.id
    assert (back.name, back.language) == ("Anna S.", "fr")
    assert (back.confirmed_at, back.unsubscribed_at) == (None, None)
    assert store.subscriptions_of(anna.id) == [textiles]  # the old one stays inactive


def test_deactivating_counts_the_subscriptions(store: Store) -> None:
    anna = add(store)
    assert anna.id is not None
    for _ in range(2):
        store.add_subscription(Subscription(id=None, subscriber_id=anna.id))

    assert store.deactivate_subscriptions(anna.id) == 2
    assert store.deactivate_subscriptions(anna.id) == 0


def test_subscriptions_are_grouped_by_subscriber(store: Store) -> None:
    anna, bob = add(store, "anna@example.org"), add(store, "bob@example.org", confirmed=False)
    first = store.add_subscription(Subscription(id=None, subscriber_id=anna.id))
    second = store.add_subscription(Subscription(id=None, subscriber_id=bob.id))
    third = store.add_subscription(Subscription(id=None, subscriber_id=anna.id))
    assert anna.id is not None and bob.id is not None

    assert store.subscriptions_by_subscriber() == {anna.id: [first, third], bob.id: [second]}


def pending_of(store: Store, subscription: Subscription) -> None:
    """One pending alert for doc-00001 from this subscription."""
    assert subscription.id is not None and subscription.subscriber_id is not None
    store.save_documents([make_doc(1)])
    with store.session() as session:
        session.add(
            PendingAlertRow(
                subscription_id=subscription.id,
                subscriber_id=subscription.subscriber_id,
                document_id="doc-00001",
                reason="Sector: Food & beverages",
            )
        )


def test_deactivating_one_subscription_keeps_the_others(store: Store) -> None:
    anna = add(store)
    assert anna.id is not None
    food = store.add_subscription(Subscription(id=None, subscriber_id=anna.id, sectors=["food"]))
    wine = store.add_subscription(Subscription(id=None, subscriber_id=anna.id, sectors=["wine"]))
    assert food.id is not None
    pending_of(store, food)

    assert store.deactivate_subscription(anna.id, food.id) is True
    assert store.deactivate_subscription(anna.id, food.id) is False

    assert store.subscriptions_of(anna.id) == [wine]
    assert store.pending_for(anna.id) == []
    assert store.get_subscriber_by_id(anna.id) == anna  # still subscribed


def test_only_their_own_subscription_can_be_changed(store: Store) -> None:
    anna, bob = add(store, "anna@example.org"), add(store, "bob@example.org")
    assert anna.id is not None and bob.id is not None
    bobs = store.add_subscription(Subscription(id=None, subscriber_id=bob.id))
    assert bobs.id is not None

    with pytest.raises(NotFoundError, match="no subscription"):
        store.deactivate_subscription(anna.id, bobs.id)
    with pytest.raises(NotFoundError, match="no subscription"):
        store.update_subscription(Subscription(id=bobs.id, subscriber_id=anna.id))
    with pytest.raises(NotFoundError, match="no subscription 404"):
        store.deactivate_subscription(anna.id, 404)
    assert store.subscriptions_of(bob.id) == [bobs]


def test_updating_a_subscription_drops_pending_alerts_only_for_new_conditions(
    store: Store,
) -> None:
    anna = add(store)
    assert anna.id is not None
    food = store.add_subscription(Subscription(id=None, subscriber_id=anna.id, sectors=["food"]))
    pending_of(store, food)

    weekly = Subscription(
        id=food.id,
        subscriber_id=anna.id,
        sectors=["food"],
        frequency=Frequency.WEEKLY,
        daily_hour=9,
        weekly_day=4,
    )
    assert store.update_subscription(weekly) == weekly
    assert [alert.document_id for alert in store.pending_for(anna.id)] == ["doc-00001"]

    wine = Subscription(
        id=food.id, subscriber_id=anna.id, sectors=["wine"], kinds=[Kind.EVENT], markets=["DE"]
    )
    assert store.update_subscription(wine) == wine
    assert store.subscriptions_of(anna.id) == [wine]
    assert store.pending_for(anna.id) == []


def test_an_inactive_subscription_cannot_be_updated(store: Store) -> None:
    anna = add(store)
    assert anna.id is not None
    food = store.add_subscription(Subscription(id=None, subscriber_id=anna.id, sectors=["food"]))
    assert food.id is not None
    store.deactivate_subscription(anna.id, food.id)

    with pytest.raises(NotFoundError):
        store.update_subscription(food)
