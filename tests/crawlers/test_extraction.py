"""`extract`: one entry point for every non-HTML type; it never raises and never goes quiet."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import exportwatch.crawlers
from exportwatch.crawlers import (
    EXTRACTED_TYPES,
    Extracted,
    SourceDefinition,
    extract,
    validate_definition,
)
from exportwatch.crawlers import extract_json as extract_json_module

from .conftest import FEED_FIXTURES

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
URL = "https://www.example.org/source"
RULES: dict[str, dict[str, Any]] = {
    "json": {"records": "items[*]", "fields": {"title": "name"}},
    "xml": {"records": "//item", "fields": {"title": "title"}},
    "csv": {"columns": {"title": 0}},
}
MODULES = [
    "decoding",
    "extract_csv",
    "extract_ics",
    "extract_json",
    "extract_jsonld",
    "extract_sitemap",
    "extract_xml",
    "extraction",
    "markup",
    "records",
]


def definition(kind: str) -> SourceDefinition:
    data: dict[str, Any] = {"id": f"{kind}-source", "name": kind, "kind": "event", "type": kind}
    data["url"] = URL
    if kind in RULES:
        data["rules"] = RULES[kind]
    if kind == "html":
        data["rules"] = {"item": "li", "fields": {"title": "h3::text"}}
    return validate_definition(data, None)


DEFINITIONS = {kind: definition(kind) for kind in EXTRACTED_TYPES}


def test_every_type_is_read_by_its_extractor() -> None:
    bodies = {
        "json": (b'{"items": [{"name": "Fair A"}]}', "application/json"),
        "xml": (b"<items><item><title>Fair A</title></item></items>", "application/xml"),
        "csv": (b"Name,City\r\nFair A,Essen\r\n", "text/csv"),
        "ics": (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20260501\r\n"
            b"SUMMARY:Fair A\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "text/calendar",
        ),
        "jsonld": (b'{"@type": "Event", "name": "Fair A"}', "application/ld+json"),
        "sitemap": (b'{"@type": "Event", "name": "Fair A"}', "application/ld+json"),
        "feed": ((FEED_FIXTURES / "sample.rss").read_bytes(), "application/rss+xml"),
    }
    for kind, (body, content_type) in bodies.items():
        result = extract(
            DEFINITIONS[kind], body, url=URL, content_type=content_type, fetched_at=WHEN
        )
        assert result.error is None, (kind, result.problems)
        assert result.items and result.items[0].source_id == f"{kind}-source"
        assert result.items[0].fetched_at == WHEN
        if kind != "feed":
            assert result.items[0].title == "Fair A", kind


def test_a_feed_error_is_an_extraction_error() -> None:
    body = (FEED_FIXTURES / "landing-page.html").read_bytes()
    result = extract(DEFINITIONS["feed"], body, url=URL, content_type="text/html")
    assert result.error is not None and result.error.startswith("not a feed: the answer is an HTML")
    assert result.problems == [result.error]


def test_html_sources_are_not_read_here() -> None:
    result = extract(definition("html"), b"<html></html>", url=URL)
    assert result.error == "type 'html' is not read by extract"


def test_an_internal_error_is_recorded_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> Extracted:
        raise RuntimeError("boom")

    monkeypatch.setattr("exportwatch.crawlers.extraction.read_json_records", broken)
    result = extract(DEFINITIONS["json"], b"{}", url=URL)
    assert result.error == f"could not read {URL}: RuntimeError: boom"
    assert result.items == [] and result.problems == [result.error]
    assert extract_json_module.read_json_records is not broken


HOSTILE = [
    b"",
    b"\x00" * 1000,
    b"\xff\xfe" + "\u2603 text".encode("utf-16-le"),
    b"<" * 20_000,
    b"{" * 60_000,
    b"[" * 60_000 + b"]" * 60_000,
    b"BEGIN:VCALENDAR\r\n" * 2_000,
    b"BEGIN:VEVENT\r\nDTSTART:99999999T999999\r\nRRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\n",
    b"\x1f\x8b\x08\x00" + b"\x00" * 100,
    b'<?xml version="1.0" encoding="klingon"?><items><item><title>x</title></item></items>',
    b"a;b;c\r\n" + b'"unterminated' + b"x" * 200_000,
]


@pytest.mark.parametrize("kind", EXTRACTED_TYPES)
@pytest.mark.parametrize("body", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_bodies_never_raise_and_never_go_quiet(kind: str, body: bytes) -> None:
    result = extract(DEFINITIONS[kind], body, url=URL, fetched_at=WHEN)
    assert result.items or result.problems or result.notes or result.follow
    assert not (result.error or "").startswith(f"could not read {URL}: "), result.error  # no bug


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=2000), kind=st.sampled_from(EXTRACTED_TYPES))
def test_random_bytes_never_raise(body: bytes, kind: str) -> None:
    result = extract(DEFINITIONS[kind], body, url=URL, fetched_at=WHEN)
    assert not (result.error or "").startswith(f"could not read {URL}: "), result.error


def test_modules_declare_their_public_names() -> None:
    for name in MODULES:
        module = importlib.import_module(f"exportwatch.crawlers.{name}")
        assert module.__doc__, name
        for public in module.__all__:
            assert hasattr(module, public), f"{name}.{public}"
    for public in ("Extracted", "extract", "EXTRACTED_TYPES", "IcsRules", "SitemapRules"):
        assert public in exportwatch.crawlers.__all__
