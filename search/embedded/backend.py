"""`EmbeddedIndex`: the search index in its own SQLite file, with FTS5 for the text.

A rebuild writes a complete new file next to the live one, then copies it over the live file
with SQLite's online backup in a single write transaction. Readers (in this process or another)
keep their WAL snapshot of the old index until that commit and see the new one after it. The
live file is never renamed or deleted, which WAL forbids while another process has it open.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from exportwatch import jsoncodec
from exportwatch.model import Document
from exportwatch.search.embedded.bitmaps import BitmapCache
from exportwatch.search.embedded.connections import Connections, open_connection, sqlite_errors
from exportwatch.search.embedded.schema import SCHEMA_VERSION, create_indexes, create_tables
from exportwatch.search.embedded.searching import TEMP_TABLES, run_query
from exportwatch.search.embedded.writing import remove_ids, write_records
from exportwatch.search.errors import IndexUnavailableError
from exportwatch.search.index import Index
from exportwatch.search.query import Resolved
from exportwatch.search.records import IndexRecord
from exportwatch.search.results import BackendPage
from exportwatch.taxonomy import Taxonomy

__all__ = ["EmbeddedIndex"]

# A file being built is private until it is copied over the live one: no journal, no fsync.
BUILD_PRAGMAS = ("PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF")
_SIDE_FILES = ("", "-journal", "-wal", "-shm")


class EmbeddedIndex(Index):
    """The default index: SQLite FTS5 in `path` (e.g. `<data_dir>/index.sqlite3`)."""

    name = "embedded"
    batch_size = 5000  # FTS5 indexes a big batch ~20% faster; readers never wait for writers

    def __init__(self, taxonomy: Taxonomy, path: Path) -> None:
        super().__init__(taxonomy)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._connections = Connections(self.path, reader_setup=TEMP_TABLES)
        self._bitmaps = BitmapCache()
        try:
            self._prepare()
        except BaseException:
            self._connections.close()
            raise

    def close(self) -> None:
        """Close every connection to the index file."""
        self._connections.close()

    def _prepare(self) -> None:
        """Create the schema in a new file; refuse a file of another schema version."""
        with self._connections.write() as connection:
            (version,) = connection.execute("PRAGMA user_version").fetchone()
            if version == 0:
                create_tables(connection)
                create_indexes(connection)
            elif version != SCHEMA_VERSION:
                raise IndexUnavailableError(
                    f"search index {self.path} has schema version {version}, not "
                    f"{SCHEMA_VERSION}; delete the file and run `exportwatch reindex`"
                )

    def _write(self, records: list[IndexRecord]) -> None:
        with self._connections.write() as connection:
            write_records(connection, records)

    def _remove(self, ids: list[str]) -> None:
        with self._connections.write() as connection:
            remove_ids(connection, ids)

    def _fetch(self, document_id: str) -> Document | None:
        with self._connections.read() as connection:
            sql = "SELECT payload FROM contents JOIN records USING (rid) WHERE id = ?"
            row = connection.execute(sql, (document_id,)).fetchone()
        return Document.from_json(jsoncodec.loads(row[0])) if row else None

    def _execute(self, resolved: Resolved) -> BackendPage:
        with self._connections.read() as connection:
            return run_query(connection, resolved, self._bitmaps)

    def _count(self) -> int:
        with self._connections.read() as connection:
            (count,) = connection.execute("SELECT count(*) FROM records").fetchone()
        return int(count)

    def _rebuild(self, batches: Iterator[list[IndexRecord]]) -> None:
        """Build a new file, then copy it over the live one in one transaction.

        Writers in this process wait for the whole rebuild, so an upsert made meanwhile lands
        after the swap instead of being overwritten by it; readers never wait.
        """
        building = self.path.with_name(f"{self.path.name}.build-{uuid.uuid4().hex[:12]}")
        try:
            with self._connections.exclusive() as live:
                with sqlite_errors(building):
                    new = open_connection(building, BUILD_PRAGMAS)
                with closing(new):
                    with sqlite_errors(building):
                        self._build(new, batches)
                    new.backup(live)
                live.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the copy sits in the WAL
        finally:
            for suffix in _SIDE_FILES:
                building.with_name(building.name + suffix).unlink(missing_ok=True)

    def _build(self, connection: sqlite3.Connection, batches: Iterator[list[IndexRecord]]) -> None:
        """Fill an empty file: tables, every batch, then indexes and a merged FTS5 index."""
        connection.execute(f"PRAGMA page_size = {self._page_size()}")
        connection.execute("BEGIN")
        create_tables(connection)
        for batch in batches:
            write_records(connection, batch)
        create_indexes(connection)
        connection.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        connection.execute("COMMIT")

    def _page_size(self) -> int:
        """The live file's page size; a backup into a WAL file needs the same."""
        with self._connections.read() as connection:
            (size,) = connection.execute("PRAGMA page_size").fetchone()
        return int(size)
