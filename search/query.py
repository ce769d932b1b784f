"""What a searcher asks for (`Query`) and the checked, expanded form backends run (`Resolved`).

Resolution is shared so both backends reject the same bad input with the same message and
expand sectors and markets identically: a sector includes its sub-sectors; a market (country or
grouping) becomes the set of countries it covers on the reference day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from exportwatch.model import Kind
from exportwatch.search.errors import QueryError
from exportwatch.search.text_query import MAX_QUERY_LENGTH, TextQuery, parse_text
from exportwatch.taxonomy import Taxonomy

__all__ = ["MAX_PAGE_SIZE", "Query", "Resolved", "Sort", "resolve"]

MAX_PAGE_SIZE = 100
MAX_PAGE = 1000


class Sort(StrEnum):
    """Result order; every order ends with the document id, so pages are stable."""

    RELEVANCE = "relevance"  # best text match first; newest first when there is no text
    DATE = "date"  # newest published (or updated) first
    SOONEST = "soonest"  # earliest start or deadline first, undated last


@dataclass(frozen=True, slots=True)
class Query:
    """A search as the CLI, web UI and API express it; codes are taxonomy codes."""

    text: str = ""
    kinds: tuple[Kind, ...] = ()
    sectors: tuple[str, ...] = ()
    markets: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    upcoming: bool = False
    today: date | None = None  # reference day for `upcoming` and memberships; default today
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    size: int = 20
    facets: bool = True


@dataclass(frozen=True, slots=True)
class Resolved:
    """A validated query: parsed text and filter value sets ready for a backend."""

    query: Query
    text: TextQuery
    kinds: frozenset[str]
    sectors: frozenset[str]
    markets: frozenset[str]
    languages: frozenset[str]
    sources: frozenset[str]
    date_from: date | None
    date_to: date | None
    open_from: date | None  # `upcoming`: items still open on this day

    @property
    def offset(self) -> int:
        """Index of the first hit of the requested page."""
        return (self.query.page - 1) * self.query.size


def resolve(query: Query, taxonomy: Taxonomy) -> Resolved:
    """Check `query` against the taxonomy and limits; raise QueryError naming the field."""
    _check_paging(query)
    if len(query.text) > MAX_QUERY_LENGTH:
        raise QueryError("q", f"is {len(query.text)} characters; at most {MAX_QUERY_LENGTH}")
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise QueryError("from", f"{query.date_from} is after to={query.date_to}")
    today = query.today or date.today()
    return Resolved(
        query=query,
        text=parse_text(query.text),
        kinds=frozenset(kind.value for kind in query.kinds),
        sectors=_expand_sectors(query.sectors, taxonomy),
        markets=_expand_markets(query.markets, taxonomy, today),
        languages=frozenset(code.lower() for code in query.languages),
        sources=frozenset(query.sources),
        date_from=query.date_from,
        date_to=query.date_to,
        open_from=today if query.upcoming else None,
    )


def _check_paging(query: Query) -> None:
    if not 1 <= query.page <= MAX_PAGE:
        raise QueryError("page", f"must be between 1 and {MAX_PAGE}, not {query.page}")
    if not 1 <= query.size <= MAX_PAGE_SIZE:
        raise QueryError("size", f"must be between 1 and {MAX_PAGE_SIZE}, not {query.size}")


def _expand_sectors(codes: tuple[str, ...], taxonomy: Taxonomy) -> frozenset[str]:
    unknown = [code for code in codes if taxonomy.sectors.get(code) is None]
    if unknown:
        raise QueryError("sector", f"unknown sector code {unknown[0]!r}")
    return taxonomy.sectors.expand(codes)


def _expand_markets(codes: tuple[str, ...], taxonomy: Taxonomy, today: date) -> frozenset[str]:
    markets = taxonomy.markets
    normalized = [code.upper() for code in codes]
    unknown = [c for c in normalized if markets.get(c) is None and not markets.is_country(c)]
    if unknown:
        raise QueryError("market", f"unknown country or grouping code {unknown[0]!r}")
    expanded = markets.expand(normalized, on=today)
    if normalized and not expanded:
        raise QueryError("market", f"{', '.join(normalized)} had no members on {today}")
    return expanded
