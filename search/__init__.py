"""Search: one `Index` interface with an embedded (SQLite FTS5) and an Elasticsearch backend."""

from exportwatch.search.errors import IndexUnavailableError, QueryError, SearchError
from exportwatch.search.index import Index
from exportwatch.search.query import Query, Resolved, Sort
from exportwatch.search.records import IndexRecord
from exportwatch.search.results import FacetValue, Hit, Results

__all__ = [
    "FacetValue",
    "Hit",
    "Index",
    "IndexRecord",
    "IndexUnavailableError",
    "Query",
    "QueryError",
    "Resolved",
    "Results",
    "SearchError",
    "Sort",
]
