"""The key under which two sources' copies of one event or scheme meet.

Two sources rarely word a title the same way to the letter: case, accents, punctuation, the
year or edition number differ ("ANUGA 2027" and "Anuga – 2027"). The key keeps what identifies
the item: the kind and the folded title words, without numbers and ordinals. The store indexes
it; the pipeline decides whether a candidate with the same key really is the same item (dates,
city, reference).
"""

from __future__ import annotations

import re

from exportwatch.analysis import tokenize
from exportwatch.model import Document

__all__ = ["duplicate_key"]

# Numbers and ordinals: 2027, 27th, 3e, 12eme, 5º; Roman numerals of editions up to L.
_NUMBERISH = re.compile(r"^(?:\d+(?:st|nd|rd|th|e|er|eme|re|o|a|de|te|ste|ten)?|[ivxl]+)$")
# "edition" in the working languages, folded: "39th edition" says nothing about the item.
_EDITION_WORDS = frozenset({"edition", "ausgabe", "edicion", "edicao", "editie", "utgave", "edisi"})
_MAX_KEY = 200


def duplicate_key(document: Document) -> str | None:
    """`kind:word word …` from the title, or None when the title has no identifying words."""
    words = [
        word
        for word in tokenize(document.title)
        if not _NUMBERISH.match(word) and word not in _EDITION_WORDS
    ]
    if not words:
        return None
    return f"{document.kind.value}:{' '.join(words)}"[:_MAX_KEY]
