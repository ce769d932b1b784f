"""Write and remove records: one row per document, its filter keys, and its FTS5 entry.

The FTS5 table takes its content from `contents` (external content), so removing a document
first tells FTS5 which tokens to forget, using the text stored with it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from exportwatch import jsoncodec
from exportwatch.search.embedded.bitmaps import clear_bits, set_bits
from exportwatch.search.records import IndexRecord

__all__ = ["remove_ids", "write_records"]

_INSERT_RECORD = """
    INSERT INTO records (rid, id, kind, source_id, language, window_start, window_end,
                         open_until, soonest, newest, month)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_INSERT_CONTENT = """
    INSERT INTO contents (rid, title, summary, body, stems, payload) VALUES (?, ?, ?, ?, ?, ?)
"""
_FIND = "SELECT id, rid FROM records WHERE id IN (SELECT value FROM json_each(?))"
_FORGET_TEXT = """
    INSERT INTO fts (fts, rowid, title, summary, body, stems)
    SELECT 'delete', rid, title, summary, body, stems FROM contents
    WHERE rid IN (SELECT value FROM json_each(?))
"""
_INSERT_TEXT = """
    INSERT INTO fts (rowid, title, summary, body, stems)
    SELECT rid, title, summary, body, stems FROM contents
    WHERE rid IN (SELECT value FROM json_each(?))
"""


def write_records(connection: sqlite3.Connection, records: list[IndexRecord]) -> None:
    """Insert `records`, replacing stored ones with the same id (the last of a batch wins).

    A replaced document keeps its rid, so rids (and the facet bitmaps) stay dense.
    """
    unique = list({record.id: record for record in records}.values())
    existing = _find(connection, [record.id for record in unique])
    (next_rid,) = connection.execute("SELECT coalesce(max(rid), 0) + 1 FROM records").fetchone()
    _delete(connection, list(existing.values()))
    numbered = []
    for record in unique:
        rid = existing.get(record.id)
        if rid is None:
            rid, next_rid = next_rid, next_rid + 1
        numbered.append((rid, record))
    connection.executemany(_INSERT_RECORD, [_fields(rid, record) for rid, record in numbered])
    connection.executemany(_INSERT_CONTENT, [_content(rid, record) for rid, record in numbered])
    connection.execute(_INSERT_TEXT, (json.dumps([rid for rid, _ in numbered]),))
    connection.executemany(
        "INSERT INTO sector_keys (key, rid) VALUES (?, ?)",
        [(key, rid) for rid, record in numbered for key in record.sector_keys],
    )
    connection.executemany(
        "INSERT INTO market_keys (key, rid) VALUES (?, ?)",
        [(key, rid) for rid, record in numbered for key in record.market_keys],
    )
    set_bits(connection, numbered)
    _touch(connection)


def remove_ids(connection: sqlite3.Connection, ids: list[str]) -> None:
    """Delete the records with these document ids; unknown ids are ignored."""
    rids = list(_find(connection, ids).values())
    if rids:
        _delete(connection, rids)
        _touch(connection)


def _find(connection: sqlite3.Connection, ids: list[str]) -> dict[str, int]:
    return dict(connection.execute(_FIND, (json.dumps(ids),)).fetchall())


def _delete(connection: sqlite3.Connection, rids: list[int]) -> None:
    if not rids:
        return
    clear_bits(connection, rids)
    found = json.dumps(rids)
    connection.execute(_FORGET_TEXT, (found,))
    for table in ("sector_keys", "market_keys", "contents", "records"):
        sql = f"DELETE FROM {table} WHERE rid IN (SELECT value FROM json_each(?))"
        connection.execute(sql, (found,))


def _touch(connection: sqlite3.Connection) -> None:
    """Stamp a new generation: readers drop what they cached about the old one."""
    connection.execute("UPDATE meta SET generation = abs(random())")


def _fields(rid: int, record: IndexRecord) -> tuple[object, ...]:
    document = record.document
    return (
        rid,
        document.id,
        document.kind.value,
        document.source_id,
        document.language,
        _day(record.window_start),
        _day(record.window_end),
        _day(record.open_until),
        _day(record.soonest),
        record.newest,
        record.month,
    )


def _content(rid: int, record: IndexRecord) -> tuple[object, ...]:
    return (
        rid,
        record.title,
        record.summary,
        record.body,
        record.stems,
        jsoncodec.dumps(record.document.to_json()),
    )


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None
