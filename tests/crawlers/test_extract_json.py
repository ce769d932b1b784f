"""JSON sources end to end: fetched from the fixture server, read with record and field paths."""

from __future__ import annotations

import codecs
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from exportwatch.crawlers import (
    JsonSource,
    validate_definition,
)
from exportwatch.crawlers.extract_json import compile_path, values_at
from exportwatch.crawlers.records import MAX_RECORDS
from tests.crawlers.conftest import fetch_and_extract
from tests.mockserver import FixtureServer

from .conftest import ROOT

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIXTURE = ROOT / "tests" / "fixtures" / "http" / "json" / "events-api.json"
FIELDS = {
    "guid": "id",
    "title": "name",
    "summary": "teaser",
    "body": "description_html",
    "url": "links.web",
    "starts": "schedule.start",
    "ends": "schedule.end",
    "timezone": "schedule.timezone",
    "venue": "venue.name",
    "city": "venue.city",
    "country": "venue.country.iso",
    "categories": "sectors[*]",
    "deadline": "registration.deadline",
    "organizer": "organizer.name",
    "updated": "updated_at",
    "language": "language",
    "event_type": "type",
}


def source(records: str = "data.events[*]", **fields: str) -> JsonSource:
    data: dict[str, Any] = {
        "id": "json-events",
        "name": "Events API",
        "kind": "event",
        "type": "json",
        "url": "https://api.example-trade.org/v2/events",
        "rules": {"records": records, "fields": fields or FIELDS},
    }
    definition = validate_definition(data, None)
    assert isinstance(definition, JsonSource)
    return definition


def test_events_api_end_to_end(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, "json/events-api.json", source())
    gulfood, hannover, kenya, webinar = result.items
    base = fixture_server.url("")
    assert gulfood.guid == "evt-48213" and gulfood.url == base + "en/events/gulfood-2027"
    assert gulfood.title == "Gulfood 2027 – German Pavilion"
    assert gulfood.body.startswith("<p>Subsidised stands for <strong>SMEs</strong>")
    assert (gulfood.language, gulfood.fetched_at, gulfood.source_id) == ("en", WHEN, "json-events")
    assert gulfood.fields == {
        "starts": "2027-02-15",
        "ends": "2027-02-19",
        "timezone": "Asia/Dubai",
        "venue": "Dubai World Trade Centre",
        "city": "Dubai",
        "country": "AE",
        "categories": ["Food & beverages", "Hospitality"],
        "deadline": "2026-10-31T23:59:00+04:00",
        "organizer": "Dubai World Trade Centre LLC",
        "updated": "2026-02-20T09:15:00Z",
        "event_type": "trade_fair",
    }
    assert hannover.guid == "48214"  # a numeric id becomes text
    assert hannover.fields["categories"] == ["Machinery", "Automation"]  # "a; b" is split
    assert hannover.url == "https://www.example-trade.org/en/events/hannover-messe-2027"
    assert kenya.url == base + "json/events-api.json" and kenya.guid == "evt-48301"
    assert kenya.fields["country"] == "KE" and "venue" not in kenya.fields
    assert webinar.title == "" and webinar.summary.startswith("Webinar on export controls")
    assert result.failed == 1
    assert result.problems == ["record 5 is not an object but null"]
    assert (result.error, result.follow) == (None, [])


def test_records_path_that_matches_nothing_names_the_keys(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, "json/events-api.json", source("data.items[*]"))
    assert result.items == []
    assert result.error == (
        "records path 'data.items[*]' matched nothing; at 'data' the keys are events"
    )
    assert result.problems == [result.error]


def test_field_path_that_matches_nothing_is_a_problem(fixture_server: FixtureServer) -> None:
    definition = source(title="name", deadline="application.closes")
    result = fetch_and_extract(fixture_server, "json/events-api.json", definition)
    assert len(result.items) == 3  # the record without a name has nothing else mapped
    assert (
        "fields.deadline (path 'application.closes') matched nothing in any of the 5 record(s)"
        in result.problems
    )


def test_malformed_json_is_an_error_with_its_position(fixture_server: FixtureServer) -> None:
    fixture_server.set("json/events-api.json", body=FIXTURE.read_bytes()[:700])
    result = fetch_and_extract(fixture_server, "json/events-api.json", source())
    assert result.items == []
    assert result.error == "malformed JSON at line 14, column 19: Unterminated string starting at"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "empty response: there is no JSON to read"),
        (b"  \r\n", "empty response: there is no JSON to read"),
        (b"<!DOCTYPE html><html><body>Maintenance</body></html>", "not JSON: the answer is an"),
    ],
)
def test_empty_and_html_answers(fixture_server: FixtureServer, body: bytes, error: str) -> None:
    fixture_server.set("json/events-api.json", body=body)
    result = fetch_and_extract(fixture_server, "json/events-api.json", source())
    assert result.items == [] and result.error is not None and result.error.startswith(error)


def test_utf16_with_bom_and_an_anti_hijacking_prefix(fixture_server: FixtureServer) -> None:
    text = ")]}',\n" + FIXTURE.read_text(encoding="utf-8")
    fixture_server.set("json/events-api.json", body=codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    result = fetch_and_extract(fixture_server, "json/events-api.json", source())
    assert [item.title for item in result.items][:2] == [
        "Gulfood 2027 – German Pavilion",
        "Hannover Messe 2027",
    ]
    assert 'removed the anti-hijacking prefix ")]}\',"' in result.notes


def test_more_records_than_the_cap_are_cut_with_a_problem(fixture_server: FixtureServer) -> None:
    records = [{"name": f"Fair {number}"} for number in range(MAX_RECORDS + 5)]
    fixture_server.set("json/events-api.json", body=json.dumps(records).encode())
    result = fetch_and_extract(fixture_server, "json/events-api.json", source("$", title="name"))
    assert len(result.items) == MAX_RECORDS
    assert result.problems == [
        f"the document holds {MAX_RECORDS + 5:,} records; read the first 10,000"
    ]


def test_deeply_nested_json_is_a_problem_not_a_crash(fixture_server: FixtureServer) -> None:
    fixture_server.set("json/events-api.json", body=b"[" * 200_000 + b"]" * 200_000)
    result = fetch_and_extract(fixture_server, "json/events-api.json", source())
    assert result.items == [] and result.error is not None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", [{"a": [{"b": 1}, {"b": 2}], "c": {"d": "x"}}]),
        ("a[*].b", [1, 2]),
        ("a.b", [1, 2]),  # a key after a list applies to every element
        ("a[1].b", [2]),
        ("a[5].b", []),
        ("$.c.d", ["x"]),
        ("c[*]", ["x"]),
        ("missing.key", []),
    ],
)
def test_path_syntax(path: str, expected: list[Any]) -> None:
    document = {"a": [{"b": 1}, {"b": 2}], "c": {"d": "x"}}
    assert values_at(document, compile_path(path)) == expected
