"""Digest and confirmation emails: headers, both parts, each language, and hostile scraped text."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import lxml.html
import pytest

from exportwatch.alerts.digest_model import (
    Confirmation,
    Digest,
    DigestItem,
    make_digest,
    make_message_id,
)
from exportwatch.alerts.i18n import LANGUAGES, Translator
from exportwatch.alerts.messages import (
    clean_text,
    confirmation_message,
    digest_message,
    render_digest,
    safe_url,
)
from exportwatch.model import Document, Kind, Subscriber, Venue

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "alerts"
NOW = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
BASE = "https://alerts.example.org"
MAIL_FROM = "exportwatch <alerts@example.org>"
CLOSING = {"fi-icex-next", "re-tbt-eu-1102"}  # deadlines on 8 and 10 March, sent before
REASON = "Sector: Food & beverages · Market: Germany (EU)"


def load_documents() -> list[Document]:
    with (FIXTURES / "documents.jsonl").open(encoding="utf-8") as lines:
        return [Document.from_json(json.loads(line)) for line in lines if line.strip()]


DOCUMENTS = load_documents()


def subscriber(language: str = "en", timezone: str = "Europe/Berlin", **changes: str) -> Subscriber:
    fields = {"email": "anna@example.test", "name": "Anna Schmidt", **changes}
    return Subscriber(id=7, language=language, timezone=timezone, **fields)  # type: ignore[arg-type]


def build_digest(
    who: Subscriber, documents: list[Document] = DOCUMENTS, reason: str = REASON
) -> Digest:
    items = [DigestItem(doc, reason, closing_soon=doc.id in CLOSING) for doc in documents]
    return make_digest(
        who,
        items,
        message_id=make_message_id(7, [doc.id for doc in documents], BASE),
        unsubscribe_url=f"{BASE}/unsubscribe?token=abc.def",
        manage_url=f"{BASE}/manage?token=ghi.jkl",
        generated_at=NOW,
        source_names={"auma": "AUMA", "wto-epingalert": "WTO ePing"},
    )


def parts(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML bodies after a round trip through bytes, as a mail client sees them."""
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    text, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


@pytest.mark.parametrize("language", LANGUAGES)
def test_digest_headers_and_parts_in_each_language(language: str) -> None:
    digest = build_digest(subscriber(language))
    message = digest_message(digest, mail_from=MAIL_FROM)
    t = Translator(language)
    assert message["From"] == MAIL_FROM
    assert message["To"].addresses[0].addr_spec == "anna@example.test"
    assert message["Subject"] == t.plural("digest.subject", 7)
    assert message["Message-ID"] == digest.message_id
    assert message["Date"].datetime == NOW
    assert message["List-Unsubscribe"] == f"<{BASE}/unsubscribe?token=abc.def>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == language
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    text, html = parts(message)
    for body in (text, html):
        assert t("section.event") in body.replace("&#39;", "'")
        assert t("section.closing_soon") in body.replace("&#39;", "'")
        assert "{" not in body.replace("{%", "")  # no unfilled placeholder
        assert f"{BASE}/manage?token=ghi.jkl" in body
    assert f'<html lang="{language}"' in html
    for document in DOCUMENTS:
        assert clean_text(document.title) in text


def test_sections_are_ordered_by_kind_and_date() -> None:
    text, _ = parts(digest_message(build_digest(subscriber()), mail_from=MAIL_FROM))
    order = [
        "Closing soon",
        "ICEX Next",  # deadline 8 March
        "Draft Commission Regulation",  # comment deadline 10 March
        "Trade fairs and events",
        "FOODEX JAPAN 2027",  # 9 March 2027
        "Anuga 2027",  # 9 October 2027
        "SIAL Paris 2028",  # October 2028
        "Export finance",
        "Markterschließungsprogramm",  # deadline 30 April
        "Assurance prospection",  # deadline 30 June
        "Market regulations",
        "Brasil – Resolução ANVISA",  # in force 1 July
        "Viet Nam – Food safety",  # in force 15 August
    ]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert text.count("ICEX Next") == 1  # a closing-soon item is not repeated in its section


