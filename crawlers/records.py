"""What every extractor returns, and how one record's values become a `RawItem`.

The json, xml and csv extractors map a record to named values with the definition's paths;
`make_item` turns those into the same `RawItem` the feed reader emits: the names `title`,
`summary`, `body`, `url`, `guid` and `language` fill the item itself (`link`, `id` and
`description` are accepted for `url`, `guid` and `summary`), every other name goes to `fields`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from exportwatch.model import RawItem

__all__ = [
    "ALIASES",
    "ITEM_ATTRIBUTES",
    "LIST_FIELDS",
    "MAX_LISTED",
    "MAX_RECORDS",
    "Extracted",
    "Origin",
    "Value",
    "capped",
    "language_code",
    "make_item",
    "split_list",
    "unmatched_fields",
]

MAX_RECORDS = 10_000  # per response: more is cut off, with a problem saying so
MAX_LISTED = 20  # problems of the same sort listed one by one before they are counted
ITEM_ATTRIBUTES = frozenset({"title", "summary", "body", "url", "guid", "language"})
ALIASES: Mapping[str, str] = {"link": "url", "id": "guid", "description": "summary"}
LIST_FIELDS = frozenset({"categories", "countries", "eligible_countries", "hs_codes"})
_COMMA_LISTS = frozenset({"categories", "hs_codes"})  # country names may hold commas
_LIST_SPLIT = re.compile(r"\s*[;|\n]\s*")
_COMMA_SPLIT = re.compile(r"\s*[,;|\n]\s*")
_SPACE = re.compile(r"\s+")
_IDENTITY_FIELDS = ("starts", "dates", "deadline", "effective", "location", "reference")

#: A value read from a record: one string or several.
Value = str | list[str]


@dataclass(slots=True)
class Extracted:
    """What one response held, for every source type alike.

    `problems` mean something may be missing (malformed input, records that failed, paths that
    matched nothing) and include `error`, which is set when nothing could be read at all;
    `notes` are harmless oddities worth fixing at the source; `follow` lists URLs to fetch and
    extract next with the same definition (the pages and sitemaps a sitemap lists).
    """

    items: list[RawItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)
    error: str | None = None
    failed: int = 0  # records that were found but could not be read

    def fail(self, problem: str) -> Extracted:
        """Record why nothing (more) could be read; the first such reason is the `error`."""
        if self.error is None:
            self.error = problem
        self.problems.append(problem)
        return self


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a response came from: relative links resolve against `url`."""

    source_id: str
    url: str
    content_type: str | None
    fetched_at: datetime


def make_item(values: Mapping[str, Value | None], origin: Origin) -> RawItem | None:
    """The record as a RawItem; None when it has no title, text or link."""
    attributes: dict[str, str] = {}
    fields: dict[str, Value] = {}
    for raw_name, value in values.items():
        name = ALIASES.get(raw_name, raw_name)
        if name in ITEM_ATTRIBUTES:
            text = _single(value, keep_lines=name in ("summary", "body"), first=name == "url")
            if text and name not in attributes:
                attributes[name] = text
        elif name in LIST_FIELDS:
            if items := split_list(value, commas=name in _COMMA_LISTS):
                fields[name] = items
        elif (cleaned := _cleaned(value)) is not None:
            fields[name] = cleaned
    title, summary, body = (attributes.get(name, "") for name in ("title", "summary", "body"))
    link = _link(attributes.get("url"), origin.url)
    if not (title or summary or body or link):
        return None
    return RawItem(
        source_id=origin.source_id,
        url=link or origin.url,
        fetched_at=origin.fetched_at,
        guid=attributes.get("guid") or link or _derived_guid(title, summary, fields),
        title=title,
        summary=summary,
        body=body,
        language=language_code(attributes.get("language")),
        fields=fields,
    )


def split_list(value: Value | None, *, commas: bool = False) -> list[str]:
    """Every non-empty part of a list field, split at ; | and line breaks (and commas)."""
    pattern = _COMMA_SPLIT if commas else _LIST_SPLIT
    parts = [value] if isinstance(value, str) else list(value or [])
    found: dict[str, None] = {}
    for part in parts:
        for piece in pattern.split(part):
            if piece := _SPACE.sub(" ", piece).strip():
                found.setdefault(piece, None)
    return list(found)


def language_code(value: object) -> str | None:
    """ "en-GB" -> "en"; None for anything that is not a language tag."""
    if not isinstance(value, str):
        return None
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    return primary if len(primary) == 2 and primary.isalpha() else None


def capped(problems: Sequence[str], what: str = "more") -> list[str]:
    """The first MAX_LISTED problems and a count of the rest."""
    if len(problems) <= MAX_LISTED:
        return list(problems)
    return [*problems[:MAX_LISTED], f"… and {len(problems) - MAX_LISTED} {what}"]


def unmatched_fields(
    paths: Mapping[str, object], matched: Iterable[str], records: int, what: str
) -> list[str]:
    """A problem for every mapped field that found nothing in any record."""
    found = set(matched)
    return [
        f"fields.{name} ({what} {path!r}) matched nothing in any of the {records} record(s)"
        for name, path in paths.items()
        if name not in found and records
    ]


def _single(value: Value | None, *, keep_lines: bool, first: bool) -> str:
    parts = [value] if isinstance(value, str) else list(value or [])
    texts = [text for part in parts if (text := _text(part, keep_lines))]
    if first:
        return texts[0] if texts else ""
    return ("\n" if keep_lines else " ").join(texts)


def _cleaned(value: Value | None) -> Value | None:
    if isinstance(value, str):
        return _text(value, keep_lines=False) or None
    texts = [text for part in value or [] if (text := _text(part, keep_lines=False))]
    if not texts:
        return None
    return texts[0] if len(texts) == 1 else texts


def _text(value: str, keep_lines: bool) -> str:
    return value.strip() if keep_lines else _SPACE.sub(" ", value).strip()


def _link(value: str | None, base: str) -> str | None:
    if not value:
        return None
    link = urljoin(base, value.strip())
    return link if urlsplit(link).scheme in ("http", "https") else None


def _derived_guid(title: str, summary: str, fields: Mapping[str, Value]) -> str:
    """A stable id for a record that has neither an id nor a link of its own."""
    parts = [title or summary[:200]] + [str(fields.get(name, "")) for name in _IDENTITY_FIELDS]
    return "record:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]
