"""The manage page and one-click unsubscribe of single subscriptions: the logic behind the web UI.

Every use case takes the signed token of a link in an email (it proves who the subscriber is)
and validates changes with `SubscriptionIn`, the model subscribing uses.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from pydantic import ValidationError

from exportwatch.alerts.subscribing import (
    InputProblem,
    LinkError,
    LinkOutcome,
    SubscriberIn,
    SubscribingServices,
    SubscriptionIn,
    SubscriptionInputError,
    _problems,  # ValidationError to per-field problems, shared with subscribing
    link_url,
)
from exportwatch.alerts.tokens import DEFAULT_MAX_AGE, TokenError, TokenPurpose, read_token
from exportwatch.model import Subscriber, Subscription, utcnow
from exportwatch.settings import Settings
from exportwatch.store import NotFoundError

__all__ = [
    "MAX_SUBSCRIPTIONS",
    "ManageView",
    "add_subscription",
    "manage_view",
    "subscription_unsubscribe_url",
    "unsubscribe_subscription",
    "update_details",
    "update_subscription",
]

MAX_SUBSCRIPTIONS = 20  # active ones per subscriber: more is a script, not a person
_MANAGE = (TokenPurpose.MANAGE,)
_UNSUBSCRIBE = (TokenPurpose.MANAGE, TokenPurpose.UNSUBSCRIBE)


@dataclass(frozen=True, slots=True)
class ManageView:
    """What the manage page shows: the subscriber and their active subscriptions, oldest first."""

    subscriber: Subscriber
    subscriptions: list[Subscription]

    @property
    def unsubscribed(self) -> bool:
        """Whether they unsubscribed from everything (the page then offers to subscribe anew)."""
        return self.subscriber.unsubscribed_at is not None


def subscription_unsubscribe_url(
    settings: Settings, subscriber_id: int, subscription_id: int, *, now: datetime | None = None
) -> str:
    """The one-click link that ends one subscription: the token names the subscriber."""
    url = link_url(settings, TokenPurpose.UNSUBSCRIBE, subscriber_id, now=now)
    return f"{url}&subscription={subscription_id}"


def manage_view(
    services: SubscribingServices, token: str, *, now: datetime | None = None
) -> ManageView:
    """The manage page of the subscriber whose `manage` link this is.

    Raises LinkError when the link expired, was altered, or its subscriber is gone.
    """
    subscriber = _subscriber(services, token, _MANAGE, now)
    assert subscriber.id is not None
    return ManageView(subscriber, services.store.subscriptions_of(subscriber.id))


def unsubscribe_subscription(
    services: SubscribingServices,
    token: str,
    subscription_id: int,
    *,
    now: datetime | None = None,
) -> LinkOutcome:
    """End one subscription (with its pending alerts); following the link again changes nothing.

    Ending the last active one unsubscribes the address, as the unsubscribe-all link does.
    The token is a `manage` or `unsubscribe` one. Raises LinkError for an expired or altered
    link, or a subscription that is not the subscriber's.
    """
    store = services.store
    subscriber_id = _subscriber_id(services.settings, token, _UNSUBSCRIBE, now)
    if store.get_subscriber_by_id(subscriber_id) is None:
        return LinkOutcome(None, changed=False)  # removed meanwhile: nothing is sent anyway
    try:
        changed = store.deactivate_subscription(subscriber_id, subscription_id)
    except NotFoundError:
        raise _not_theirs() from None
    if not store.subscriptions_of(subscriber_id):
        changed = store.unsubscribe_subscriber(subscriber_id, now or utcnow()) or changed
    return LinkOutcome(store.get_subscriber_by_id(subscriber_id), changed)


def update_subscription(
    services: SubscribingServices,
    token: str,
    subscription_id: int,
    changes: Mapping[str, object],
    *,
    now: datetime | None = None,
) -> Subscription:
    """Change some fields of one active subscription (sectors, markets, frequency…).

    `changes` uses the field names and forms of `SubscriptionIn`; fields not given keep their
    values. Pending alerts stay when only the schedule changes. Raises SubscriptionInputError
    listing every bad field, LinkError for a bad link, an unsubscribed address, or a
    subscription that is not (or no longer) theirs.
    """
    subscriber = _active_subscriber(services, token, now)
    assert subscriber.id is not None
    current = next(
        (s for s in services.store.subscriptions_of(subscriber.id) if s.id == subscription_id),
        None,
    )
    if current is None:
        raise _not_theirs()
    wanted = _validated(services, {**_fields(current), **changes})
    changed = wanted.to_subscription(subscriber.id)
    changed.id = subscription_id
    try:
        return services.store.update_subscription(changed)
    except NotFoundError:  # ended between reading and writing
        raise _not_theirs() from None


def add_subscription(
    services: SubscribingServices,
    token: str,
    fields: Mapping[str, object],
    *,
    now: datetime | None = None,
) -> Subscription:
    """Add a subscription for the subscriber of a `manage` link; returns it stored.

    Raises SubscriptionInputError (bad fields, or MAX_SUBSCRIPTIONS reached) and LinkError
    (bad link; an address that unsubscribed subscribes again with double opt-in instead).
    """
    subscriber = _active_subscriber(services, token, now)
    assert subscriber.id is not None
    wanted = _validated(services, fields)
    if len(services.store.subscriptions_of(subscriber.id)) >= MAX_SUBSCRIPTIONS:
        problem = f"at most {MAX_SUBSCRIPTIONS} subscriptions: change or end one instead"
        raise SubscriptionInputError([InputProblem("", problem)])
    return services.store.add_subscription(wanted.to_subscription(subscriber.id), now=now)


def update_details(
    services: SubscribingServices,
    token: str,
    details: Mapping[str, str],
    *,
    now: datetime | None = None,
) -> Subscriber:
    """Change the name, organisation, email language and time zone of a `manage` link's owner.

    A blank name or organisation clears it; a blank time zone keeps the current one. The
    address itself cannot change (a new address subscribes anew, with double opt-in). Raises
    SubscriptionInputError listing every bad field and LinkError for a bad link.
    """
    subscriber = _active_subscriber(services, token, now)
    fields = {name: details.get(name, "") for name in ("name", "organisation", "language")}
    try:
        checked = SubscriberIn.model_validate(
            {"email": subscriber.email, "timezone": details.get("timezone", ""), **fields}
        )
    except ValidationError as error:
        raise SubscriptionInputError(_problems(error)) from None
    changed = replace(
        subscriber,
        name=checked.name,
        organisation=checked.organisation,
        language=checked.language,
        timezone=checked.timezone or subscriber.timezone,
    )
    return services.store.update_subscriber_details(changed)


# --- helpers --------------------------------------------------------------------------------


def _validated(services: SubscribingServices, fields: Mapping[str, object]) -> SubscriptionIn:
    try:
        return SubscriptionIn.model_validate(dict(fields), context={"taxonomy": services.taxonomy})
    except ValidationError as error:
        raise SubscriptionInputError(_problems(error)) from None


def _fields(subscription: Subscription) -> dict[str, object]:
    """A stored subscription as `SubscriptionIn` input (codes validate to themselves)."""
    return {
        "sectors": list(subscription.sectors),
        "markets": list(subscription.markets),
        "home_country": subscription.home_country,
        "kinds": [kind.value for kind in subscription.kinds],
        "keywords": list(subscription.keywords),
        "languages": list(subscription.languages),
        "frequency": subscription.frequency.value,
        "daily_hour": subscription.daily_hour,
        "weekly_day": subscription.weekly_day,
    }


def _active_subscriber(
    services: SubscribingServices, token: str, now: datetime | None
) -> Subscriber:
    subscriber = _subscriber(services, token, _MANAGE, now)
    if subscriber.unsubscribed_at is not None:
        raise LinkError(
            "unsubscribed",
            f"{subscriber.email} has unsubscribed: subscribe again to receive alerts",
        )
    return subscriber


def _subscriber(
    services: SubscribingServices,
    token: str,
    purposes: Collection[TokenPurpose],
    now: datetime | None,
) -> Subscriber:
    subscriber_id = _subscriber_id(services.settings, token, purposes, now)
    subscriber = services.store.get_subscriber_by_id(subscriber_id)
    if subscriber is None:
        raise LinkError("unknown", "this subscription no longer exists: please subscribe again")
    return subscriber


def _subscriber_id(
    settings: Settings, token: str, purposes: Collection[TokenPurpose], now: datetime | None
) -> int:
    """The subscriber id of a token signed for any of `purposes`, or LinkError."""
    expired: TokenPurpose | None = None
    for purpose in purposes:
        try:
            return read_token(token, purpose, settings.signing_key, now=now)
        except TokenError as error:
            if error.reason == "expired":
                expired = purpose
    if expired is not None:
        days = DEFAULT_MAX_AGE[expired].days
        raise LinkError(
            "expired",
            f"this {expired.value} link has expired (links work for {days} days): "
            "use the link in a recent email",
        )
    raise LinkError("invalid", "this link is not valid: it may have been cut or altered")


def _not_theirs() -> LinkError:
    return LinkError("unknown", "this subscription is not (or no longer) part of your alerts")