def test_item_shows_dates_place_source_reason_and_link_localized() -> None:
    text, html = parts(digest_message(build_digest(subscriber("de")), mail_from=MAIL_FROM))
    anuga = text[text.index("* Anuga 2027") :].split("\n\n")[0]
    assert "Termin: 9.–13. Okt. 2027" in anuga
    assert "Frist: 15. März 2027 (in 14 Tagen)" in anuga
    assert "Ort: Koelnmesse, Köln, Deutschland" in anuga
    assert "Quelle: AUMA – Koelnmesse GmbH" in anuga
    assert f"Warum Sie das erhalten: {REASON}" in anuga
    assert "https://www.anuga.com/" in anuga
    tbt = text[text.index("* Draft Commission Regulation") :].split("\n\n")[0]
    assert "Frist: 10. März 2027 (in 9 Tagen)" in tbt
    assert "In Kraft ab: 1. Sept. 2027" in tbt
    assert "Referenz: G/TBT/N/EU/1102" in tbt
    assert "Ort: Europäische Union" in tbt
    assert "Food &amp; beverages" in html


def test_times_are_shown_in_the_subscribers_time_zone() -> None:
    berlin, _ = parts(digest_message(build_digest(subscriber("en")), mail_from=MAIL_FROM))
    new_york = build_digest(subscriber("en", "America/New_York"))
    eastern, _ = parts(digest_message(new_york, mail_from=MAIL_FROM))
    assert "Compiled Mar 1, 2027, 7:00\u202fAM CET" in berlin  # CLDR's narrow no-break space
    assert "Compiled Mar 1, 2027, 1:00\u202fAM EST" in eastern
    broken = build_digest(subscriber("fr", "Not/AZone"))
    text, _ = parts(digest_message(broken, mail_from=MAIL_FROM))
    assert "Établi le 1 mars 2027, 06:00 UTC" in text


def test_message_id_is_stable_and_well_formed() -> None:
    ids = [doc.id for doc in DOCUMENTS]
    first = make_message_id(7, ids, BASE)
    assert first == make_message_id(7, [*reversed(ids), ids[0]], BASE)
    assert first != make_message_id(7, ids[1:], BASE)
    assert first != make_message_id(8, ids, BASE)
    assert re.fullmatch(r"<digest-7\.[0-9a-f]{24}@alerts\.example\.org>", first)
    again = [digest_message(build_digest(subscriber()), mail_from=MAIL_FROM) for _ in range(2)]
    assert again[0]["Message-ID"] == again[1]["Message-ID"] == first


HOSTILE_TITLES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "Fair\r\nBcc: victim@example.test",
    "Spoof\u202egnp.exe\u200b and \x00null",
]


