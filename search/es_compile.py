"""Compile a `Resolved` query into an Elasticsearch search body.

Only structured queries (`bool`, `match`, `match_phrase`, `prefix`, `terms`, `range`) are
built, from tokens the shared parser produced, so no user input can cause a syntax error.
"""

from __future__ import annotations

from typing import Any

from exportwatch.search.es_mapping import TEXT_FIELDS, clip
from exportwatch.search.query import Resolved, Sort
from exportwatch.search.results import FACETS
from exportwatch.search.text_query import Clause, Term

__all__ = [
    "AGGREGATION_SIZE",
    "compile_filters",
    "compile_query",
    "compile_search",
    "compile_sort",
    "uses_score",
]

# Buckets fetched per facet: far more than FACET_SIZE, so the base class truncates exact counts.
AGGREGATION_SIZE = 500

Json = dict[str, Any]


def compile_search(resolved: Resolved) -> Json:
    """The keyword arguments of `Elasticsearch.search` for `resolved`."""
    body: Json = {
        "query": compile_query(resolved),
        "sort": compile_sort(resolved),
        "from_": resolved.offset,
        "size": resolved.query.size,
        "track_total_hits": True,
        "source_includes": ["payload"],
    }
    if resolved.query.facets:
        body["aggs"] = {
            name: {"terms": {"field": field, "size": AGGREGATION_SIZE}}
            for name, field in FACETS.items()
        }
    return body


def uses_score(resolved: Resolved) -> bool:
    """True when hits are ordered by relevance, so their scores mean something."""
    return resolved.query.sort is Sort.RELEVANCE and not resolved.text.is_empty


def compile_query(resolved: Resolved) -> Json:
    """The `bool` query: text clauses in `must`/`must_not`, everything else in `filter`."""
    text = resolved.text
    query: Json = {"filter": compile_filters(resolved)}
    if text.required:
        query["must"] = [_clause(clause) for clause in text.required]
    if text.excluded:
        query["must_not"] = [_term(term) for term in text.excluded]
    return {"bool": query}


def compile_filters(resolved: Resolved) -> list[Json]:
    """Non-scoring conditions: value sets, the date window and `upcoming`."""
    filters = [
        {"terms": {field: sorted(values)}}
        for field, values in (
            ("kind", resolved.kinds),
            ("sector_keys", resolved.sectors),
            ("market_keys", resolved.markets),
            ("language", resolved.languages),
            ("source_id", resolved.sources),
        )
        if values
    ]
    if resolved.date_from or resolved.date_to:
        filters += _window(resolved)
    if resolved.open_from:
        filters.append(_open_on(resolved.open_from.isoformat()))
    return filters


def compile_sort(resolved: Resolved) -> list[Json]:
    """Relevance, newest or soonest first; the id breaks every tie, so pages are stable."""
    if uses_score(resolved):
        first: Json = {"_score": {"order": "desc"}}
    elif resolved.query.sort is Sort.SOONEST:
        first = {"soonest": {"order": "asc", "missing": "_last"}}
    else:
        first = {"newest": {"order": "desc", "missing": "_last"}}
    return [first, {"id": {"order": "asc"}}]


def _clause(clause: Clause) -> Json:
    if len(clause.alternatives) == 1:
        return _term(clause.alternatives[0])
    return _any([_term(term) for term in clause.alternatives])


def _term(term: Term) -> Json:
    tokens = [clip(token) for token in term.tokens]
    if term.is_phrase:
        phrase = " ".join(tokens)
        return _any([_field("match_phrase", f, phrase, b) for f, b in TEXT_FIELDS.items()])
    if term.prefix:
        return _any([_field("prefix", f, tokens[0], b) for f, b in TEXT_FIELDS.items()])
    matches = [_field("match", f, tokens[0], b) for f, b in TEXT_FIELDS.items()]
    return _any([*matches, {"terms": {"stems": sorted({clip(s) for s in term.stems})}}])


def _field(kind: str, field: str, value: str, boost: float) -> Json:
    key = "value" if kind == "prefix" else "query"
    return {kind: {field: {key: value, "boost": boost}}}


def _any(queries: list[Json]) -> Json:
    return {"bool": {"should": queries, "minimum_should_match": 1}}


def _window(resolved: Resolved) -> list[Json]:
    """Overlap of [date_from, date_to] with the document's window; undated documents drop out."""
    conditions: list[Json] = [{"exists": {"field": "window_start"}}]
    if resolved.date_to:
        conditions.append({"range": {"window_start": {"lte": resolved.date_to.isoformat()}}})
    if resolved.date_from:
        conditions.append({"range": {"window_end": {"gte": resolved.date_from.isoformat()}}})
    return conditions


def _open_on(day: str) -> Json:
    """Open-ended items, or items whose last open day is `day` or later."""
    return _any(
        [
            {"bool": {"must_not": [{"exists": {"field": "open_until"}}]}},
            {"range": {"open_until": {"gte": day}}},
        ]
    )
