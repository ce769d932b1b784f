"""Ids survive re-crawls and URL noise; the content hash ignores the fetch time only."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from exportwatch.model import Document, Kind
from exportwatch.pipeline.identity import canonical_url, content_hash, document_id


def test_canonical_url_drops_fragments_and_tracking_and_sorts_the_query() -> None:
    noisy = "HTTPS://Example.org/fairs/../events?b=2&utm_source=news&a=1#programme"
    assert canonical_url(noisy) == "https://example.org/events?a=1&b=2"


def test_an_unparsable_url_is_kept_rather_than_refused() -> None:
    assert canonical_url("  http://[broken  ") == "http://[broken"


def test_ids_prefer_the_guid_and_are_scoped_to_the_source() -> None:
    by_guid = document_id("auma", guid="tag:auma.de,2027:anuga", url="https://a.example/1")
    assert by_guid == document_id("auma", guid="tag:auma.de,2027:anuga", url="https://b.example/")
    assert by_guid.startswith("auma:") and len(by_guid) == len("auma:") + 20
    assert by_guid != document_id("gtai", guid="tag:auma.de,2027:anuga", url="https://a.example/1")


def test_without_guid_the_canonical_url_decides() -> None:
    first = document_id("auma", guid=None, url="https://example.org/e?id=7&utm_medium=rss")
    assert first == document_id("auma", guid="  ", url="https://EXAMPLE.org/e?id=7#top")
    assert first != document_id("auma", guid=None, url="https://example.org/e?id=8")


def test_content_hash_ignores_the_fetch_time_but_not_the_content() -> None:
    document = Document(
        id="a:1",
        kind=Kind.EVENT,
        title="Anuga",
        url="https://example.org",
        source_id="a",
        fetched_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    refetched = dataclasses.replace(document, fetched_at=datetime(2026, 11, 20, tzinfo=UTC))
    assert content_hash(refetched) == content_hash(document)
    assert content_hash(dataclasses.replace(document, title="Anuga 2027")) != content_hash(document)
    assert content_hash(dataclasses.replace(document, content_hash="x")) == content_hash(document)
