"""What a search returns: one page of hits with highlights, the total, and facet counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exportwatch.model import Document

__all__ = ["FACETS", "FACET_SIZE", "BackendPage", "FacetValue", "Hit", "Results"]

# Facet name -> the IndexRecord field it counts. Counts are over the filtered result set, and a
# count equals the total the same filter would return (sector and country count expanded keys).
FACETS = {
    "kind": "kind",
    "sector": "sector_keys",
    "country": "market_keys",
    "source": "source_id",
    "language": "language",
    "month": "month",
}
FACET_SIZE = 50  # values per facet, most frequent first, ties by value


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One facet bucket."""

    value: str
    count: int


@dataclass(frozen=True, slots=True)
class Hit:
    """A matching document, its backend score (None when not sorted by relevance), snippets."""

    document: Document
    score: float | None = None
    highlights: dict[str, str] = field(default_factory=dict)  # field -> HTML with <mark>


@dataclass(frozen=True, slots=True)
class BackendPage:
    """What a backend's `_execute` hook returns, before highlighting."""

    total: int
    hits: list[tuple[Document, float | None]]
    facets: dict[str, dict[str, int]]


@dataclass(frozen=True, slots=True)
class Results:
    """One page of results; `total` counts every match, not just this page."""

    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    page: int
    size: int

    @property
    def pages(self) -> int:
        """Number of pages at this page size."""
        return max(1, -(-self.total // self.size))

    def to_json(self) -> dict[str, Any]:
        """The shape of `GET /api/search` and `exportwatch search --json`."""
        return {
            "total": self.total,
            "page": self.page,
            "size": self.size,
            "pages": self.pages,
            "hits": [
                {"document": h.document.to_json(), "score": h.score, "highlights": h.highlights}
                for h in self.hits
            ],
            "facets": {
                name: [{"value": v.value, "count": v.count} for v in values]
                for name, values in self.facets.items()
            },
        }


def top_facet_values(counts: dict[str, int]) -> list[FacetValue]:
    """The FACET_SIZE most frequent values, ties broken by value: the same for every backend."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [FacetValue(value, count) for value, count in ordered[:FACET_SIZE] if count > 0]
