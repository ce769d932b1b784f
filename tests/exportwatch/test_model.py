"""The shared Document type round-trips through its JSON shape."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

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
