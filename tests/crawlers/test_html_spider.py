"""The spider's callbacks and failure messages, called directly (no crawl process, no network)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest, ResponseDataLossError
from scrapy.http import HtmlResponse, Response
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from exportwatch.crawlers import HtmlSource, load_definition
from exportwatch.crawlers.spiders.definition_spider import DefinitionSpider, describe_failure
from exportwatch.model import RawItem, utcnow
from tests.crawlers.conftest import ROOT, SOURCE_FIXTURES

PAGES = ROOT / "tests" / "fixtures" / "http" / "html"
SITE = "https://www.example-chamber.org/html/fairs/"


@dataclass
class Recorder:
    """A journal that keeps what it is told."""

    items: list[tuple[RawItem, bool, str | None]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def item(self, item: RawItem, *, complete: bool, key: str | None = None) -> None:
        self.items.append((item, complete, key))

    def page(self, url: str, status: int) -> None:
        pass

    def status(self, status: int) -> None:
        pass

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def note(self, text: str) -> None:
        self.notes.append(text)


def spider(journal: Recorder) -> DefinitionSpider:
    source = load_definition(SOURCE_FIXTURES / "valid" / "html-fair-calendar.yaml", None)
    assert isinstance(source, HtmlSource)
    return DefinitionSpider(source=source, journal=journal)


def page(name: str, url: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=(PAGES / name).read_bytes())


def failed(error: Exception, url: str = "https://www.example.org/fairs") -> Failure:
    failure = Failure(error)
    failure.request = Request(url)  # type: ignore[attr-defined]
    return failure


def test_a_list_page_gives_incomplete_items_detail_requests_and_the_next_page() -> None:
    journal = Recorder()
    output = list(spider(journal).parse_list(page("fairs/index.html", SITE + "index.html"), 1))
    requests = [entry for entry in output if isinstance(entry, Request)]
    assert [request.url for request in requests] == [
        SITE + "anuga-2027.html",
        SITE + "gulfood-2027.html",
        SITE + "hannover-messe-2027.html",  # "./hannover-messe-2027.html" on the page
        SITE + "page-2.html",
    ]
    assert [key for _, complete, key in journal.items if not complete] == [
        request.url for request in requests[:3]
    ]
    assert journal.problems == [] and journal.notes == []


def test_a_detail_page_completes_the_listed_item() -> None:
    journal = Recorder()
    crawler = spider(journal)
    listed: Any = next(iter(crawler.parse_list(page("fairs/index.html", SITE + "index.html"), 1)))
    item = listed.cb_kwargs["listed"]
    detail = page("fairs/anuga-2027.html", SITE + "anuga-2027.html")
    (scraped,) = crawler.parse_detail(detail, listed=item, key=listed.url)
    merged = scraped["item"]
    assert isinstance(merged, RawItem) and scraped["key"] == listed.url
    assert merged.title == "Anuga 2027" and merged.fields["organizer"] == "Koelnmesse GmbH"
    assert merged.fields["categories"] == ["Food & beverages", "Retail"]


def test_a_detail_page_that_is_no_html_keeps_the_listed_item() -> None:
    journal = Recorder()
    listed = RawItem("fairs", SITE + "anuga.pdf", fetched_at=utcnow(), title="Anuga 2027")
    pdf = Response(
        SITE + "anuga.pdf", body=b"%PDF-1.7", headers={"Content-Type": "application/pdf"}
    )
    (scraped,) = spider(journal).parse_detail(pdf, listed=listed, key=listed.url)
    assert scraped == {"item": listed, "key": listed.url}
    assert journal.problems == [
        "detail page (the item keeps its list fields) "
        f"{SITE}anuga.pdf is not HTML (application/pdf)"
    ]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            DNSLookupError("no such host"),
            "cannot resolve the host name www.example.org (DNS) for https://www.example.org/fairs",
        ),
        (
            DownloadTimeoutError("took too long"),
            "www.example.org did not answer within 30 s (https://www.example.org/fairs)",
        ),
        (
            ResponseDataLossError(),
            "the answer from www.example.org was cut off (https://www.example.org/fairs)",
        ),
        (
            IgnoreRequest("Forbidden by robots.txt"),
            "robots.txt of www.example.org forbids https://www.example.org/fairs",
        ),
        (
            KeyError("odd"),
            "KeyError at https://www.example.org/fairs: 'odd'",
        ),
    ],
)
def test_failures_read_as_sentences(error: Exception, message: str) -> None:
    assert describe_failure(failed(error), timeout=30, max_bytes=10 * 2**20) == message
