"""The index-time view of a document that both backends store and filter on.

Everything a filter, sort or facet needs is derived here once, in Python, so the two backends
only store and compare plain values: expanded sector and market keys, folded and stemmed text,
and the dates that date windows, "upcoming" and sorting use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

from exportwatch.analysis import analyze
from exportwatch.coverage import market_keys, sector_keys
from exportwatch.model import Document, Kind
from exportwatch.taxonomy import Taxonomy

__all__ = ["IndexRecord", "make_record"]


@dataclass(frozen=True, slots=True)
class IndexRecord:
    """One document as indexed: the document itself plus derived search fields."""

    document: Document
    title: str  # the text fields as folded tokens joined by single spaces (both backends)
    summary: str
    body: str
    stems: str  # all text stemmed in the document's language
    sector_keys: tuple[str, ...]  # the document's sectors and their ancestors
    market_keys: tuple[str, ...]  # countries the document concerns, groupings expanded
    window_start: date | None  # the span a date window is compared with
    window_end: date | None
    open_until: date | None  # last day the item is "upcoming"; None = open-ended
    soonest: date | None  # start or deadline, for the SOONEST order
    newest: str  # ISO timestamp for the DATE order ("" when unknown)
    month: str | None  # YYYY-MM of window_start, for the month facet

    @property
    def id(self) -> str:
        """The document id."""
        return self.document.id


def make_record(document: Document, taxonomy: Taxonomy) -> IndexRecord:
    """Derive the search fields of `document`; unknown codes are kept, never dropped."""
    start, end = _window(document)
    text = analyze((document.title, document.summary, document.body), document.language)
    title, summary, body = text.tokens
    return IndexRecord(
        document=document,
        title=title,
        summary=summary,
        body=body,
        stems=text.stems,
        sector_keys=sector_keys(document, taxonomy),
        market_keys=market_keys(document, taxonomy, on=start),
        window_start=start,
        window_end=end,
        open_until=_open_until(document),
        soonest=_soonest(document),
        newest=_newest(document),
        month=start.strftime("%Y-%m") if start else None,
    )


def _window(document: Document) -> tuple[date | None, date | None]:
    if document.kind is Kind.EVENT:
        return document.starts_on, document.ends_on or document.starts_on
    day = document.deadline or (document.published_at.date() if document.published_at else None)
    return day, day


def _open_until(document: Document) -> date | None:
    if document.kind is Kind.EVENT:
        return document.ends_on or document.starts_on
    if document.kind is Kind.REGULATION:
        return max(filter(None, (document.deadline, document.effective_on)), default=None)
    return document.deadline


def _soonest(document: Document) -> date | None:
    if document.kind is Kind.EVENT:
        return document.starts_on
    if document.kind is Kind.REGULATION:
        return document.deadline or document.effective_on
    return document.deadline


def _newest(document: Document) -> str:
    moment = document.published_at or document.updated_at or document.fetched_at
    return moment.astimezone(UTC).isoformat() if moment else ""
