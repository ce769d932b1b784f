"""Text analysis shared by both search backends and the alert matcher.

Folding, tokenizing and stemming happen here, in Python, so that the embedded index, the
Elasticsearch index and keyword alerts see exactly the same terms: a query or keyword matches
the same documents whichever backend runs. Documents are stemmed in their own language; a query
term is stemmed in every working language, because the searcher's language is unknown.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import snowballstemmer

__all__ = [
    "STEMMER_LANGUAGES",
    "Analyzed",
    "analyze",
    "fold",
    "query_stems",
    "stem",
    "stem_text",
    "tokenize",
]

# ISO 639-1 -> Snowball algorithm, for the working languages and a few close neighbours.
STEMMER_LANGUAGES = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "pt": "portuguese",
    "nl": "dutch",
    "nb": "norwegian",
    "no": "norwegian",
    "id": "indonesian",
    "it": "italian",
    "sv": "swedish",
    "da": "danish",
    "fi": "finnish",
    "pl": "polish",
    "ro": "romanian",
}
QUERY_LANGUAGES = ("en", "de", "fr", "es", "pt", "nl", "nb", "id")
_TOKEN = re.compile(r"\w+")
_ASCII_NON_WORD = str.maketrans(
    dict.fromkeys(
        (chr(code) for code in range(128) if not (chr(code).isalnum() or chr(code) == "_")), " "
    )
)
_LATIN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]+")  # the combining ones of U+0300-036F
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")  # other combining marks are never ASCII either
_LIGATURES = str.maketrans(
    {"\u00e6": "ae", "\u0153": "oe", "\u00f8": "o", "\u0111": "d", "\u0142": "l", "\u0131": "i"}
)  # æ œ ø đ ł and dotless i have no decomposition
_HAS_LIGATURE = re.compile("[" + "".join(chr(code) for code in _LIGATURES) + "]")


def fold(text: str) -> str:
    """Lower-case, strip diacritics and unfold ligatures: 'Müsli Æble' -> 'musli aeble'."""
    if text.isascii():  # the common case, and exactly what the general path yields for it
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold()).casefold()  # ℌ -> H -> h
    if _HAS_LIGATURE.search(decomposed):  # after NFKD, so 'ǣ' (æ + macron) unfolds too
        decomposed = decomposed.translate(_LIGATURES)
    stripped = _LATIN_MARKS.sub("", decomposed)  # what Latin script needs, in one C pass
    return stripped if stripped.isascii() else _NON_ASCII.sub(_drop_combining, stripped)


def _drop_combining(run: re.Match[str]) -> str:
    return "".join(char for char in run.group() if not unicodedata.combining(char))


def tokenize(text: str) -> list[str]:
    """Folded word tokens (letters, digits, underscore), in order."""
    return _words(fold(text))


def _words(folded: str) -> list[str]:
    """The `\\w+` runs of folded text; for ASCII, spaces for the rest and a split (3x faster)."""
    if folded.isascii():
        return folded.translate(_ASCII_NON_WORD).split()
    return _TOKEN.findall(folded)


_local = threading.local()  # stemmer objects keep state while stemming: one set per thread


def _stemmer(language: str) -> snowballstemmer.Stemmer | None:
    algorithm = STEMMER_LANGUAGES.get(language)
    if algorithm is None:
        return None
    stemmers: dict[str, snowballstemmer.Stemmer] = _local.__dict__.setdefault("stemmers", {})
    if algorithm not in stemmers:
        stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
    return stemmers[algorithm]


def stem(token: str, language: str | None) -> str:
    """The stem of a folded token in `language`; the token itself if there is no stemmer."""
    return _stems([token], language)[0]


@dataclass(frozen=True, slots=True)
class Analyzed:
    """Texts as the indexes take them: each text's folded tokens, and all of them stemmed."""

    tokens: tuple[str, ...]  # per text, its folded tokens joined by single spaces
    stems: str  # every token of every text stemmed in the document's language, space-separated


def analyze(texts: Sequence[str], language: str | None) -> Analyzed:
    """Fold and tokenize each text once and stem the tokens (the indexer's one pass over text)."""
    per_text = [_words(fold(text)) for text in texts]
    tokens = [token for text_tokens in per_text for token in text_tokens]
    return Analyzed(
        tokens=tuple(" ".join(text_tokens) for text_tokens in per_text),
        stems=" ".join(_stems(tokens, language)),
    )


_STEM_CACHE_LIMIT = 1 << 18  # distinct (language, token) pairs kept; about 40 MB at the limit
_stem_cache: dict[str, dict[str, str]] = {}


def _stems(tokens: list[str], language: str | None) -> list[str]:
    """Stems of `tokens` through a per-language dict: most tokens are hits, a C-level lookup.

    The one stem cache: queries (`stem`), alert keywords and indexing all come through here.
    """
    stemmer = _stemmer(language) if language else None
    if language is None or stemmer is None:
        return tokens
    known = _stem_cache.setdefault(language, {})
    try:
        return [known[token] for token in tokens]
    except KeyError:
        pass
    missing = list({token: None for token in tokens if token not in known})
    if sum(map(len, _stem_cache.values())) + len(missing) > _STEM_CACHE_LIMIT:
        known.clear()  # vocabularies are Zipfian: the frequent words come back at once
    known.update(zip(missing, stemmer.stemWords(missing), strict=True))
    try:
        return [known[token] for token in tokens]
    except KeyError:  # another thread cleared the cache meanwhile
        return list(stemmer.stemWords(tokens))


def stem_text(texts: Sequence[str], language: str | None) -> str:
    """Every token of `texts` stemmed in the document's language, space-separated, for indexing."""
    return analyze(texts, language).stems


def query_stems(token: str) -> set[str]:
    """The stems a folded query token may have in any working language (plus the token)."""
    return {token} | {stem(token, language) for language in QUERY_LANGUAGES}
