"""CSV sources end to end: preamble lines, sniffed delimiters, encodings and column mappings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from exportwatch.crawlers import (
    CsvSource,
    validate_definition,
)
from tests.crawlers.conftest import fetch_and_extract
from tests.mockserver import FixtureServer

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FAIRS = "csv/fairs-windows-1252.csv"
SCHEMES = "csv/schemes-utf8-bom.csv"
FAIR_COLUMNS = {
    "title": "Messe",
    "dates": "Termin",
    "city": "Stadt",
    "country": "Land",
    "categories": "Branchen",
    "participation": "Beteiligung",
    "deadline": "Anmeldeschluss",
    "cost": "Kosten",
    "url": "Link",
}
SCHEME_COLUMNS = {"title": 0, "provider": 1, "eligible_countries": 2, "deadline": 4, "url": 5}


def source(**rules: Any) -> CsvSource:
    data = {
        "id": "csv-fairs",
        "name": "Fair programme",
        "kind": "event",
        "type": "csv",
        "url": "https://www.example-messen.de/export/messen.csv",
        "rules": rules,
    }
    definition = validate_definition(data, None)
    assert isinstance(definition, CsvSource)
    return definition


def test_fair_spreadsheet_with_preamble_end_to_end(fixture_server: FixtureServer) -> None:
    definition = source(delimiter=";", encoding="windows-1252", columns=FAIR_COLUMNS)
    result = fetch_and_extract(fixture_server, FAIRS, definition)
    anuga, gulfood, sial, hannover = result.items
    assert anuga.title == "Anuga" and anuga.url == fixture_server.url("messen/anuga-2026")
    assert anuga.guid == anuga.url and anuga.fetched_at == WHEN
    assert anuga.fields == {
        "dates": "10.10.2026 - 14.10.2026",
        "city": "Köln",
        "country": "Deutschland",
        "categories": ["Lebensmittel", "Getränke"],
        "participation": 'Gemeinschaftsstand "German Pavilion"; mit Förderung',
        "deadline": "30.04.2026",
        "cost": "ab 2.950 €",
    }
    assert gulfood.fields["dates"] == "15.–19.02.2027"
    assert gulfood.url == "https://www.example-messen.de/messen/gulfood-2027"
    assert sial.title == "SIAL Paris"
    assert sial.fields["categories"] == ["Lebensmittel", "Verpackung"]  # a quoted line break
    assert sial.url == fixture_server.url(FAIRS)  # no link: the file's URL, and a derived guid
    assert sial.guid is not None and sial.guid.startswith("record:")
    assert hannover.fields["categories"] == ["Maschinenbau", "Automation"]
    assert result.problems == [] and result.error is None
    assert result.notes == [
        "skipped 3 line(s) before the header: 'Auslandsmesseprogramm 2026 – Beteiligungen an "
        "Gemeinschaftsständen'; 'Stand: 15.02.2026 | alle Angaben ohne Gewähr'; "
        '"Hand-written test fixture imitating a trade-fair association\'s spreadsheet expor…"',
        "skipped 1 row(s) of a single cell: line 11 'Quelle: Example Messeverband e. V.'",
    ]


def test_derived_guids_are_stable_across_runs(fixture_server: FixtureServer) -> None:
    definition = source(delimiter=";", encoding="cp1252", columns=FAIR_COLUMNS)
    first = fetch_and_extract(fixture_server, FAIRS, definition)
    second = fetch_and_extract(fixture_server, FAIRS, definition)
    assert [item.guid for item in first.items] == [item.guid for item in second.items]
    assert len({item.guid for item in first.items}) == 4


def test_wrong_charset_header_and_no_delimiter_are_worked_out(
    fixture_server: FixtureServer,
) -> None:
    # The fixture server labels .csv as UTF-8; the file is windows-1252 and says nothing.
    result = fetch_and_extract(fixture_server, FAIRS, source(columns=FAIR_COLUMNS))
    assert [item.fields["city"] for item in result.items] == ["Köln", "Dubai", "Paris", "Hannover"]
    assert result.items[0].fields["cost"] == "ab 2.950 €"
    assert result.notes[:3] == [
        "the Content-Type header says utf-8, but byte 27 is not valid utf-8; the declaration is "
        "wrong",
        "the text is not UTF-8 and no declared encoding fits: read as cp1252",
        "delimiter not given: read with ';'",
    ]


def test_numbered_columns_with_a_detected_header_and_a_bom(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, SCHEMES, source(columns=SCHEME_COLUMNS))
    working_capital, bonds, lending = result.items
    assert working_capital.title == "Export Working Capital Guarantee"
    assert working_capital.fields == {
        "provider": "Example Export Finance",
        "eligible_countries": ["GB", "IE"],
        "deadline": "2026-12-31",
    }
    assert bonds.url == fixture_server.url("schemes/bond-support")
    assert lending.title == "Direct Lending Facility" and "deadline" not in lending.fields
    assert result.notes == [
        "delimiter not given: read with ','",
        'skipped 1 line(s) before the table: "# Hand-written test fixture imitating an '
        "export-finance agency's scheme list (UT…\"",
        "header: auto: found a header row ('Scheme | Provider | Eligible countries | Max amount "
        "(EUR) | Deadline | URL')",
    ]


def test_no_header_with_skipped_lines(fixture_server: FixtureServer) -> None:
    definition = source(header=False, skip_lines=2, delimiter=",", columns={"title": 0, "dates": 4})
    result = fetch_and_extract(fixture_server, SCHEMES, definition)
    assert [item.title for item in result.items] == [
        "Export Working Capital Guarantee",
        "Bond Support Scheme",
        "Direct Lending Facility",
    ]
    assert result.items[0].fields == {"dates": "2026-12-31"}


def test_a_misspelt_column_is_a_problem_with_a_suggestion(fixture_server: FixtureServer) -> None:
    columns = {"title": "Messe", "deadline": "Anmeldeschlus"}
    result = fetch_and_extract(fixture_server, FAIRS, source(encoding="cp1252", columns=columns))
    assert len(result.items) == 4
    assert result.problems[0].startswith(
        "columns.deadline: no column 'Anmeldeschlus' in the header"
    )
    assert result.problems[0].endswith("(did you mean 'Anmeldeschluss'?)")


def test_a_title_column_that_is_nowhere_is_an_error(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, FAIRS, source(columns={"title": "Fair name"}))
    assert result.items == []
    assert result.error == (
        "no header row holds the columns 'Fair name'; the first row reads "
        "'Auslandsmesseprogramm 2026 – Beteiligungen an Gemeinschaftsständen'"
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "empty response: there is no CSV to read"),
        (b"\xef\xbb\xbf\r\n\r\n", "empty response: there is no CSV to read"),
        (b"<html><head><title>Login</title></head></html>", "not CSV: the answer is an HTML page"),
    ],
)
def test_unusable_answers_are_errors(
    fixture_server: FixtureServer, body: bytes, error: str
) -> None:
    fixture_server.set(FAIRS, body=body)
    result = fetch_and_extract(fixture_server, FAIRS, source(columns=FAIR_COLUMNS))
    assert result.items == [] and result.error == error


def test_skip_lines_beyond_the_file_is_an_error(fixture_server: FixtureServer) -> None:
    result = fetch_and_extract(fixture_server, SCHEMES, source(skip_lines=50, columns={"title": 0}))
    assert result.error == "the file has 5 line(s), all skipped by skip_lines"
