"""Parse the free-text box into a small tree both backends compile from.

Supported: words (all must match), `"exact phrases"`, `-exclusions` (words or phrases),
`OR` between two clauses, and `prefix*`. Anything else - unbalanced quotes, lone operators,
punctuation that is syntax in FTS5 or Lucene - is read as plain words, never as syntax, so no
input can produce a backend syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from exportwatch.analysis import query_stems, tokenize

__all__ = ["MAX_QUERY_LENGTH", "Clause", "Term", "TextQuery", "parse_text"]

MAX_QUERY_LENGTH = 500
MAX_CLAUSES = 32
_PIECE = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True, slots=True)
class Term:
    """One word or phrase: `tokens` are folded; `stems` are the word's query stem variants."""

    tokens: tuple[str, ...]
    prefix: bool = False
    stems: frozenset[str] = field(init=False)  # matched against the stemmed field; once per term

    def __post_init__(self) -> None:
        single_word = len(self.tokens) == 1 and not self.prefix
        variants = frozenset(query_stems(self.tokens[0])) if single_word else frozenset()
        object.__setattr__(self, "stems", variants)

    @property
    def is_phrase(self) -> bool:
        """Phrases match the exact token sequence, unstemmed."""
        return len(self.tokens) > 1


@dataclass(frozen=True, slots=True)
class Clause:
    """Alternatives joined by OR; a document must match at least one."""

    alternatives: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class TextQuery:
    """All `required` clauses must match and no `excluded` term may."""

    required: tuple[Clause, ...] = ()
    excluded: tuple[Term, ...] = ()
    words: tuple[str, ...] = field(default=())  # every positive token, for highlighting

    @property
    def is_empty(self) -> bool:
        """Nothing to match on: the query is filters only."""
        return not self.required


def parse_text(text: str) -> TextQuery:
    """Parse `text` (already length-checked by the caller) into a TextQuery."""
    required: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    for negated, phrase, word in _pieces(text):
        if word == "OR":
            join_next = bool(required)
            continue
        term = _make_term(phrase if phrase is not None else word)
        if term is None:
            continue
        if negated:
            excluded.append(term)
        elif join_next:
            required[-1].append(term)
        else:
            required.append([term])
        join_next = False
    clauses = tuple(Clause(tuple(alts)) for alts in required[:MAX_CLAUSES])
    words = tuple(dict.fromkeys(t for c in clauses for a in c.alternatives for t in a.tokens))
    return TextQuery(required=clauses, excluded=tuple(excluded[:MAX_CLAUSES]), words=words)


def _pieces(text: str) -> list[tuple[bool, str | None, str]]:
    pieces: list[tuple[bool, str | None, str]] = []
    for match in _PIECE.finditer(text):
        if match.group(3) is not None:
            raw = match.group(3)
            negated = raw.startswith("-") and len(raw) > 1
            pieces.append((negated, None, raw[1:] if negated else raw))
        else:
            pieces.append((bool(match.group(1)), match.group(2), ""))
    return pieces


def _make_term(raw: str) -> Term | None:
    tokens = tuple(tokenize(raw))
    if not tokens:
        return None
    prefix = len(tokens) == 1 and raw.rstrip().endswith("*")
    return Term(tokens=tokens, prefix=prefix)
