"""Merge one item published by two sources into one document that keeps both links.

The store finds candidates by duplicate key (kind and title words, see
`exportwatch.duplicates`); here a candidate is accepted only when the rest agrees: for events,
overlapping dates and the same city; for schemes and regulations, the same reference, or the
same markets when neither has a reference. The first source's document stays the primary:
its fields win, the other source fills what it lacks, and lists are united.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date

from exportwatch.analysis import fold
from exportwatch.model import Document, Kind, SourceLink, Venue
from exportwatch.pipeline.identity import content_hash

__all__ = ["carry_links", "is_same_item", "merge"]

_LIST_FIELDS = ("countries", "eligible_countries", "sectors", "hs_codes")
_FILLABLE = (
    "summary",
    "body",
    "language",
    "published_at",
    "starts_on",
    "ends_on",
    "deadline",
    "effective_on",
    "organizer",
    "provider",
    "reference",
)


def is_same_item(stored: Document, incoming: Document) -> bool:
    """Whether `incoming` (another source's item with the same key) is `stored` again."""
    if stored.kind is not incoming.kind or stored.source_id == incoming.source_id:
        return False
    if stored.kind is Kind.EVENT:
        return _dates_overlap(stored, incoming) and _same_place(stored.venue, incoming.venue)
    if stored.reference and incoming.reference:
        return fold(stored.reference) == fold(incoming.reference)
    return _markets(stored) == _markets(incoming)


def merge(primary: Document, other: Document) -> Document:
    """`primary` completed from `other`, with both sources' links; the hash is recomputed."""
    changes: dict[str, object] = {
        name: getattr(other, name)
        for name in _FILLABLE
        if not getattr(primary, name) and getattr(other, name)
    }
    for name in _LIST_FIELDS:
        changes[name] = _union(getattr(primary, name), getattr(other, name))
    if primary.venue is None and other.venue is not None:
        changes["venue"] = other.venue
    own = [SourceLink(other.source_id, other.url), *other.links]
    changes["links"] = _links(primary, own)
    merged = dataclasses.replace(primary, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(merged, content_hash=content_hash(merged))


def carry_links(incoming: Document, stored: Document | None) -> Document:
    """`incoming` keeping the other sources' links its stored version had gathered."""
    if stored is None or not stored.links:
        return incoming
    links = _links(incoming, stored.links)
    if links == incoming.links:
        return incoming
    carried = dataclasses.replace(incoming, links=links)
    return dataclasses.replace(carried, content_hash=content_hash(carried))


def _links(document: Document, extra: Iterable[SourceLink]) -> list[SourceLink]:
    links = list(document.links)
    for link in extra:
        if link.source_id != document.source_id and link not in links:
            links.append(link)
    return links


def _union(first: list[str], second: list[str]) -> list[str]:
    return list(dict.fromkeys([*first, *second]))


def _span(document: Document) -> tuple[date, date] | None:
    if document.starts_on is None:
        return None
    return document.starts_on, document.ends_on or document.starts_on


def _dates_overlap(first: Document, second: Document) -> bool:
    a, b = _span(first), _span(second)
    return a is not None and b is not None and a[0] <= b[1] and b[0] <= a[1]


def _same_place(first: Venue | None, second: Venue | None) -> bool:
    if first and second and first.city and second.city:
        return fold(first.city) == fold(second.city)
    if first and second and first.country and second.country:
        return first.country == second.country
    return False


def _markets(document: Document) -> frozenset[str]:
    return frozenset(document.countries) | frozenset(document.eligible_countries)
