"""Run a compiled query on one read snapshot: total, one page of hits, facet counts.

The matching rows are collected once into a temp table (`rid`, `score`), then counted, paged
and faceted from there, each query driven by that table (`CROSS JOIN` fixes the join order), so
the cost follows the size of the result rather than of the index. A query with no condition at
all reads the indexes directly.
"""

from __future__ import annotations

import json
import sqlite3

from exportwatch.model import Document
from exportwatch.search.embedded.bitmaps import BitmapCache, hit_bits
from exportwatch.search.embedded.compile import (
    BM25,
    Filter,
    compile_filter,
    match_excluded,
    match_required,
    order_by,
)
from exportwatch.search.query import Resolved, Sort
from exportwatch.search.results import FACETS, BackendPage

__all__ = ["TEMP_TABLES", "run_query"]

# Per-connection scratch tables: FTS5 matches, and matches that pass the filters.
TEMP_TABLES = (
    "CREATE TEMP TABLE matches (rid INTEGER PRIMARY KEY, score REAL)",
    "CREATE TEMP TABLE hits (rid INTEGER PRIMARY KEY, score REAL)",
)


def run_query(
    connection: sqlite3.Connection, resolved: Resolved, bitmaps: BitmapCache
) -> BackendPage:
    """Execute `resolved` on `connection` (inside a read transaction)."""
    scored = resolved.query.sort is Sort.RELEVANCE and not resolved.text.is_empty
    where = compile_filter(resolved)
    if resolved.text.is_empty and (excluded := match_excluded(resolved.text)) is not None:
        where.add("r.rid NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)", excluded)
    hits = None
    if not resolved.text.is_empty or where.conditions:
        hits = _collect(connection, resolved, where, scored=scored)
    source = f"{hits} h CROSS JOIN records r ON r.rid = h.rid" if hits else "records r"
    (total,) = connection.execute(f"SELECT count(*) FROM {hits or 'records'}").fetchone()
    return BackendPage(
        total=total,
        hits=_page(connection, resolved, source, scored=scored),
        facets=_facets(connection, hits, bitmaps) if resolved.query.facets else {},
    )


def _collect(
    connection: sqlite3.Connection, resolved: Resolved, where: Filter, *, scored: bool
) -> str:
    """Fill a temp table with the rids (and scores) of every match; return its name."""
    match = match_required(resolved.text)
    if match is None:
        _fill(connection, "hits", f"SELECT r.rid, NULL FROM records r {where.where}", where.params)
        return "temp.hits"
    score = f"-{BM25}" if scored else "NULL"
    _fill(connection, "matches", f"SELECT rowid, {score} FROM fts WHERE fts MATCH ?", [match])
    if not where.conditions:
        return "temp.matches"
    source = "temp.matches m CROSS JOIN records r ON r.rid = m.rid"
    _fill(connection, "hits", f"SELECT r.rid, m.score FROM {source} {where.where}", where.params)
    return "temp.hits"


def _fill(connection: sqlite3.Connection, table: str, select: str, params: list[object]) -> None:
    connection.execute(f"DELETE FROM temp.{table}")
    connection.execute(f"INSERT INTO temp.{table} (rid, score) {select}", params)


def _page(
    connection: sqlite3.Connection, resolved: Resolved, source: str, *, scored: bool
) -> list[tuple[Document, float | None]]:
    score = "h.score" if scored else "NULL"
    order = order_by(resolved.query.sort, scored=scored)
    sql = f"SELECT r.rid, {score} FROM {source} {order} LIMIT ? OFFSET ?"
    scores = dict(connection.execute(sql, (resolved.query.size, resolved.offset)).fetchall())
    sql = "SELECT rid, payload FROM contents WHERE rid IN (SELECT value FROM json_each(?))"
    payloads = dict(connection.execute(sql, (json.dumps(list(scores)),)).fetchall())
    return [(Document.from_json(json.loads(payloads[rid])), scores[rid]) for rid in scores]


def _facets(
    connection: sqlite3.Connection, hits: str | None, bitmaps: BitmapCache
) -> dict[str, dict[str, int]]:
    """Counts per value of every facet, over the hits (or over everything when None)."""
    rids = None
    if hits is not None:
        rids = hit_bits(rid for (rid,) in connection.execute(f"SELECT rid FROM {hits}"))
    counts = bitmaps.get(connection).count(rids)
    return {name: counts.get(name, {}) for name in FACETS}
