"""One entry point for every source type that is not a feed: bytes in, `Extracted` out.

`extract` picks the extractor by the definition's type, so the crawl treats every type alike:
store `items`, record `problems` and `notes`, and fetch each URL of `follow` and `extract` it
again with the same definition (a sitemap's pages). Feeds go through the feed reader here too.
"""

from __future__ import annotations

import logging
from datetime import datetime

from exportwatch.crawlers.definitions import (
    CsvSource,
    FeedSource,
    IcsSource,
    JsonLdSource,
    JsonSource,
    SitemapSource,
    SourceDefinition,
    XmlSource,
)
from exportwatch.crawlers.extract_csv import read_csv_records
from exportwatch.crawlers.extract_ics import read_calendar
from exportwatch.crawlers.extract_json import read_json_records
from exportwatch.crawlers.extract_jsonld import read_jsonld
from exportwatch.crawlers.extract_sitemap import read_sitemap
from exportwatch.crawlers.extract_xml import read_xml_records
from exportwatch.crawlers.feeds import parse_feed
from exportwatch.crawlers.records import MAX_RECORDS, Extracted, Origin
from exportwatch.model import utcnow

__all__ = ["EXTRACTED_TYPES", "Extracted", "extract"]

log = logging.getLogger(__name__)

#: The source types `extract` reads (html has its own spider).
EXTRACTED_TYPES = ("feed", "sitemap", "ics", "jsonld", "json", "xml", "csv")


def extract(
    definition: SourceDefinition,
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    fetched_at: datetime | None = None,
    since: datetime | None = None,
) -> Extracted:
    """Read one fetched response of `definition`'s source; never raises.

    `url` is where the body came from (the final URL after redirects: relative links resolve
    against it); `since` lets a sitemap skip pages not modified since then.
    """
    origin = Origin(definition.id, url, content_type, fetched_at or utcnow())
    try:
        result = _dispatch(definition, body, origin, since)
    except Exception as error:  # hostile input must not stop a crawl; the error is recorded
        log.warning("%s: could not extract %s", definition.id, url, exc_info=True)
        return Extracted().fail(f"could not read {url}: {type(error).__name__}: {error}")
    if len(result.items) > MAX_RECORDS:
        result.problems.append(f"{len(result.items):,} items; kept the first {MAX_RECORDS:,}")
        del result.items[MAX_RECORDS:]
    return result


def _dispatch(
    definition: SourceDefinition, body: bytes, origin: Origin, since: datetime | None
) -> Extracted:
    if isinstance(definition, JsonSource):
        return read_json_records(body, definition.rules, origin)
    if isinstance(definition, XmlSource):
        return read_xml_records(body, definition.rules, origin)
    if isinstance(definition, CsvSource):
        return read_csv_records(body, definition.rules, origin)
    if isinstance(definition, IcsSource):
        return read_calendar(body, definition.rules, origin, timezone=definition.timezone)
    if isinstance(definition, JsonLdSource):
        return read_jsonld(body, origin)
    if isinstance(definition, SitemapSource):
        return read_sitemap(body, definition.rules, origin, since=since)
    if isinstance(definition, FeedSource):
        return _feed(body, origin)
    return Extracted().fail(f"type {definition.type!r} is not read by extract")


def _feed(body: bytes, origin: Origin) -> Extracted:
    feed = parse_feed(
        body,
        source_id=origin.source_id,
        url=origin.url,
        content_type=origin.content_type,
        fetched_at=origin.fetched_at,
    )
    result = Extracted(items=feed.items, notes=feed.notes, failed=feed.failed)
    result.problems.extend(feed.problems)
    if feed.error is not None:
        result.fail(feed.error)
    return result
