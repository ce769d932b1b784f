"""The recorded-fixture HTTP server behaves like a real origin: validators, faults, log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

import tests.mockserver
from tests.mockserver import FixtureServer, Response
from tests.mockserver.http import DEFAULT_ROOT

FEED = "feeds/sample.rss"
FEED_BYTES = (DEFAULT_ROOT / FEED).read_bytes()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """A plain httpx client that does not follow redirects."""
    with httpx.Client(timeout=5.0) as client:
        yield client


def test_public_surface_is_what_all_says() -> None:
    """The package re-exports exactly the classes its modules declare public."""
    modules = (tests.mockserver.http, tests.mockserver.smtp)
    exported = {name for module in modules for name in module.__all__}
    assert set(tests.mockserver.__all__) <= exported
    assert all(hasattr(tests.mockserver, name) for name in tests.mockserver.__all__)


def test_serves_file_with_guessed_content_type(
    fixture_server: FixtureServer, client: httpx.Client
) -> None:
    """Files are served byte for byte with a type guessed from the extension."""
    feed = client.get(fixture_server.url(FEED))
    calendar = client.get(fixture_server.url("calendars/fairs.ics"))
    assert (feed.status_code, feed.content) == (200, FEED_BYTES)
    assert feed.headers["content-type"] == "application/rss+xml"
    assert calendar.headers["content-type"].startswith("text/calendar")


def test_etag_roundtrip_gives_304(fixture_server: FixtureServer, client: httpx.Client) -> None:
    """A matching If-None-Match yields an empty 304 that repeats the ETag."""
    etag = client.get(fixture_server.url(FEED)).headers["etag"]
    again = client.get(fixture_server.url(FEED), headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert fixture_server.requests[-1].headers["if-none-match"] == etag


def test_etag_changes_with_content(fixture_server: FixtureServer, client: httpx.Client) -> None:
    """After the content changed the old ETag no longer matches and the new body is sent."""
    etag = client.get(fixture_server.url(FEED)).headers["etag"]
    fixture_server.set(FEED, body=b"<rss version='2.0'><channel/></rss>")
    changed = client.get(fixture_server.url(FEED), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_last_modified_roundtrip(fixture_server: FixtureServer, client: httpx.Client) -> None:
    """A fixed Last-Modified is sent, and If-Modified-Since at or after it yields 304."""
    fixture_server.set(FEED, last_modified=datetime(2025, 3, 4, 8, 15, tzinfo=UTC))
    stamp = client.get(fixture_server.url(FEED)).headers["last-modified"]
    same = client.get(fixture_server.url(FEED), headers={"If-Modified-Since": stamp})
    older = "Mon, 03 Mar 2025 08:15:00 GMT"
    stale = client.get(fixture_server.url(FEED), headers={"If-Modified-Since": older})
    assert stamp == "Tue, 04 Mar 2025 08:15:00 GMT"
    assert (same.status_code, stale.status_code) == (304, 200)


def test_file_mtime_is_last_modified(fixture_server: FixtureServer, client: httpx.Client) -> None:
    """Without an override the file's mtime is the Last-Modified date."""
    expected = datetime.fromtimestamp(int((DEFAULT_ROOT / FEED).stat().st_mtime), UTC)
    stamp = client.get(fixture_server.url(FEED)).headers["last-modified"]
    assert parsedate_to_datetime(stamp) == expected


def test_status_override_410(fixture_server: FixtureServer, client: httpx.Client) -> None:
    """A status override replaces the file with a short text answer."""
    fixture_server.set(FEED, status=410)
    gone = client.get(fixture_server.url(FEED))
    assert (gone.status_code, gone.text) == (410, "410 Gone\n")
    assert "etag" not in gone.headers


def test_missing_file_is_404(fixture_server: FixtureServer, client: httpx.Client) -> None:
    """Unknown paths and paths escaping the root are 404."""
    missing = client.get(fixture_server.url("feeds/nope.rss"))
    escape = client.get(fixture_server.url("..%2F..%2Fmockserver%2Fhttp.py"))
    assert (missing.status_code, escape.status_code) == (404, 404)


