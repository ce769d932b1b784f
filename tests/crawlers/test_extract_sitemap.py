"""Sitemap sources end to end: index → sitemaps → pages, lastmod and URL filters, gzip, bombs."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest

from exportwatch.crawlers import (
    Extracted,
    Fetcher,
    FetchPolicy,
    SitemapSource,
    extract,
    validate_definition,
)
from exportwatch.model import RawItem
from tests.mockserver import FixtureServer

from .conftest import ROOT

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HTTP = ROOT / "tests" / "fixtures" / "http"
SITE = b"https://www.example-trade.org/"  # the host the recorded sitemaps name


def source(**rules: Any) -> SitemapSource:
    data = {
        "id": "sitemap-events",
        "name": "Event pages by sitemap",
        "kind": "event",
        "type": "sitemap",
        "url": "https://www.example-trade.org/sitemaps/sitemap-index.xml",
        "rules": rules,
    }
    definition = validate_definition(data, None)
    assert isinstance(definition, SitemapSource)
    return definition


def serve_rewritten(server: FixtureServer, path: str, **override: Any) -> None:
    """Serve a recorded sitemap with its URLs pointing at the fixture server."""
    body = (HTTP / path).read_bytes().replace(SITE, server.url("").encode())
    server.set(path, body=body, **override)


async def _fetch_and_extract(
    fetcher: Fetcher, url: str, definition: SitemapSource, since: datetime | None
) -> Extracted:
    fetched = await fetcher.fetch(url)
    assert fetched.ok, fetched.error
    return extract(
        definition,
        fetched.body,
        url=fetched.final_url,
        content_type=fetched.content_type,
        fetched_at=WHEN,
        since=since,
    )


def read(
    server: FixtureServer, path: str, definition: SitemapSource, since: datetime | None = None
) -> Extracted:
    async def run() -> Extracted:
        async with Fetcher(FetchPolicy(trust_env=False)) as fetcher:
            return await _fetch_and_extract(fetcher, server.url(path), definition, since)

    return asyncio.run(run())


def crawl(
    server: FixtureServer, path: str, definition: SitemapSource
) -> tuple[list[RawItem], list[str]]:
    """What a crawl does with `follow`: fetch and extract every URL once, breadth first."""

    async def run() -> tuple[list[RawItem], list[str]]:
        items: list[RawItem] = []
        visited: list[str] = []
        queue = [server.url(path)]
        async with Fetcher(FetchPolicy(trust_env=False)) as fetcher:
            while queue and len(visited) < 20:
                url = queue.pop(0)
                visited.append(url)
                result = await _fetch_and_extract(fetcher, url, definition, None)
                items.extend(result.items)
                queue.extend(link for link in result.follow if link not in visited + queue)
        return items, visited

    return asyncio.run(run())


def test_index_follows_only_sitemaps_modified_within_max_age(fixture_server: FixtureServer) -> None:
    serve_rewritten(fixture_server, "sitemaps/sitemap-index.xml")
    result = read(fixture_server, "sitemaps/sitemap-index.xml", source(max_age_days=365))
    assert result.follow == [
        fixture_server.url("sitemaps/events-sitemap.xml"),
        fixture_server.url("sitemaps/pages.txt"),  # no lastmod: it may have changed
    ]
    assert result.notes == ["skipped 1 of 3 sitemap(s) not modified since 2025-03-01 12:00"]
    assert (result.items, result.problems, result.error) == ([], [], None)


def test_urlset_is_filtered_by_lastmod_and_url_and_ordered_newest_first(
    fixture_server: FixtureServer,
) -> None:
    serve_rewritten(fixture_server, "sitemaps/events-sitemap.xml")
    definition = source(max_age_days=365, include=["/jsonld/"])
    result = read(fixture_server, "sitemaps/events-sitemap.xml", definition)
    assert result.follow == [
        fixture_server.url("jsonld/events-graph.html"),
        fixture_server.url("jsonld/fair-page.html"),
        fixture_server.url("jsonld/finance-and-law.html"),
        fixture_server.url("jsonld/no-events.html"),
    ]
    assert result.notes == [
        "the sitemap lists 6 page(s); 1 left out by include/exclude; 1 not modified since "
        "2025-03-01 12:00; following 4"
    ]
    assert result.problems == ["line 32: <loc> 'mailto:events@example-trade.org' is no URL"]


def test_since_and_max_pages(fixture_server: FixtureServer) -> None:
    serve_rewritten(fixture_server, "sitemaps/events-sitemap.xml")
    since = datetime(2026, 2, 21, tzinfo=UTC)
    result = read(fixture_server, "sitemaps/events-sitemap.xml", source(exclude=["about"]), since)
    assert result.follow == [
        fixture_server.url("jsonld/events-graph.html"),
        fixture_server.url("jsonld/no-events.html"),
    ]
    capped = read(fixture_server, "sitemaps/events-sitemap.xml", source(max_pages=2))
    assert capped.follow == [
        fixture_server.url("jsonld/events-graph.html"),
        fixture_server.url("jsonld/fair-page.html"),
    ]
    assert capped.notes == ["the sitemap lists 6 page(s); 4 beyond max_pages (2); following 2"]


def test_crawl_from_the_index_to_the_pages_json_ld(fixture_server: FixtureServer) -> None:
    for path in ("sitemaps/sitemap-index.xml", "sitemaps/events-sitemap.xml", "sitemaps/pages.txt"):
        serve_rewritten(fixture_server, path)
    definition = source(max_age_days=365, include=["/jsonld/"])
    items, visited = crawl(fixture_server, "sitemaps/sitemap-index.xml", definition)
    assert [url.removeprefix(fixture_server.url("")) for url in visited] == [
        "sitemaps/sitemap-index.xml",
        "sitemaps/events-sitemap.xml",
        "sitemaps/pages.txt",
        "jsonld/events-graph.html",
        "jsonld/fair-page.html",
        "jsonld/finance-and-law.html",
        "jsonld/no-events.html",
    ]
    assert len(items) == 5 + 1 + 3
    assert items[5].title == "Anuga 2026 – Taste the Future"
    assert {item.source_id for item in items} == {"sitemap-events"}


def test_a_page_without_json_ld_reached_by_sitemap_is_a_note(fixture_server: FixtureServer) -> None:
    result = read(fixture_server, "jsonld/no-events.html", source())
    assert result.items == [] and result.problems == []
    assert result.notes == [
        f"{fixture_server.url('jsonld/no-events.html')} has no schema.org Event, finance or "
        "legislation item (found Organization, WebSite)"
    ]


def test_gzipped_sitemap_file(fixture_server: FixtureServer) -> None:
    body = (
        (HTTP / "sitemaps/events-sitemap.xml")
        .read_bytes()
        .replace(SITE, fixture_server.url("").encode())
    )
    headers = {"Content-Type": "application/gzip"}
    fixture_server.set("sitemaps/events-sitemap.xml.gz", body=gzip.compress(body), headers=headers)
    result = read(fixture_server, "sitemaps/events-sitemap.xml.gz", source(include=["/jsonld/"]))
    assert len(result.follow) == 5 and result.error is None


def test_gzip_bomb_is_refused(fixture_server: FixtureServer) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = packer.compress(b"<urlset>" + b" " * (60 * 1024 * 1024)) + packer.flush()
    fixture_server.set("sitemaps/bomb.xml.gz", body=bomb)
    started = time.perf_counter()
    result = read(fixture_server, "sitemaps/bomb.xml.gz", source())
    assert time.perf_counter() - started < 10
    assert result.error == "the gzipped sitemap unpacks to more than 50 MB (a gzip bomb?); not read"


def test_text_sitemap(fixture_server: FixtureServer) -> None:
    serve_rewritten(fixture_server, "sitemaps/pages.txt")
    result = read(fixture_server, "sitemaps/pages.txt", source())
    assert result.follow == [
        fixture_server.url("jsonld/fair-page.html"),
        fixture_server.url("jsonld/events-graph.html"),
    ]
    assert result.problems == ["1 line(s) of the text sitemap are no URLs"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "empty response: there is no sitemap to read"),
        (b"just some words", "not a sitemap: neither XML nor a list of URLs"),
        (b"<?xml version='1.0'?><rss><channel/></rss>", "not a sitemap: the root element is <rss>"),
        (b"\x1f\x8bnot really gzip", "cannot decompress the gzipped sitemap"),
        (b"<urlset><url><loc>https://a.example/x</loc>", None),  # malformed: read leniently
    ],
)
def test_unusable_sitemaps(fixture_server: FixtureServer, body: bytes, error: str | None) -> None:
    fixture_server.set("sitemaps/broken.xml", body=body)
    result = read(fixture_server, "sitemaps/broken.xml", source())
    if error is None:
        assert result.follow == ["https://a.example/x"] and result.problems
    else:
        assert result.error is not None and result.error.startswith(error), result.error


def test_an_empty_urlset_is_a_problem(fixture_server: FixtureServer) -> None:
    body = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>'
    fixture_server.set("sitemaps/empty.xml", body=body)
    result = read(fixture_server, "sitemaps/empty.xml", source())
    assert (result.follow, result.problems) == ([], ["the sitemap lists no pages"])


def test_sitemap_rules_are_checked() -> None:
    assert source().rules.max_pages == 500 and source().rules.max_age_days is None
    assert source(include="/events/").rules.include == ("/events/",)
    with pytest.raises(ValueError, match=r"invalid regular expression '\(unclosed'"):
        source(include=["(unclosed"])
    with pytest.raises(ValueError, match="max_pages"):
        source(max_pages=0)
