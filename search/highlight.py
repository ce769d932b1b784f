"""Highlighted snippets, computed in Python so both backends show the same marks."""

from __future__ import annotations

import re
from html import escape

from exportwatch.analysis import fold, stem
from exportwatch.search.text_query import TextQuery

__all__ = ["SNIPPET_LENGTH", "highlight"]

SNIPPET_LENGTH = 240
_WORD = re.compile(r"\w+")


def highlight(text: str, query: TextQuery, language: str | None) -> str | None:
    """HTML of a window of `text` around the first match, matches in <mark>; None if none."""
    matches = [m for m in _WORD.finditer(text) if _matches(m.group(), query, language)]
    if not matches:
        return None
    start, end = _window(text, matches[0].start())
    parts: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for match in matches:
        if match.start() < start or match.end() > end:
            continue
        parts += [escape(text[cursor : match.start()]), f"<mark>{escape(match.group())}</mark>"]
        cursor = match.end()
    parts += [escape(text[cursor:end]), "…" if end < len(text) else ""]
    return "".join(parts)


def _matches(word: str, query: TextQuery, language: str | None) -> bool:
    folded = fold(word)
    if folded in query.words:
        return True
    for clause in query.required:
        for term in clause.alternatives:
            if term.prefix and folded.startswith(term.tokens[0]):
                return True
            if term.stems and stem(folded, language) in term.stems:
                return True
    return False


def _window(text: str, first: int) -> tuple[int, int]:
    if len(text) <= SNIPPET_LENGTH:
        return 0, len(text)
    start = max(0, first - SNIPPET_LENGTH // 3)
    space = text.rfind(" ", 0, start)
    start = space + 1 if start > 0 and space >= 0 and start - space < 20 else start
    end = min(len(text), start + SNIPPET_LENGTH)
    space = text.find(" ", end)
    end = space if 0 <= space - end < 20 else end
    return start, end
