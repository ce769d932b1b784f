"""SQLite connections to one index file, shared safely by the web app's threads.

Readers borrow a connection from a pool and read one consistent WAL snapshot, so they never
wait for a writer or a rebuild. Writers take one lock and a `BEGIN IMMEDIATE` transaction, so
writers in this and other processes queue instead of failing. Any SQLite failure surfaces as
`IndexUnavailableError` naming the file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from exportwatch.search.errors import IndexUnavailableError

__all__ = ["PRAGMAS", "WRITER_PRAGMAS", "Connections", "open_connection", "sqlite_errors"]

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA journal_size_limit = 67108864",  # shrink the WAL back after a rebuild
    "PRAGMA mmap_size = 1073741824",  # readers share the OS page cache
    "PRAGMA temp_store = MEMORY",
)
# The writer inserts into large B-trees: a bigger page cache and fewer, larger checkpoints
# (each one syncs the file) measured about 20% faster ingest (bench/search.py).
WRITER_PRAGMAS = (
    *PRAGMAS,
    "PRAGMA cache_size = -65536",  # 64 MiB
    "PRAGMA wal_autocheckpoint = 4096",  # pages: 16 MiB of WAL
)


@contextmanager
def sqlite_errors(path: Path) -> Iterator[None]:
    """Turn SQLite failures into IndexUnavailableError naming `path` and the cause."""
    try:
        yield
    except sqlite3.OperationalError as error:
        raise IndexUnavailableError(f"search index {path}: {error}") from error
    except sqlite3.DatabaseError as error:
        raise IndexUnavailableError(
            f"search index {path} is unreadable ({error}); "
            "delete the file and run `exportwatch reindex`"
        ) from error


def open_connection(path: Path, pragmas: tuple[str, ...] = PRAGMAS) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable from any thread."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        for pragma in pragmas:
            connection.execute(pragma)
    except BaseException:
        connection.close()
        raise
    return connection


class Connections:
    """A pool of reader connections and one writer connection to the index at `path`."""

    def __init__(self, path: Path, reader_setup: tuple[str, ...] = ()) -> None:
        self.path = path
        self._reader_setup = reader_setup  # run once on each new reader connection
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()  # guards _idle and _closed
        self._write_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self._closed = False

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection inside a read transaction: every statement sees one snapshot."""
        with sqlite_errors(self.path):
            connection = self._borrow()
            try:
                connection.execute("BEGIN")
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                connection.close()  # never pool a connection in an unknown state
                raise
            self._give_back(connection)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """The writer connection inside an immediate transaction, committed on success."""
        with self.exclusive() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @contextmanager
    def exclusive(self) -> Iterator[sqlite3.Connection]:
        """The writer connection, outside any transaction, with no other writer in this process."""
        with sqlite_errors(self.path), self._write_lock:
            if self._closed:
                raise IndexUnavailableError(f"search index {self.path} is closed")
            if self._writer is None:
                self._writer = open_connection(self.path, WRITER_PRAGMAS)
            yield self._writer

    def close(self) -> None:
        """Close every connection; borrowed ones close when they are given back."""
        with self._write_lock, self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            if self._writer is not None:
                idle.append(self._writer)
                self._writer = None
        for connection in idle:
            connection.close()

    def _borrow(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise IndexUnavailableError(f"search index {self.path} is closed")
            if self._idle:
                return self._idle.pop()
        connection = open_connection(self.path)
        for statement in self._reader_setup:
            connection.execute(statement)
        return connection

    def _give_back(self, connection: sqlite3.Connection) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(connection)
                return
        connection.close()
