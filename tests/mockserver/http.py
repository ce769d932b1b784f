"""The tests' recorded-file HTTP server: exportwatch's own, rooted at tests/fixtures/http."""

from __future__ import annotations

from pathlib import Path

from exportwatch.devtools.fixture_server import CONTENT_TYPES, RecordedRequest, Response
from exportwatch.devtools.fixture_server import FixtureServer as _FixtureServer

__all__ = ["CONTENT_TYPES", "DEFAULT_ROOT", "FixtureServer", "RecordedRequest", "Response"]

DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "http"


class FixtureServer(_FixtureServer):
    """Serves files under ``root`` (default: the tests' recordings) on 127.0.0.1."""

    def __init__(self, root: Path = DEFAULT_ROOT) -> None:
        super().__init__(root)
