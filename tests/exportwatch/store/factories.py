"""Test data for the store: fully populated documents with predictable ids."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from exportwatch.model import Document, Kind, SourceLink, Venue

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def make_doc(number: int, **changes: Any) -> Document:
    """A fully populated event document; `changes` override fields."""
    values: dict[str, Any] = {
        "id": f"doc-{number:05d}",
        "kind": Kind.EVENT,
        "title": f"Trade fair {number}",
        "url": f"https://example.org/events/{number}",
        "source_id": "example-fairs",
        "summary": "Fair for food & beverages in Köln (東京 too)",
        "body": "A long body.",
        "language": "de",
        "published_at": datetime(2025, 1, 2, 9, 30, tzinfo=UTC),
        "fetched_at": NOW,
        "starts_on": date(2025, 10, 4),
        "ends_on": date(2025, 10, 8),
        "deadline": date(2025, 6, 30),
        "venue": Venue(name="Koelnmesse", city="Köln", country="DE"),
        "countries": ["DE"],
        "sectors": ["food"],
        "hs_codes": ["04"],
        "organizer": "Koelnmesse GmbH",
        "content_hash": f"hash-{number}",
        "links": [
            SourceLink(source_id="example-fairs", url=f"https://example.org/events/{number}")
        ],
        "extra": {"hall": 7, "tags": ["b2b"]},
    }
    values.update(changes)
    return Document(**values)
