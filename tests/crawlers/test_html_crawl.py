"""html sources end to end: a real crawl subprocess against the fixture server on 127.0.0.1.

Every test runs `run_html_crawl`, which starts `python -m exportwatch.crawlers.spiders`; the
pages are the hand-written ones under tests/fixtures/http/html/. AutoThrottle's first delay
and the retry backoff are shortened (FAST) so the suite stays quick; politeness itself is
covered by the settings tests.
"""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path
from typing import Any

import httpx
import yaml

from exportwatch.crawlers import HtmlSource, validate_definition
from exportwatch.crawlers.fetching import FetchPolicy
from exportwatch.crawlers.html_crawl import CrawlOutcome, run_html_crawl
from tests.crawlers.conftest import SOURCE_FIXTURES
from tests.mockserver import FixtureServer

FAST = {"AUTOTHROTTLE_START_DELAY": 0.05, "EXPORTWATCH_BACKOFF_BASE": 0.05}
FAIRS = ["anuga-2027", "gulfood-2027", "hannover-messe-2027", "sial-paris-2026", "medica-2026"]
FAIRS_ALL = [*FAIRS, "canton-fair-2027"]


def fixture_source(name: str, server: FixtureServer, path: str, **changes: Any) -> HtmlSource:
    """A definition of tests/fixtures/sources/valid/ pointed at the fixture server."""
    data = yaml.safe_load((SOURCE_FIXTURES / "valid" / f"{name}.yaml").read_text("utf-8"))
    data["url"] = server.url(path)
    data["rules"] |= changes
    definition = validate_definition(data, None)
    assert isinstance(definition, HtmlSource)
    return definition


def html_source(*urls: str, **rules: Any) -> HtmlSource:
    """A small html definition for `urls` with these rules."""
    data: dict[str, Any] = {"id": "test-html", "name": "test", "kind": "event", "type": "html"}
    data["urls"] = list(urls)
    definition = validate_definition(data | {"rules": rules}, None)
    assert isinstance(definition, HtmlSource)
    return definition


def crawl(definition: HtmlSource, timeout: float = 30, **options: Any) -> CrawlOutcome:
    return run_html_crawl(definition, timeout=timeout, overrides=FAST, **options)


def slugs(outcome: CrawlOutcome) -> list[str]:
    return sorted(Path(item.url).stem for item in outcome.items)


# Guards run inside the crawl process (pickled by reference, imported there).


def refuse_detail_pages(url: httpx.URL) -> str | None:
    """A stand-in for the SSRF guard of issue 8: refuses one path."""
    return "private address" if url.path.endswith("medica-2026.html") else None


def die_at_page_3(url: httpx.URL) -> None:
    """Crashes the crawl process when it is about to fetch list page 3."""
    if url.path.endswith("page-3.html"):
        os.kill(os.getpid(), signal.SIGKILL)


# --- what a good source gives -------------------------------------------------------------


def test_list_pages_pagination_and_detail_pages(fixture_server: FixtureServer) -> None:
    source = fixture_source("html-fair-calendar", fixture_server, "html/fairs/index.html")
    outcome = crawl(source)
    assert outcome.error is None and outcome.problems == [] and outcome.notes == []
    assert slugs(outcome) == sorted(FAIRS_ALL)
    assert outcome.pages == 9 and outcome.http_statuses == {"200": 9}
    assert outcome.finish_reason == "finished" and outcome.peak_memory
    anuga = next(item for item in outcome.items if item.title == "Anuga 2027")
    assert anuga.url == anuga.guid == fixture_server.url("html/fairs/anuga-2027.html")
    assert anuga.source_id == "html-fair-calendar" and anuga.language == "en"
    assert anuga.summary.startswith("The world's leading trade fair for food")
    assert "<strong>joint stand</strong>" in anuga.body  # markup kept for the pipeline
    assert anuga.fields == {
        "starts": "2027-10-09",  # from the list page …
        "ends": "2027-10-13",
        "location": "Cologne, Germany",
        "categories": ["Food & beverages", "Retail"],
        "venue": "Koelnmesse",  # … and from the detail page
        "city": "Cologne",
        "country": "Germany",
        "organizer": "Koelnmesse GmbH",
        "deadline": "2027-03-31",
    }
    assert anuga.fetched_at.tzinfo is not None
    paths = [request.path for request in fixture_server.requests]
    assert paths[0] == "/robots.txt"
    assert "/html/fairs/page-3.html" in paths  # reached through an absolute-path "next" link
    assert all(
        request.headers["User-Agent"].startswith("exportwatch/")
        for request in fixture_server.requests
    )


