"""The shared Document type round-trips through its JSON shape."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

from exportwatch import jsoncodec
from exportwatch.model import Document, Kind, SourceLink, Venue


def make_event() -> Document:
    return Document(
        id="messe-frankfurt:ambiente-2027",
        kind=Kind.EVENT,
        title="Ambiente 2027",
        url="https://example.org/ambiente",
        source_id="messe-frankfurt",
        language="de",
        published_at=datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
        starts_on=date(2027, 2, 5),
        ends_on=date(2027, 2, 9),
        venue=Venue(name="Messe Frankfurt", city="Frankfurt am Main", country="DE"),
        countries=["DE"],
        sectors=["consumer.home"],
        links=[SourceLink(source_id="auma", url="https://example.org/auma/ambiente")],
        extra={"booth_fee": 1200},
    )


def test_json_shape_uses_iso_dates_and_enum_values() -> None:
    data = make_event().to_json()
    assert data["kind"] == "event"
    assert data["starts_on"] == "2027-02-05"
    assert data["published_at"] == "2026-11-01T09:30:00+00:00"
    assert data["venue"] == {
        "name": "Messe Frankfurt",
        "city": "Frankfurt am Main",
        "country": "DE",
    }
    json.dumps(data)  # serialisable as is


def test_round_trip_is_exact() -> None:
    event = make_event()
    assert Document.from_json(json.loads(json.dumps(event.to_json()))) == event


def test_minimal_document_round_trips() -> None:
    minimal = Document(id="x", kind=Kind.FINANCE, title="t", url="u", source_id="s")
    assert Document.from_json(minimal.to_json()) == minimal


def test_json_shape_lists_every_field_in_declaration_order() -> None:
    assert list(make_event().to_json()) == [f.name for f in dataclasses.fields(Document)]


def test_every_field_survives_the_round_trip() -> None:
    """A field added to Document but forgotten in to_json/from_json fails here."""
    event = make_event()
    for f in dataclasses.fields(Document):
        data = event.to_json()
        assert Document.from_json(data).__getattribute__(f.name) == getattr(event, f.name)


def test_json_codec_keeps_text_that_orjson_refuses() -> None:
    lone_surrogate = {"title": "broken \ud800 text", "big": 1 << 70}
    assert jsoncodec.loads(jsoncodec.dumps(lone_surrogate))["big"] == 1 << 70
    assert jsoncodec.loads(jsoncodec.dumps({"title": "Müsli"})) == {"title": "Müsli"}
