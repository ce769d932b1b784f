"""Sitemaps: which pages (and child sitemaps) to read next, filtered by lastmod and URL.

A sitemap source hands every response here: a sitemap index or urlset (XML, gzipped or not) or
a plain-text list of URLs yields `follow` URLs; a page reached that way yields its JSON-LD
items. So one definition walks index → sitemap → pages with the same `extract` call.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

from lxml import etree

from exportwatch.crawlers.definitions import SitemapRules
from exportwatch.crawlers.extract_jsonld import read_jsonld
from exportwatch.crawlers.markup import local_name, looks_like_html, parse_xml
from exportwatch.crawlers.records import Extracted, Origin, capped

__all__ = ["MAX_ENTRIES", "MAX_SITEMAP_BYTES", "read_sitemap"]

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the protocol's limit for one (uncompressed) sitemap
MAX_ENTRIES = 50_000  # the protocol's limit of URLs in one sitemap
_GZIP = b"\x1f\x8b"
_SPACE = re.compile(r"\s")
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?$")


@dataclass(frozen=True, slots=True)
class _Entry:
    url: str
    lastmod: datetime | None


def read_sitemap(
    body: bytes, rules: SitemapRules, origin: Origin, *, since: datetime | None = None
) -> Extracted:
    """The pages a sitemap lists (as `follow`), or the JSON-LD items of a page it listed.

    `since` (e.g. the last successful crawl) skips pages whose lastmod is older, like
    `rules.max_age_days` does. Never raises for bad input.
    """
    if body[:2] == _GZIP:
        unpacked = _gunzip(body)
        if isinstance(unpacked, str):
            return Extracted().fail(unpacked)
        body = unpacked
    content_type = (origin.content_type or "").lower()
    if "html" in content_type or looks_like_html(body):
        return read_jsonld(body, origin, expected=False)
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start in (b"{", b"["):
        return read_jsonld(body, origin, expected=False)
    if start == b"<":
        return _xml_sitemap(body, rules, origin, _cutoff(rules, origin, since))
    return _text_sitemap(body, rules, origin)


def _gunzip(body: bytes) -> bytes | str:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, MAX_SITEMAP_BYTES + 1)
    except zlib.error as error:
        return f"cannot decompress the gzipped sitemap: {error}"
    if len(data) > MAX_SITEMAP_BYTES or inflater.unconsumed_tail:
        limit = MAX_SITEMAP_BYTES // 1024 // 1024
        return f"the gzipped sitemap unpacks to more than {limit} MB (a gzip bomb?); not read"
    return data


def _cutoff(rules: SitemapRules, origin: Origin, since: datetime | None) -> datetime | None:
    limits = [_aware(since)] if since is not None else []
    if rules.max_age_days is not None:
        limits.append(origin.fetched_at - timedelta(days=rules.max_age_days))
    return max(limits) if limits else None


def _xml_sitemap(
    body: bytes, rules: SitemapRules, origin: Origin, cutoff: datetime | None
) -> Extracted:
    parsed = parse_xml(body, origin.content_type)
    result = Extracted(problems=parsed.problems, notes=parsed.notes)
    if parsed.root is None:
        return result.fail(parsed.error or "no sitemap to read")
    kind = local_name(parsed.root)
    if kind == "html":
        return read_jsonld(body, origin, expected=False)
    if kind not in ("urlset", "sitemapindex"):
        hint = "; a feed is read by a source of type feed" if kind in ("rss", "feed", "RDF") else ""
        return result.fail(f"not a sitemap: the root element is <{kind}>{hint}")
    child = "url" if kind == "urlset" else "sitemap"
    entries, bad = _entries(parsed.root, child, origin.url)
    if bad:
        result.problems.extend(capped(bad, "more entries could not be read"))
    if kind == "sitemapindex":
        _follow_sitemaps(entries, cutoff, result)
    else:
        _follow_pages(entries, rules, cutoff, result)
    return result


def _entries(root: etree._Element, child: str, base: str) -> tuple[list[_Entry], list[str]]:
    entries: list[_Entry] = []
    bad: list[str] = []
    for element in root:
        if local_name(element) != child:
            continue
        if len(entries) >= MAX_ENTRIES:
            bad.append(f"the sitemap lists more than {MAX_ENTRIES:,} URLs; read the first")
            break
        parts = {local_name(part): part for part in element}
        loc, lastmod = parts.get("loc"), parts.get("lastmod")
        text = (loc.text or "").strip() if loc is not None else ""
        url = _page_url(text, base)
        if url is None:
            line = (loc if loc is not None else element).sourceline
            bad.append(f"line {line}: <loc> {text!r} is no URL")
            continue
        stamp = (lastmod.text or "").strip() if lastmod is not None else ""
        entries.append(_Entry(url, _lastmod(stamp)))
    return entries, bad


def _follow_sitemaps(entries: list[_Entry], cutoff: datetime | None, result: Extracted) -> None:
    fresh = [entry for entry in entries if _fresh(entry, cutoff)]
    result.follow.extend(entry.url for entry in fresh)
    if not entries:
        result.problems.append("the sitemap index lists no sitemaps")
    elif len(fresh) < len(entries):
        result.notes.append(
            f"skipped {len(entries) - len(fresh)} of {len(entries)} sitemap(s) not modified "
            f"since {cutoff:%Y-%m-%d %H:%M}"
        )


def _follow_pages(
    entries: list[_Entry], rules: SitemapRules, cutoff: datetime | None, result: Extracted
) -> None:
    if not entries:
        result.problems.append("the sitemap lists no pages")
        return
    wanted = [entry for entry in entries if _matches(entry.url, rules)]
    fresh = [entry for entry in wanted if _fresh(entry, cutoff)]
    newest_first = sorted(fresh, key=_age)
    result.follow.extend(entry.url for entry in newest_first[: rules.max_pages])
    parts = [f"the sitemap lists {len(entries)} page(s)"]
    if len(wanted) < len(entries):
        parts.append(f"{len(entries) - len(wanted)} left out by include/exclude")
    if len(fresh) < len(wanted) and cutoff is not None:
        parts.append(f"{len(wanted) - len(fresh)} not modified since {cutoff:%Y-%m-%d %H:%M}")
    if len(fresh) > rules.max_pages:
        parts.append(f"{len(fresh) - rules.max_pages} beyond max_pages ({rules.max_pages})")
    result.notes.append(f"{'; '.join(parts)}; following {len(result.follow)}")
    if entries and not wanted:
        result.problems.append("include/exclude leave none of the sitemap's pages")


def _text_sitemap(body: bytes, rules: SitemapRules, origin: Origin) -> Extracted:
    result = Extracted()
    text = body.decode("utf-8-sig", errors="replace")
    if not text.strip():
        return result.fail("empty response: there is no sitemap to read")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    urls = [url for line in lines[:MAX_ENTRIES] if (url := _page_url(line, None))]
    if not urls:
        return result.fail("not a sitemap: neither XML nor a list of URLs")
    if len(urls) < len(lines):
        result.problems.append(f"{len(lines) - len(urls)} line(s) of the text sitemap are no URLs")
    _follow_pages([_Entry(url, None) for url in urls], rules, None, result)
    return result


def _page_url(text: str, base: str | None) -> str | None:
    """An http(s) URL; relative ones resolve against `base` when one is given."""
    text = text.strip()
    if not text or _SPACE.search(text):
        return None
    absolute = text[:8].lower().startswith(("http://", "https://"))
    url = urljoin(base, text) if base and not absolute else text
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def _lastmod(text: str) -> datetime | None:
    """W3C datetime ("2026-02-10", "2026-02-10T14:30:00+01:00", "2026-02"); naive is UTC."""
    if not text:
        return None
    try:
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        partial = _PARTIAL_DATE.match(text)
        month = int(partial[2] or 1) if partial else 0
        if partial is None or not 0 < month < 13:
            return None
        return datetime(int(partial[1]), month, 1, tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _fresh(entry: _Entry, cutoff: datetime | None) -> bool:
    return cutoff is None or entry.lastmod is None or entry.lastmod >= cutoff


def _matches(url: str, rules: SitemapRules) -> bool:
    if rules.include and not any(re.search(pattern, url) for pattern in rules.include):
        return False
    return not any(re.search(pattern, url) for pattern in rules.exclude)


def _age(entry: _Entry) -> tuple[int, float]:
    """Newest first; entries without lastmod after all dated ones, in sitemap order."""
    if entry.lastmod is None:
        return (1, 0.0)
    return (0, -entry.lastmod.timestamp())
