"""Shared helpers for the crawler tests: small feed definitions, fetch-then-extract."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from exportwatch.crawlers import (
    Extracted,
    FeedSource,
    Fetcher,
    FetchPolicy,
    SourceDefinition,
    extract,
    validate_definition,
)
from tests.mockserver import FixtureServer

ROOT = Path(__file__).resolve().parents[2]
SOURCE_FIXTURES = ROOT / "tests" / "fixtures" / "sources"
FEED_FIXTURES = ROOT / "tests" / "fixtures" / "http" / "feeds"
FETCHED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def feed_source(source_id: str, *urls: str, **fields: Any) -> FeedSource:
    """A feed definition for `urls` (no taxonomy codes, so none is needed)."""
    data: dict[str, Any] = {"id": source_id, "name": source_id, "kind": "event", "type": "feed"}
    data |= {"url": urls[0]} if len(urls) == 1 else {"urls": list(urls)}
    definition = validate_definition(data | fields, None)
    assert isinstance(definition, FeedSource)
    return definition


def fetch_and_extract(server: FixtureServer, path: str, definition: SourceDefinition) -> Extracted:
    """Fetch `path` from the local server as the crawler would, then extract it."""

    async def fetch() -> Extracted:
        async with Fetcher(FetchPolicy(trust_env=False)) as fetcher:
            fetched = await fetcher.fetch(server.url(path))
        assert fetched.ok, fetched.error
        return extract(
            definition,
            fetched.body,
            url=fetched.final_url,
            content_type=fetched.content_type,
            fetched_at=FETCHED_AT,
        )

    return asyncio.run(fetch())
