"""Shared helpers for the crawler tests: small definitions of feeds (taxonomy: tests/conftest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from exportwatch.crawlers import FeedSource, validate_definition

ROOT = Path(__file__).resolve().parents[2]
SOURCE_FIXTURES = ROOT / "tests" / "fixtures" / "sources"
FEED_FIXTURES = ROOT / "tests" / "fixtures" / "http" / "feeds"


def feed_source(source_id: str, *urls: str, **fields: Any) -> FeedSource:
    """A feed definition for `urls` (no taxonomy codes, so none is needed)."""
    data: dict[str, Any] = {"id": source_id, "name": source_id, "kind": "event", "type": "feed"}
    data |= {"url": urls[0]} if len(urls) == 1 else {"urls": list(urls)}
    definition = validate_definition(data | fields, None)
    assert isinstance(definition, FeedSource)
    return definition
