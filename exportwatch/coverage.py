"""What a document covers: its sectors, its markets and the day its market memberships are read.

One derivation for the search index (`exportwatch.search.records`) and the alert matcher
(`exportwatch.alerts.matching`), so a sector or market filter and a subscription agree on what a
document is about. Unknown codes are kept as themselves, never dropped.
"""

from __future__ import annotations

from datetime import date

from exportwatch.model import Document, Kind
from exportwatch.taxonomy import Markets, Taxonomy

__all__ = ["expand_market", "market_codes", "market_keys", "reference_day", "sector_keys"]


def reference_day(document: Document) -> date | None:
    """The day groupings are expanded on: an event's start, else the deadline or publication.

    None means "today" to the taxonomy. It is also the start of the document's date window in
    the search index.
    """
    if document.kind is Kind.EVENT:
        return document.starts_on
    return document.deadline or (document.published_at.date() if document.published_at else None)


def sector_keys(document: Document, taxonomy: Taxonomy) -> tuple[str, ...]:
    """The document's sectors and their ancestors, in order, without repeats."""
    keys = dict.fromkeys(document.sectors)
    for code in document.sectors:
        if taxonomy.sectors.get(code) is not None:
            keys.update(dict.fromkeys(taxonomy.sectors.ancestors(code)))
    return tuple(keys)


def market_codes(document: Document) -> list[str]:
    """The countries and groupings the document is about, as tagged: `countries` and the venue."""
    codes = list(document.countries)
    if document.venue and document.venue.country:
        codes.append(document.venue.country)
    return list(dict.fromkeys(codes))


def expand_market(code: str, markets: Markets, on: date | None) -> frozenset[str]:
    """A grouping's members on the day; any other code (a country, an unknown code) itself."""
    if markets.get(code) is not None:
        return markets.members(code, on=on)
    return frozenset((code,))


def market_keys(document: Document, taxonomy: Taxonomy, on: date | None) -> tuple[str, ...]:
    """Countries the document concerns on `on`, groupings expanded (finance: eligible ones too)."""
    codes = market_codes(document)
    if document.kind is Kind.FINANCE:
        codes.extend(document.eligible_countries)
    keys: dict[str, None] = {}
    for code in codes:
        keys.update(dict.fromkeys(sorted(expand_market(code, taxonomy.markets, on))))
    return tuple(keys)
