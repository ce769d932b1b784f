"""JSONL import: good lines become documents, each bad line an error naming line and field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from exportwatch.model import Document, Kind
from exportwatch.pipeline.jsonl import LineError, read_jsonl
from exportwatch.taxonomy import Taxonomy

FIXTURES = Path(__file__).parent.parent / "fixtures" / "pipeline" / "jsonl"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def outcomes(taxonomy: Taxonomy) -> list[Document | LineError]:
    return list(read_jsonl(FIXTURES / "partner-calendar.jsonl", taxonomy, fetched_at=NOW))


def test_valid_lines_become_clean_documents(outcomes: list[Document | LineError]) -> None:
    documents = [o for o in outcomes if isinstance(o, Document)]
    assert [d.title for d in documents] == [
        "Water Technology Business Mission Vietnam",
        "Fruit Logistica Pavilion Registration",
        "Export readiness grant",
    ]
    mission = documents[0]
    assert mission.id == "ahk-vietnam:2027-water"
    assert mission.body == "German water technology suppliers meet provincial utilities."
    assert mission.fetched_at == NOW and mission.content_hash
    fruit = documents[1]
    assert fruit.id.startswith("ahk-vietnam:") and fruit.kind is Kind.EVENT
    assert documents[2].eligible_countries == ["VN", "ASEAN"]


def test_each_bad_line_is_reported_with_its_line_and_field(
    outcomes: list[Document | LineError],
) -> None:
    errors = {o.line: o for o in outcomes if isinstance(o, LineError)}
    assert sorted(errors) == [4, 5, 6, 7, 8, 9, 10]
    assert "before starts_on" in errors[4].message
    assert errors[5].field == "kind"
    assert errors[6].field == "sectors" and "space-tourism" in errors[6].message
    assert errors[7].message.startswith("not JSON")
    assert errors[8].field == "title" and "(and 1 more)" in errors[8].message
    assert "expected a JSON object" in errors[9].message
    assert errors[10].field == "published_at" and "(and 1 more)" in errors[10].message
    assert str(errors[6]).startswith("line 6, sectors: ")


def test_the_content_hash_in_the_file_is_not_trusted(taxonomy: Taxonomy, tmp_path: Path) -> None:
    line = (FIXTURES / "partner-calendar.jsonl").read_text().splitlines()[0]
    forged = line[:-1] + ', "content_hash": "forged"}'
    (tmp_path / "one.jsonl").write_text(forged + "\n")
    (document,) = read_jsonl(tmp_path / "one.jsonl", taxonomy, fetched_at=NOW)
    assert isinstance(document, Document) and document.content_hash != "forged"
