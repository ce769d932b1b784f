"""Every response says how long the server worked on it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from exportwatch.services import Services
from exportwatch.web import create_app


def test_pages_and_api_carry_server_timing(services: Services) -> None:
    with TestClient(create_app(services)) as client:
        for path in ("/", "/api/search", "/healthz", "/no-such-page"):
            header = client.get(path).headers["server-timing"]
            match = re.fullmatch(r"app;dur=(\d+\.\d)", header)
            assert match is not None, (path, header)
            assert 0 <= float(match.group(1)) < 10_000
