"""Bytes to text: BOMs win, declarations are tried in order, and every guess is reported."""

from __future__ import annotations

import codecs

import pytest

from exportwatch.crawlers.decoding import charset_of, decode_text, normalize_encoding

GERMAN = "Außenwirtschaft: Förderung für Messestände – bis 7.500 €"


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_a_bom_wins_over_every_declaration(bom: bytes, encoding: str) -> None:
    decoded = decode_text(
        bom + GERMAN.encode(encoding), declared="latin-1", content_type="text/csv; charset=ascii"
    )
    assert (decoded.text, decoded.encoding, decoded.notes) == (GERMAN, encoding, [])


def test_the_definition_wins_over_the_header() -> None:
    body = GERMAN.encode("cp1252")
    decoded = decode_text(body, declared="windows-1252", content_type="text/csv; charset=utf-8")
    assert (decoded.text, decoded.encoding, decoded.notes) == (GERMAN, "cp1252", [])


def test_a_wrong_header_is_noted_and_the_document_declaration_used() -> None:
    decoded = decode_text(
        GERMAN.encode("cp1252"), content_type="text/html; charset=UTF-8", document="windows-1252"
    )
    assert decoded.text == GERMAN
    assert decoded.notes == [
        "the Content-Type header says utf-8, but byte 2 is not valid utf-8; the declaration is "
        "wrong"
    ]


def test_undeclared_legacy_bytes_are_guessed_and_said_so() -> None:
    decoded = decode_text((GERMAN + " Übersicht der Zuschüsse. ").encode("cp1252") * 5)
    assert decoded.text.startswith(GERMAN) and decoded.encoding == "cp1252"
    assert decoded.notes == ["the text is not UTF-8 and no declared encoding fits: read as cp1252"]


def test_unknown_encoding_names_are_ignored_with_a_note() -> None:
    decoded = decode_text(GERMAN.encode(), declared="klingon")
    assert (decoded.text, decoded.encoding) == (GERMAN, "utf-8")
    assert decoded.notes == ["the source definition names the unknown encoding 'klingon'; ignored"]


def test_charset_parameter() -> None:
    assert charset_of('text/csv; charset="ISO-8859-1"') == "iso8859-1"
    assert charset_of("application/json") is None
    assert charset_of("text/plain; charset=nonsense") is None
    assert normalize_encoding("Windows-1252") == "cp1252"