def hostile_documents() -> list[Document]:
    base = DOCUMENTS[0]
    return [
        dataclasses.replace(
            base,
            id=f"hostile-{number}",
            title=title,
            summary="</td></tr></table><a href='https://evil.test'>win</a>\nUnsubscribe: x",
            url="javascript:alert(document.cookie)" if number % 2 else 'https://ok.test/"><x',
            venue=Venue(name="<b>Hall</b>\r\nX-Evil: 1", city="Köln", country="DE"),
            organizer="Org\r\nBcc: evil@example.test",
        )
        for number, title in enumerate(HOSTILE_TITLES)
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_hostile_scraped_text_is_escaped_in_every_language(language: str) -> None:
    who = subscriber(language, name="Eve\r\nBcc: evil@example.test\r\n\r\n<script>")
    digest = build_digest(who, hostile_documents(), reason="<i>Sector</i>\r\nBcc: x@y.test")
    message = digest_message(digest, mail_from=MAIL_FROM)
    raw = message.as_bytes()
    assert not re.search(rb"^(Bcc|X-Evil):", raw, re.MULTILINE | re.IGNORECASE)
    assert [a.addr_spec for a in message["To"].addresses] == ["anna@example.test"]
    text, html = parts(message)
    tree = lxml.html.document_fromstring(html)
    assert tree.xpath("//script | //img | //i | //b | //style") == []
    hrefs = tree.xpath("//a/@href")
    assert all(href.startswith(BASE) or href == "https://www.anuga.com/" for href in hrefs)
    assert "evil.test" not in " ".join(hrefs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "javascript:" not in html and "javascript:" not in text
    for body in (text, html):
        assert "\u202e" not in body and "\u200b" not in body and "\x00" not in body
    assert "* Fair Bcc: victim@example.test" in text  # CR/LF collapsed: cannot forge lines
    assert not re.search(r"^\s*Unsubscribe: x", text, re.MULTILINE)
    titles = tree.xpath("//td/p[1]")
    assert "<script>alert(1)</script>" in [p.text_content() for p in titles]


def test_digest_with_only_closing_soon_items() -> None:
    closing = [doc for doc in DOCUMENTS if doc.id in CLOSING]
    digest = build_digest(subscriber("fr"), closing)
    assert digest.new_count == 0 and len(digest.closing_soon) == 2
    message = digest_message(digest, mail_from=MAIL_FROM)
    assert message["Subject"] == "2 échéances approchent"
    text, _ = parts(message)
    assert "Rien de nouveau cette fois" in text
    assert "Date limite : " not in text and "Date limite: 8 mars 2027 (dans 7 jours)" in text


def test_fallbacks_for_unknown_language_and_regional_locale() -> None:
    klingon = digest_message(build_digest(subscriber("tlh")), mail_from=MAIL_FROM)
    assert klingon["Subject"] == "7 new export alerts"
    assert klingon["Content-Language"] == "en"
    austrian = digest_message(build_digest(subscriber("de-AT")), mail_from=MAIL_FROM)
    text, _ = parts(austrian)
    assert austrian["Subject"] == "7 neue Export-Meldungen"
    assert "Termin: 9.–13. Okt. 2027" in text


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"message_id": "digest-7@host"}, "Message-ID"),
        ({"message_id": "<a@b>\r\nBcc: x@y"}, "Message-ID"),
        ({"unsubscribe_url": "javascript:alert(1)"}, "unsubscribe_url"),
        ({"manage_url": "/relative"}, "manage_url"),
        ({"unsubscribe_mailto": "mailto:u@x>, <https://evil"}, "mailto"),
    ],
)
def test_bad_caller_data_is_a_value_error(change: dict[str, str], problem: str) -> None:
    digest = dataclasses.replace(build_digest(subscriber()), **change)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=problem):
        digest_message(digest, mail_from=MAIL_FROM)


def test_an_empty_digest_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        digest_message(build_digest(subscriber(), []), mail_from=MAIL_FROM)


@pytest.mark.parametrize("email", ["anna@example.test\r\nBcc: x@y", "not-an-address", "a b@c.d"])
def test_unusable_recipient_is_a_value_error(email: str) -> None:
    with pytest.raises(ValueError, match="recipient"):
        digest_message(build_digest(subscriber(email=email)), mail_from=MAIL_FROM)


def test_mailto_is_offered_beside_the_one_click_url() -> None:
    digest = dataclasses.replace(
        build_digest(subscriber()), unsubscribe_mailto="mailto:unsubscribe@example.org?subject=7"
    )
    message = digest_message(digest, mail_from=MAIL_FROM)
    assert message["List-Unsubscribe"] == (
        f"<{BASE}/unsubscribe?token=abc.def>, <mailto:unsubscribe@example.org?subject=7>"
    )


