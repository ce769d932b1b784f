"""The Elasticsearch index definition and how an `IndexRecord` becomes an indexed source.

Text arrives folded from `records.make_record`; here it is split into the same word tokens as
`exportwatch.analysis.tokenize` and joined with spaces, so the `whitespace` analyzer indexes
exactly Python's tokens. The `standard` analyzer would not: it keeps "3.5", "u.s", "l'economie"
and "example.com" whole, and splits CJK runs into single ideographs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from exportwatch.search.query import MAX_PAGE, MAX_PAGE_SIZE
from exportwatch.search.records import IndexRecord

__all__ = [
    "BUILD_SETTINGS",
    "INDEX_SETTINGS",
    "MAPPINGS",
    "MAX_TOKEN_LENGTH",
    "SERVE_SETTINGS",
    "TEXT_FIELDS",
    "clip",
    "record_source",
    "words",
]

# Field -> boost of a match in it; the fields are analyzed with `whitespace` over Python tokens.
TEXT_FIELDS = {"title": 3.0, "summary": 2.0, "body": 1.0}
# The built-in whitespace tokenizer splits longer tokens; documents and queries clip them alike.
MAX_TOKEN_LENGTH = 255

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date", "format": "strict_date"}
_TEXT = {"type": "text", "analyzer": "whitespace"}

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": _KEYWORD,
        "kind": _KEYWORD,
        "source_id": _KEYWORD,
        "language": _KEYWORD,
        "sector_keys": _KEYWORD,
        "market_keys": _KEYWORD,
        "month": _KEYWORD,
        "newest": _KEYWORD,  # ISO UTC timestamps sort chronologically as strings
        "window_start": _DATE,
        "window_end": _DATE,
        "open_until": _DATE,
        "soonest": _DATE,
        **{name: _TEXT for name in TEXT_FIELDS},
        "stems": {**_TEXT, "index_options": "freqs"},  # never phrase-matched: no positions
        "payload": {"type": "object", "enabled": False},  # the Document, stored not indexed
    },
}
# One shard: exact facet counts and the same BM25 statistics for every document.
INDEX_SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,
    "number_of_replicas": 0,
    "max_result_window": MAX_PAGE * MAX_PAGE_SIZE,
}
BUILD_SETTINGS: dict[str, Any] = {"refresh_interval": "-1", "translog.durability": "async"}
SERVE_SETTINGS: dict[str, Any] = {"refresh_interval": None, "translog.durability": "request"}


def clip(token: str) -> str:
    """A token cut to the length the whitespace tokenizer keeps in one piece."""
    return token[:MAX_TOKEN_LENGTH]


def words(tokens: str) -> str:
    """Space-separated tokens, each clipped; most texts need no change and are not rebuilt."""
    if len(tokens) <= MAX_TOKEN_LENGTH:
        return tokens
    split = tokens.split(" ")
    if max(map(len, split)) <= MAX_TOKEN_LENGTH:
        return tokens
    return " ".join(clip(token) for token in split)


def record_source(record: IndexRecord) -> dict[str, Any]:
    """The `_source` indexed for `record`; None values are left out of the index."""
    document = record.document
    return {
        "id": document.id,
        "kind": document.kind.value,
        "source_id": document.source_id,
        "language": document.language,
        "sector_keys": list(record.sector_keys),
        "market_keys": list(record.market_keys),
        "month": record.month,
        "newest": record.newest or None,
        "window_start": _day(record.window_start),
        "window_end": _day(record.window_end),
        "open_until": _day(record.open_until),
        "soonest": _day(record.soonest),
        "title": words(record.title),
        "summary": words(record.summary),
        "body": words(record.body),
        "stems": words(record.stems),
        "payload": document.to_json(),
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None
