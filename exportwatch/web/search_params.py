"""Search parameters as URLs carry them, shared by the search page, feeds and exports.

A search URL's query string works unchanged on every one of them. Values arrive as plain
strings so our own checks word the errors (`QueryError` naming the parameter); taxonomy codes
are checked later by `Index.search`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends
from fastapi import Query as Param

from exportwatch.model import Kind
from exportwatch.search import Query, QueryError, Sort
from exportwatch.search.query import MAX_PAGE_SIZE

__all__ = ["Params", "SearchParams", "query_from_params", "search_params"]

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class SearchParams:
    """The search page's query parameters as strings, before they are checked."""

    q: str = ""
    kind: tuple[str, ...] = ()
    sector: tuple[str, ...] = ()
    market: tuple[str, ...] = ()
    lang: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""
    upcoming: str = ""
    sort: str = ""
    page: str = ""

    def to_query_string(self, **changes: str | tuple[str, ...]) -> str:
        """The URL query string for these parameters with `changes`; empty values left out."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update(changes)
        pairs: list[tuple[str, str]] = []
        for name, value in values.items():
            key = {"date_from": "from", "date_to": "to"}.get(name, name)
            items = value if isinstance(value, tuple) else (value,)
            pairs.extend((key, item) for item in items if item)
        return urlencode(pairs)


def search_params(
    q: str = "",
    kind: Annotated[list[str] | None, Param(description="event, finance, regulation")] = None,
    sector: Annotated[list[str] | None, Param(description="Sector code")] = None,
    market: Annotated[list[str] | None, Param(description="Country or grouping code")] = None,
    lang: Annotated[list[str] | None, Param(description="ISO 639-1 code")] = None,
    source: Annotated[list[str] | None, Param(description="Source id")] = None,
    date_from: Annotated[str, Param(alias="from", description="YYYY-MM-DD")] = "",
    date_to: Annotated[str, Param(alias="to", description="YYYY-MM-DD")] = "",
    upcoming: Annotated[str, Param(description="true or false")] = "",
    sort: Annotated[str, Param(description="relevance, date, soonest")] = "",
    page: Annotated[str, Param(description="Page number, from 1")] = "",
) -> SearchParams:
    """FastAPI dependency: the parameters as plain strings; lists may repeat or use commas."""
    return SearchParams(
        q=q,
        kind=_split(kind),
        sector=_split(sector),
        market=_split(market),
        lang=_split(lang),
        source=_split(source),
        date_from=date_from,
        date_to=date_to,
        upcoming=upcoming,
        sort=sort,
        page=page,
    )


Params = Annotated[SearchParams, Depends(search_params)]


def query_from_params(
    params: SearchParams,
    *,
    sort: Sort = Sort.RELEVANCE,
    upcoming: bool = False,
    size: int = MAX_PAGE_SIZE,
    facets: bool = False,
) -> Query:
    """A `Query` from the parameters; `sort`/`upcoming` are used when the URL omits them.

    Raises QueryError naming the parameter for a bad kind, date, sort, flag or page.
    """
    return Query(
        text=params.q,
        kinds=tuple(_kind(value) for value in params.kind),
        sectors=params.sector,
        markets=params.market,
        languages=params.lang,
        sources=params.source,
        date_from=_date("from", params.date_from),
        date_to=_date("to", params.date_to),
        upcoming=_flag("upcoming", params.upcoming, upcoming),
        sort=_sort(params.sort, sort),
        page=_page(params.page),
        size=size,
        facets=facets,
    )


def _split(values: list[str] | None) -> tuple[str, ...]:
    """Repeated parameters and comma-separated values alike: `?sector=a&sector=b,c`."""
    parts = (part.strip() for value in values or () for part in value.split(","))
    return tuple(part for part in parts if part)


def _kind(value: str) -> Kind:
    try:
        return Kind(value.strip().lower())
    except ValueError:
        choices = ", ".join(kind.value for kind in Kind)
        raise QueryError("kind", f"unknown kind {value!r}; one of {choices}") from None


def _date(field: str, value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise QueryError(field, f"{value!r} is not a date like 2027-03-15") from None


def _flag(field: str, value: str, default: bool) -> bool:
    word = value.strip().lower()
    if not word:
        return default
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise QueryError(field, f"{value!r} is not true or false")


def _sort(value: str, default: Sort) -> Sort:
    if not value.strip():
        return default
    try:
        return Sort(value.strip().lower())
    except ValueError:
        choices = ", ".join(sort.value for sort in Sort)
        raise QueryError("sort", f"unknown sort {value!r}; one of {choices}") from None


def _page(value: str) -> int:
    if not value.strip():
        return 1
    if not (value.strip().isascii() and value.strip().isdigit()) or int(value) < 1:
        raise QueryError("page", f"{value!r} is not a page number (1, 2, 3…)")
    return int(value)
