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
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

__all__ = [
    "STEMMER_LANGUAGES",
    "fold",
    "query_stems",
    "stem",
    "stem_folded",
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
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")  # combining marks are never ASCII
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
    return _NON_ASCII.sub(_drop_combining, decomposed)


def _drop_combining(run: re.Match[str]) -> str:
    return "".join(char for char in run.group() if not unicodedata.combining(char))


def tokenize(text: str) -> list[str]:
    """Folded word tokens (letters, digits, underscore), in order."""
    return _TOKEN.findall(fold(text))


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
    if language is None or language not in STEMMER_LANGUAGES:
        return token
    return _cached_stem(token, language)


@lru_cache(maxsize=1 << 16)  # word frequencies are Zipfian: the pure-Python stemmer runs rarely
def _cached_stem(token: str, language: str) -> str:
    stemmer = _stemmer(language)
    return stemmer.stemWord(token) if stemmer else token


def stem_text(texts: Iterable[str], language: str | None) -> str:
    """Every token of `texts` stemmed in the document's language, space-separated, for indexing."""
    return stem_folded([fold(text) for text in texts], language)


def stem_folded(texts: Iterable[str], language: str | None) -> str:
    """`stem_text` for texts already folded (the indexer folds them anyway, once)."""
    tokens = [token for text in texts for token in _TOKEN.findall(text)]
    stemmer = _stemmer(language) if language else None
    return " ".join(stemmer.stemWords(tokens) if stemmer else tokens)  # one call per document


def query_stems(token: str) -> set[str]:
    """The stems a folded query token may have in any working language (plus the token)."""
    return {token} | {stem(token, language) for language in QUERY_LANGUAGES}
