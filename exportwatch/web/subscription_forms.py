"""The subscription form's values: read from a posted form, a query string or a stored subscription.

Values stay strings as typed (or ticked), so a form that fails validation is shown again exactly
as sent, each problem next to its field; `SubscriberIn`/`SubscriptionIn` do the checking.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.datastructures import FormData, QueryParams

from exportwatch.alerts.i18n import LANGUAGES as EMAIL_LANGUAGES
from exportwatch.alerts.subscribing import InputProblem
from exportwatch.model import Subscriber, Subscription

__all__ = [
    "LIST_FIELDS",
    "SINGLE_FIELDS",
    "SUBSCRIBER_FIELDS",
    "SubscriptionForm",
    "email_language",
    "form_from_post",
    "form_from_query",
    "form_from_subscriber",
    "form_from_subscription",
]

SUBSCRIBER_FIELDS = ("email", "name", "organisation", "language", "timezone")
SINGLE_FIELDS = (*SUBSCRIBER_FIELDS, "home_country", "frequency", "daily_hour", "weekly_day")
LIST_FIELDS = ("sectors", "markets", "kinds", "keywords", "languages")
MAX_VALUE_CHARS = 2000  # a single field; validation gives the exact limits
#: Query string names the search page uses (and singular forms) for the form's fields.
_QUERY_NAMES = {
    "sector": "sectors",
    "market": "markets",
    "kind": "kinds",
    "keyword": "keywords",
    "lang": "languages",
    "home-country": "home_country",
}
_SPLIT = re.compile(r"[,\n]")


@dataclass(slots=True)
class SubscriptionForm:
    """What the form shows: values as typed, ticked codes, and problems per field name."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)  # problems of no single field

    def value(self, name: str) -> str:
        """A single field's text ("" when not given)."""
        return self.values.get(name, "")

    def selected(self, name: str) -> list[str]:
        """The items of a list field."""
        return self.lists.get(name, [])

    @property
    def keywords_text(self) -> str:
        """The keywords as the text box shows them."""
        return ", ".join(self.selected("keywords"))

    @property
    def has_problems(self) -> bool:
        """Whether anything is to be shown in the error summary."""
        return bool(self.errors or self.general)

    def add_problems(self, problems: Iterable[InputProblem]) -> SubscriptionForm:
        """Attach validation problems to their fields (unknown fields to `general`)."""
        for problem in problems:
            if problem.field in (*SINGLE_FIELDS, *LIST_FIELDS):
                self.errors.setdefault(problem.field, []).append(problem.message)
            else:
                self.general.append(problem.message)
        return self

    def subscriber_fields(self) -> dict[str, object]:
        """Input for `SubscriberIn` (blank fields left to their defaults)."""
        return {name: self.value(name) for name in SUBSCRIBER_FIELDS if self.value(name)}

    def subscription_fields(self) -> dict[str, object]:
        """Input for `SubscriptionIn` (blank fields left to their defaults)."""
        fields: dict[str, object] = {
            name: self.value(name)
            for name in SINGLE_FIELDS
            if name not in SUBSCRIBER_FIELDS and self.value(name)
        }
        fields.update({name: self.selected(name) for name in LIST_FIELDS})
        return fields


def form_from_post(form: FormData) -> SubscriptionForm:
    """The values of a posted subscription form (files and unknown fields ignored)."""
    values = {name: _clip(form.get(name)) for name in SINGLE_FIELDS}
    lists = {name: _items(form.getlist(name)) for name in LIST_FIELDS}
    return SubscriptionForm({k: v for k, v in values.items() if v}, lists)


def form_from_query(query: QueryParams, language: str = "en") -> SubscriptionForm:
    """A form prefilled from a link such as `/subscribe?sector=food.dairy&market=DE,FR`."""
    lists: dict[str, list[str]] = {name: [] for name in LIST_FIELDS}
    values: dict[str, str] = {"language": language}
    for key, value in query.multi_items():
        name = _QUERY_NAMES.get(key, key)
        if name in LIST_FIELDS:
            lists[name].extend(_items([value]))
        elif name in SINGLE_FIELDS and name != "email":  # an address only comes from its owner
            values[name] = _clip(value)
    lists = {name: list(dict.fromkeys(items)) for name, items in lists.items()}
    return SubscriptionForm({k: v for k, v in values.items() if v}, lists)


def form_from_subscriber(subscriber: Subscriber) -> SubscriptionForm:
    """The form for changing a subscriber's own details."""
    values = {
        "name": subscriber.name or "",
        "organisation": subscriber.organisation or "",
        "language": subscriber.language,
        "timezone": subscriber.timezone,
    }
    return SubscriptionForm(values=values)


def form_from_subscription(subscription: Subscription) -> SubscriptionForm:
    """The form for changing a stored subscription."""
    values = {
        "home_country": subscription.home_country or "",
        "frequency": subscription.frequency.value,
        "daily_hour": str(subscription.daily_hour),
        "weekly_day": str(subscription.weekly_day),
    }
    lists = {
        "sectors": list(subscription.sectors),
        "markets": list(subscription.markets),
        "kinds": [kind.value for kind in subscription.kinds],
        "keywords": list(subscription.keywords),
        "languages": list(subscription.languages),
    }
    return SubscriptionForm({k: v for k, v in values.items() if v}, lists)


def email_language(accept_language: str) -> str:
    """The first language of an Accept-Language header that alerts are written in, else en."""
    for part in accept_language.split(","):
        base = part.split(";")[0].strip().split("-")[0].lower()
        if base in EMAIL_LANGUAGES:
            return base
    return "en"


def _clip(value: object) -> str:
    return value.strip()[:MAX_VALUE_CHARS] if isinstance(value, str) else ""


def _items(values: Iterable[object]) -> list[str]:
    """Non-blank items; commas or new lines separate several in one value."""
    items = (item.strip() for value in values for item in _SPLIT.split(_clip(value)))
    return list(dict.fromkeys(item for item in items if item))
