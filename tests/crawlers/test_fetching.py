"""The fetcher against the real local fixture server: validators, redirects, caps and faults."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from exportwatch.crawlers import Fetcher, FetchPolicy, FetchResult, Validators
from exportwatch.crawlers.fetching import PROJECT_URL, contact_url, user_agent
from exportwatch.settings import Settings
from tests.mockserver import FixtureServer, RecordedRequest

from .conftest import FEED_FIXTURES

FEED = "feeds/rss20-ttl.rss"
FEED_BYTES = (FEED_FIXTURES / "rss20-ttl.rss").read_bytes()


def fetch(url: str, validators: Validators | None = None, **policy: Any) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(FetchPolicy(trust_env=False, **policy)) as fetcher:
            return await fetcher.fetch(url, validators)

    return asyncio.run(run())


def test_polite_headers(fixture_server: FixtureServer) -> None:
    result = fetch(fixture_server.url(FEED))
    request = fixture_server.requests[-1]
    assert result.ok and result.status == 200 and result.body == FEED_BYTES
    assert request.headers["User-Agent"] == f"exportwatch/0.1.0 (+{PROJECT_URL})"
    assert "application/rss+xml" in request.headers["Accept"]
    assert request.headers["Accept-Encoding"] == "gzip, deflate"


def test_contact_url_is_the_public_base_url(settings: Settings) -> None:
    assert contact_url(settings) == PROJECT_URL  # http://127.0.0.1:8000 is nobody's contact
    public = settings.model_copy(update={"base_url": "https://exportwatch.example.org"})
    assert user_agent(contact_url(public)).endswith("(+https://exportwatch.example.org)")
    assert FetchPolicy.from_settings(public).user_agent == user_agent(contact_url(public))


def test_conditional_get_gives_304_without_body(fixture_server: FixtureServer) -> None:
    first = fetch(fixture_server.url(FEED))
    second = fetch(fixture_server.url(FEED), first.validators)
    request = fixture_server.requests[-1]
    assert first.validators.etag and first.validators.last_modified
    assert request.headers["If-None-Match"] == first.validators.etag
    assert request.headers["If-Modified-Since"] == first.validators.last_modified
    assert (second.status, second.not_modified, second.body) == (304, True, b"")
    assert second.ok and second.validators == first.validators


def test_gzip_is_decoded(fixture_server: FixtureServer) -> None:
    fixture_server.set(FEED, gzip=True)
    result = fetch(fixture_server.url(FEED))
    assert result.ok and result.body == FEED_BYTES


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_reports_the_new_url(fixture_server: FixtureServer, status: int) -> None:
    fixture_server.set("old/feed.rss", status=status, headers={"Location": f"/{FEED}"})
    result = fetch(fixture_server.url("old/feed.rss"))
    assert result.ok and result.body == FEED_BYTES
    assert result.permanent_redirect and result.moved_to == fixture_server.url(FEED)
    assert result.final_url == fixture_server.url(FEED)
    assert result.statuses == [status, 200]


@pytest.mark.parametrize("status", [302, 303, 307])
def test_temporary_redirect_keeps_the_url(fixture_server: FixtureServer, status: int) -> None:
    fixture_server.set("moving/feed.rss", status=status, headers={"Location": f"/{FEED}"})
    result = fetch(fixture_server.url("moving/feed.rss"))
    assert result.ok and result.final_url == fixture_server.url(FEED)
    assert not result.permanent_redirect and result.moved_to is None


def test_permanent_then_temporary_stores_only_the_permanent_part(
    fixture_server: FixtureServer,
) -> None:
    fixture_server.set("a.rss", status=301, headers={"Location": "/b.rss"})
    fixture_server.set("b.rss", status=302, headers={"Location": f"/{FEED}"})
    result = fetch(fixture_server.url("a.rss"))
    assert result.moved_to == fixture_server.url("b.rss")


def test_permanent_redirect_to_a_broken_url_is_not_stored(fixture_server: FixtureServer) -> None:
    fixture_server.set("a.rss", status=301, headers={"Location": "/missing.rss"})
    result = fetch(fixture_server.url("a.rss"))
    assert result.error is not None and "HTTP 404 Not Found" in result.error
    assert result.moved_to is None


def test_gone(fixture_server: FixtureServer) -> None:
    fixture_server.set(FEED, status=410)
    result = fetch(fixture_server.url(FEED))
    assert result.gone and not result.ok
    assert (
        result.error
        == f"HTTP 410 Gone at {fixture_server.url(FEED)}: the publisher removed it for good"
    )


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_and_date(fixture_server: FixtureServer, status: int) -> None:
    fixture_server.set(FEED, status=status, headers={"Retry-After": "120"})
    in_seconds = fetch(fixture_server.url(FEED))
    fixture_server.set(
        FEED, status=status, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}
    )
    in_the_past = fetch(fixture_server.url(FEED))
    assert in_seconds.retry_after == timedelta(seconds=120)
    assert in_seconds.error is not None and "(retry after 120 s)" in in_seconds.error
    assert in_the_past.retry_after == timedelta(0)


def test_max_age(fixture_server: FixtureServer) -> None:
    fixture_server.set(FEED, headers={"Cache-Control": "public, max-age=1800"})
    assert fetch(fixture_server.url(FEED)).max_age == timedelta(minutes=30)
    fixture_server.set(FEED, headers={"Cache-Control": "no-cache, max-age=1800"})
    assert fetch(fixture_server.url(FEED)).max_age is None


def test_announced_size_over_the_cap(fixture_server: FixtureServer) -> None:
    fixture_server.set(FEED, body=b"<rss>" + b" " * 5000 + b"</rss>")
    result = fetch(fixture_server.url(FEED), max_bytes=1000)
    assert result.error == "response too large: 5,011 bytes announced, the cap is 1,000 bytes"
    assert result.body == b""


def test_gzip_bomb_stops_at_the_cap(fixture_server: FixtureServer) -> None:
    fixture_server.set(FEED, body=b"<rss>" + b"\0" * 50_000_000, gzip=True)
    result = fetch(fixture_server.url(FEED), max_bytes=1024 * 1024)
    assert result.error is not None
    assert result.error.startswith("response larger than the cap is 1 MB once decompressed")
    assert result.body == b""


def test_streamed_body_without_length_stops_at_the_cap() -> None:
    async def chunks() -> object:
        for _ in range(100):
            yield b"x" * 1000

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())  # type: ignore[arg-type]

    async def run() -> FetchResult:
        transport = httpx.MockTransport(answer)
        async with Fetcher(FetchPolicy(max_bytes=10_000), transport=transport) as fetcher:
            return await fetcher.fetch("https://feeds.example.org/endless.rss")

    result = asyncio.run(run())
    assert result.error is not None and "larger than the cap is 10,000 bytes" in result.error


def test_redirect_loop(fixture_server: FixtureServer) -> None:
    fixture_server.set("loop/a", status=302, headers={"Location": "/loop/b"})
    fixture_server.set("loop/b", status=301, headers={"Location": "/loop/a"})
    result = fetch(fixture_server.url("loop/a"))
    a, b = fixture_server.url("loop/a"), fixture_server.url("loop/b")
    assert result.error == f"redirect loop: {a} → {b} → {a}"
    assert result.moved_to is None


def test_too_many_redirects(fixture_server: FixtureServer) -> None:
    for hop in range(7):
        fixture_server.set(f"hop/{hop}", status=307, headers={"Location": f"/hop/{hop + 1}"})
    result = fetch(fixture_server.url("hop/0"))
    assert result.error == "too many redirects (more than 5)"
    assert len(fixture_server.requests) == 6


def test_guard_sees_every_hop_and_can_refuse(fixture_server: FixtureServer) -> None:
    fixture_server.set("a.rss", status=302, headers={"Location": "http://localhost:1/admin"})
    seen: list[str] = []

    async def guard(url: httpx.URL) -> str | None:
        seen.append(str(url))
        return "private address" if url.host == "localhost" else None

    result = fetch(fixture_server.url("a.rss"), guard=guard)
    assert seen == [fixture_server.url("a.rss"), "http://localhost:1/admin"]
    assert result.error == "refused to fetch http://localhost:1/admin: private address"


def test_read_timeout(fixture_server: FixtureServer) -> None:
    fixture_server.set(FEED, delay=1.5)
    result = fetch(fixture_server.url(FEED), read_timeout=0.2)
    assert result.error == "127.0.0.1 stopped sending: nothing received for 0.2 s"
    assert result.elapsed < 1.0


def test_total_timeout(fixture_server: FixtureServer) -> None:
    fixture_server.set(FEED, delay=1.5)
    result = fetch(fixture_server.url(FEED), total_timeout=0.3)
    assert result.error == "no complete answer within 0.3 s"


@pytest.mark.parametrize(("status", "text"), [(404, "Not Found"), (500, "Internal Server Error")])
def test_http_errors(fixture_server: FixtureServer, status: int, text: str) -> None:
    fixture_server.set(FEED, status=status)
    result = fetch(fixture_server.url(FEED))
    assert result.error == f"HTTP {status} {text} at {fixture_server.url(FEED)}"
    assert result.status == status and not result.ok


def test_connection_refused() -> None:
    with FixtureServer() as server:
        url = server.url(FEED)
    result = fetch(url)
    assert result.status is None and result.error is not None
    assert result.error.startswith("cannot connect to 127.0.0.1: ")


def test_dns_failure_is_a_readable_problem() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    async def run() -> FetchResult:
        async with Fetcher(transport=httpx.MockTransport(answer)) as fetcher:
            return await fetcher.fetch("https://feeds.invalid/news.rss")

    result = asyncio.run(run())
    assert result.error == "cannot connect to feeds.invalid: [Errno -2] Name or service not known"


def test_only_http_urls() -> None:
    result = fetch("file:///etc/passwd")
    assert result.error is not None and result.error.startswith("refused to fetch file:")
    assert result.error.endswith("only http and https URLs are fetched (got 'file')")


class CountingServer(FixtureServer):
    """Counts requests in flight, to see the fetcher's per-host limit from the server side."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most = 0
        self._count_lock = threading.Lock()

    def respond(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        with self._count_lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        try:
            return super().respond(request)
        finally:
            with self._count_lock:
                self.in_flight -= 1


@pytest.fixture
def counting_server() -> Iterator[CountingServer]:
    server = CountingServer()
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("per_host", [1, 3])
def test_per_host_limit_holds(counting_server: CountingServer, per_host: int) -> None:
    paths = [f"slow/{n}.rss" for n in range(9)]
    for path in paths:
        counting_server.set(path, body=FEED_BYTES, delay=0.1)

    async def run() -> list[FetchResult]:
        async with Fetcher(FetchPolicy(per_host=per_host, trust_env=False)) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(counting_server.url(p)) for p in paths))

    results = asyncio.run(run())
    assert all(result.ok for result in results)
    assert counting_server.most == per_host


def test_waiting_for_the_host_does_not_count_against_the_time_limit(
    counting_server: CountingServer,
) -> None:
    paths = [f"slow/{n}.rss" for n in range(3)]
    for path in paths:
        counting_server.set(path, body=FEED_BYTES, delay=0.3)
    policy = FetchPolicy(per_host=1, total_timeout=0.6, trust_env=False)

    async def run() -> list[FetchResult]:
        async with Fetcher(policy) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(counting_server.url(p)) for p in paths))

    results = asyncio.run(run())
    assert [result.error for result in results] == [None, None, None]
    assert max(result.elapsed for result in results) > 0.8  # the last one queued for two
