"""Folding of names for lookups: case, diacritics, punctuation and spacing do not matter."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold"]

# Letters that carry no decomposable accent but that people type without one.
_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "\u0131": "i", "þ": "th"}
)
# Apostrophes (ASCII, typographic U+2019, modifier U+02BC), accents used as apostrophes, dots.
_DROPPED = re.compile("[.'`\u2019\u02bc\u00b4]")
# Spaces, hyphens and dashes (U+2010 to U+2014), brackets and other punctuation.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2014_,;:/\\()\[\]&+\"\u201c\u201d\u00ab\u00bb]+")
# Combining marks are dropped only after Latin, Greek and Cyrillic letters; in other scripts
# (Devanagari, Thai...) they are vowel signs that belong to the word.
_LAST_ACCENTED_SCRIPT = 0x052F


def fold(text: str) -> str:
    """Return ``text`` lower-cased, without accents or punctuation, single-spaced."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept: list[str] = []
    base = 0
    for char in decomposed:
        if unicodedata.combining(char):
            if base <= _LAST_ACCENTED_SCRIPT:
                continue
        else:
            base = ord(char)
        kept.append(char)
    plain = unicodedata.normalize("NFC", "".join(kept)).translate(_LETTERS)
    plain = _DROPPED.sub("", plain)
    return _SEPARATORS.sub(" ", plain).strip()
