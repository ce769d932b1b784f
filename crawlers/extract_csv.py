"""CSV files read with the column mapping of a `csv` definition.

Spreadsheet exports start with title lines, use `;` where the decimal comma rules and arrive in
windows-1252: the delimiter is sniffed, the header row found by the column names it must hold
(so preamble lines are skipped without counting them) and every guess is reported as a note.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from exportwatch.crawlers.decoding import decode_text
from exportwatch.crawlers.definitions import CsvRules
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

__all__ = ["read_csv_records"]

_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_ROWS = 50  # rows looked at to find the delimiter and the header
_MAX_ROW_ERRORS = 100
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")


@dataclass(slots=True)
class _Row:
    line: int  # physical line where the row starts, 1-based, counting skipped lines
    cells: list[str]


@dataclass(slots=True)
class _Layout:
    """Where the data starts and which column each field reads."""

    start: int  # index of the first data row
    columns: dict[str, int] = field(default_factory=dict)


def read_csv_records(body: bytes, rules: CsvRules, origin: Origin) -> Extracted:
    """Read the rows of a CSV file into RawItems. Never raises for bad input."""
    decoded = decode_text(body, declared=rules.encoding, content_type=origin.content_type)
    result = Extracted(notes=decoded.notes)
    if not decoded.text.strip():
        return result.fail("empty response: there is no CSV to read")
    if looks_like_html(body):
        return result.fail("not CSV: the answer is an HTML page")
    lines = decoded.text.splitlines(keepends=True)
    if rules.skip_lines >= len(lines):
        return result.fail(f"the file has {len(lines)} line(s), all skipped by skip_lines")
    lines = lines[rules.skip_lines :]
    delimiter = rules.delimiter or _sniff_delimiter(lines[:_SAMPLE_ROWS], result)
    rows = _rows(lines, delimiter, rules.skip_lines, result)
    if not rows:
        return result.fail("the file holds no rows after the skipped lines")
    layout = _layout(rows, rules, result)
    if layout is None:
        return result
    _read_rows(rows[layout.start :], layout, rules, origin, result)
    return result


def _sniff_delimiter(lines: Sequence[str], result: Extracted) -> str:
    """The candidate that splits the most lines into the same number (>1) of cells."""

    def score(candidate: str) -> tuple[int, int]:
        counts = Counter(line.count(candidate) for line in lines if line.strip())
        counts.pop(0, None)
        if not counts:
            return (0, 0)
        width, lines_with_it = counts.most_common(1)[0]
        return (lines_with_it, width)

    best = max(_DELIMITERS, key=score)
    if score(best) == (0, 0):
        best = ","
    result.notes.append(f"delimiter not given: read with {best!r}")
    return best


def _rows(lines: list[str], delimiter: str, skipped: int, result: Extracted) -> list[_Row]:
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    rows: list[_Row] = []
    errors: list[str] = []
    limit = MAX_RECORDS + _SAMPLE_ROWS
    for line, cells in _safe(reader, errors):
        if any(cell.strip() for cell in cells):
            rows.append(_Row(line + skipped, cells))
        if len(rows) > limit:  # enough for MAX_RECORDS records after any preamble
            break
    result.problems.extend(capped(errors, "more rows could not be read"))
    result.failed += len(errors)
    return rows


def _safe(reader: Iterator[list[str]], errors: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Rows with their first line number; a row the csv module rejects becomes a problem."""
    line = 1
    while len(errors) < _MAX_ROW_ERRORS:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            errors.append(f"line {line}: {error}")
            line = getattr(reader, "line_num", line) + 1
            continue
        yield line, cells
        line = getattr(reader, "line_num", line) + 1
    errors.append(f"stopped after {_MAX_ROW_ERRORS} unreadable rows")


def _layout(rows: list[_Row], rules: CsvRules, result: Extracted) -> _Layout | None:
    named = {name: column for name, column in rules.columns.items() if isinstance(column, str)}
    if named and rules.header is not False:
        return _named_layout(rows, rules, named, result)
    width = _usual_width(rows)
    start = _preamble(rows, width)
    if start:
        skipped = "; ".join(_quote(row) for row in rows[:start])
        result.notes.append(f"skipped {start} line(s) before the table: {skipped}")
    header = rules.header
    if header is None and start < len(rows):
        header = _looks_like_header(rows[start], rows[start + 1 : start + 1 + _SAMPLE_ROWS])
        said = "found a header row" if header else "found no header row"
        result.notes.append(f"header: auto: {said} ({_quote(rows[start])})")
    columns = {name: column for name, column in rules.columns.items() if isinstance(column, int)}
    return _Layout(start + 1 if header else start, columns)


