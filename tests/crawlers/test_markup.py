"""Untrusted XML and HTML stay inert: no entity expansion, no files, no network."""

from __future__ import annotations

from exportwatch.crawlers.markup import local_name, looks_like_html, parse_html, parse_xml

from .conftest import ROOT

XML = ROOT / "tests" / "fixtures" / "http" / "xml"


def test_billion_laughs_is_refused() -> None:
    parsed = parse_xml((XML / "billion-laughs.xml").read_bytes())
    assert parsed.root is None
    assert parsed.error is not None
    assert parsed.error.startswith("refused: the XML declares entities that expand without bound")


def test_external_entities_are_not_loaded() -> None:
    parsed = parse_xml((XML / "external-entity.xml").read_bytes())
    assert parsed.root is not None
    titles = [title.xpath("string(.)") for title in parsed.root.iter("title")]
    assert titles == ["Scheme A  for exporters", "Scheme B by "]
    assert parsed.notes == ["entity references left unexpanded: agency, secret"]


def test_leading_blanks_before_the_declaration_are_tolerated() -> None:
    parsed = parse_xml(b'\r\n  <?xml version="1.0"?><a><b>x</b></a>')
    assert parsed.root is not None and local_name(parsed.root) == "a" and parsed.problems == []


def test_html_pages_are_recognised_and_parsed_leniently() -> None:
    page = b"<!-- note -->\n<!DOCTYPE html><html lang=de><body><p>Gr\xc3\xbc\xc3\x9fe<p>zwei"
    assert looks_like_html(page) and not looks_like_html(b"<?xml version='1.0'?><rss/>")
    parsed = parse_html(page, "text/html; charset=utf-8")
    assert parsed.root is not None and parsed.root.get("lang") == "de"
    assert [p.text for p in parsed.root.iter("p")] == ["Grüße", "zwei"]


def test_xhtml_with_an_encoding_declaration_is_read_as_html() -> None:
    page = b'<?xml version="1.0" encoding="utf-8"?><html><body><p>ok</p></body></html>'
    parsed = parse_html(page)
    assert parsed.root is not None and parsed.error is None
