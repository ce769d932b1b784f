"""The error, logger and small helpers shared by the local Elasticsearch modules."""

from __future__ import annotations

import logging
from collections import deque
from pathlib import Path

from exportwatch.errors import ExportwatchError

__all__ = ["LOGGER_NAME", "ElasticsearchSetupError", "error_lines", "logger", "tail"]

LOGGER_NAME = "exportwatch.devtools.elasticsearch"
logger = logging.getLogger(LOGGER_NAME)


class ElasticsearchSetupError(ExportwatchError):
    """The local Elasticsearch node could not be provided; the message says what to do."""


def tail(path: Path, lines: int = 40) -> str:
    """Return the last lines of a text file, or a note that it is missing or empty."""
    try:
        with path.open(encoding="utf-8", errors="replace") as file:
            last = deque(file, maxlen=lines)
    except OSError as exc:
        return f"({path} could not be read: {exc.strerror})"
    return "".join(last).rstrip() or f"({path} is empty)"


def error_lines(path: Path, limit: int = 12) -> str:
    """Return the lines of an Elasticsearch log that state errors and their causes."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    wanted = ("][ERROR]", "Caused by:", "ERROR:", "Exception in thread", "Error occurred")
    found = [line.strip() for line in text.splitlines() if any(w in line for w in wanted)]
    return "\n".join(dict.fromkeys(found[:limit]))
