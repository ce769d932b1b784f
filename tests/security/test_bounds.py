"""Size and time bounds on hostile input: each test feeds one attack and checks its bound.

Network cases run against `HostileServer` on 127.0.0.1 (a real socket, scripted misbehaviour);
parser cases feed recorded or generated bodies to the parsers the crawler uses. The table in
docs/security.md lists every bound and the test that holds it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import brotli
import parsel
import pytest
from fastapi.testclient import TestClient

from exportwatch.crawlers import Fetcher, FetchPolicy, FetchResult, extract, validate_definition
from exportwatch.crawlers.feeds import parse_feed
from exportwatch.pipeline.text import MAX_INPUT_CHARS, html_to_text, sanitize_html
from exportwatch.services import Services
from exportwatch.web import create_app
from tests.security.hostile_server import HostileServer, endless_chunks, plain, trickle

FIXTURES = Path(__file__).parents[1] / "fixtures" / "security"
FETCHED_AT = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile


def fetch(url: str, **policy: Any) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(FetchPolicy(trust_env=False, **policy)) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(run())


# --- fetching ------------------------------------------------------------------------------


def test_a_one_byte_a_second_trickle_hits_the_total_time_cap(server: HostileServer) -> None:
    """Each byte arrives well within the read timeout; only the total cap ends the fetch."""
    server.routes["/slow"] = trickle(interval=0.1)
    result = fetch(server.url("slow"), read_timeout=5, total_timeout=1.5)
    assert result.error == "no complete answer within 1.5 s"
    assert 1.4 < result.elapsed < 3


def test_an_endless_chunked_body_stops_at_the_byte_cap(server: HostileServer) -> None:
    server.routes["/endless"] = endless_chunks()
    started = time.perf_counter()
    result = fetch(server.url("endless"), max_bytes=2_000_000)
    assert result.error is not None and result.error.startswith("response larger than the cap")
    assert result.body == b""
    assert time.perf_counter() - started < 5


def test_a_brotli_bomb_is_never_decoded(server: HostileServer) -> None:
    """The fetcher asks for gzip and deflate only; a br body is refused, not inflated."""
    bomb = brotli.compress(b"\0" * 50_000_000, quality=5)
    server.routes["/br"] = plain(bomb, headers={"Content-Encoding": "br"})
    result = fetch(server.url("br"), max_bytes=1_000_000)
    assert result.error == "unsupported Content-Encoding 'br'"


def test_a_deflate_bomb_stops_at_the_cap(server: HostileServer) -> None:
    import zlib

    bomb = zlib.compress(b"\0" * 50_000_000, 9)
    server.routes["/deflate"] = plain(bomb, headers={"Content-Encoding": "deflate"})
    result = fetch(server.url("deflate"), max_bytes=1_000_000)
    assert result.error is not None and "once decompressed" in result.error


# --- parsers -------------------------------------------------------------------------------


def test_billion_laughs_in_a_feed_is_not_expanded() -> None:
    started = time.perf_counter()
    parsed = parse_feed(
        (FIXTURES / "billion-laughs.rss").read_bytes(),
        source_id="fairs",
        url="https://fairs.example/feed.rss",
        fetched_at=FETCHED_AT,
    )
    assert time.perf_counter() - started < 5
    titles = [item.title or "" for item in parsed.items]
    assert all(len(title) < 1000 for title in titles)


def test_an_external_entity_in_a_feed_reads_no_file() -> None:
    hostname = Path("/etc/hostname").read_text("utf-8").strip()
    parsed = parse_feed(
        (FIXTURES / "external-entity.rss").read_bytes(),
        source_id="fairs",
        url="https://fairs.example/feed.rss",
        fetched_at=FETCHED_AT,
    )
    assert hostname not in repr(parsed)


def csv_source() -> Any:
    data = {
        "id": "csv-bounds",
        "name": "csv",
        "kind": "event",
        "type": "csv",
        "url": "https://x.example/a.csv",
    }
    return validate_definition(data | {"rules": {"columns": {"title": "title"}}}, None)


def test_a_huge_csv_field_is_a_problem_not_a_crash() -> None:
    body = b"title,place\nsmall,Berlin\n" + b'"' + b"x" * 5_000_000 + b'",Paris\nafter,Rome\n'
    started = time.perf_counter()
    result = extract(csv_source(), body, url="https://x.example/a.csv", fetched_at=FETCHED_AT)
    assert time.perf_counter() - started < 5
    titles = [item.title for item in result.items]
    assert "small" in titles
    assert all(len(title or "") <= 1_000_000 for title in titles)


def test_pathological_html_nesting_is_bounded() -> None:
    depth = 100_000
    page = "<html><body>" + "<div>" * depth + "<li><a>deep</a></li>" + "</div>" * depth
    started = time.perf_counter()
    found = parsel.Selector(text=page).css("li a::text").getall()  # what the spider runs
    text = html_to_text(page)
    cleaned = sanitize_html(page)
    assert time.perf_counter() - started < 10
    assert found in ([], ["deep"])  # lxml stops at its depth limit; neither hangs nor crashes
    assert isinstance(text, str) and len(cleaned) <= MAX_INPUT_CHARS * 2
    assert "<div" not in cleaned


# --- API request bodies --------------------------------------------------------------------


def test_an_oversized_subscription_body_is_refused_fast(services: Services) -> None:
    body = b'{"email": "a@example.test", "name": "' + b"x" * 8_000_000 + b'"}'
    with TestClient(create_app(services)) as client:
        started = time.perf_counter()
        response = client.post(
            "/api/subscriptions", content=body, headers={"Content-Type": "application/json"}
        )
        elapsed = time.perf_counter() - started
    assert response.status_code in (413, 422)
    assert elapsed < 2


def test_deeply_nested_subscription_json_is_a_4xx(services: Services) -> None:
    body = b'{"email": "a@example.test", "sectors": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with TestClient(create_app(services)) as client:
        response = client.post(
            "/api/subscriptions", content=body, headers={"Content-Type": "application/json"}
        )
    assert 400 <= response.status_code < 500
