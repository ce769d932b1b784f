"""The embedded search backend: SQLite FTS5 in one file under the data dir, nothing to install."""

from exportwatch.search.embedded.backend import EmbeddedIndex

__all__ = ["EmbeddedIndex"]