def test_redirect_301_with_location(fixture_server: FixtureServer, client: httpx.Client) -> None:
    """A 301 with a Location header is followed by a real client to the new place."""
    fixture_server.set("old/feed.xml", status=301, headers={"Location": "/" + FEED})
    moved = client.get(fixture_server.url("old/feed.xml"), follow_redirects=True)
    assert [r.status_code for r in moved.history] == [301]
    assert (moved.status_code, moved.content) == (200, FEED_BYTES)
    assert [r.path for r in fixture_server.requests] == ["/old/feed.xml", "/" + FEED]


def test_sequence_503_then_200(fixture_server: FixtureServer, client: httpx.Client) -> None:
    """Sequence steps are used once each, then the path is served normally."""
    fixture_server.set(FEED, sequence=[Response(503, {"Retry-After": "1"})])
    first, second = (client.get(fixture_server.url(FEED)) for _ in range(2))
    assert (first.status_code, first.headers["retry-after"]) == (503, "1")
    assert (second.status_code, second.content) == (200, FEED_BYTES)


def test_delay(fixture_server: FixtureServer, client: httpx.Client) -> None:
    """A delayed answer takes at least the delay."""
    fixture_server.set(FEED, delay=0.2)
    started = time.perf_counter()
    client.get(fixture_server.url(FEED))
    assert time.perf_counter() - started >= 0.2


def test_gzip_when_accepted(fixture_server: FixtureServer, client: httpx.Client) -> None:
    """gzip is used only when the client accepts it, and decodes to the file."""
    fixture_server.set(FEED, gzip=True)
    packed = client.get(fixture_server.url(FEED), headers={"Accept-Encoding": "gzip"})
    plain = client.get(fixture_server.url(FEED), headers={"Accept-Encoding": "identity"})
    assert (packed.headers["content-encoding"], packed.content) == ("gzip", FEED_BYTES)
    assert int(packed.headers["content-length"]) < len(FEED_BYTES)
    assert "content-encoding" not in plain.headers
    assert packed.headers["etag"] == "W/" + plain.headers["etag"]


def test_header_override_and_removal(fixture_server: FixtureServer, client: httpx.Client) -> None:
    """Headers can be added or, with None, removed (a server without validators)."""
    fixture_server.set(FEED, headers={"Cache-Control": "max-age=600", "ETag": None})
    answer = client.get(fixture_server.url(FEED))
    assert answer.headers["cache-control"] == "max-age=600"
    assert "etag" not in answer.headers


def test_request_log_records_user_agent(
    fixture_server: FixtureServer, client: httpx.Client
) -> None:
    """Each request is logged with method, target and headers."""
    client.head(fixture_server.url(FEED + "?v=1"), headers={"User-Agent": "exportwatch/0.1"})
    [request] = fixture_server.requests
    assert (request.method, request.target, request.path) == ("HEAD", f"/{FEED}?v=1", f"/{FEED}")
    assert request.headers["User-Agent"] == "exportwatch/0.1"


def test_head_has_length_but_no_body(fixture_server: FixtureServer, client: httpx.Client) -> None:
    """HEAD answers like GET without the body."""
    answer = client.head(fixture_server.url(FEED))
    assert (answer.content, answer.headers["content-length"]) == (b"", str(len(FEED_BYTES)))


def test_robots_txt_from_root(
    fixture_server: FixtureServer, client: httpx.Client, tmp_path: Path
) -> None:
    """robots.txt comes from the root when present, else 404."""
    robots = client.get(fixture_server.url("robots.txt"))
    with FixtureServer(tmp_path) as bare:
        missing = client.get(bare.url("robots.txt"))
    assert robots.status_code == 200
    assert robots.headers["content-type"] == "text/plain; charset=utf-8"
    assert "Disallow: /internal/" in robots.text
    assert missing.status_code == 404


def test_reset_forgets_overrides_and_log(
    fixture_server: FixtureServer, client: httpx.Client
) -> None:
    """reset() clears overrides and the request log."""
    fixture_server.set(FEED, status=500)
    client.get(fixture_server.url(FEED))
    fixture_server.reset()
    assert fixture_server.requests == []
    assert client.get(fixture_server.url(FEED)).status_code == 200