def _named_layout(
    rows: list[_Row], rules: CsvRules, named: dict[str, str], result: Extracted
) -> _Layout | None:
    wanted = {_key(column) for column in named.values()}
    best, best_hits = 0, -1
    for index, row in enumerate(rows[:_SAMPLE_ROWS]):
        hits = len(wanted & {_key(cell) for cell in row.cells})
        if hits > best_hits:
            best, best_hits = index, hits
        if hits == len(wanted):
            break
    if best_hits <= 0:
        first = _quote(rows[0])
        result.fail(
            f"no header row holds the columns {', '.join(map(repr, named.values()))}; "
            f"the first row reads {first}"
        )
        return None
    header = rows[best]
    if best:
        skipped = "; ".join(_quote(row) for row in rows[:best])
        result.notes.append(f"skipped {best} line(s) before the header: {skipped}")
    positions = {_key(cell): index for index, cell in reversed(list(enumerate(header.cells)))}
    columns: dict[str, int] = {}
    for name, column in rules.columns.items():
        if isinstance(column, int):
            columns[name] = column
        elif _key(column) in positions:
            columns[name] = positions[_key(column)]
        else:
            close = difflib.get_close_matches(column, header.cells, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problem = f"columns.{name}: no column {column!r} in the header {_quote(header)}{hint}"
            if name == "title":
                result.fail(problem)
                return None
            result.problems.append(problem)
    return _Layout(best + 1, columns)


def _usual_width(rows: list[_Row]) -> int:
    widths = Counter(len(row.cells) for row in rows[:_SAMPLE_ROWS])
    return widths.most_common(1)[0][0]


def _preamble(rows: list[_Row], width: int) -> int:
    """Leading rows with fewer cells than the table below them (titles, dates, remarks)."""
    if width < 2:
        return 0
    start = 0
    while start < min(len(rows), _SAMPLE_ROWS) and len(rows[start].cells) < width:
        start += 1
    return start if start < len(rows) else 0


def _looks_like_header(first: _Row, sample: list[_Row]) -> bool:
    """Cells without digits over columns that mostly hold digits; or distinct plain labels."""
    cells = [cell.strip() for cell in first.cells]
    if not sample or any(_DIGIT.search(cell) for cell in cells) or not all(cells):
        return False
    for index, _cell in enumerate(cells):
        column = [row.cells[index] for row in sample if index < len(row.cells)]
        if column and sum(1 for cell in column if _DIGIT.search(cell)) * 2 >= len(column):
            return True
    later = {cell.strip() for row in sample for cell in row.cells}
    return len(set(cells)) == len(cells) and not (set(cells) & later)


def _read_rows(
    rows: list[_Row], layout: _Layout, rules: CsvRules, origin: Origin, result: Extracted
) -> None:
    if len(rows) > MAX_RECORDS:
        result.problems.append(f"the file holds more than {MAX_RECORDS:,} rows; read the first")
        rows = rows[:MAX_RECORDS]
    matched: Counter[str] = Counter()
    failures: list[str] = []
    width = _usual_width(rows) if rows else 0
    stray: list[str] = []
    for row in rows:
        if width >= 2 and len(row.cells) == 1:
            stray.append(f"line {row.line} {_quote(row)}")
            continue
        values: dict[str, Value | None] = {}
        for name, index in layout.columns.items():
            cell = row.cells[index].strip() if index < len(row.cells) else ""
            if cell:
                matched[name] += 1
                values[name] = cell
        item = make_item(values, origin)
        if item is None:
            failures.append(f"line {row.line} has no title, text or link")
            continue
        result.items.append(item)
    if stray:
        result.notes.append(f"skipped {len(stray)} row(s) of a single cell: {'; '.join(stray)}")
    result.failed += len(failures)
    result.problems.extend(capped(failures, "more rows could not be read"))
    result.problems.extend(unmatched_fields(rules.columns, matched, len(rows), "column"))


def _key(cell: str) -> str:
    return _SPACE.sub(" ", cell.replace("\ufeff", "")).strip().casefold()


def _quote(row: _Row, limit: int = 80) -> str:
    text = " | ".join(cell.strip() for cell in row.cells if cell.strip())
    return repr(text if len(text) <= limit else text[:limit] + "…")