def test_xpath_rules_ids_robots_txt_and_a_pagination_that_wraps_around(
    fixture_server: FixtureServer,
) -> None:
    detail = {"fields": {"body": "div.scheme-text", "provider": "p.provider::text"}}
    source = fixture_source(
        "html-export-credit-schemes", fixture_server, "html/schemes/index.html", detail=detail
    )
    outcome = crawl(source)
    assert outcome.error is None
    by_title = {item.title: item for item in outcome.items}
    assert len(by_title) == 5
    buyer = by_title["Buyer Credit Guarantee"]
    assert buyer.fields == {
        "eligible_countries": ["Norway"],
        "countries": ["Kenya", "Ghana", "Viet Nam"],
        "deadline": "15 December 2026",
        "provider": "Example Export Credit Agency",
    }
    assert "ten working days" in buyer.body
    assert "<b>50 %</b>" in by_title["Working Capital Guarantee"].summary
    pre_shipment = by_title["Pre-Shipment Financing"]  # no link: the element's id names it
    assert pre_shipment.guid == "pre-shipment-financing"
    assert pre_shipment.url == fixture_server.url("html/schemes/page-2.html#pre-shipment-financing")
    # robots.txt forbids /internal/: that item keeps what its list page said
    assert not any(r.path.startswith("/internal/") for r in fixture_server.requests)
    forbidden = fixture_server.url("internal/schemes/green-export-guarantee.html")
    green = by_title["Green Export Guarantee (pilot)"]
    assert green.guid == forbidden and green.body == ""
    assert green.fields["eligible_countries"] == ["Norway", "Iceland"]
    page_2 = fixture_server.url("html/schemes/page-2.html")
    assert sorted(outcome.problems) == [
        "detail page not read, the item keeps its list fields: "
        f"robots.txt of 127.0.0.1:{fixture_server.port} forbids {forbidden}",
        f"item 1 on {page_2} has no link (xpath './/h3/a/@href'): its detail fields are missing",
        f"item 2 on {page_2} has no link (xpath './/h3/a/@href'): its detail fields are missing",
    ]
    # page 2 links back to page 1, which is not read again
    assert outcome.notes == [
        f"the next page link of {page_2} leads back to "
        f"{fixture_server.url('html/schemes/index.html')}: stopped"
    ]
    assert [r.path for r in fixture_server.requests].count("/html/schemes/index.html") == 1


def test_limit_stops_after_that_many_items(fixture_server: FixtureServer) -> None:
    source = fixture_source("html-export-credit-schemes", fixture_server, "html/schemes/index.html")
    outcome = crawl(source, limit=2)
    assert outcome.error is None
    assert len(outcome.items) == 2 and outcome.finish_reason == "closespider_itemcount"


# --- bad pages, bad servers ---------------------------------------------------------------


def test_pages_that_fail_or_are_refused_are_recorded_and_the_rest_is_kept(
    fixture_server: FixtureServer,
) -> None:
    fixture_server.set("html/fairs/gulfood-2027.html", status=404)
    fixture_server.set("html/fairs/page-3.html", status=500)
    source = fixture_source("html-fair-calendar", fixture_server, "html/fairs/index.html")
    policy = FetchPolicy(guard=refuse_detail_pages)  # refuses medica-2026.html
    outcome = run_html_crawl(source, policy=policy, timeout=30, overrides=FAST)
    assert outcome.error is None
    assert slugs(outcome) == sorted(FAIRS)
    gulfood = next(item for item in outcome.items if item.title == "Gulfood 2027")
    assert gulfood.fields["location"] == "Dubai, United Arab Emirates" and gulfood.summary == ""
    assert outcome.http_statuses == {"200": 5, "404": 1, "500": 3}  # 500: tried three times
    assert sorted(outcome.problems) == [
        "detail page not read, the item keeps its list fields: "
        f"HTTP 404 at {fixture_server.url('html/fairs/gulfood-2027.html')}",
        "detail page not read, the item keeps its list fields: refused to fetch "
        f"{fixture_server.url('html/fairs/medica-2026.html')}: private address",
        f"list page not read: HTTP 500 at {fixture_server.url('html/fairs/page-3.html')}",
    ]
    assert "/html/fairs/medica-2026.html" not in [r.path for r in fixture_server.requests]


