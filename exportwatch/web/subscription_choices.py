"""What the subscription form offers to pick, and how a stored subscription reads to people.

Every sector, grouping and country of the taxonomy is listed server-side, so the form works
without JavaScript; `static/subscribe.js` only adds a filter box and chips.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from zoneinfo import available_timezones

from babel import Locale
from babel.dates import get_day_names

from exportwatch.alerts.i18n import LANGUAGES as EMAIL_LANGUAGES
from exportwatch.model import Frequency, Kind, Subscription
from exportwatch.taxonomy import LANGUAGES, Taxonomy, country_codes, country_name

__all__ = ["Choice", "ChoiceGroup", "FormChoices", "describe_subscription", "form_choices"]

KIND_LABELS = {Kind.EVENT: "Trade fairs and events", Kind.FINANCE: "Export finance"}
KIND_LABELS[Kind.REGULATION] = "Market regulations"
FREQUENCY_LABELS = {
    Frequency.IMMEDIATE: "Immediately (at most one email an hour)",
    Frequency.DAILY: "Daily digest",
    Frequency.WEEKLY: "Weekly digest",
}
_GROUPING_LABELS = {"bloc": "Trade blocs", "region": "World regions"}


@dataclass(frozen=True, slots=True)
class Choice:
    """One option: the value posted and the label shown; `sub` for indented sub-items."""

    value: str
    label: str
    sub: bool = False


@dataclass(frozen=True, slots=True)
class ChoiceGroup:
    """Options under a heading (a sector with its sub-sectors, trade blocs, countries)."""

    label: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True, slots=True)
class FormChoices:
    """Every option list of the form."""

    sectors: tuple[ChoiceGroup, ...]
    markets: tuple[ChoiceGroup, ...]
    countries: tuple[Choice, ...]
    kinds: tuple[Choice, ...]
    languages: tuple[Choice, ...]
    email_languages: tuple[Choice, ...]
    frequencies: tuple[Choice, ...]
    hours: tuple[Choice, ...]
    weekdays: tuple[Choice, ...]
    timezones: tuple[str, ...]

    def known(self, name: str) -> frozenset[str]:
        """The values a list field offers (others sent are shown as extra ticked items)."""
        return _known(self, name)


@functools.lru_cache(maxsize=4)  # per taxonomy; one in production
def form_choices(taxonomy: Taxonomy) -> FormChoices:
    """The options for `taxonomy`, built once."""
    return FormChoices(
        sectors=_sector_groups(taxonomy),
        markets=_market_groups(taxonomy),
        countries=_countries(),
        kinds=tuple(Choice(kind.value, KIND_LABELS[kind]) for kind in Kind),
        languages=tuple(Choice(code, _language_name(code)) for code in LANGUAGES),
        email_languages=tuple(Choice(code, _native_name(code)) for code in EMAIL_LANGUAGES),
        frequencies=tuple(Choice(f.value, FREQUENCY_LABELS[f]) for f in Frequency),
        hours=tuple(Choice(str(hour), f"{hour:02d}:00") for hour in range(24)),
        weekdays=tuple(Choice(str(day), name) for day, name in sorted(_weekdays().items())),
        timezones=tuple(sorted(available_timezones())),
    )


def describe_subscription(
    subscription: Subscription, taxonomy: Taxonomy, timezone: str
) -> list[tuple[str, str]]:
    """(what, which) lines for people: "Sectors" → "Dairy, Meat & poultry"; unset means any."""
    sectors = [taxonomy.sectors.name(code) for code in subscription.sectors]
    markets = [taxonomy.markets.name(code) for code in subscription.markets]
    home = subscription.home_country
    return [
        ("Sectors", ", ".join(sectors) or "any"),
        ("Markets", ", ".join(markets) or "any"),
        ("Kinds", ", ".join(KIND_LABELS[kind] for kind in subscription.kinds) or "any"),
        ("Keywords", ", ".join(subscription.keywords) or "none"),
        ("Languages", ", ".join(map(_language_name, subscription.languages)) or "any"),
        ("Home country", country_name(home) if home else "not set"),
        ("Emails", _schedule(subscription, timezone)),
    ]


def _schedule(subscription: Subscription, timezone: str) -> str:
    if subscription.frequency is Frequency.IMMEDIATE:
        return FREQUENCY_LABELS[Frequency.IMMEDIATE]
    at = f"at {subscription.daily_hour:02d}:00 ({timezone})"
    if subscription.frequency is Frequency.WEEKLY:
        return f"Weekly on {_weekdays()[subscription.weekly_day]} {at}"
    return f"Daily {at}"


def _sector_groups(taxonomy: Taxonomy) -> tuple[ChoiceGroup, ...]:
    sectors = taxonomy.sectors
    groups = []
    for top in sectors.top_level:
        children = (Choice(sub.code, sub.name(), sub=True) for sub in sectors.children(top.code))
        everything = Choice(top.code, f"All of {top.name()}")
        groups.append(ChoiceGroup(top.name(), (everything, *children)))
    return tuple(groups)


def _market_groups(taxonomy: Taxonomy) -> tuple[ChoiceGroup, ...]:
    groups = [
        ChoiceGroup(
            label,
            tuple(Choice(g.code, g.name()) for g in taxonomy.markets if g.kind == kind),
        )
        for kind, label in _GROUPING_LABELS.items()
    ]
    return (*groups, ChoiceGroup("Countries", _countries()))


@functools.cache
def _countries() -> tuple[Choice, ...]:
    named = ((country_name(code), code) for code in country_codes())
    return tuple(Choice(code, name) for name, code in sorted(named))


@functools.cache
def _weekdays() -> dict[int, str]:
    return {int(day): str(name) for day, name in get_day_names("wide", locale="en").items()}


def _language_name(code: str) -> str:
    name = Locale("en").languages.get(code)
    return str(name) if name else code


def _native_name(code: str) -> str:
    name = Locale.parse(code).get_display_name(code) or code
    return f"{name[:1].upper()}{name[1:]}"


@functools.lru_cache(maxsize=16)
def _known(choices: FormChoices, name: str) -> frozenset[str]:
    if name in ("sectors", "markets"):
        groups: tuple[ChoiceGroup, ...] = getattr(choices, name)
        return frozenset(choice.value for group in groups for choice in group.choices)
    options: tuple[Choice, ...] = getattr(choices, name)
    return frozenset(choice.value for choice in options)
