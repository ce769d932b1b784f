"""A crawl end to end through the local HTTP server: store, index, run record, backoff, notices."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from exportwatch.alerts.delivery import list_outbox
from exportwatch.crawlers import SourceDefinition, definition_from_yaml, validate_definition
from exportwatch.crawling import Crawler
from exportwatch.model import RunStatus, Subscriber, Subscription, utcnow
from exportwatch.search import Query
from exportwatch.services import Services
from tests.mockserver import FixtureServer

FEED = "feeds/rss20-ttl.rss"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "http"
SOURCES = Path(__file__).parents[1] / "fixtures" / "sources" / "valid"


def definition(url: str, **fields: Any) -> SourceDefinition:
    data = {
        "id": "trade-fairs",
        "name": "Trade fair calendar",
        "kind": "event",
        "type": "feed",
        "url": url,
        "schedule": "every 1h",
        "contact": "owner@example.org",
    }
    return validate_definition(data | fields, None)


@pytest.fixture
def crawler(services: Services) -> Iterator[Crawler]:
    yield Crawler(services)


def test_a_feed_is_stored_indexed_and_recorded(
    crawler: Crawler, services: Services, fixture_server: FixtureServer
) -> None:
    report = crawler.crawl(definition(fixture_server.url(FEED)))
    assert report.status is RunStatus.SUCCESS, report.run.problems
    assert report.run.counts.seen == 3 and len(report.pipeline.new) == 3
    assert services.store.count_documents() == 3
    assert services.index.search(Query(text="Anuga")).total == 1  # indexed at once
    anuga = services.index.search(Query(text="Anuga")).hits[0].document
    assert anuga.venue is not None and anuga.venue.country == "DE"
    state = services.store.get_source_state("trade-fairs")
    assert state is not None and state.etag and state.next_run_at is not None


def test_a_second_crawl_asks_conditionally_and_changes_nothing(
    crawler: Crawler, services: Services, fixture_server: FixtureServer
) -> None:
    source = definition(fixture_server.url(FEED))
    crawler.crawl(source)
    again = crawler.crawl(source)
    assert again.status is RunStatus.SUCCESS and again.run.http_statuses == {"304": 1}
    assert again.pipeline.new == [] and services.store.count_documents() == 3
    assert services.store.count_outbox() == 0


def test_three_failures_make_one_notice_and_the_source_recovers(
    crawler: Crawler, services: Services, fixture_server: FixtureServer
) -> None:
    source = definition(fixture_server.url(FEED))
    fixture_server.set(FEED, status=500)
    runs = [crawler.crawl(source) for _ in range(5)]
    assert [run.status for run in runs] == [RunStatus.FAILED] * 5
    notices = [n for run in runs for n in run.notices]
    assert len(notices) == 1 and "3 failed runs in a row" in notices[0].subject
    outbox = list_outbox(services.settings.outbox_dir)
    assert len(outbox) == 1 and "owner@example.org" in outbox[0].to
    state = services.store.get_source_state("trade-fairs")
    assert state is not None and state.consecutive_failures == 5 and state.enabled
    assert state.next_run_at is not None and state.last_run_at is not None
    assert state.next_run_at - state.last_run_at > timedelta(hours=4)  # backed off, not stopped
    fixture_server.reset()
    recovered = crawler.crawl(source)
    assert recovered.status is RunStatus.SUCCESS and len(recovered.pipeline.new) == 3
    state = services.store.get_source_state("trade-fairs")
    assert state is not None and state.consecutive_failures == 0 and state.notified_at is None


def test_too_few_items_make_a_degraded_run(crawler: Crawler, fixture_server: FixtureServer) -> None:
    report = crawler.crawl(definition(fixture_server.url(FEED), expect={"min_items": 10}))
    assert report.status is RunStatus.DEGRADED
    assert "expected at least 10 item(s), read 3" in report.run.problems


def test_a_dead_source_is_a_failed_run_with_a_readable_error(
    crawler: Crawler, services: Services
) -> None:
    report = crawler.crawl(definition("http://127.0.0.1:9/feed.rss"))
    assert report.status is RunStatus.FAILED and report.run.first_error
    assert services.store.list_runs("trade-fairs")[0].status is RunStatus.FAILED


def test_an_html_source_is_crawled_in_a_subprocess(
    crawler: Crawler, services: Services, fixture_server: FixtureServer
) -> None:
    text = (SOURCES / "html-fair-calendar.yaml").read_text(encoding="utf-8")
    local = text.replace("https://www.example-chamber.org/", fixture_server.url("/"))
    source = definition_from_yaml(local, services.taxonomy, name="html-fair-calendar.yaml")
    report = crawler.crawl(source)
    assert report.status is RunStatus.SUCCESS, report.run.problems
    assert report.run.counts.seen == 6 and services.store.count_documents() == 6
    assert services.index.count() == 6


def test_new_items_become_pending_alerts_once(
    crawler: Crawler, services: Services, fixture_server: FixtureServer
) -> None:
    subscriber = Subscriber(id=None, email="sme@example.org")
    wants_germany = Subscription(id=None, subscriber_id=None, markets=["EU"])
    services.store.enrol_subscriber(subscriber, [wants_germany], confirmed=True, now=utcnow())
    source = definition(fixture_server.url(FEED))
    first = crawler.crawl(source)
    (subscriber_id,) = services.store.pending_subscribers()
    pending = services.store.pending_for(subscriber_id)
    assert first.matched == len(pending) >= 1  # the fairs in Germany reach an EU subscriber
    refreshed = (FIXTURES / FEED).read_bytes() + b"\n<!-- rebuilt, same items -->\n"
    fixture_server.set(FEED, body=refreshed)  # a new body: read again, item by item
    again = crawler.crawl(source)
    assert again.pipeline.unchanged == 3 and again.matched == 0
    assert services.store.pending_for(subscriber_id) == pending
