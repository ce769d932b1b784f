"""The JSON-lines journal an html crawl subprocess writes and its parent reads.

One line per event, flushed at once, so that a crawl killed half-way leaves everything it
read: `{"item": {...}, "complete": true, "key": …}` (an incomplete item waits for its detail
page; the complete one with the same key, the detail page's URL, replaces it),
`{"page": url, "status": 200}`, `{"response": 301}` (every HTTP answer, redirects and retries
included), `{"problem": "…"}`, `{"note": "…"}`, and last `{"summary": {...}}` when the crawl
ended by itself. No Scrapy here: the parent imports this module.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from exportwatch.model import RawItem

__all__ = ["JournalContents", "JsonlJournal", "item_from_json", "item_to_json", "read_journal"]


def item_to_json(item: RawItem) -> dict[str, Any]:
    """A RawItem as a JSON object (`fetched_at` in ISO 8601)."""
    return {
        "source_id": item.source_id,
        "url": item.url,
        "fetched_at": item.fetched_at.isoformat(),
        "guid": item.guid,
        "title": item.title,
        "summary": item.summary,
        "body": item.body,
        "language": item.language,
        "fields": item.fields,
    }


def item_from_json(data: dict[str, Any]) -> RawItem:
    """The RawItem `item_to_json` wrote; raises KeyError/TypeError/ValueError if it is not one."""
    return RawItem(
        source_id=str(data["source_id"]),
        url=str(data["url"]),
        fetched_at=datetime.fromisoformat(data["fetched_at"]),
        guid=data.get("guid"),
        title=data.get("title") or "",
        summary=data.get("summary") or "",
        body=data.get("body") or "",
        language=data.get("language"),
        fields=dict(data.get("fields") or {}),
    )


class JsonlJournal:
    """Writes the journal to a text stream, one flushed line per event; counts as it goes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.pages = 0
        self.items = 0
        self.statuses: Counter[int] = Counter()
        self.problems = 0
        self.notes = 0

    def item(self, item: RawItem, *, complete: bool, key: str | None = None) -> None:
        """An item, complete or waiting (under `key`) for its detail page."""
        self.items += complete
        self._write({"item": item_to_json(item), "complete": complete, "key": key})

    def page(self, url: str, status: int) -> None:
        """A list or detail page was received."""
        self.pages += 1
        self._write({"page": url, "status": status})

    def status(self, status: int) -> None:
        """An HTTP answer was downloaded."""
        self.statuses[status] += 1
        self._write({"response": status})

    def problem(self, text: str) -> None:
        """Something is missing or failed."""
        self.problems += 1
        self._write({"problem": text})

    def note(self, text: str) -> None:
        """A harmless finding."""
        self.notes += 1
        self._write({"note": text})

    def summary(self, **values: Any) -> None:
        """The last line: how the crawl ended, with the counts for people reading the file."""
        counts = {
            "pages": self.pages,
            "items": self.items,
            "statuses": {str(code): count for code, count in sorted(self.statuses.items())},
            "problems": self.problems,
            "notes": self.notes,
        }
        self._write({"summary": counts | values})

    def _write(self, record: dict[str, Any]) -> None:
        self.stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self.stream.flush()


@dataclass(slots=True)
class JournalContents:
    """What a journal file holds; `summary` is None when the crawl did not end by itself."""

    items: list[RawItem] = field(default_factory=list)
    incomplete: list[RawItem] = field(default_factory=list)  # detail page never read
    pages: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    unreadable: int = 0  # lines that are no journal record (a line cut off by a kill)


def read_journal(path: Path) -> JournalContents:
    """Read a journal, tolerating a missing file and a last line cut off mid-write."""
    contents = JournalContents()
    waiting: dict[str, RawItem] = {}
    done: set[str] = set()
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                _read_line(line, contents, waiting, done)
    except FileNotFoundError:
        return contents
    contents.incomplete = [item for key, item in waiting.items() if key not in done]
    return contents


def _read_line(
    line: str, contents: JournalContents, waiting: dict[str, RawItem], done: set[str]
) -> None:
    try:
        record = json.loads(line)
        if not isinstance(record, dict):
            raise ValueError("not an object")
        if "item" in record:
            item, key = item_from_json(record["item"]), record.get("key")
            if record.get("complete", True):
                contents.items.append(item)
                if key is not None:
                    done.add(str(key))
            else:
                waiting[str(key)] = item
        elif "page" in record:
            contents.pages += 1
        elif "response" in record:
            code = str(int(record["response"]))
            contents.statuses[code] = contents.statuses.get(code, 0) + 1
        elif "problem" in record:
            contents.problems.append(str(record["problem"]))
        elif "note" in record:
            contents.notes.append(str(record["note"]))
        elif "summary" in record:
            contents.summary = dict(record["summary"])
    except (ValueError, KeyError, TypeError):
        contents.unreadable += 1
