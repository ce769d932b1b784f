"""Errors that stop a command with one clear line instead of a traceback."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ConfigError", "ExportwatchError"]


class ExportwatchError(Exception):
    """Base for errors the CLI reports as a single line and a non-zero exit."""


class ConfigError(ExportwatchError):
    """Bad or missing configuration: names the file, the entry and the problem."""

    def __init__(self, problem: str, *, file: str | Path | None = None, entry: str | None = None):
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.entry = entry
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.entry) if part)
        return f"{where}: {self.problem}" if where else self.problem
