"""XML sources end to end: a publisher's own schema read with record and field XPaths."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from exportwatch.crawlers import (
    XmlSource,
    validate_definition,
)
from tests.crawlers.conftest import fetch_and_extract
from tests.mockserver import FixtureServer

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PRODUCTS = "xml/eca-products-latin1.xml"
NAMESPACES = {"p": "urn:example:eca:produkte:2", "xlink": "http://www.w3.org/1999/xlink"}
PRODUCT_FIELDS = {
    "guid": "@id",
    "title": "p:bezeichnung",
    "language": "p:bezeichnung/@sprache",
    "summary": "p:kurztext",
    "body": "p:beschreibung",
    "url": "p:link/@xlink:href",
    "provider": "p:anbieter/text()",
    "deadline": "p:antragsfrist",
    "effective": "p:gueltig-ab",
    "eligible_countries": "p:antragsteller/p:land/@code",
    "countries": "p:zielmaerkte/p:markt",
    "categories": "p:branchen/p:branche",
    "status": "string(@status)",
}
SIMPLE = {"records": "//item", "fields": {"guid": "@id", "title": "title"}}


def source(rules: dict[str, Any]) -> XmlSource:
    data = {
        "id": "xml-products",
        "name": "ECA products",
        "kind": "finance",
        "type": "xml",
        "url": "https://www.example-eca.de/export/produkte.xml",
        "rules": rules,
    }
    definition = validate_definition(data, None)
    assert isinstance(definition, XmlSource)
    return definition


PRODUCTS_SOURCE = source(
    {"namespaces": NAMESPACES, "records": "//p:produkt", "fields": PRODUCT_FIELDS}
)


def test_latin1_product_export_end_to_end(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, PRODUCTS, PRODUCTS_SOURCE)
    supplier, buyer, fairs = result.items
    assert supplier.guid == "HG-LFK-01" and supplier.title == "Lieferantenkreditdeckung"
    assert supplier.url == fixture_server.url("produkte/lieferantenkredit")
    assert supplier.summary == (  # layout whitespace of the XML is collapsed
        "Absicherung von Forderungen aus Exportgeschäften gegen wirtschaftliche und politische "
        "Risiken."
    )
    assert supplier.body == "<p>Deckt bis zu <b>95 %</b> des Ausfallrisikos; Selbstbehalt 5 %.</p>"
    assert (supplier.language, supplier.source_id, supplier.fetched_at) == (
        "de",
        "xml-products",
        WHEN,
    )
    assert supplier.fields == {
        "provider": "Example Exportkreditagentur AG",
        "deadline": "2026-12-31",
        "effective": "01.01.2026",
        "eligible_countries": ["DE"],
        "countries": ["Kenia", "Côte d'Ivoire"],
        "categories": ["Maschinenbau", "Lebensmittel & Getränke"],
        "status": "aktiv",
    }
    assert buyer.url == "https://www.example-eca.de/produkte/finanzkredit"
    assert buyer.body.startswith("<p xmlns=") and "<em>zwei Jahren</em>" in buyer.body
    assert buyer.fields["eligible_countries"] == ["DE", "AT"]
    assert fairs.title == "Assurance prospection - volet « salons »" and fairs.language == "fr"
    assert fairs.url == fixture_server.url(PRODUCTS) and fairs.guid == "HG-ABS-03"
    assert result.problems == [] and result.error is None


def test_field_xpath_matching_nothing_is_a_problem(fixture_server: FixtureServer) -> None:
    fields = {"title": "p:bezeichnung", "deadline": "p:frist"}
    definition = source({"namespaces": NAMESPACES, "records": "//p:produkt", "fields": fields})
    result = fetch_and_extract(fixture_server, PRODUCTS, definition)
    assert len(result.items) == 3
    assert result.problems == [
        "fields.deadline (XPath 'p:frist') matched nothing in any of the 3 record(s)"
    ]


def test_records_xpath_without_the_default_namespace_says_how_to_fix_it(
    fixture_server: FixtureServer,
) -> None:
    definition = source({"records": "//produkt", "fields": {"title": "bezeichnung"}})
    result = fetch_and_extract(fixture_server, PRODUCTS, definition)
    assert result.items == []
    assert result.error == (
        "records XPath '//produkt' matched nothing: the document's elements are in the namespace "
        "'urn:example:eca:produkte:2'; declare it under rules.namespaces "
        "(e.g. x: urn:example:eca:produkte:2) and write the XPath as //x:produktkatalog"
    )


def test_billion_laughs_is_refused_quickly(fixture_server: FixtureServer) -> None:
    started = time.perf_counter()
    result = fetch_and_extract(fixture_server, "xml/billion-laughs.xml", source(SIMPLE))
    assert time.perf_counter() - started < 5
    assert result.items == []
    assert result.error is not None and "billion laughs" in result.error


def test_external_and_internal_entities_stay_unexpanded(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, "xml/external-entity.xml", source(SIMPLE))
    assert [item.title for item in result.items] == ["Scheme A for exporters", "Scheme B by"]
    assert result.notes == ["entity references left unexpanded: agency, secret"]


def test_malformed_xml_keeps_the_records_before_the_break(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, "xml/malformed.xml", source(SIMPLE))
    titles = [item.title for item in result.items]
    assert titles[:2] == ["Working-capital guarantee", "Pre-shipment cover"]
    assert result.error is None
    assert result.problems[0] == (
        "malformed XML at line 6, column 41: xmlParseEntityRef: no name; read the rest leniently"
    )


def test_a_wrong_utf8_declaration_is_corrected(fixture_server: FixtureServer) -> None:
    rules = {"records": "//item", "fields": {"title": "title", "provider": "provider"}}
    result = fetch_and_extract(fixture_server, "xml/mislabelled-utf8.xml", source(rules))
    first, second = result.items
    assert first.title == "Förderprogramm Außenwirtschaft"
    assert first.fields == {"provider": "Bürgschaftsbank Nürnberg"}
    assert second.title == "Messebeteiligung für Jungunternehmer – Zuschuss bis 7.500 €"
    assert result.notes == ["the XML says it is utf-8, but it is not: read as cp1252"]
    assert result.problems == []


def test_a_cut_off_record_is_read_as_far_as_it_goes(fixture_server: FixtureServer) -> None:
    fixture_server.set("xml/malformed.xml", body=b'<items><item id="c-1"><title>Cut off')
    result = fetch_and_extract(fixture_server, "xml/malformed.xml", source(SIMPLE))
    assert [(item.guid, item.title) for item in result.items] == [("c-1", "Cut off")]
    assert result.error is None and result.problems[0].startswith("malformed XML at line 1")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "empty response: there is no XML to read"),
        (b"<!DOCTYPE html><html><body><p>Wartung<br></body></html>", "not XML: the answer is an"),
        (b"\x00\x01\x02binary", "malformed XML at line 1, column 1: Document is empty; nothing"),
    ],
)
def test_unusable_answers_are_errors(
    fixture_server: FixtureServer, body: bytes, error: str
) -> None:
    fixture_server.set("xml/malformed.xml", body=body)
    result = fetch_and_extract(fixture_server, "xml/malformed.xml", source(SIMPLE))
    assert result.error is not None and result.error.startswith(error), result.error
