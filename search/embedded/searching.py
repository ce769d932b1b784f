"""Run a compiled query on one read snapshot: total, one page of hits, facet counts.

The result is computed as a set of rids (`RidSet`): FTS5 matches and date conditions come from
SQL, value filters from the facet bitmaps, and the total and facet counts are popcounts. The
page then streams rids in the requested order (an index walk, or the sorted text matches) and
keeps the first ones in the set, so no step sorts or joins more than the text matches.
"""

from __future__ import annotations

import json
import sqlite3

from exportwatch.model import Document
from exportwatch.search.embedded.bitmaps import BitmapCache, Bitmaps, RidSet
from exportwatch.search.embedded.compile import (
    BM25,
    compile_filter,
    match_excluded,
    match_required,
    order_by,
    value_filters,
)
from exportwatch.search.query import Resolved, Sort
from exportwatch.search.results import FACETS, BackendPage

__all__ = ["TEMP_TABLES", "run_query"]

# Per-connection scratch table for the FTS5 matches of the running query.
TEMP_TABLES = ("CREATE TEMP TABLE matches (rid INTEGER PRIMARY KEY, score REAL)",)
_MATCHES = "temp.matches h CROSS JOIN records r ON r.rid = h.rid"


def run_query(
    connection: sqlite3.Connection, resolved: Resolved, cache: BitmapCache
) -> BackendPage:
    """Execute `resolved` on `connection` (inside a read transaction)."""
    bitmaps = cache.get(connection)
    hits = _hits(connection, resolved, bitmaps)
    pool = _pool_size(connection, resolved, bitmaps)  # rows the page query orders
    total = pool if hits is None else len(hits)
    counts = bitmaps.count(hits) if resolved.query.facets else {}
    return BackendPage(
        total=total,
        hits=_page(connection, resolved, None if total == pool else hits, pool),
        facets={name: counts.get(name, {}) for name in FACETS} if resolved.query.facets else {},
    )


def _hits(connection: sqlite3.Connection, resolved: Resolved, bitmaps: Bitmaps) -> RidSet | None:
    """Every matching rid, or None when the query has no condition at all."""
    hits = _sql_hits(connection, resolved)
    for facet, values in value_filters(resolved).items():
        hits = (bitmaps.everything() if hits is None else hits) & bitmaps.any_of(facet, values)
    excluded = match_excluded(resolved.text)
    if resolved.text.is_empty and excluded is not None:  # else part of the MATCH string
        hits = bitmaps.everything() if hits is None else hits
        hits -= _rids(connection, "SELECT rowid FROM fts WHERE fts MATCH ?", [excluded])
    return hits


def _sql_hits(connection: sqlite3.Connection, resolved: Resolved) -> RidSet | None:
    """Rids matching the text and the dates (what SQL answers), or None if neither is asked."""
    dates = compile_filter(resolved)
    match = match_required(resolved.text)
    if match is None:
        sql = f"SELECT r.rid FROM records r {dates.where}"
        return _rids(connection, sql, dates.params) if dates.conditions else None
    connection.execute("DELETE FROM temp.matches")
    score = f"-{BM25}" if resolved.query.sort is Sort.RELEVANCE else "NULL"
    sql = f"INSERT INTO temp.matches SELECT rowid, {score} FROM fts WHERE fts MATCH ?"
    connection.execute(sql, (match,))
    if not dates.conditions:
        return _rids(connection, "SELECT rid FROM temp.matches", [])
    return _rids(connection, f"SELECT r.rid FROM {_MATCHES} {dates.where}", dates.params)


def _rids(connection: sqlite3.Connection, sql: str, params: list[object]) -> RidSet:
    return RidSet.of(rid for (rid,) in connection.execute(sql, params))


def _pool_size(connection: sqlite3.Connection, resolved: Resolved, bitmaps: Bitmaps) -> int:
    """How many rows the page query orders: the text matches, or every record."""
    if resolved.text.is_empty:
        return len(bitmaps.everything())
    (count,) = connection.execute("SELECT count(*) FROM temp.matches").fetchone()
    return int(count)


def _page(
    connection: sqlite3.Connection, resolved: Resolved, hits: RidSet | None, pool: int
) -> list[tuple[Document, float | None]]:
    """The requested page: rows in order (all of them hits when `hits` is None), documents."""
    text = not resolved.text.is_empty
    scored = text and resolved.query.sort is Sort.RELEVANCE
    score = "h.score" if scored else "NULL"
    order = order_by(resolved.query.sort, scored=scored)
    sql = f"SELECT r.rid, {score} FROM {_MATCHES if text else 'records r'} {order}"
    size, offset = resolved.query.size, resolved.offset
    if hits is None:
        rows = connection.execute(f"{sql} LIMIT ? OFFSET ?", (size, offset)).fetchall()
    elif text:
        rows = _first_sorted(connection, f"{sql} LIMIT ?", hits, pool, offset + size)[offset:]
    else:
        rows = _first_walked(connection, sql, hits, offset + size)[offset:]
    scores = dict(rows)
    sql = "SELECT rid, payload FROM contents WHERE rid IN (SELECT value FROM json_each(?))"
    payloads = dict(connection.execute(sql, (json.dumps(list(scores)),)).fetchall())
    return [(Document.from_json(json.loads(payloads[rid])), scores[rid]) for rid in scores]


def _first_sorted(
    connection: sqlite3.Connection, sql: str, hits: RidSet, pool: int, wanted: int
) -> list[tuple[int, float | None]]:
    """The first `wanted` rows of `sql` (sorted text matches, `LIMIT ?`) that are hits.

    With a LIMIT, SQLite keeps only the best rows instead of sorting all of them; so ask for
    as many rows as the density of hits suggests, and for four times more when that fell short.
    """
    limit = int(wanted * pool / max(len(hits), 1) * 1.25) + 16
    while True:
        rows = [row for row in connection.execute(sql, (limit,)) if row[0] in hits]
        if len(rows) >= wanted or limit >= pool:
            return rows[:wanted]
        limit *= 4


def _first_walked(
    connection: sqlite3.Connection, sql: str, hits: RidSet, wanted: int
) -> list[tuple[int, float | None]]:
    """The first `wanted` rows of `sql` (a walk along an index, nothing sorted) that are hits."""
    rows: list[tuple[int, float | None]] = []
    cursor = connection.execute(sql)
    try:
        for row in cursor:
            if row[0] in hits:
                rows.append(row)
                if len(rows) == wanted:
                    break
    finally:
        cursor.close()
    return rows
