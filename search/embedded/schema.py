"""The index file's tables: records, their text, filter keys, facet bitmaps, and FTS5.

Text arrives as folded tokens joined by single spaces, and stemmed (see `exportwatch.analysis`),
so the FTS5 tokenizer only has to split on those spaces: unicode61 with diacritics kept and `_`
as a token character does, and never splits a token further.
"""

from __future__ import annotations

import sqlite3

__all__ = ["INDEXES", "SCHEMA_VERSION", "TABLES", "TOKENIZER", "create_indexes", "create_tables"]

SCHEMA_VERSION = 1
TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '_'"

# `records` holds only what filters, sorts and facets read, so its rows are small and scans of
# a result set stay in cache; the text and the document JSON live in `contents`. `rid` is the
# integer key every table joins on; `id` is the document id.
TABLES = (
    """CREATE TABLE records (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        source_id TEXT NOT NULL,
        language TEXT,
        window_start TEXT,
        window_end TEXT,
        open_until TEXT,
        soonest TEXT,
        newest TEXT NOT NULL,
        month TEXT
    )""",
    """CREATE TABLE contents (
        rid INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        summary TEXT NOT NULL,
        body TEXT NOT NULL,
        stems TEXT NOT NULL,
        payload TEXT NOT NULL
    )""",
    """CREATE TABLE sector_keys (
        key TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (key, rid)
    ) WITHOUT ROWID""",
    """CREATE TABLE market_keys (
        key TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (key, rid)
    ) WITHOUT ROWID""",
    # Facet bitmaps (see bitmaps.py) and the random generation every write stamps.
    """CREATE TABLE bitmaps (
        facet TEXT NOT NULL, value TEXT NOT NULL, chunk INTEGER NOT NULL, bits BLOB NOT NULL,
        UNIQUE (facet, value, chunk)
    )""",
    "CREATE TABLE meta (generation INTEGER NOT NULL)",
    "INSERT INTO meta (generation) VALUES (abs(random()))",
    f"""CREATE VIRTUAL TABLE fts USING fts5(
        title, summary, body, stems,
        content='contents', content_rowid='rid', tokenize="{TOKENIZER}"
    )""",
)

# Secondary indexes: created after the bulk load of a rebuild, which is faster than maintaining
# them row by row. Each sort order has an index it can walk, so a first page stops early.
INDEXES = (
    "CREATE INDEX records_newest ON records (newest DESC, id)",
    "CREATE INDEX records_soonest ON records (soonest IS NULL, soonest, id)",
    "CREATE INDEX records_kind ON records (kind)",
    "CREATE INDEX records_source ON records (source_id)",
    "CREATE INDEX records_language ON records (language)",
    "CREATE INDEX records_month ON records (month)",
    "CREATE INDEX records_window ON records (window_start, window_end)",
    "CREATE INDEX records_open_until ON records (open_until)",
    "CREATE INDEX sector_keys_rid ON sector_keys (rid)",
    "CREATE INDEX market_keys_rid ON market_keys (rid)",
)


def create_tables(connection: sqlite3.Connection) -> None:
    """Create the tables of an empty index file and stamp its schema version."""
    for statement in TABLES:
        connection.execute(statement)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def create_indexes(connection: sqlite3.Connection) -> None:
    """Create the secondary indexes."""
    for statement in INDEXES:
        connection.execute(statement)
