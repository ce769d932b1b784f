"""Errors of the search layer: a bad query names the field; an unreachable index says so."""

from __future__ import annotations

from exportwatch.errors import ExportwatchError

__all__ = ["IndexUnavailableError", "QueryError", "SearchError"]


class SearchError(ExportwatchError):
    """Base for search failures."""


class QueryError(SearchError):
    """A query the user can fix: names the offending field (`sector`, `from`, `page` …)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class IndexUnavailableError(SearchError):
    """The backend could not be reached or refused the request; retry later."""
