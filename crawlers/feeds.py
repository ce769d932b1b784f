"""The feed reader: RSS 0.9x/1.0/2.0, Atom and RDF through feedparser, JSON Feed 1.0/1.1 by hand.

Every format gives the same `RawItem`s. A broken feed yields what could be read plus a problem;
a response that is no feed at all (an HTML page, an empty body) is an `error` that says so, and
names the feeds an HTML page links to. `parse_feed` never raises.
"""

from __future__ import annotations

import calendar
import html
import io
import json
import logging
import xml.sax
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import feedparser

from exportwatch.model import RawItem, utcnow

__all__ = ["ParsedFeed", "parse_feed"]

log = logging.getLogger(__name__)

_BOM = b"\xef\xbb\xbf"
_JSON_FEED = "https://jsonfeed.org/version/1"
_PERIOD_HOURS = {"hourly": 1, "daily": 24, "weekly": 168, "monthly": 720, "yearly": 8760}
_FEED_TYPES = ("rss", "atom", "rdf", "feed+json", "application/json", "xml")
_EVENT_FIELDS = {
    "ev_startdate": "starts",
    "ev_enddate": "ends",
    "ev_location": "location",
    "ev_organizer": "organizer",
}


@dataclass(slots=True)
class ParsedFeed:
    """What one response held: its items and how much the publisher says it can be trusted.

    `problems` mean something may be missing (malformed XML, items that failed, no items);
    `notes` are harmless oddities worth fixing at the source (a wrong encoding declaration).
    """

    items: list[RawItem] = field(default_factory=list)
    format: str = ""  # feedparser's version (rss20, atom10, rss10, rss091u, …) or json1/json1.1
    title: str | None = None
    language: str | None = None
    ttl: timedelta | None = None  # <ttl> or sy:updatePeriod: poll no more often than this
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: int = 0


class _BadEntry(ValueError):
    pass


def parse_feed(
    body: bytes,
    *,
    source_id: str,
    url: str,
    content_type: str | None = None,
    fetched_at: datetime | None = None,
) -> ParsedFeed:
    """Read a feed; `url` is where it came from (relative links resolve against it)."""
    fetched_at = fetched_at or utcnow()
    try:
        if not body.removeprefix(_BOM).strip():
            return ParsedFeed(error="empty response: there is no feed to read")
        if _looks_like_json(body, content_type):
            return _json_feed(body, source_id, url, fetched_at)
        return _xml_feed(body, source_id, url, content_type, fetched_at)
    except Exception as error:  # hostile input must not stop a crawl; the error is recorded
        log.warning("feed of %s could not be read", source_id, exc_info=True)
        return ParsedFeed(error=f"could not read the feed: {type(error).__name__}: {error}")


# --- RSS, Atom, RDF -----------------------------------------------------------------------


def _xml_feed(
    body: bytes, source_id: str, url: str, content_type: str | None, fetched_at: datetime
) -> ParsedFeed:
    headers = {"content-type": content_type} if content_type else {}
    # A stream, never bytes: feedparser opens bytes that look like a file name as a file.
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    channel = dict(parsed.get("feed", {}))
    feed = ParsedFeed(
        format=parsed.get("version") or "",
        title=channel.get("title") or None,
        language=_language(channel.get("language")),
        ttl=_ttl(channel),
    )
    entries = parsed.get("entries", [])
    if not entries and not feed.format:
        feed.error = _not_a_feed(body, url, parsed)
        return feed
    _note_bozo(feed, parsed, content_type, len(entries))
    for index, entry in enumerate(entries, start=1):
        try:
            # A plain dict: FeedParserDict answers a missing `updated` with `published` and a
            # DeprecationWarning; the reader wants to see what the entry really holds.
            feed.items.append(_entry_item(dict(entry), feed, source_id, url, fetched_at))
        except (_BadEntry, KeyError, TypeError, ValueError, AttributeError) as error:
            feed.failed += 1
            feed.problems.append(f"entry {index} could not be read: {error}")
    if not entries:
        feed.problems.append("the feed has no items")
    return feed


