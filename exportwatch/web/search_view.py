"""The search page's view of `Results`: labelled facets with links, hits, paging and feed links.

Every link is the current search's query string with one change, so each state of the page is
a shareable URL that `search_params` reads back unchanged.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from exportwatch.model import Document, Kind
from exportwatch.search import Query, Results, Sort
from exportwatch.search.results import Hit
from exportwatch.web.labels import Labels, format_day
from exportwatch.web.pagination import Pagination, paginate
from exportwatch.web.safe_html import snippet_markup
from exportwatch.web.search_params import DEFAULT_PAGE_SIZE, SearchParams, query_from_params

__all__ = [
    "ActiveFilter",
    "FacetEntry",
    "FacetGroup",
    "FeedLinks",
    "HitView",
    "Linker",
    "SearchView",
    "describe_when",
    "feed_links",
    "make_search_view",
    "page_query",
    "search_href",
]

# Facet name -> the URL parameter it filters on (the month facet sets `from` and `to`).
FACET_PARAMS = {
    "kind": "kind",
    "sector": "sector",
    "country": "market",
    "source": "source",
    "language": "lang",
}
FACET_TITLES = {
    "kind": "Type",
    "sector": "Sector",
    "country": "Market",
    "source": "Source",
    "language": "Language",
    "month": "Month",
}
FIELDS = tuple(SearchParams.__dataclass_fields__)
SNIPPET_FIELDS = ("summary", "body")
PLAIN_SNIPPET_LENGTH = 240
MAX_PLACES = 3


@dataclass(frozen=True, slots=True)
class FacetEntry:
    """One facet value: its name, count and the link that adds (or, when active, removes) it."""

    label: str
    count: int
    href: str
    active: bool


@dataclass(frozen=True, slots=True)
class FacetGroup:
    """The values of one facet, most frequent first."""

    name: str
    title: str
    entries: tuple[FacetEntry, ...]


@dataclass(frozen=True, slots=True)
class ActiveFilter:
    """A filter in force, named, with the link that removes it."""

    label: str
    href: str


@dataclass(frozen=True, slots=True)
class HitView:
    """One result as the list shows it; `title` and `snippet` are escaped Markup."""

    href: str
    title: Markup
    kind: str
    kind_label: str
    snippet: Markup
    when: str
    where: str
    sectors: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class FeedLinks:
    """The same search as an alert subscription, Atom feed, calendar and CSV download."""

    subscribe: str
    atom: str
    ics: str
    csv: str


@dataclass(frozen=True, slots=True)
class SearchView:
    """Everything the results part of the page shows."""

    total: int
    first: int
    last: int
    hits: tuple[HitView, ...]
    facets: tuple[FacetGroup, ...]
    active: tuple[ActiveFilter, ...]
    pagination: Pagination
    sort: Sort


def page_query(params: SearchParams) -> Query:
    """The page's query: upcoming items only unless asked; soonest first without words."""
    default_sort = Sort.RELEVANCE if params.q.strip() else Sort.SOONEST
    return query_from_params(
        params, sort=default_sort, upcoming=True, size=DEFAULT_PAGE_SIZE, facets=True
    )


def search_href(params: SearchParams, **changes: str | tuple[str, ...]) -> str:
    """The search page URL for `params` with `changes`, back on page 1 unless `page` is given."""
    return Linker(params).href(**changes)


class Linker:
    """`search_href` for many links to one search: each field is encoded once, not per link.

    Segments come from `SearchParams.to_query_string`, so links match it exactly.
    """

    def __init__(self, params: SearchParams) -> None:
        self.params = params
        self.segments = {name: self._segment(name, getattr(params, name)) for name in FIELDS}

    def href(self, **changes: str | tuple[str, ...]) -> str:
        """The page URL with `changes` applied and `page` dropped unless changed."""
        changes = {"page": "", **changes}
        parts = (
            self._segment(name, changes[name]) if name in changes else self.segments[name]
            for name in FIELDS
        )
        query_string = "&".join(part for part in parts if part)
        return f"/?{query_string}" if query_string else "/"

    @staticmethod
    def _segment(name: str, value: str | tuple[str, ...]) -> str:
        return _segment(name, value)


@functools.lru_cache(maxsize=4096)
def _segment(name: str, value: str | tuple[str, ...]) -> str:
    return SearchParams().to_query_string(**{"page": "", name: value})


def feed_links(params: SearchParams) -> FeedLinks:
    """Links carrying this search; past items stay out of feeds when the page hides them."""
    shown = params.to_query_string(page="", sort="", upcoming=params.upcoming or "true")
    suffix = f"?{shown}" if shown else ""
    subscription = [("keywords", params.q.strip())] if params.q.strip() else []
    for name, values in (("kind", params.kind), ("sector", params.sector)):
        subscription += [(name, value) for value in values]
    subscription += [("market", value) for value in params.market]
    subscribe = f"/subscribe?{urlencode(subscription)}" if subscription else "/subscribe"
    return FeedLinks(
        subscribe=subscribe,
        atom=f"/feeds/search.atom{suffix}",
        ics=f"/feeds/events.ics{suffix}",
        csv=f"/export/search.csv{suffix}",
    )


