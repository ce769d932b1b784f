"""Bytes to text for the extractors: a BOM first, then the declared charsets, then a guess.

Sources declare encodings in many places and are often wrong; every declaration that does not
fit the bytes, and every guess, is reported as a note so the publisher can be told.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

__all__ = ["Decoded", "charset_of", "decode_text", "normalize_encoding", "sniff_bom"]

_BOMS = (  # UTF-32 first: its little-endian BOM starts like UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_GUESS_SAMPLE = 256 * 1024
_LAST_RESORT = "cp1252"  # decodes almost every byte; what unlabelled Western files mostly are


@dataclass(slots=True)
class Decoded:
    """The text, the encoding it was read with, and what was odd about the declarations."""

    text: str
    encoding: str
    notes: list[str] = field(default_factory=list)


def normalize_encoding(name: str | None) -> str | None:
    """Python's name for an encoding label ("ISO-8859-1" -> "iso8859-1"), None if unknown."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return None


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if it names a known encoding."""
    match = _CHARSET.search(content_type or "")
    return normalize_encoding(match[1]) if match else None


def sniff_bom(body: bytes) -> tuple[str, int] | None:
    """The encoding a byte order mark announces and the mark's length."""
    for mark, encoding in _BOMS:
        if body.startswith(mark):
            return encoding, len(mark)
    return None


def decode_text(
    body: bytes,
    *,
    declared: str | None = None,
    content_type: str | None = None,
    document: str | None = None,
) -> Decoded:
    """Decode `body`; the BOM wins, then `declared` (the source definition's encoding), the
    Content-Type charset, `document` (what the file itself says, e.g. a meta tag), UTF-8,
    a guess by charset-normalizer and last windows-1252. Never raises."""
    bom = sniff_bom(body)
    if bom is not None:
        encoding, length = bom
        return Decoded(body[length:].decode(encoding, errors="replace"), encoding)
    notes: list[str] = []
    candidates = (
        (declared, "the source definition"),
        (charset_of(content_type), "the Content-Type header"),
        (document, "the document"),
        ("utf-8", None),
    )
    tried: set[str] = set()
    for label, who in candidates:
        known = normalize_encoding(label)
        if known is None or known in tried:
            if label and known is None and who:
                notes.append(f"{who} names the unknown encoding {label!r}; ignored")
            continue
        tried.add(known)
        try:
            return Decoded(body.decode(known), known, notes)
        except UnicodeDecodeError as error:
            if who is not None:
                notes.append(
                    f"{who} says {label}, but byte {error.start} is not valid {label}; "
                    "the declaration is wrong"
                )
    encoding = _guess(body) or _LAST_RESORT
    notes.append(f"the text is not UTF-8 and no declared encoding fits: read as {encoding}")
    return Decoded(body.decode(encoding, errors="replace"), encoding, notes)


def _guess(body: bytes) -> str | None:
    from charset_normalizer import from_bytes  # loaded only for undeclared, non-UTF-8 bytes

    best = from_bytes(body[:_GUESS_SAMPLE]).best()
    guess = normalize_encoding(best.encoding) if best is not None else None
    if guess is not None and guess != _LAST_RESORT and _same_text(body, guess, _LAST_RESORT):
        return _LAST_RESORT  # cp1250 and friends read German or French text alike: say so
    return guess


def _same_text(body: bytes, first: str, second: str) -> bool:
    try:
        return body.decode(first) == body.decode(second)
    except UnicodeDecodeError:
        return False
