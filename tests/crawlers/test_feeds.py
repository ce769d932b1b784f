"""The feed reader on recorded feeds: every format gives RawItems; bad input gives a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from exportwatch.crawlers import ParsedFeed, parse_feed

from .conftest import FEED_FIXTURES

WHEN = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
BASE = "https://feeds.example.org/dir/"


def read(name: str, content_type: str | None = None, body: bytes | None = None) -> ParsedFeed:
    data = (FEED_FIXTURES / name).read_bytes() if body is None else body
    return parse_feed(
        data, source_id="src", url=BASE + name, content_type=content_type, fetched_at=WHEN
    )


def test_rss20_with_content_events_georss_and_ttl() -> None:
    feed = read("rss20-ttl.rss", "application/rss+xml")
    first = feed.items[0]
    assert (feed.format, feed.language, feed.ttl) == ("rss20", "en", timedelta(minutes=180))
    assert (first.source_id, first.fetched_at, first.guid) == ("src", WHEN, "fair-2025-anuga")
    assert first.url == "https://feeds.example.org/fairs/anuga-2025"  # relative link resolved
    assert first.title == "Anuga 2025 – joint stand for food & beverage producers"
    assert first.summary.startswith("Apply for a subsidised place")
    assert (
        first.body
        == "<p>Anuga, <strong>Cologne</strong>, 4–8 October 2025.</p><p>Stand space from 12 m².</p>"
    )
    assert first.fields == {
        "published": "2025-03-03T13:00:00+00:00",
        "categories": ["Trade fairs", "Food & beverages"],
        "starts": "2025-10-04",
        "ends": "2025-10-08",
        "location": "Koelnmesse, Cologne, Germany",
        "organizer": "Koelnmesse GmbH",
        "coordinates": "50.9473 6.9829",
    }
    assert feed.items[1].fields["location"] == "Dubai World Trade Centre"
    assert (feed.error, feed.problems, feed.notes) == (None, [], [])


def test_rss091_in_latin1() -> None:
    feed = read("rss091.rss")
    assert feed.format == "rss091u"
    assert [item.title for item in feed.items] == [
        "Exportkreditgarantien: neue Deckungspraxis für Kenia",
        "Sprechtag Außenwirtschaft am 12. März",
    ]
    assert feed.items[0].guid is None and feed.items[0].language == "de"
    assert feed.items[0].url == "http://www.example-chamber.org/export/notice-118.html"


def test_rss10_rdf_with_dublin_core_and_syndication_period() -> None:
    feed = read("rss10.rdf.xml", "application/xml")
    item = feed.items[0]
    assert (feed.format, feed.ttl) == ("rss10", timedelta(hours=6))
    assert item.guid == item.url == "https://notifications.example.org/tbt/G-TBT-N-EU-1102"
    assert item.fields == {
        "updated": "2025-03-03T10:00:00+00:00",
        "categories": ["Dairy"],
        "countries": ["European Union"],
    }


def test_atom_with_xml_base_html_summary_and_content() -> None:
    feed = read("atom.atom", "application/atom+xml")
    first, second = feed.items
    assert feed.format == "atom10" and feed.title == "Example Export Finance – Activity"
    assert first.url == "https://www.example-eca.gov/news/export-working-capital-2027"
    assert first.guid == "tag:example-eca.gov,2025:news/4101"
    assert first.summary == "Guarantees of up to <b>80%</b> for exporters' working-capital loans."
    assert first.body.startswith("<p>Small exporters can apply")
    assert first.fields == {
        "published": "2025-03-03T12:00:00+00:00",
        "updated": "2025-03-04T08:30:00+00:00",
        "categories": ["Export finance", "SMEs"],
    }
    assert first.language == "en"
    assert second.url == "https://www.example-eca.gov/news/country-cover-kenya-tanzania"


def test_json_feed_1_1() -> None:
    feed = read("jsonfeed.json", "application/feed+json")
    first, second = feed.items
    assert (feed.format, feed.language) == ("json1.1", "fr")
    assert first.url == "https://feeds.example.org/events/sial-paris-2026"
    assert (first.guid, first.title) == ("evt-2025-041", "SIAL Paris 2026 : pavillon régional")
    assert first.body == "<p>Du 17 au 21 octobre 2026, <b>Paris Nord Villepinte</b>.</p>"
    assert first.fields == {
        "published": "2025-03-02T09:00:00+01:00",
        "updated": "2025-03-03T11:15:00+01:00",
        "categories": ["Salons", "Agroalimentaire"],
    }
    assert (second.guid, second.url) == ("42", "https://www.example-bank.fr/assurance-prospection")
    assert second.body == "Présentation de l'assurance prospection pour les PME, le 20 mars 2025."


def test_json_feed_1_0_detected_without_content_type() -> None:
    feed = read("jsonfeed-1.0.json")
    assert feed.format == "json1" and len(feed.items) == 1
    assert feed.items[0].guid == "https://portal.example.org/news/ghana-tariffs"


def test_all_formats_give_the_same_item_shape() -> None:
    names = ["rss091.rss", "rss10.rdf.xml", "rss20-ttl.rss", "atom.atom", "jsonfeed.json"]
    for name in names:
        for item in read(name).items:
            assert item.title and item.url.startswith("http") and item.source_id == "src"
            assert isinstance(item.fields, dict)


def test_malformed_xml_keeps_what_was_read() -> None:
    feed = read("malformed.rss", "application/rss+xml")
    assert [item.guid for item in feed.items] == ["news-301", "news-300", "news-299"]
    assert feed.error is None
    assert feed.problems == [
        "malformed XML at line 17, column 39: not well-formed (invalid token); "
        "read 3 item(s) leniently"
    ]


def test_bom_wins_over_a_stale_windows_1252_declaration() -> None:
    feed = read("bom-windows-1252.rss", "application/rss+xml")
    assert feed.items[0].title == "Pabellón español en “Alimentaria 2026”"
    assert "2.500 € por stand – plazo" in feed.items[0].summary
    assert feed.notes == ["encoding: document declared as windows-1252, but parsed as utf-8"]
    assert feed.problems == []


def test_windows_1252() -> None:
    feed = read("windows-1252.rss", "application/rss+xml")
    assert feed.items[0].title == "Pabellón español en “Gulfood 2026”"
    assert "2.500 € por stand" in feed.items[0].summary


def test_feed_served_as_html_is_read_with_a_note() -> None:
    feed = read("served-as-html.html", "text/html; charset=utf-8")
    assert [item.guid for item in feed.items] == ["alert-88"]
    assert feed.notes == [
        "served as 'text/html; charset=utf-8' instead of a feed type; read anyway"
    ]


def test_html_page_is_not_a_feed_and_its_feed_link_is_named() -> None:
    feed = read("landing-page.html", "text/html; charset=utf-8")
    assert feed.items == []
    assert feed.error == (
        "not a feed: the answer is an HTML page; "
        "the page links to https://feeds.example.org/feeds/rss20-ttl.rss"
    )


def test_empty_feed() -> None:
    feed = read("empty.rss", "application/rss+xml")
    assert (feed.items, feed.error, feed.problems) == ([], None, ["the feed has no items"])


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (b"", None, "empty response: there is no feed to read"),
        (b"\xef\xbb\xbf  \n", None, "empty response: there is no feed to read"),
        (b'{"items": [', "application/json", "malformed JSON at line 1, column 12"),
        (b'{"data": []}', "application/json", "JSON, but not a JSON Feed: no 'items' list"),
        (b"\xff\xfe{", "application/json", "JSON Feed is not UTF-8"),
        (b"just some words", "text/plain", "not a feed: no RSS, Atom, RDF or JSON Feed"),
    ],
)
def test_no_feed_at_all(body: bytes, content_type: str | None, error: str) -> None:
    feed = read("x", content_type, body=body)
    assert feed.items == [] and feed.error is not None and feed.error.startswith(error)


def test_a_body_naming_a_file_is_not_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.rss"
    secret.write_bytes((FEED_FIXTURES / "rss20-ttl.rss").read_bytes())
    feed = read("x", None, body=str(secret).encode())
    assert feed.items == [] and feed.error is not None


def test_bad_json_items_are_counted_and_the_rest_kept() -> None:
    items = b'[7, {"id": "a"}, {"id": "b", "title": "B"}]'
    body = b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + items + b"}"
    feed = read("x.json", "application/feed+json", body=body)
    assert [item.guid for item in feed.items] == ["b"]
    assert feed.failed == 2
    assert feed.problems == [
        "item 1 could not be read: it is not an object",
        "item 2 could not be read: it has no title, text or link",
    ]


def test_unknown_json_feed_version_is_read_with_a_note() -> None:
    body = b'{"version": "https://jsonfeed.org/version/2", "items": [{"id": 1, "title": "T"}]}'
    feed = read("x.json", "application/json", body=body)
    assert len(feed.items) == 1 and feed.format == "json"
    assert feed.notes == [
        "unknown JSON Feed version 'https://jsonfeed.org/version/2'; read as version 1"
    ]
