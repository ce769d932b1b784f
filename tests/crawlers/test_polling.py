"""Polling feed sources end to end through the local fixture server."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import timedelta

import pytest

from exportwatch.crawlers import (
    FeedState,
    FetchPolicy,
    PollResult,
    SourceDefinition,
    poll_feeds,
    validate_definition,
)
from exportwatch.model import RunStatus
from exportwatch.store import SourceState
from tests.mockserver import FixtureServer

from .conftest import feed_source

FEED = "feeds/rss20-ttl.rss"
POLICY = FetchPolicy(trust_env=False, read_timeout=2.0, total_timeout=5.0)


def refused_url() -> str:
    """A URL on 127.0.0.1 where nothing listens any more."""
    with FixtureServer() as server:
        return server.url("feed.rss")


def poll(
    definitions: Sequence[SourceDefinition],
    states: Mapping[str, FeedState] | None = None,
    policy: FetchPolicy = POLICY,
) -> list[PollResult]:
    return asyncio.run(poll_feeds(definitions, states or {}, policy=policy))


def poll_one(definition: SourceDefinition, state: FeedState | None = None) -> PollResult:
    [result] = poll([definition], {definition.id: state} if state else None)
    return result


@pytest.mark.parametrize(
    ("path", "count", "first_title"),
    [
        ("feeds/rss091.rss", 2, "Exportkreditgarantien: neue Deckungspraxis für Kenia"),
        ("feeds/rss20-ttl.rss", 3, "Anuga 2025 – joint stand for food & beverage producers"),
        ("feeds/rss10.rdf.xml", 2, "G/TBT/N/EU/1102 – Labelling of dairy products"),
        ("feeds/atom.atom", 2, "Export working capital scheme extended to 2027"),
        ("feeds/jsonfeed.json", 2, "SIAL Paris 2026 : pavillon régional"),
        ("feeds/jsonfeed-1.0.json", 1, "Ghana adjusts import tariffs on processed food"),
        ("feeds/windows-1252.rss", 1, "Pabellón español en “Gulfood 2026”"),
        ("feeds/bom-windows-1252.rss", 1, "Pabellón español en “Alimentaria 2026”"),
        ("feeds/served-as-html.html", 1, "Saudi Arabia: SASO conformity certificates for toys"),
    ],
)
def test_every_format_end_to_end(
    fixture_server: FixtureServer, path: str, count: int, first_title: str
) -> None:
    result = poll_one(feed_source("src", fixture_server.url(path)))
    assert result.status is RunStatus.SUCCESS, result.problems
    assert len(result.items) == count
    assert result.items[0].title == first_title
    assert all(item.source_id == "src" for item in result.items)
    assert result.http_statuses == {"200": 1}


def test_second_poll_is_conditional_and_cheap(fixture_server: FixtureServer) -> None:
    definition = feed_source("fairs", fixture_server.url(FEED))
    first = poll_one(definition)
    second = poll_one(definition, first.state)
    request = fixture_server.requests[-1]
    resource = first.state.resource(fixture_server.url(FEED))
    assert request.headers["If-None-Match"] == resource.etag
    assert request.headers["If-Modified-Since"] == resource.last_modified
    assert (second.status, second.not_modified, second.items) == (RunStatus.SUCCESS, True, [])
    assert second.http_statuses == {"304": 1}


def test_changed_feed_is_read_again(fixture_server: FixtureServer) -> None:
    definition = feed_source("fairs", fixture_server.url(FEED))
    first = poll_one(definition)
    fixture_server.set(FEED, body=(fixture_server.root / "feeds" / "atom.atom").read_bytes())
    second = poll_one(definition, first.state)
    assert not second.not_modified and len(second.items) == 2


def test_unchanged_body_without_validators_is_not_read_twice(
    fixture_server: FixtureServer,
) -> None:
    fixture_server.set(FEED, headers={"ETag": None, "Last-Modified": None})
    definition = feed_source("fairs", fixture_server.url(FEED))
    first = poll_one(definition)
    second = poll_one(definition, first.state)
    assert "If-None-Match" not in fixture_server.requests[-1].headers
    assert len(first.items) == 3 and second.not_modified and second.items == []


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_moves_the_source(fixture_server: FixtureServer, status: int) -> None:
    old, new = fixture_server.url("old.rss"), fixture_server.url(FEED)
    fixture_server.set("old.rss", status=status, headers={"Location": f"/{FEED}"})
    first = poll_one(feed_source("fairs", old))
    second = poll_one(feed_source("fairs", old), first.state)
    assert first.state.resource(old).current_url == new
    assert first.notices == [f"{old} moved permanently to {new}; polling the new URL"]
    assert first.state.source_state_changes()["url"] == new
    assert [r.path for r in fixture_server.requests] == ["/old.rss", f"/{FEED}", f"/{FEED}"]
    assert second.not_modified


@pytest.mark.parametrize("status", [302, 307])
def test_temporary_redirect_keeps_the_url(fixture_server: FixtureServer, status: int) -> None:
    old = fixture_server.url("old.rss")
    fixture_server.set("old.rss", status=status, headers={"Location": f"/{FEED}"})
    result = poll_one(feed_source("fairs", old))
    assert result.status is RunStatus.SUCCESS and len(result.items) == 3
    assert result.state.resource(old).current_url is None and result.notices == []
    assert result.http_statuses == {str(status): 1, "200": 1}


def test_gone_disables_the_source_with_a_notice(fixture_server: FixtureServer) -> None:
    fixture_server.set(FEED, status=410)
    definition = feed_source("fairs", fixture_server.url(FEED))
    result = poll_one(definition)
    assert result.status is RunStatus.FAILED
    assert result.error is not None and "HTTP 410 Gone" in result.error
    assert result.state.enabled is False
    assert result.state.disabled_reason is not None
    assert result.state.disabled_reason.startswith(f"HTTP 410 Gone at {fixture_server.url(FEED)}")
    assert "source disabled" in result.notices[0]
    assert poll([definition], {"fairs": result.state}) == []


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_the_next_run_floor(fixture_server: FixtureServer, status: int) -> None:
    fixture_server.set(FEED, status=status, headers={"Retry-After": "600"})
    result = poll_one(feed_source("fairs", fixture_server.url(FEED)))
    assert result.status is RunStatus.FAILED
    assert result.next_run_floor == result.started_at + timedelta(minutes=10)


def test_ttl_is_the_floor_and_is_remembered_for_304s(fixture_server: FixtureServer) -> None:
    definition = feed_source("fairs", fixture_server.url(FEED))
    first = poll_one(definition)
    second = poll_one(definition, first.state)
    assert first.next_run_floor == first.started_at + timedelta(minutes=180)
    assert second.not_modified
    assert second.next_run_floor == second.started_at + timedelta(minutes=180)


def test_max_age_longer_than_ttl_wins(fixture_server: FixtureServer) -> None:
    fixture_server.set(FEED, headers={"Cache-Control": "max-age=43200"})
    result = poll_one(feed_source("fairs", fixture_server.url(FEED)))
    assert result.next_run_floor == result.started_at + timedelta(hours=12)


def test_no_hints_no_floor(fixture_server: FixtureServer) -> None:
    result = poll_one(feed_source("news", fixture_server.url("feeds/sample.rss")))
    assert result.next_run_floor is None


def test_malformed_feed_is_degraded_but_keeps_its_items(fixture_server: FixtureServer) -> None:
    result = poll_one(feed_source("news", fixture_server.url("feeds/malformed.rss")))
    assert result.status is RunStatus.DEGRADED
    assert len(result.items) == 3
    assert result.problems[0].startswith("malformed XML at line 17")


def test_html_page_fails_naming_its_feed(fixture_server: FixtureServer) -> None:
    result = poll_one(feed_source("news", fixture_server.url("feeds/landing-page.html")))
    assert result.status is RunStatus.FAILED
    assert result.error == (
        "not a feed: the answer is an HTML page; "
        f"the page links to {fixture_server.url('feeds/rss20-ttl.rss')}"
    )


def test_an_unreadable_answer_is_asked_for_again_unconditionally(
    fixture_server: FixtureServer,
) -> None:
    definition = feed_source("news", fixture_server.url("feeds/landing-page.html"))
    first = poll_one(definition)
    second = poll_one(definition, first.state)
    assert "If-None-Match" not in fixture_server.requests[-1].headers
    assert second.status is RunStatus.FAILED


def test_empty_feed_is_degraded(fixture_server: FixtureServer) -> None:
    result = poll_one(feed_source("calls", fixture_server.url("feeds/empty.rss")))
    assert (result.status, result.items) == (RunStatus.DEGRADED, [])
    assert result.problems == ["the feed has no items"]


def test_expect_min_items(fixture_server: FixtureServer) -> None:
    definition = feed_source(
        "news", fixture_server.url("feeds/sample.rss"), expect={"min_items": 5}
    )
    result = poll_one(definition)
    assert result.status is RunStatus.DEGRADED
    assert result.problems == ["expected at least 5 item(s), read 2"]


def test_one_failing_url_of_several_degrades(fixture_server: FixtureServer) -> None:
    fixture_server.set("broken.rss", status=500)
    definition = feed_source(
        "both", fixture_server.url("feeds/sample.rss"), fixture_server.url("broken.rss")
    )
    result = poll_one(definition)
    assert result.status is RunStatus.DEGRADED and len(result.items) == 2
    assert result.error == f"HTTP 500 Internal Server Error at {fixture_server.url('broken.rss')}"
    assert result.http_statuses == {"200": 1, "500": 1}


def test_slow_and_unreachable_sources_fail_without_stopping_the_others(
    fixture_server: FixtureServer,
) -> None:
    fixture_server.set("slow.rss", delay=1.0)
    definitions = [
        feed_source("slow", fixture_server.url("slow.rss")),
        feed_source("refused", refused_url()),
        feed_source("fine", fixture_server.url(FEED)),
    ]
    slow, refused, fine = poll(definitions, policy=FetchPolicy(trust_env=False, read_timeout=0.3))
    assert slow.status is RunStatus.FAILED and "stopped sending" in (slow.error or "")
    assert refused.status is RunStatus.FAILED
    assert (refused.error or "").startswith("cannot connect to 127.0.0.1")
    assert fine.status is RunStatus.SUCCESS and len(fine.items) == 3


def test_disabled_definitions_and_html_sources_are_handled() -> None:
    off = feed_source("off", refused_url(), enabled=False)
    html = validate_definition(
        {
            "id": "pages",
            "name": "P",
            "kind": "event",
            "type": "html",
            "url": refused_url(),
            "rules": {"item": {"css": "li"}, "fields": {"title": {"css": "a::text"}}},
        },
        None,
    )
    [result] = poll([off, html])
    assert result.source_id == "pages" and result.status is RunStatus.FAILED
    assert result.error == "type 'html' is not fetched by the poller"


def test_state_maps_onto_the_store() -> None:
    definition = feed_source("fairs", "https://a.example/feed.rss")
    stored = SourceState(
        "fairs",
        url="https://b.example/feed.rss",
        etag='"abc"',
        last_modified="Tue, 04 Mar 2025 08:15:00 GMT",
        enabled=False,
        disabled_reason="HTTP 410 Gone",
    )
    state = FeedState.from_source_state(stored, definition)
    resource = state.resource("https://a.example/feed.rss")
    assert resource.fetch_url == "https://b.example/feed.rss" and resource.etag == '"abc"'
    changes = state.source_state_changes()
    assert changes == {
        "enabled": False,
        "disabled_reason": "HTTP 410 Gone",
        "url": "https://b.example/feed.rss",
        "etag": '"abc"',
        "last_modified": "Tue, 04 Mar 2025 08:15:00 GMT",
        "crawl_state": {"feed": state.to_json()},
    }


def test_every_url_and_the_ttl_survive_the_store() -> None:
    definition = feed_source("fairs", "https://a.example/1.rss", "https://a.example/2.rss")
    state = FeedState("fairs", min_interval=timedelta(hours=2))
    state.resource("https://a.example/2.rss").etag = '"second"'
    stored = SourceState("fairs", crawl_state=state.source_state_changes()["crawl_state"])
    restored = FeedState.restore(stored, definition)
    assert restored.resource("https://a.example/2.rss").etag == '"second"'
    assert restored.min_interval == timedelta(hours=2)


def test_polling_does_not_change_the_given_state(fixture_server: FixtureServer) -> None:
    definition = feed_source("fairs", fixture_server.url(FEED))
    before = FeedState("fairs")
    result = poll_one(definition, before)
    assert before.resources == {} and result.state.resources
