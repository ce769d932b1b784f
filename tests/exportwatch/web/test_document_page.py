"""The document page: every field named and labelled, sanitized body, safe links, 404."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import pytest
from fastapi.testclient import TestClient

from exportwatch.model import Document, Kind, SourceLink, Venue
from exportwatch.services import Services
from exportwatch.web import create_app
from exportwatch.web.document_page import router

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "web"
ROUTE = "/documents/{document_id:path}"
HOSTILE = json.loads((FIXTURES / "hostile.json").read_text())


class _Page(HTMLParser):
    """Tags, attributes, hrefs and the visible text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(" ".join(data.split()))

    @property
    def hrefs(self) -> list[str]:
        return [attrs["href"] for tag, attrs in self.tags if tag == "a" and "href" in attrs]


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _fair() -> Document:
    return Document(
        id="fairs:anuga/2027",
        kind=Kind.EVENT,
        title=HOSTILE["titles"][1],
        summary="The world's largest food fair.",
        url=HOSTILE["safe_url"],
        source_id="koelnmesse-trade-fairs",
        language="de",
        published_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        updated_at=datetime(2026, 4, 2, 10, 0, tzinfo=UTC),
        fetched_at=datetime(2026, 4, 3, 11, 0, tzinfo=UTC),
        starts_on=date(2027, 10, 9),
        ends_on=date(2027, 10, 13),
        deadline=date(2027, 5, 31),
        venue=Venue(name="Koelnmesse", city="Köln", country="DE"),
        countries=["DE", "AT"],
        eligible_countries=["FR"],
        sectors=["food.dairy", "food"],
        hs_codes=["0401", "0406"],
        organizer="Koelnmesse GmbH",
        reference="ANUGA-2027",
        links=[
            *(SourceLink("een-events", url) for url in HOSTILE["urls"]),
            SourceLink("een-events", "https://een.example/anuga"),
        ],
        extra={"body_html": HOSTILE["body_html"]},
    )


FIRST_SEEN = datetime(2026, 4, 1, 8, 15, tzinfo=UTC)


@pytest.fixture
def client(services: Services) -> TestClient:
    services.store.save_documents([_fair()], now=FIRST_SEEN)
    app = create_app(services)
    if not any(
        getattr(route, "path", "") == "/documents/{document_id:path}" for route in app.routes
    ):
        app.include_router(router)  # until app.py registers the router
    return TestClient(app)


def test_every_field_is_shown_with_a_label_and_names_not_codes(client: TestClient) -> None:
    response = client.get("/documents/fairs:anuga%2F2027")
    assert response.status_code == 200
    text = " | ".join(_parse(response.text).text)
    for expected in (
        "Starts | 9 October 2027",
        "Ends | 13 October 2027",
        "Registration deadline | 31 May 2027",
        "Venue | Koelnmesse",
        "City | Köln",
        "Country | Germany",
        "Markets | Germany | , | Austria",
        "Open to applicants from | France",
        "Sectors | Dairy | , | Food & beverages",
        "HS codes | 0401, 0406",
        "Organizer | Koelnmesse GmbH",
        "Reference | ANUGA-2027",
        "Language | German",
        "Source | Koelnmesse – trade fair calendar",
        "Published | 1 March 2026, 09:30 UTC",
        "Updated | 2 April 2026, 10:00 UTC",
        "First seen | 1 April 2026, 08:15 UTC",
        "Last fetched | 3 April 2026, 11:00 UTC",
        "The world's largest food fair.",
    ):
        assert expected in text


def test_names_link_back_to_the_search(client: TestClient) -> None:
    hrefs = _parse(client.get("/documents/fairs:anuga%2F2027").text).hrefs
    assert "/" in hrefs
    assert "/?sector=food.dairy&upcoming=false" in hrefs
    assert "/?market=DE&upcoming=false" in hrefs
    assert "/?source=koelnmesse-trade-fairs&upcoming=false" in hrefs


def test_back_link_returns_to_the_search_it_came_from(client: TestClient) -> None:
    came_from = {"referer": "http://testserver/?q=dairy&sector=food"}
    response = client.get("/documents/fairs:anuga%2F2027", headers=came_from)
    assert '<a class="back-link" href="/?q=dairy&amp;sector=food">' in response.text
    elsewhere = {"referer": "https://evil.example/?q=x"}
    response = client.get("/documents/fairs:anuga%2F2027", headers=elsewhere)
    assert '<a class="back-link" href="/">' in response.text


def test_body_is_sanitized_and_only_http_links_survive(client: TestClient) -> None:
    response = client.get("/documents/fairs:anuga%2F2027")
    page = _parse(response.text)
    names = {tag for tag, _ in page.tags}
    assert not {"img", "iframe", "style"} & names
    assert [attrs.get("src") for tag, attrs in page.tags if tag == "script"] == [
        "http://testserver/static/search.js"
    ] or "script" not in names
    assert not [name for _, attrs in page.tags for name in attrs if name.startswith("on")]
    assert not [attrs for _, attrs in page.tags if "style" in attrs]
    external = [href for href in page.hrefs if "://" in href or href.startswith("//")]
    assert all(href.startswith(("https://", "http://")) for href in external)
    assert "https://ok.example/programme" in external
    assert "https://een.example/anuga" in external
    assert HOSTILE["safe_url"] in external
    assert "Dairy programme" in page.text and "alert(5)" not in response.text


def test_hostile_title_is_text(client: TestClient) -> None:
    response = client.get("/documents/fairs:anuga%2F2027")
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt; Dairy expo</h1>" in response.text


def test_event_offers_a_calendar_entry(client: TestClient) -> None:
    page = client.get("/documents/fairs:anuga%2F2027")
    assert "/documents/fairs%3Aanuga%2F2027.ics" in _parse(page.text).hrefs
    response = client.get("/documents/fairs%3Aanuga%2F2027.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == date(2027, 10, 9)
    assert event.decoded("dtend") == date(2027, 10, 14)  # exclusive end
    assert str(event["url"]) == HOSTILE["safe_url"]


def test_unknown_document_is_a_404_page(client: TestClient) -> None:
    for path in ("/documents/nope", "/documents/nope.ics"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Back to search" in response.text


def test_plain_body_is_shown_as_escaped_paragraphs(services: Services) -> None:
    document = Document(
        id="reg-1",
        kind=Kind.REGULATION,
        title="Labelling rules",
        url="javascript:alert(1)",
        source_id="eur-lex-oj-l",
        body="First <script>alert(1)</script> paragraph.\n\nSecond paragraph.",
        effective_on=date(2027, 1, 1),
    )
    services.store.save_documents([document])
    app = create_app(services)
    app.include_router(router)
    with TestClient(app) as client:
        response = client.get("/documents/reg-1")
    assert "<p>First &lt;script&gt;alert(1)&lt;/script&gt; paragraph.</p>" in response.text
    assert "<p>Second paragraph.</p>" in response.text
    assert "In force from | 1 January 2027" in " | ".join(_parse(response.text).text)
    assert "javascript:" not in response.text
    assert ".ics" not in response.text  # not an event
