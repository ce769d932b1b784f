"""Normalization keeps every item: odd, absurd or hostile input is recorded, never raised."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exportwatch.model import Kind, RawItem, SourceProfile
from exportwatch.pipeline.normalize import KNOWN_FIELDS, Normalizer
from exportwatch.taxonomy import Taxonomy

FIXTURES = Path(__file__).parent.parent / "fixtures" / "pipeline" / "items"
FETCHED = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
PROFILE = SourceProfile(id="test-source", kind=Kind.EVENT, language="de")


@pytest.fixture(scope="module")
def normalizer(taxonomy: Taxonomy) -> Normalizer:
    return Normalizer(taxonomy)


def hostile_items() -> list[RawItem]:
    """Recorded hostile items (40 kB titles, control characters, absurd years, wrong types)."""
    lines = (FIXTURES / "hostile.jsonl").read_text(encoding="utf-8").splitlines()
    return [RawItem(**{**json.loads(line), "fetched_at": FETCHED}) for line in lines]


@pytest.mark.parametrize("raw", hostile_items(), ids=lambda raw: raw.url[-30:])
def test_hostile_items_become_documents_with_problems(normalizer: Normalizer, raw: RawItem) -> None:
    normalized = normalizer.normalize(raw, PROFILE)
    document = normalized.document
    assert document.id.startswith("test-source:") and document.content_hash
    assert len(document.title) <= 300
    assert all(ch >= " " or ch == "\n" for ch in document.title + document.summary)
    for day in (document.starts_on, document.ends_on, document.deadline, document.effective_on):
        assert day is None or date(1990, 1, 1) <= day <= date(2047, 12, 31)
    assert normalized.problems, "a hostile item must leave a trace on the run"


def test_a_clean_item_is_read_completely(normalizer: Normalizer) -> None:
    raw = RawItem(
        source_id="test-source",
        url="https://koelnmesse.example/anuga",
        fetched_at=FETCHED,
        guid="anuga-2027",
        title="Anuga 2027 – Fachmesse für Lebensmittel und Getränke",
        summary="<p>Die Anuga findet vom 9. bis 13. Oktober 2027 in Köln statt.</p>",
        fields={"location": "Koelnmesse, Köln, Deutschland", "categories": ["Molkereiprodukte"]},
    )
    normalized = normalizer.normalize(raw, PROFILE)
    document = normalized.document
    assert (document.starts_on, document.ends_on) == (date(2027, 10, 9), date(2027, 10, 13))
    assert document.venue is not None and document.venue.country == "DE"
    assert document.countries == ["DE"] and document.language == "de"
    assert document.sectors and all(code.startswith("food") for code in document.sectors)
    assert normalized.problems == []


def test_unknown_fields_are_kept_in_extra(normalizer: Normalizer) -> None:
    raw = RawItem(
        source_id="test-source",
        url="https://example.org/x",
        fetched_at=FETCHED,
        title="Fair",
        fields={"booth_price": "EUR 1,200", "dates": "3.–6. Juni 2027"},
    )
    document = normalizer.normalize(raw, PROFILE).document
    assert document.extra["booth_price"] == "EUR 1,200"
    assert "dates" not in document.extra and "dates" in KNOWN_FIELDS


text = st.text(st.characters(codec="utf-8"), max_size=300)
field_values = st.one_of(text, st.lists(text, max_size=3), st.integers(), st.none())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=text,
    summary=text,
    body=text,
    language=st.one_of(st.none(), text),
    fields=st.dictionaries(st.sampled_from([*sorted(KNOWN_FIELDS), "other"]), field_values),
    kind=st.sampled_from(list(Kind)),
)
def test_any_item_is_normalized_without_raising(
    normalizer: Normalizer,
    title: str,
    summary: str,
    body: str,
    language: str | None,
    fields: dict[str, object],
    kind: Kind,
) -> None:
    raw = RawItem(
        source_id="test-source",
        url="https://example.org/item",
        fetched_at=FETCHED,
        title=title,
        summary=summary,
        body=body,
        language=language,
        fields=fields,
    )
    normalized = normalizer.normalize(raw, SourceProfile(id="test-source", kind=kind))
    assert not [p for p in normalized.problems if "internal error" in p]
    document = normalized.document
    if document.starts_on and document.ends_on:
        assert document.starts_on <= document.ends_on


def test_the_sources_lookups_place_a_venue(normalizer: Normalizer) -> None:
    profile = SourceProfile(
        id="test-source", kind=Kind.EVENT, lookups={"location": {"Messegelände": ["AT"]}}
    )
    raw = RawItem(
        source_id="test-source",
        url="https://example.org/fair",
        fetched_at=FETCHED,
        title="Frühjahrsmesse",
        fields={"location": "Messegelände", "dates": "3.–6. Juni 2027"},
    )
    document = normalizer.normalize(raw, profile).document
    assert document.venue is not None and document.venue.country == "AT"
    assert document.countries == ["AT"]
