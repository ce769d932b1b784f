"""The error, logger and log reading shared by the local Elasticsearch modules."""

from __future__ import annotations

import logging
from pathlib import Path

from exportwatch.errors import ExportwatchError

__all__ = ["LOGGER_NAME", "ElasticsearchSetupError", "error_lines", "logger"]

LOGGER_NAME = "exportwatch.devtools.elasticsearch"
logger = logging.getLogger(LOGGER_NAME)


class ElasticsearchSetupError(ExportwatchError):
    """The local Elasticsearch node could not be provided; the message says what to do."""


def error_lines(path: Path, limit: int = 12) -> str:
    """Return the lines of an Elasticsearch log that state errors and their causes."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    wanted = ("][ERROR]", "Caused by:", "ERROR:", "Exception in thread", "Error occurred")
    found = [line.strip() for line in text.splitlines() if any(w in line for w in wanted)]
    return "\n".join(dict.fromkeys(found[:limit]))
