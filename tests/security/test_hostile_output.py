"""Every hostile string of the shared fixture stays inert in Atom, iCal, CSV, HTML and email.

Each string is a document's title, summary, venue, organiser and URL at once, and a
subscriber's name. The outputs are parsed as their consumers parse them (an XML parser, an
iCalendar parser, a CSV reader, an email parser, an HTML parser) and the tests assert what
those consumers would see: no element, property, header, formula or script link that the
hostile text created.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import icalendar
import lxml.html
import pytest
from fastapi.testclient import TestClient

from exportwatch.alerts.messages import confirmation_message, digest_message
from exportwatch.model import Document, Kind, Venue
from exportwatch.search.sync import sync_outbox
from exportwatch.services import Services
from exportwatch.web import create_app, document_page
from exportwatch.web.feeds import FORMULA_STARTS
from tests.alerts.test_messages import DOCUMENTS as DIGEST_DOCUMENTS
from tests.alerts.test_messages import MAIL_FROM, build_digest, subscriber

FIXTURE = Path(__file__).parents[1] / "fixtures" / "security" / "hostile_strings.json"
HOSTILE: dict[str, list[str]] = {
    group: strings
    for group, strings in json.loads(FIXTURE.read_text("utf-8")).items()
    if not group.startswith("_")
}
ALL = [text for strings in HOSTILE.values() for text in strings]
ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "http://testserver"
SAFE_LINK = re.compile(r"^https?://", re.IGNORECASE)
UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")


def hostile_documents() -> list[Document]:
    start = date.today() + timedelta(days=30)
    return [
        Document(
            id=f"hostile-{number}",
            kind=Kind.EVENT,
            title=text,
            summary=f"{text} summary",
            body=text,
            url=text if ":" in text else f"https://fairs.example/{number}",
            source_id="fairs",
            updated_at=datetime(2026, 1, 1, tzinfo=UTC),
            starts_on=start,
            venue=Venue(name=text, city=text, country="DE"),
            countries=["DE"],
            organizer=text,
        )
        for number, text in enumerate(ALL)
    ]


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    services.store.save_documents(hostile_documents())
    sync_outbox(services.store, services.index)
    app = create_app(services)
    if not any(getattr(route, "path", "") == "/documents/{document_id}" for route in app.routes):
        app.include_router(document_page.router)  # until the lead registers the page
    with TestClient(app) as test_client:
        yield test_client


def test_the_fixture_covers_every_class() -> None:
    assert set(HOSTILE) == {"markup", "header_injection", "formula", "urls", "invisible"}
    assert len(ALL) >= 35


def test_atom_keeps_hostile_text_as_text(client: TestClient) -> None:
    response = client.get("/feeds/search.atom", params={"size": "100"})
    assert response.status_code == 200
    feed = ET.fromstring(response.content)  # well-formed XML whatever the titles held
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(ALL)
    tags = {element.tag for element in feed.iter()}
    assert all(tag.startswith(ATOM) for tag in tags)  # no element came from a title
    assert not {f"{ATOM}script", f"{ATOM}img", f"{ATOM}svg", f"{ATOM}iframe"} & tags
    hrefs = [link.get("href", "") for link in feed.iter(f"{ATOM}link")]
    assert hrefs and all(SAFE_LINK.match(href) for href in hrefs)
    titles = {entry.findtext(f"{ATOM}title") for entry in entries}
    assert "<script>alert(1)</script>" in titles  # shown as the text it is


def test_ical_lines_cannot_be_forged(client: TestClient) -> None:
    response = client.get("/feeds/events.ics")
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(ALL)
    allowed = {"UID", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "URL", "LOCATION", "DTSTAMP"}
    for event in events:
        assert set(event.keys()) <= allowed | {"CATEGORIES"}
        assert SAFE_LINK.match(str(event["URL"]))
    unfolded = response.content.replace(b"\r\n ", b"")
    names = {line.split(b":", 1)[0].split(b";", 1)[0] for line in unfolded.split(b"\r\n")}
    assert b"ATTENDEE" not in names and b"X-EVIL" not in names and b"BCC" not in names
    summaries = {str(event["SUMMARY"]) for event in events}
    assert any("ATTENDEE:mailto:evil@example.org" in summary for summary in summaries)


def test_csv_cells_never_start_a_formula(client: TestClient) -> None:
    response = client.get("/export/search.csv", params={"size": "100"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(ALL) + 1
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert "'=cmd|' /C calc'!A0" in cells


def test_document_pages_escape_hostile_text(client: TestClient) -> None:
    for number, text in enumerate(ALL):
        response = client.get(f"/documents/hostile-{number}")
        assert response.status_code == 200, text
        tree = lxml.html.document_fromstring(response.text)
        main = tree.xpath("//main")[0]
        assert main.xpath(".//script | .//img | .//svg | .//iframe | .//style") == [], text
        links = [link.lower().lstrip() for link in tree.xpath("//@href | //@src")]
        assert not [link for link in links if link.startswith(UNSAFE_SCHEMES)], text
        assert not tree.xpath("//@*[starts-with(name(), 'on')]"), text


def parsed(message: EmailMessage) -> EmailMessage:
    """The message as a mail client reads it, after a round trip through bytes."""
    again = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(again, EmailMessage)
    return again


def assert_headers_not_forged(raw: bytes) -> None:
    head = raw.split(b"\n\n", 1)[0].replace(b"\r\n", b"\n")
    unfolded = re.sub(rb"\n[ \t]+", b" ", head)
    names = [line.split(b":", 1)[0].lower() for line in unfolded.split(b"\n") if line]
    assert b"bcc" not in names and b"x-evil" not in names
    assert names.count(b"subject") == 1 and names.count(b"to") == 1 and names.count(b"from") == 1


@pytest.mark.parametrize("name", HOSTILE["header_injection"] + HOSTILE["markup"])
def test_confirmation_email_with_a_hostile_name(name: str) -> None:
    from exportwatch.alerts.digest_model import Confirmation

    confirmation = Confirmation(
        subscriber=subscriber(name=name),
        confirm_url="https://exportwatch.example/confirm?token=a.b",
        generated_at=datetime(2026, 3, 1, tzinfo=UTC),
        valid_for=timedelta(days=3),
        message_id="<c1@exportwatch.example>",
    )
    message = confirmation_message(confirmation, mail_from=MAIL_FROM)
    raw = message.as_bytes()
    assert_headers_not_forged(raw)
    again = parsed(message)
    assert [address.addr_spec for address in again["To"].addresses] == ["anna@example.test"]
    html = again.get_body(("html",))
    assert html is not None
    tree = lxml.html.document_fromstring(html.get_content())
    assert tree.xpath("//script | //img | //svg | //iframe") == []


def test_digest_email_with_every_hostile_string() -> None:
    base = DIGEST_DOCUMENTS[0]
    documents = [
        Document.from_json(
            base.to_json()
            | {"id": f"h{number}", "title": text, "summary": text, "url": text, "organizer": text}
        )
        for number, text in enumerate(ALL)
    ]
    who = subscriber(name="Eve\r\nBcc: evil@example.test")
    message = digest_message(build_digest(who, documents, reason=ALL[0]), mail_from=MAIL_FROM)
    raw = message.as_bytes()
    assert_headers_not_forged(raw)
    again = parsed(message)
    unsubscribe = str(again["List-Unsubscribe"])
    assert re.fullmatch(r"<https://[^<>\s]+>(, <mailto:[^<>\s]+>)?", unsubscribe)
    html_part, text_part = again.get_body(("html",)), again.get_body(("plain",))
    assert html_part is not None and text_part is not None
    tree = lxml.html.document_fromstring(html_part.get_content())
    assert tree.xpath("//script | //img | //svg | //iframe | //style[not(ancestor::head)]") == []
    assert all(SAFE_LINK.match(href) for href in tree.xpath("//a/@href"))
    text = text_part.get_content()
    assert not re.search(r"^\s*(Bcc|Subject|X-Evil):", text, re.MULTILINE)  # no forged lines
    assert "\x00" not in text and "\u202e" not in text