def _entry_item(
    entry: Mapping[str, Any], feed: ParsedFeed, source_id: str, url: str, fetched_at: datetime
) -> RawItem:
    link = _entry_link(entry)
    title, summary, body = entry.get("title", ""), entry.get("summary", ""), _content(entry)
    if not (title or summary or body or link):
        raise _BadEntry("it has no title, text or link")
    return RawItem(
        source_id=source_id,
        url=urljoin(url, link) if link else url,
        fetched_at=fetched_at,
        guid=entry.get("id") or None,
        title=title,
        summary=summary,
        body=body,
        language=_language(entry.get("title_detail", {}).get("language")) or feed.language,
        fields=_entry_fields(entry),
    )


def _entry_link(entry: Mapping[str, Any]) -> str | None:
    if entry.get("link"):
        return str(entry["link"])
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return str(entry["id"]) if entry.get("guidislink") and entry.get("id") else None


def _content(entry: Mapping[str, Any]) -> str:
    """The full content: the HTML version if there are several."""
    contents = [c for c in entry.get("content", []) if c.get("value")]
    html_first = sorted(contents, key=lambda c: "html" not in (c.get("type") or ""))
    return str(html_first[0]["value"]) if html_first else ""


def _entry_fields(entry: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    published, updated = _timestamp(entry, "published"), _timestamp(entry, "updated")
    if published:
        fields["published"] = published
    if updated and updated != published:
        fields["updated"] = updated
    categories = _unique(tag.get("term") for tag in entry.get("tags", []))
    if categories:
        fields["categories"] = categories
    for key, name in _EVENT_FIELDS.items():
        if entry.get(key):
            fields[name] = str(entry[key]).strip()
    if entry.get("georss_featurename") and "location" not in fields:
        fields["location"] = str(entry["georss_featurename"]).strip()
    point = (entry.get("where") or {}).get("coordinates")
    if (entry.get("where") or {}).get("type") == "Point" and point and len(point) == 2:
        fields["coordinates"] = f"{point[1]} {point[0]}"  # GeoRSS order: latitude longitude
    if entry.get("dc_coverage"):
        fields["countries"] = [str(entry["dc_coverage"]).strip()]
    return fields


def _timestamp(entry: Mapping[str, Any], name: str) -> str | None:
    """ISO 8601 in UTC when feedparser understood the date, else the text as given."""
    parsed = entry.get(f"{name}_parsed")
    if parsed:
        try:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()
        except (TypeError, ValueError, OverflowError):
            pass
    raw = entry.get(name)
    return str(raw).strip() or None if raw else None


def _ttl(channel: Mapping[str, Any]) -> timedelta | None:
    ttl = str(channel.get("ttl") or "").strip()
    if ttl.isdigit() and int(ttl) > 0:
        return timedelta(minutes=int(ttl))
    period = str(channel.get("sy_updateperiod") or "").strip().lower()
    if period not in _PERIOD_HOURS:
        return None
    frequency = str(channel.get("sy_updatefrequency") or "1").strip()
    per_period = int(frequency) if frequency.isdigit() and int(frequency) > 0 else 1
    return timedelta(hours=_PERIOD_HOURS[period]) / per_period


def _note_bozo(
    feed: ParsedFeed, parsed: Mapping[str, Any], content_type: str | None, read: int
) -> None:
    error = parsed.get("bozo_exception")
    if not parsed.get("bozo") or error is None:
        return
    kind = type(error).__name__
    if kind == "CharacterEncodingOverride":
        feed.notes.append(f"encoding: {error}")
    elif kind == "NonXMLContentType":
        feed.notes.append(f"served as {content_type!r} instead of a feed type; read anyway")
    elif isinstance(error, xml.sax.SAXParseException):
        where = f"line {error.getLineNumber()}, column {error.getColumnNumber()}"
        feed.problems.append(
            f"malformed XML at {where}: {error.getMessage()}; read {read} item(s) leniently"
        )
    else:
        feed.problems.append(f"the feed is not well-formed ({kind}: {error}); read {read} item(s)")


def _not_a_feed(body: bytes, url: str, parsed: Mapping[str, Any]) -> str:
    head = body[:4096].lower()
    if b"<html" in head or b"<!doctype html" in head:
        links = _advertised_feeds(body, url)
        hint = f"; the page links to {', '.join(links)}" if links else ""
        return f"not a feed: the answer is an HTML page{hint}"
    error = parsed.get("bozo_exception")
    detail = f" ({type(error).__name__}: {error})" if error is not None else ""
    return f"not a feed: no RSS, Atom, RDF or JSON Feed in the answer{detail}"


class _FeedLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        kind = values.get("type", "").lower()
        is_feed = any(marker in kind for marker in _FEED_TYPES)
        if tag == "link" and "alternate" in values.get("rel", "").lower() and is_feed:
            self.links.append(values.get("href", ""))


def _advertised_feeds(body: bytes, url: str) -> list[str]:
    finder = _FeedLinks()
    finder.feed(body[:262144].decode("utf-8", "replace"))
    return _unique(urljoin(url, link) for link in finder.links if link)


# --- JSON Feed ----------------------------------------------------------------------------


def _looks_like_json(body: bytes, content_type: str | None) -> bool:
    if content_type and "json" in content_type.lower():
        return True
    return body.removeprefix(_BOM).lstrip()[:1] == b"{"


def _json_feed(body: bytes, source_id: str, url: str, fetched_at: datetime) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        return ParsedFeed(format="json", error=f"JSON Feed is not UTF-8: {error}")
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        return ParsedFeed(format="json", error=f"malformed JSON at {where}: {error.msg}")
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return ParsedFeed(format="json", error="JSON, but not a JSON Feed: no 'items' list")
    version = str(data.get("version") or "")
    feed = ParsedFeed(
        format=_json_format(version),
        title=_text(data.get("title")) or None,
        language=_language(data.get("language")),
    )
    if not version.startswith(_JSON_FEED):
        feed.notes.append(f"unknown JSON Feed version {version!r}; read as version 1")
    for index, entry in enumerate(data["items"], start=1):
        try:
            feed.items.append(_json_item(entry, feed, source_id, url, fetched_at))
        except _BadEntry as error:
            feed.failed += 1
            feed.problems.append(f"item {index} could not be read: {error}")
    if not data["items"]:
        feed.problems.append("the feed has no items")
    return feed


def _json_format(version: str) -> str:
    """ "json1", "json1.1", or plain "json" for an unknown version."""
    prefix = _JSON_FEED.removesuffix("1")
    return f"json{version.removeprefix(prefix)}" if version.startswith(_JSON_FEED) else "json"


def _json_item(
    entry: object, feed: ParsedFeed, source_id: str, url: str, fetched_at: datetime
) -> RawItem:
    if not isinstance(entry, dict):
        raise _BadEntry("it is not an object")
    link = _text(entry.get("url")) or _text(entry.get("external_url"))
    text = _text(entry.get("content_text"))
    body = _text(entry.get("content_html")) or (html.escape(text, quote=False) if text else "")
    title, summary = _text(entry.get("title")), _text(entry.get("summary"))
    if not (title or summary or body or link):
        raise _BadEntry("it has no title, text or link")
    guid = entry.get("id")
    fields: dict[str, Any] = {}
    for key, name in (("date_published", "published"), ("date_modified", "updated")):
        if _text(entry.get(key)):
            fields[name] = _text(entry.get(key))
    tags = entry.get("tags")
    if isinstance(tags, list) and (categories := _unique(_text(tag) for tag in tags)):
        fields["categories"] = categories
    return RawItem(
        source_id=source_id,
        url=urljoin(url, link) if link else url,
        fetched_at=fetched_at,
        guid=str(guid) if isinstance(guid, str | int) and str(guid) else None,
        title=title,
        summary=summary,
        body=body,
        language=_language(entry.get("language")) or feed.language,
        fields=fields,
    )


# --- shared -------------------------------------------------------------------------------


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _language(value: object) -> str | None:
    """ "en-GB" -> "en"; None for anything that is not a language tag."""
    if not isinstance(value, str):
        return None
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    return primary if len(primary) == 2 and primary.isalpha() else None


def _unique(values: Iterable[object]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        text = str(value).strip() if value else ""
        if text:
            seen.setdefault(text, None)
    return list(seen)
