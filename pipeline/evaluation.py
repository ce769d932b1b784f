"""Score the pipeline against a labelled set: kind, language, dates, places and sectors.

A labelled item is a source profile, a raw item and the expected fields (the format of
`tests/fixtures/eval/items.jsonl`, described in its README). Dates are scored exactly per
field; countries and sectors as precision and recall over (item, code) pairs, so one extra or
one missing code costs what it costs, whatever the item.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from exportwatch.model import Document, Kind, RawItem, SourceProfile
from exportwatch.pipeline.normalize import Normalizer

__all__ = ["DATE_FIELDS", "Counts", "LabelledItem", "Scores", "evaluate", "load_labelled"]

DATE_FIELDS = ("starts_on", "ends_on", "deadline", "effective_on")
SET_FIELDS = ("countries", "eligible_countries", "sectors")


@dataclass(frozen=True, slots=True)
class LabelledItem:
    """One evaluation item: what the source is, what it gave, and what should come out."""

    id: str
    source_type: str  # feed, html, ics, jsonld, json, xml: how the item was collected
    profile: SourceProfile
    raw: RawItem
    expected: dict[str, Any]


@dataclass(slots=True)
class Counts:
    """Hits, predictions and expectations of one field (precision and recall follow)."""

    hits: int = 0
    predicted: int = 0
    expected: int = 0

    @property
    def precision(self) -> float:
        return self.hits / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.hits / self.expected if self.expected else 1.0

    @property
    def accuracy(self) -> float:
        """For single-valued fields: items right over items where either side has a value."""
        judged = self.predicted + self.expected - self.hits
        return self.hits / judged if judged else 1.0


@dataclass(slots=True)
class Scores:
    """Per-field counts over a labelled set, and the misses for reading."""

    items: int = 0
    fields: dict[str, Counts] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def of(self, name: str) -> Counts:
        """The counts of field `name` (created empty)."""
        return self.fields.setdefault(name, Counts())

    @property
    def dates(self) -> Counts:
        """All date fields together."""
        total = Counts()
        for name in DATE_FIELDS:
            counts = self.of(name)
            total.hits += counts.hits
            total.predicted += counts.predicted
            total.expected += counts.expected
        return total

    @property
    def places(self) -> Counts:
        """Countries and eligible countries together."""
        total = Counts()
        for name in ("countries", "eligible_countries"):
            counts = self.of(name)
            total.hits += counts.hits
            total.predicted += counts.predicted
            total.expected += counts.expected
        return total


def load_labelled(path: Path) -> list[LabelledItem]:
    """Read a labelled JSONL file; a malformed line raises ValueError naming the line."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(_item(json.loads(line)))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{path}:{number}: {error}") from error
    return items


def evaluate(normalizer: Normalizer, items: Iterable[LabelledItem]) -> Scores:
    """Normalize every item and compare with its labels."""
    scores = Scores()
    for item in items:
        scores.items += 1
        document = normalizer.normalize(item.raw, item.profile).document
        for miss in _compare(scores, document, item.expected):
            scores.misses.append(f"{item.id} [{item.expected.get('language')}] {miss}")
    return scores


def _compare(scores: Scores, document: Document, expected: dict[str, Any]) -> Iterator[str]:
    for name in ("kind", "language"):
        got, want = _text(getattr(document, name)), expected.get(name)
        yield from _single(scores.of(name), name, got, want)
    for name in DATE_FIELDS:
        got, want = _text(getattr(document, name)), expected.get(name)
        yield from _single(scores.of(name), name, got, want)
    for name in SET_FIELDS:
        got_set, want_set = set(getattr(document, name)), set(expected.get(name) or [])
        counts = scores.of(name)
        counts.hits += len(got_set & want_set)
        counts.predicted += len(got_set)
        counts.expected += len(want_set)
        if got_set != want_set:
            yield f"{name}: got {sorted(got_set)}, expected {sorted(want_set)}"


def _single(counts: Counts, name: str, got: str | None, want: str | None) -> Iterator[str]:
    counts.predicted += got is not None
    counts.expected += want is not None
    counts.hits += got is not None and got == want
    if got != want:
        yield f"{name}: got {got}, expected {want}"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.value if isinstance(value, Kind) else str(value)


def _item(data: dict[str, Any]) -> LabelledItem:
    source, raw = data["source"], data["raw"]
    profile = SourceProfile(
        id=source["id"],
        kind=Kind(source["kind"]),
        language=source.get("language"),
        countries=tuple(source.get("countries") or ()),
        sectors=tuple(source.get("sectors") or ()),
        timezone=source.get("timezone"),
        lookups={
            name: {label: _codes(codes) for label, codes in table.items()}
            for name, table in (source.get("lookups") or {}).items()
        },
        eligible_countries=tuple(source.get("eligible_countries") or ()),
        publisher_country=source.get("publisher_country"),
    )
    item = RawItem(
        source_id=raw["source_id"],
        url=raw["url"],
        fetched_at=datetime.fromisoformat(raw["fetched_at"]),
        guid=raw.get("guid"),
        title=raw.get("title") or "",
        summary=raw.get("summary") or "",
        body=raw.get("body") or "",
        language=raw.get("language"),
        fields=dict(raw.get("fields") or {}),
    )
    return LabelledItem(
        id=data["id"],
        source_type=source.get("type", ""),
        profile=profile,
        raw=item,
        expected=data["expected"],
    )


def _codes(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)