def test_selectors_that_match_nothing_are_readable_problems(fixture_server: FixtureServer) -> None:
    fairs, schemes = (
        fixture_server.url(f"html/{name}/index.html") for name in ("fairs", "schemes")
    )
    fields = {"title": "h2 a::text", "dates": {"xpath": ".//span[@class='date']/text()"}}
    outcome = crawl(html_source(fairs, schemes, item="article.fair", fields=fields))
    assert len(outcome.items) == 3 and outcome.error is None
    assert outcome.problems == [
        f"the item selector css 'article.fair' matched nothing on {schemes} "
        "(has the page changed?)",
        "field 'dates' (xpath \".//span[@class='date']/text()\") matched nothing in any of "
        "the 3 items",
    ]


def test_endless_pagination_stops_at_max_pages(fixture_server: FixtureServer) -> None:
    source = html_source(
        fixture_server.url("html/trap/calendar.html"),
        item="li.event",
        fields={"title": "a::text", "dates": "span.dates::text"},
        pagination="a.next-month::attr(href)",
        max_pages=4,
    )
    outcome = crawl(source)
    pages = [r.target for r in fixture_server.requests if r.path.endswith("calendar.html")]
    assert len(pages) == 4 and len(set(pages)) == 4  # four different URLs, then it stopped
    assert outcome.pages == 4 and outcome.error is None
    assert len(outcome.items) == 1  # the same event on every page is read once
    assert outcome.notes[0].startswith("stopped after max_pages=4 list pages: ")
    assert outcome.notes[1] == (
        "3 listed items repeat one listed before (same link or id): each was read once"
    )


def test_malformed_markup_and_wrong_encodings_are_still_read(
    fixture_server: FixtureServer,
) -> None:
    fixture_server.set("html/broken.html", gzip=True)
    declared = "html/windows-1252.html?declared=1"
    fixture_server.set(declared, headers={"Content-Type": "text/html; charset=windows-1252"})
    plain = fixture_server.url("html/windows-1252.html")  # sent as utf-8: the server is wrong
    fields = {"title": "a", "location": "p.where::text"}
    urls = (fixture_server.url("html/broken.html"), plain, fixture_server.url(declared))
    outcome = crawl(html_source(*urls, item="li.mission, li.salon", fields=fields))
    assert outcome.error is None and outcome.problems == []
    by_page = {Path(item.url).stem: item for item in outcome.items}
    assert len(by_page) == 5
    assert by_page["mission-vietnam"].title == "Trade mission to Viet Nam"
    assert by_page["mission-vietnam"].fields["location"] == "Ho Chi Minh City, Viet Nam"
    assert by_page["mission-kenya"].title == "Trade mission to Kenya"
    assert by_page["mission-kenya"].fields["location"] == "Nairobi, Kenya"
    chile = by_page["mission-chile"]  # its <a> is never closed: the title runs on
    assert chile.title.startswith("Trade mission to Chile & Peru")
    assert chile.fields["location"] == "Santiago, Chile"
    assert by_page["salon-agroalimentaire"].title == "« Semaine de l’agroalimentaire » à Montréal"
    assert by_page["salon-cosmetique"].title == "Salon “Beauté & Cosmétique” – Séoul"
    # the page sent with the right charset needs no note (its items repeat the first copy's)
    assert outcome.notes == [
        f"{plain} is not valid utf-8 as it says; read it as cp1252",
        "2 listed items repeat one listed before (same link or id): each was read once",
    ]


