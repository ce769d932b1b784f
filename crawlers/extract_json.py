"""JSON documents (APIs, exports) read with the record and field paths of a `json` definition.

The path syntax is the one `JsonRules` documents: `data.events[*]`, `venue.country.iso`,
`sectors[*]`, `links[0].href`, `$` for the record itself.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from exportwatch.crawlers.decoding import decode_text
from exportwatch.crawlers.definitions import JsonRules
from exportwatch.crawlers.markup import looks_like_html
from exportwatch.crawlers.records import (
    MAX_RECORDS,
    Extracted,
    Origin,
    Value,
    capped,
    make_item,
    unmatched_fields,
)

__all__ = ["JsonPathSteps", "compile_path", "read_json_records", "values_at"]

_STEP = re.compile(r"\.?([^.\[\]\s]+)|\[(\d+|\*)\]")
_XSSI = (")]}',", ")]}'", "while(1);", "for(;;);")  # anti-hijacking prefixes some APIs send
_MAX_DEPTH = 8  # nested objects flattened to text no deeper than this

#: A compiled path: keys (str), indexes (int) and "every element" (None).
JsonPathSteps = tuple[str | int | None, ...]


def compile_path(path: str) -> JsonPathSteps:
    """Steps of a path such as `data.items[*].name` ($ and empty mean the value itself)."""
    text = path.strip().removeprefix("$")
    steps: list[str | int | None] = []
    for match in _STEP.finditer(text):
        key, index = match[1], match[2]
        if key is not None:
            steps.append(key)
        else:
            steps.append(None if index == "*" else int(index))
    return tuple(steps)


def values_at(value: Any, steps: JsonPathSteps) -> list[Any]:
    """Every value the path reaches; a key after a list applies to each of its elements."""
    current = [value]
    for step in steps:
        current = list(_step(current, step))
        if not current:
            break
    return current


def _step(values: Iterable[Any], step: str | int | None) -> Iterable[Any]:
    for value in values:
        if step is None:
            if isinstance(value, list):
                yield from value
            elif isinstance(value, dict):
                yield from value.values()
            elif value is not None:
                yield value  # one value where the API usually sends a list
        elif isinstance(step, int):
            if isinstance(value, list) and step < len(value):
                yield value[step]
        elif isinstance(value, dict):
            if step in value:
                yield value[step]
        elif isinstance(value, list):
            yield from (item[step] for item in value if isinstance(item, dict) and step in item)


@dataclass(slots=True)
class _Missed:
    """Where a records path stopped finding anything, for the problem text."""

    at: str
    keys: list[str]


def read_json_records(body: bytes, rules: JsonRules, origin: Origin) -> Extracted:
    """Read the records of a JSON document into RawItems. Never raises for bad input."""
    result = Extracted()
    data = _load(body, origin.content_type, result)
    if result.error is not None:
        return result
    records, missed = _records(data, rules.records)
    if missed is not None:
        hint = f"; at {missed.at} the keys are {', '.join(missed.keys[:15])}" if missed.keys else ""
        return result.fail(f"records path {rules.records!r} matched nothing{hint}")
    if not records:
        result.problems.append(f"records path {rules.records!r} found an empty list: no items")
        return result
    _read_records(records, rules, origin, result)
    return result


def _load(body: bytes, content_type: str | None, result: Extracted) -> Any:
    decoded = decode_text(body, content_type=content_type)
    result.notes.extend(decoded.notes)
    text = decoded.text.lstrip()
    if not text:
        result.fail("empty response: there is no JSON to read")
        return None
    for prefix in _XSSI:
        if text.startswith(prefix):
            text = text.removeprefix(prefix)
            result.notes.append(f"removed the anti-hijacking prefix {prefix!r}")
            break
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        if looks_like_html(body):
            result.fail("not JSON: the answer is an HTML page")
        else:
            where = f"line {error.lineno}, column {error.colno}"
            result.fail(f"malformed JSON at {where}: {error.msg}")
    except RecursionError:
        result.fail("malformed JSON: nested too deeply to read")
    return None


def _records(data: Any, path: str) -> tuple[list[Any], _Missed | None]:
    steps = compile_path(path)
    current = [data]
    for position, step in enumerate(steps):
        reached = list(_step(current, step))
        if not reached:
            at = _describe(steps[:position])
            keys = sorted({key for value in current if isinstance(value, dict) for key in value})
            return [], _Missed(at, keys)
        current = reached
    records: list[Any] = []
    for value in current:
        records.extend(value if isinstance(value, list) else [value])
    return records, None


def _describe(steps: JsonPathSteps) -> str:
    if not steps:
        return "the top level"
    text = "".join(
        f".{step}" if isinstance(step, str) else f"[{'*' if step is None else step}]"
        for step in steps
    )
    return repr(text.lstrip("."))


def _read_records(records: list[Any], rules: JsonRules, origin: Origin, result: Extracted) -> None:
    if len(records) > MAX_RECORDS:
        result.problems.append(
            f"the document holds {len(records):,} records; read the first {MAX_RECORDS:,}"
        )
        records = records[:MAX_RECORDS]
    paths = {name: compile_path(path) for name, path in rules.fields.items()}
    matched: Counter[str] = Counter()
    failures: list[str] = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            failures.append(f"record {number} is not an object but {_kind(record)}")
            continue
        values: dict[str, Value | None] = {}
        for name, steps in paths.items():
            texts = _texts(values_at(record, steps))
            if texts:
                matched[name] += 1
                values[name] = texts[0] if len(texts) == 1 else texts
        item = make_item(values, origin)
        if item is None:
            failures.append(f"record {number} has no title, text or link")
            continue
        result.items.append(item)
    result.failed += len(failures)
    result.problems.extend(capped(failures, "more records could not be read"))
    result.problems.extend(unmatched_fields(rules.fields, matched, len(records), "path"))


def _texts(values: Iterable[Any]) -> list[str]:
    texts: list[str] = []
    for value in values:
        if isinstance(value, list):
            texts.extend(_texts(value))
        elif (text := _scalar_text(value)) is not None:
            texts.append(text)
    return texts


def _scalar_text(value: Any, depth: int = 0) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        if depth >= _MAX_DEPTH:
            return None
        parts = [_scalar_text(item, depth + 1) for item in value.values()]
        return ", ".join(part for part in parts if part) or None
    if isinstance(value, list):
        parts = [_scalar_text(item, depth + 1) for item in value[:50]]
        return ", ".join(part for part in parts if part) or None
    return str(value)


def _kind(value: Any) -> str:
    names = {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")
