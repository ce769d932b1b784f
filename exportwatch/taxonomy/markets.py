"""Markets: countries (ISO 3166-1 alpha-2) and groupings of them with dated membership."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from exportwatch.taxonomy._text import fold
from exportwatch.taxonomy.countries import (
    cldr_names,
    country_name,
    find_country,
    is_country_code,
)

__all__ = ["Grouping", "GroupingKind", "Markets", "Membership"]

GroupingKind = Literal["bloc", "region"]


@dataclass(frozen=True)
class Membership:
    """A country's membership of a grouping from ``since`` to ``until``, both days included."""

    country: str
    since: date | None = None
    until: date | None = None
    note: str | None = None

    def active_on(self, day: date) -> bool:
        """Whether the country is a member on ``day``."""
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )


@dataclass(frozen=True)
class Grouping:
    """A trade bloc (``EU``, ``MERCOSUR``) or UN M49 region (``M49-150``) of countries."""

    code: str
    kind: GroupingKind
    names: Mapping[str, str] = field(hash=False)
    members: tuple[Membership, ...] = ()
    aliases: tuple[str, ...] = ()
    cldr: str | None = None
    note: str | None = None

    def name(self, language: str = "en") -> str:
        """Name in ``language``, falling back to English."""
        return self.names.get(language) or self.names["en"]

    def members_on(self, day: date) -> frozenset[str]:
        """Alpha-2 codes of the members on ``day``."""
        return frozenset(m.country for m in self.members if m.active_on(day))

    @property
    def ever_members(self) -> frozenset[str]:
        """Alpha-2 codes of every country that has been a member at some time."""
        return frozenset(m.country for m in self.members)


class Markets:
    """The groupings of markets.yaml (blocs, then M49 regions) and country name resolution."""

    def __init__(self, groupings: Iterable[Grouping], country_aliases: Mapping[str, str]) -> None:
        self._all = tuple(groupings)
        self._by_code = {grouping.code: grouping for grouping in self._all}
        self._code_aliases = {a: c for a, c in country_aliases.items() if _is_code_like(a)}
        self._name_aliases = {
            fold(a): c for a, c in country_aliases.items() if not _is_code_like(a)
        }
        self._members_cache: dict[tuple[str, date], frozenset[str]] = {}

    def __iter__(self) -> Iterator[Grouping]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __getitem__(self, code: str) -> Grouping:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"unknown grouping code {code!r}") from None

    def get(self, code: str) -> Grouping | None:
        """The grouping with ``code``, or None."""
        return self._by_code.get(code)

    def is_country(self, code: str) -> bool:
        """Whether ``code`` is a country code (alpha-2, XK included) rather than a grouping."""
        return is_country_code(code)

    def members(self, grouping_code: str, on: date | None = None) -> frozenset[str]:
        """Alpha-2 members of a grouping on a day (default: today)."""
        day = on or date.today()
        key = (grouping_code, day)
        cached = self._members_cache.get(key)
        if cached is None:
            cached = self[grouping_code].members_on(day)
            if len(self._members_cache) > 4096:
                self._members_cache.clear()
            self._members_cache[key] = cached
        return cached

    def groupings_of(
        self, country: str, on: date | None = None, kind: GroupingKind | None = None
    ) -> tuple[str, ...]:
        """Codes of the groupings ``country`` belongs to on a day, in file order."""
        day = on or date.today()
        return tuple(
            grouping.code
            for grouping, membership in self._memberships_by_country.get(country, ())
            if (kind is None or grouping.kind == kind) and membership.active_on(day)
        )

    def expand(self, codes: Iterable[str], on: date | None = None) -> frozenset[str]:
        """Countries meant by country and grouping codes on a day (a country maps to itself)."""
        countries: set[str] = set()
        for code in codes:
            if code in self._by_code:
                countries |= self.members(code, on)
            elif is_country_code(code):
                countries.add(code)
            else:
                raise KeyError(f"unknown market code {code!r}")
        return frozenset(countries)

    def name(self, code: str, language: str = "en") -> str:
        """Display name of a grouping or country in ``language`` (English fallback)."""
        grouping = self._by_code.get(code)
        return grouping.name(language) if grouping else country_name(code, language)

    def resolve_country(self, name: str, language: str | None = None) -> str | None:
        """Alpha-2 code for a country name (any CLDR language) or alpha-2/alpha-3 code."""
        stripped = name.strip()
        alias = self._code_aliases.get(stripped) or self._name_aliases.get(fold(stripped))
        return alias or find_country(stripped, language)

    def resolve_grouping(self, text: str) -> str | None:
        """Grouping code for a grouping's code, name (any language, CLDR included) or alias."""
        return self._grouping_names.get(fold(text))

    def resolve_market(self, text: str, language: str | None = None) -> str | None:
        """A grouping code (by code, name or alias; tried first) or a country code, or None."""
        return self.resolve_grouping(text) or self.resolve_country(text, language)

    @functools.cached_property
    def _memberships_by_country(self) -> dict[str, list[tuple[Grouping, Membership]]]:
        index: dict[str, list[tuple[Grouping, Membership]]] = {}
        for grouping in self._all:
            for membership in grouping.members:
                index.setdefault(membership.country, []).append((grouping, membership))
        return index

    @functools.cached_property
    def _grouping_names(self) -> dict[str, str]:
        """Folded code, alias and name -> grouping code.

        Codes and aliases always count; a name (from the file or CLDR) is skipped where it is
        also a country's name, so "Micronesia" stays the country, not the M49 region.
        """
        names: dict[str, str] = {}
        for grouping in self._all:
            for name in (grouping.code, *grouping.aliases):
                names.setdefault(fold(name), grouping.code)
        for grouping in self._all:
            cldr = cldr_names(grouping.cldr).values() if grouping.cldr else ()
            for name in (*grouping.names.values(), *cldr):
                if find_country(name, patterns=False) is None:
                    names.setdefault(fold(name), grouping.code)
        return names


def _is_code_like(alias: str) -> bool:
    return alias.isupper() and alias.isalpha() and len(alias) <= 3
