"""The manage page's use cases: signed links, one subscription ended, changed or added."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from exportwatch.alerts.managing import (
    MAX_SUBSCRIPTIONS,
    add_subscription,
    manage_view,
    subscription_unsubscribe_url,
    unsubscribe_subscription,
    update_subscription,
)
from exportwatch.alerts.subscribing import LinkError, SubscriptionInputError, subscribe
from exportwatch.alerts.tokens import TokenPurpose, make_token
from exportwatch.model import Frequency, Kind, Subscriber, Subscription
from exportwatch.services import Services
from exportwatch.store.tables import PendingAlertRow
from tests.exportwatch.store.factories import make_doc

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)
ANNA = {"email": "anna@molkerei-alpen.example", "name": "Anna", "language": "de"}
DAIRY = {"sectors": ["Produits laitiers"], "markets": ["Deutschland"]}


def enrol(services: Services, *more: dict[str, object]) -> tuple[Subscriber, list[Subscription]]:
    """Anna, confirmed, with the dairy subscription and `more`."""
    result = subscribe(services, ANNA, DAIRY, confirmed=True, now=NOW)
    anna = result.subscriber
    assert anna.id is not None
    extra = [add_subscription(services, token(anna), fields, now=NOW) for fields in more]
    return anna, [*result.subscriptions, *extra]


def token(subscriber: Subscriber, purpose: TokenPurpose = TokenPurpose.MANAGE) -> str:
    assert subscriber.id is not None
    return make_token(purpose, subscriber.id, "test-secret-key", now=NOW)


def ids(services: Services, subscriber: Subscriber) -> list[int | None]:
    assert subscriber.id is not None
    return [s.id for s in services.store.subscriptions_of(subscriber.id)]


def test_the_manage_page_shows_the_subscriber_and_their_subscriptions(
    services: Services,
) -> None:
    anna, [dairy, wine] = enrol(services, {"sectors": ["food.wine-spirits"], "kinds": "event"})

    view = manage_view(services, token(anna), now=LATER)

    assert view.subscriber == anna and not view.unsubscribed
    assert view.subscriptions == [dairy, wine]
    assert (dairy.sectors, dairy.markets) == (["food.dairy"], ["DE"])
    assert (wine.sectors, wine.kinds) == (["food.wine-spirits"], [Kind.EVENT])


@pytest.mark.parametrize(
    ("purpose", "when", "reason"),
    [
        (TokenPurpose.UNSUBSCRIBE, LATER, "invalid"),  # an unsubscribe link opens no page
        (TokenPurpose.CONFIRM, LATER, "invalid"),
        (TokenPurpose.MANAGE, NOW + timedelta(days=31), "expired"),
    ],
)
def test_the_manage_page_needs_a_fresh_manage_link(
    services: Services, purpose: TokenPurpose, when: datetime, reason: str
) -> None:
    anna, _ = enrol(services)

    with pytest.raises(LinkError) as raised:
        manage_view(services, token(anna, purpose), now=when)

    assert raised.value.reason == reason


def test_an_altered_or_orphaned_link_is_refused(services: Services) -> None:
    anna, _ = enrol(services)
    with pytest.raises(LinkError, match="cut or altered"):
        manage_view(services, token(anna)[:-2], now=LATER)
    services.store.remove_subscriber(anna.email)
    with pytest.raises(LinkError, match="no longer exists"):
        manage_view(services, token(anna), now=LATER)


def test_one_click_ends_just_that_subscription_with_its_pending_alerts(
    services: Services,
) -> None:
    anna, [dairy, wine] = enrol(services, {"sectors": ["food.wine-spirits"]})
    assert anna.id is not None and dairy.id is not None and wine.id is not None
    services.store.save_documents([make_doc(1), make_doc(2)])
    with services.store.session() as session:
        for sub, doc in ((dairy.id, "doc-00001"), (wine.id, "doc-00002")):
            session.add(
                PendingAlertRow(
                    subscription_id=sub, subscriber_id=anna.id, document_id=doc, reason=""
                )
            )
    unsubscribe_token = token(anna, TokenPurpose.UNSUBSCRIBE)

    first = unsubscribe_subscription(services, unsubscribe_token, dairy.id, now=LATER)
    again = unsubscribe_subscription(services, unsubscribe_token, dairy.id, now=LATER)

    assert (first.changed, again.changed) == (True, False)
    assert first.subscriber == anna  # still subscribed, to the wine alerts
    assert ids(services, anna) == [wine.id]
    assert [alert.document_id for alert in services.store.pending_for(anna.id)] == ["doc-00002"]


def test_ending_the_last_subscription_unsubscribes_the_address(services: Services) -> None:
    anna, [dairy] = enrol(services)
    assert dairy.id is not None

    first = unsubscribe_subscription(services, token(anna), dairy.id, now=LATER)
    again = unsubscribe_subscription(services, token(anna), dairy.id, now=LATER)

    assert first.changed and not again.changed
    assert first.subscriber is not None and first.subscriber.unsubscribed_at == LATER
    assert again.subscriber == first.subscriber
    assert manage_view(services, token(anna), now=LATER).unsubscribed
    with pytest.raises(LinkError) as raised:
        add_subscription(services, token(anna), DAIRY, now=LATER)
    assert raised.value.reason == "unsubscribed"


def test_someone_elses_subscription_cannot_be_touched(services: Services) -> None:
    anna, [dairy] = enrol(services)
    bob = subscribe(services, {"email": "bob@example.org"}, {}, confirmed=True, now=NOW)
    assert dairy.id is not None

    with pytest.raises(LinkError, match="not \\(or no longer\\) part of your alerts"):
        unsubscribe_subscription(services, token(bob.subscriber), dairy.id, now=LATER)
    with pytest.raises(LinkError, match="not \\(or no longer\\) part"):
        update_subscription(services, token(bob.subscriber), dairy.id, {}, now=LATER)
    with pytest.raises(LinkError, match="not \\(or no longer\\) part"):
        unsubscribe_subscription(services, token(anna), 404, now=LATER)
    assert ids(services, anna) == [dairy.id]


def test_per_subscription_links_carry_the_subscriber_token_and_the_id(
    services: Services,
) -> None:
    anna, [dairy] = enrol(services)
    assert anna.id is not None and dairy.id is not None

    url = subscription_unsubscribe_url(services.settings, anna.id, dairy.id, now=NOW)
    query = parse_qs(urlsplit(url).query)

    assert urlsplit(url).path == "/subscriptions/unsubscribe"
    assert query["subscription"] == [str(dairy.id)]
    outcome = unsubscribe_subscription(services, query["token"][0], dairy.id, now=LATER)
    assert outcome.changed


def test_changes_are_validated_like_a_new_subscription(services: Services) -> None:
    anna, [dairy] = enrol(services)
    assert dairy.id is not None

    changed = update_subscription(
        services,
        token(anna),
        dairy.id,
        {"markets": ["Frankreich", "EU"], "frequency": "weekly", "weekly_day": "Freitag"},
        now=LATER,
    )

    assert changed.id == dairy.id
    assert changed.sectors == ["food.dairy"]  # not given: kept
    assert (changed.markets, changed.frequency, changed.weekly_day) == (
        ["FR", "EU"],
        Frequency.WEEKLY,
        4,
    )
    assert manage_view(services, token(anna), now=LATER).subscriptions == [changed]


def test_bad_changes_list_every_problem_and_change_nothing(services: Services) -> None:
    anna, [dairy] = enrol(services)
    assert dairy.id is not None
    bad = {"sectors": ["Milch", "Käsereii"], "daily_hour": "25", "colour": "blue"}

    with pytest.raises(SubscriptionInputError) as raised:
        update_subscription(services, token(anna), dairy.id, bad, now=LATER)

    fields = {problem.field for problem in raised.value.problems}
    assert {"sectors", "daily_hour", ""} <= fields
    assert "unknown field 'colour'" in str(raised.value)
    assert manage_view(services, token(anna), now=LATER).subscriptions == [dairy]


def test_adding_is_capped(services: Services) -> None:
    anna, subscriptions = enrol(
        services, *({"keywords": [f"cheese {n}"]} for n in range(MAX_SUBSCRIPTIONS - 1))
    )
    assert len(subscriptions) == MAX_SUBSCRIPTIONS

    with pytest.raises(SubscriptionInputError, match=f"at most {MAX_SUBSCRIPTIONS}"):
        add_subscription(services, token(anna), {"keywords": "one more"}, now=LATER)