def make_search_view(
    params: SearchParams, query: Query, results: Results, labels: Labels
) -> SearchView:
    """The results part of the page for `results` of `query`."""
    offset = (results.page - 1) * results.size
    links = Linker(params)
    return SearchView(
        total=results.total,
        first=offset + 1 if results.hits else 0,
        last=offset + len(results.hits),
        hits=tuple(_hit(hit, labels) for hit in results.hits),
        facets=tuple(_facet(links, name, results, labels) for name in FACET_TITLES),
        active=tuple(_active_filters(links, labels)),
        pagination=paginate(results.page, results.pages, lambda n: links.href(page=str(n))),
        sort=query.sort,
    )


# --- facets -----------------------------------------------------------------------------------


def _facet(links: Linker, name: str, results: Results, labels: Labels) -> FacetGroup:
    entries = []
    for bucket in results.facets.get(name, ()):
        if name == "month":
            active, href = _month_link(links, bucket.value)
        else:
            active, href = _value_link(links, FACET_PARAMS[name], bucket.value)
        entries.append(FacetEntry(labels.facet(name, bucket.value), bucket.count, href, active))
    return FacetGroup(name, FACET_TITLES[name], tuple(entries))


def _value_link(links: Linker, param: str, value: str) -> tuple[bool, str]:
    current: tuple[str, ...] = getattr(links.params, param)
    same = _normalizer(param)
    if any(same(chosen) == same(value) for chosen in current):
        kept = tuple(chosen for chosen in current if same(chosen) != same(value))
        return True, links.href(**{param: kept})
    return False, links.href(**{param: (*current, value)})


def _month_link(links: Linker, month: str) -> tuple[bool, str]:
    span = _month_span(month)
    if span is None:
        return False, links.href()
    first, last = span
    if (links.params.date_from, links.params.date_to) == (first, last):
        return True, links.href(date_from="", date_to="")
    return False, links.href(date_from=first, date_to=last)


def _month_span(month: str) -> tuple[str, str] | None:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        return None
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first.isoformat(), last.isoformat()


def _normalizer(param: str) -> Callable[[str], str]:
    if param == "market":
        return str.upper
    if param in ("lang", "kind"):
        return str.lower
    return str.strip


def _active_filters(links: Linker, labels: Labels) -> list[ActiveFilter]:
    params = links.params
    active: list[ActiveFilter] = []
    named = (
        ("kind", labels.kind),
        ("sector", labels.sector),
        ("market", labels.market),
        ("lang", labels.language),
        ("source", labels.source),
    )
    for param, name in named:
        values: tuple[str, ...] = getattr(params, param)
        for value in values:
            kept = tuple(other for other in values if other != value)
            active.append(ActiveFilter(name(value), links.href(**{param: kept})))
    if params.date_from:
        label = f"From {params.date_from}"
        active.append(ActiveFilter(label, links.href(date_from="")))
    if params.date_to:
        active.append(ActiveFilter(f"Until {params.date_to}", links.href(date_to="")))
    return active


# --- hits -------------------------------------------------------------------------------------


def _hit(hit: Hit, labels: Labels) -> HitView:
    document = hit.document
    return HitView(
        href=f"/documents/{quote(document.id, safe='')}",
        title=_title(hit),
        kind=document.kind.value,
        kind_label=labels.kind(document.kind.value),
        snippet=_snippet(hit),
        when=describe_when(document),
        where=_where(document, labels),
        sectors=tuple(labels.sector(code) for code in document.sectors),
        source=labels.source(document.source_id),
    )


def _title(hit: Hit) -> Markup:
    marked = hit.highlights.get("title")
    if marked:
        return snippet_markup(marked)
    return escape(hit.document.title or hit.document.id)


def _snippet(hit: Hit) -> Markup:
    for name in SNIPPET_FIELDS:
        marked = hit.highlights.get(name)
        if marked:
            return snippet_markup(marked)
    text = hit.document.summary or hit.document.body
    if len(text) > PLAIN_SNIPPET_LENGTH:
        text = text[:PLAIN_SNIPPET_LENGTH].rsplit(" ", 1)[0] + "…"
    return escape(text)


def describe_when(document: Document) -> str:
    """'12 – 15 March 2027', 'Deadline 3 April 2027' or 'In force from …'; '' when undated."""
    if document.kind is Kind.EVENT and document.starts_on:
        start, end = document.starts_on, document.ends_on
        if end and end != start:
            same_month = (start.year, start.month) == (end.year, end.month)
            first = str(start.day) if same_month else format_day(start)
            return f"{first} – {format_day(end)}"
        return format_day(start)
    parts = []
    if document.deadline:
        parts.append(f"Deadline {format_day(document.deadline)}")
    if document.effective_on:
        parts.append(f"In force from {format_day(document.effective_on)}")
    return " · ".join(parts)


def _where(document: Document, labels: Labels) -> str:
    venue = document.venue
    if venue and (venue.city or venue.country):
        country = labels.market(venue.country) if venue.country else ""
        return ", ".join(part for part in (venue.city, country) if part)
    names = [labels.market(code) for code in document.countries[:MAX_PLACES]]
    more = len(document.countries) - MAX_PLACES
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")
