"""Compile a `Resolved` query: an FTS5 MATCH string, value filters, SQL for the dates.

The MATCH string is built only from analysed tokens, each double-quoted, so no user text ever
reaches FTS5 syntax; date bounds travel as bound parameters, and value filters (kind, sector,
market, language, source) never reach SQL at all: the facet bitmaps answer them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exportwatch.search.query import Resolved, Sort
from exportwatch.search.text_query import Clause, Term, TextQuery

__all__ = [
    "BM25",
    "Filter",
    "compile_filter",
    "match_excluded",
    "match_required",
    "order_by",
    "value_filters",
]

TEXT_COLUMNS = "{title summary body}"
BM25 = "bm25(fts, 3.0, 2.0, 1.0, 1.0)"  # title, summary, body, stems


@dataclass(slots=True)
class Filter:
    """A WHERE clause over `records r` (empty = every record) and its parameters."""

    conditions: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)

    def add(self, condition: str, *params: object) -> None:
        """AND one more condition."""
        self.conditions.append(condition)
        self.params.extend(params)

    @property
    def where(self) -> str:
        """`WHERE …`, or nothing when there is no condition."""
        return f"WHERE {' AND '.join(self.conditions)}" if self.conditions else ""


def match_required(text: TextQuery) -> str | None:
    """MATCH string for a query with required clauses (exclusions folded in), else None."""
    if text.is_empty:
        return None
    required = " AND ".join(_clause(clause) for clause in text.required)
    excluded = match_excluded(text)
    return f"({required}) NOT ({excluded})" if excluded else required


def match_excluded(text: TextQuery) -> str | None:
    """MATCH string for any excluded term, or None when nothing is excluded."""
    return " OR ".join(_term(term) for term in text.excluded) or None


def value_filters(resolved: Resolved) -> dict[str, frozenset[str]]:
    """Filters on facet values (facet name -> accepted values), answered from the bitmaps."""
    filters = {
        "kind": resolved.kinds,
        "language": resolved.languages,
        "source": resolved.sources,
        "sector": resolved.sectors,
        "country": resolved.markets,
    }
    return {facet: values for facet, values in filters.items() if values}


def compile_filter(resolved: Resolved) -> Filter:
    """The SQL filter for the date conditions of `resolved` (the rest are value filters)."""
    where = Filter()
    if resolved.date_from or resolved.date_to:
        where.add("r.window_start IS NOT NULL")
    if resolved.date_to:
        where.add("r.window_start <= ?", resolved.date_to.isoformat())
    if resolved.date_from:
        where.add("coalesce(r.window_end, r.window_start) >= ?", resolved.date_from.isoformat())
    if resolved.open_from:
        where.add("(r.open_until IS NULL OR r.open_until >= ?)", resolved.open_from.isoformat())
    return where


def order_by(sort: Sort, *, scored: bool) -> str:
    """ORDER BY for `sort`; every order ends with the id so pages are stable."""
    if sort is Sort.RELEVANCE and scored:
        return "ORDER BY h.score DESC, r.id"
    if sort is Sort.SOONEST:
        return "ORDER BY r.soonest IS NULL, r.soonest, r.id"
    return "ORDER BY r.newest DESC, r.id"


def _clause(clause: Clause) -> str:
    return "(" + " OR ".join(_term(term) for term in clause.alternatives) + ")"


def _term(term: Term) -> str:
    sequence = " + ".join(_quote(token) for token in term.tokens)
    if term.prefix:
        return f"{TEXT_COLUMNS} : {sequence} *"
    if not term.stems:
        return f"{TEXT_COLUMNS} : {sequence}"
    stems = " OR ".join(_quote(stem) for stem in sorted(term.stems))
    return f"({TEXT_COLUMNS} : {sequence} OR stems : ({stems}))"


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'