def test_html_is_table_layout_with_inline_styles_and_small_enough() -> None:
    _, html = render_digest(build_digest(subscriber()))
    tree = lxml.html.document_fromstring(html)
    assert tree.xpath("//style | //link") == []
    assert tree.xpath("//table[@role='presentation']")
    cells = tree.xpath("//td")
    assert cells and all("font-family" in (td.get("style") or "") for td in cells)
    assert len(html.encode()) < 60_000  # Gmail clips a message beyond about 100 KB


def test_make_digest_groups_sorts_and_drops_duplicates() -> None:
    anuga, foodex = DOCUMENTS[0], DOCUMENTS[1]
    regulation = DOCUMENTS[-1]
    items = [
        DigestItem(regulation, "r"),
        DigestItem(anuga, "first reason"),
        DigestItem(foodex, "f"),
        DigestItem(anuga, "second reason"),
    ]
    digest = make_digest(
        subscriber(), items, message_id="<x@y>", unsubscribe_url=BASE, manage_url=BASE
    )
    assert list(digest.sections) == [Kind.EVENT, Kind.REGULATION]
    events = digest.sections[Kind.EVENT]
    assert [item.document.id for item in events] == ["ev-foodex-2027", "ev-anuga-2027"]
    assert [item.reason_text for item in events] == ["f", "first reason"]
    assert digest.new_count == 3 and not digest.is_empty


@pytest.mark.parametrize("language", LANGUAGES)
def test_confirmation_message_in_each_language(language: str) -> None:
    who = subscriber(language, name='Jo "<b>" \r\nBcc: evil@example.test')
    confirmation = Confirmation(
        who,
        f"{BASE}/confirm?token=abc",
        message_id="<confirm-7.1@alerts.example.org>",
        generated_at=NOW,
    )
    message = confirmation_message(confirmation, mail_from=MAIL_FROM)
    t = Translator(language, who.timezone)
    assert message["Subject"] == t("confirm.subject")
    assert message["Message-ID"] == "<confirm-7.1@alerts.example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] is None  # nothing to unsubscribe from yet
    assert not re.search(rb"^Bcc:", message.as_bytes(), re.MULTILINE)
    text, html = parts(message)
    expires = t.moment(datetime(2027, 3, 8, 6, 0, tzinfo=UTC))
    for body in (text, html):
        assert f"{BASE}/confirm?token=abc" in body
        assert expires in body
        assert "anna@example.test" in body
    tree = lxml.html.document_fromstring(html)
    assert tree.xpath("//b | //script") == []
    assert tree.xpath(f"//a[@href='{BASE}/confirm?token=abc']")


def test_confirmation_without_message_id_gets_one_on_the_link_host() -> None:
    confirmation = Confirmation(subscriber(), f"{BASE}/confirm?token=abc", generated_at=NOW)
    message = confirmation_message(confirmation, mail_from=MAIL_FROM)
    assert re.fullmatch(r"<[^@<>]+@alerts\.example\.org>", message["Message-ID"])


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("  a\r\n b\tc  ", None, "a b c"),
        ("x\u202ey\u200bz\x00", None, "xyz"),
        ("one two three four five", 12, "one two…"),
        (None, None, ""),
    ],
)
def test_clean_text(text: str | None, limit: int | None, expected: str) -> None:
    assert clean_text(text, limit) == expected


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/a?b=1&c=2", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("https://exa mple.org", False),
        ("//example.org/x", False),
        ("https://example.org/\u202e", False),
    ],
)
def test_safe_url(url: str, ok: bool) -> None:
    assert (safe_url(url) == url) is ok


def test_items_held_back_by_the_cap_are_announced_with_the_manage_link() -> None:
    digest = build_digest(subscriber())
    digest.more_waiting = 4960
    text, html = parts(digest_message(digest, mail_from=MAIL_FROM))
    assert "4960 more items are waiting" in text and "4960 more items are waiting" in html
    assert f"{BASE}/manage?token=ghi.jkl" in text
    quiet_text, _ = parts(digest_message(build_digest(subscriber()), mail_from=MAIL_FROM))
    assert "more items are waiting" not in quiet_text
