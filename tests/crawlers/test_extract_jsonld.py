"""JSON-LD sources end to end: schema.org events, finance offers and legislation in pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from exportwatch.crawlers import (
    Extracted,
    JsonLdSource,
    validate_definition,
)
from exportwatch.model import RawItem
from tests.crawlers.conftest import fetch_and_extract
from tests.mockserver import FixtureServer

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SOURCE = validate_definition(
    {
        "id": "jsonld-events",
        "name": "Event pages",
        "kind": "event",
        "type": "jsonld",
        "url": "https://www.example-chamber.de/events",
    },
    None,
)
assert isinstance(SOURCE, JsonLdSource)


def by_title(result: Extracted) -> dict[str, RawItem]:
    return {item.title: item for item in result.items}


def test_an_event_page_among_other_structured_data(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, "jsonld/fair-page.html", SOURCE)
    (anuga,) = result.items  # the Organization and BreadcrumbList are no items
    assert anuga.title == "Anuga 2026 – Taste the Future"  # &ndash; inside the JSON
    assert anuga.guid == "https://www.example-messe.de/en/anuga-2026#event"
    assert anuga.url == "https://www.example-messe.de/en/anuga-2026"
    assert anuga.summary == (
        "The leading trade fair for food and beverages.\nOver 7,800 exhibitors from 118 countries."
    )
    assert (anuga.language, anuga.source_id, anuga.fetched_at) == ("en", "jsonld-events", WHEN)
    assert anuga.fields == {
        "categories": ["Food", "Beverages", "Trade fair"],
        "schema_type": "ExhibitionEvent",
        "kind": "event",
        "starts": "2026-10-10T09:00:00+02:00",
        "ends": "2026-10-14",
        "organizer": "Koelnmesse GmbH",
        "status": "scheduled",
        "attendance": "offline",
        "location": "Koelnmesse, Messeplatz 1, 50679 Köln, DE",
        "venue": "Koelnmesse",
        "city": "Köln",
        "country": "DE",
    }
    assert (result.problems, result.notes, result.error) == ([], [], None)


def test_graph_references_lists_and_item_lists(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, "jsonld/events-graph.html", SOURCE)
    page = fixture_server.url("jsonld/events-graph.html")
    items = by_title(result)
    assert list(items) == [
        "Africa Business Forum 2026",
        "Export control workshop",
        "Webinar: Selling to the US public sector",
        "Market entry day: Vietnam",
        "Gulf states business mission",
    ]
    forum = items["Africa Business Forum 2026"]
    assert forum.guid == forum.url == page + "#africa-forum-2026"  # a relative @id
    assert forum.fields["organizer"] == "Example Chamber of Commerce"  # through its @id
    assert forum.fields["location"] == "Messe Essen, Essen, Germany"
    assert (forum.fields["venue"], forum.fields["city"], forum.fields["country"]) == (
        "Messe Essen",
        "Essen",
        "Germany",
    )
    assert forum.language == "en"  # from <html lang>
    workshop = items["Export control workshop"]
    assert workshop.url == workshop.guid == fixture_server.url("events/export-control-workshop")
    assert workshop.fields["schema_type"] == "Event"
    webinar = items["Webinar: Selling to the US public sector"]
    assert webinar.fields["location"] == "Online" and webinar.fields["attendance"] == "online"
    assert webinar.url == page and webinar.guid is not None and webinar.guid.startswith(page + "#")
    vietnam = items["Market entry day: Vietnam"]
    assert vietnam.fields["location"] == "IHK Haus, Düsseldorf"
    assert vietnam.fields["status"] == "postponed"
    gulf = items["Gulf states business mission"]
    assert gulf.fields["status"] == "cancelled" and gulf.fields["attendance"] == "mixed"
    assert gulf.fields["location"] == (  # the physical place of a hybrid event
        "Dubai World Trade Centre, Sheikh Zayed Rd, Dubai, United Arab Emirates"
    )
    assert len({item.guid for item in result.items}) == 5
    assert result.problems == []


def test_finance_products_services_and_legislation(fixture_server: FixtureServer) -> None:
    items = by_title(fetch_and_extract(fixture_server, "jsonld/finance-and-law.html", SOURCE))
    loan = items["Direct export loan for SMEs"]
    assert loan.guid == loan.url == "https://www.example-eca.gov/products/export-loan"
    assert loan.summary == "Fixed-rate loans for foreign buyers of goods from small exporters."
    assert loan.fields == {
        "updated": "2026-02-02",
        "categories": ["Buyer credit"],
        "schema_type": "LoanOrCredit",
        "kind": "finance",
        "provider": "Example Export Credit Agency",
        "eligible_countries": ["Ireland", "GB"],
        "amount": "EUR 50000–5000000",
    }
    service = items["Export credit insurance advice"]
    assert service.url == fixture_server.url("services/advice")
    assert "kind" not in service.fields  # a government service takes the source's kind
    assert service.fields["provider"] == "Example Export Credit Agency"
    law = items["Regulation on market surveillance and product compliance"]
    assert law.fields == {
        "published": "2019-06-20",
        "categories": ["Regulation"],
        "schema_type": "Legislation",
        "kind": "regulation",
        "reference": "Regulation (EU) 2019/1020",
        "countries": ["European Union"],
        "effective": "2021-07-16",
        "status": "InForce",
    }


def test_broken_scripts_and_a_wrong_charset_keep_what_can_be_read(
    fixture_server: FixtureServer,
) -> None:
    result = fetch_and_extract(fixture_server, "jsonld/broken-scripts.html", SOURCE)
    consultation, southeast_asia = result.items
    assert consultation.title == "Sprechtag Zoll und Außenhandel"  # windows-1252, served as UTF-8
    assert consultation.summary == "Zollfragen im Export:\nUrsprung, Präferenzen, Ausfuhrverfahren."
    assert consultation.fields["city"] == "Köln" and consultation.language == "de"
    assert southeast_asia.title == "Exporttag Südostasien"  # the second object of one script
    assert southeast_asia.guid == "https://www.ihk-beispiel.de/exporttag"
    assert result.problems == [
        "JSON-LD script 1: malformed JSON at line 2, column 28: "
        "Expecting property name enclosed in double quotes"
    ]
    assert result.notes == [
        "the Content-Type header says utf-8, but byte 287 is not valid utf-8; the declaration is "
        "wrong"
    ]


def test_a_json_ld_document_served_on_its_own(fixture_server: FixtureServer) -> None:
    (mission,) = fetch_and_extract(fixture_server, "jsonld/trade-mission.jsonld", SOURCE).items
    assert mission.title == "Trade mission to São Paulo: agri-food technology"
    assert mission.guid == mission.url == "https://www.example-trade.org/missions/2026-brazil"
    assert mission.language == "en"
    assert mission.fields["organizer"] == ["Example Trade Agency", "Example Chamber of Commerce"]
    assert mission.fields["country"] == "Brazil" and mission.fields["city"] == "São Paulo"


def test_a_page_without_events_names_what_it_found(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, "jsonld/no-events.html", SOURCE)
    assert result.items == [] and result.error is None
    assert result.problems == [
        f"{fixture_server.url('jsonld/no-events.html')} has no schema.org Event, finance or "
        "legislation item (found Organization, WebSite)"
    ]


def test_a_sitemap_given_to_a_jsonld_source_says_what_to_do(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, "sitemaps/events-sitemap.xml", SOURCE)
    assert result.error == (
        "this is a sitemap, not a page: use a source of type sitemap to read its pages"
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "empty response: there is no page to read"),
        (b"<html><body><p>No scripts here</p></body></html>", "has no JSON-LD"),
        (b'{"@type": "Event", "name": ', "JSON-LD script 1: malformed JSON at line 1"),
    ],
)
def test_empty_plain_and_broken_answers(
    fixture_server: FixtureServer, body: bytes, problem: str
) -> None:
    fixture_server.set("jsonld/fair-page.html", body=body)
    result = fetch_and_extract(fixture_server, "jsonld/fair-page.html", SOURCE)
    assert result.items == [] and problem in result.problems[0]