def test_gzip_bombs_and_huge_answers_are_refused(fixture_server: FixtureServer) -> None:
    filler = b"<html>" + b" " * 3_000_000 + b"</html>"
    fixture_server.set("html/bomb.html", body=filler, gzip=True)
    fixture_server.set("html/huge.html", body=filler)
    bomb, huge = fixture_server.url("html/bomb.html"), fixture_server.url("html/huge.html")
    source = html_source(bomb, huge, item="li", fields={"title": "a::text"})
    outcome = crawl(source, policy=FetchPolicy(max_bytes=1_000_000))
    assert sorted(outcome.problems) == [
        f"list page not read: response too large once decompressed, not read: {bomb} "
        "(the cap is 1,000,000 bytes)",
        f"list page not read: response too large, not read: {huge} (the cap is 1,000,000 bytes)",
    ]
    assert outcome.error is not None
    assert outcome.error.startswith("no list page could be read: response too large")


def test_redirect_loops_and_unreachable_hosts(fixture_server: FixtureServer) -> None:
    fixture_server.set("html/a.html", status=302, headers={"Location": "/html/b.html"})
    fixture_server.set("html/b.html", status=302, headers={"Location": "/html/a.html"})
    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{unused.getsockname()[1]}/fairs.html"
    a, b = fixture_server.url("html/a.html"), fixture_server.url("html/b.html")
    source = html_source(a, closed, item="li", fields={"title": "a::text"})
    outcome = run_html_crawl(source, timeout=30, overrides=FAST | {"RETRY_TIMES": 0})
    assert sorted(outcome.problems) == [
        f"list page not read: cannot connect to 127.0.0.1: connection refused ({closed})",
        f"list page not read: redirect loop: {a} → {b} → {a}",
    ]
    assert outcome.error is not None and outcome.error.startswith("no list page could be read")
    assert outcome.http_statuses["302"] >= 2


def test_a_guard_that_cannot_be_passed_on_is_an_error_not_an_unguarded_crawl(
    fixture_server: FixtureServer,
) -> None:
    source = fixture_source("html-fair-calendar", fixture_server, "html/fairs/index.html")
    outcome = run_html_crawl(source, policy=FetchPolicy(guard=lambda url: None), timeout=30)
    assert outcome.error is not None
    assert outcome.error.startswith("the URL guard cannot be passed to the crawl process")
    assert fixture_server.requests == []


# --- the crawl process dies or hangs ------------------------------------------------------


def test_a_slow_server_hits_the_time_limit_and_the_items_read_are_kept(
    fixture_server: FixtureServer,
) -> None:
    fixture_server.set("html/fairs/page-3.html", delay=10)
    source = fixture_source("html-fair-calendar", fixture_server, "html/fairs/index.html")
    outcome = crawl(source, timeout=6)
    assert outcome.error is not None
    assert outcome.error.startswith("the crawl did not finish within 6 s and ")
    assert outcome.error.endswith(f"the {len(outcome.items)} items read are kept")
    assert slugs(outcome) == sorted(FAIRS)
    assert 5.5 < outcome.elapsed < 20


def test_a_crashed_crawl_process_is_a_readable_error_and_keeps_its_items(
    fixture_server: FixtureServer,
) -> None:
    fixture_server.set("html/fairs/medica-2026.html", delay=5)  # not read before the crash
    source = fixture_source("html-fair-calendar", fixture_server, "html/fairs/index.html")
    policy = FetchPolicy(guard=die_at_page_3)
    outcome = run_html_crawl(source, policy=policy, timeout=30, overrides=FAST)
    assert outcome.error is not None
    assert outcome.error.startswith("the crawl process was killed (SIGKILL) after ")
    assert slugs(outcome) == sorted(FAIRS)  # none is lost …
    medica = next(item for item in outcome.items if item.title == "MEDICA 2026")
    assert medica.summary == "" and medica.fields["location"] == "Düsseldorf, Germany"
    incomplete = sum(not item.summary for item in outcome.items)
    assert outcome.problems[-1] == (  # … though some lack their detail page
        f"{incomplete} items are kept without their detail page: "
        "the crawl stopped before it was read"
    )
