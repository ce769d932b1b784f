"""Fixtures for the web tests: services whose search index cannot be reached."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from exportwatch.services import Services, open_services
from exportwatch.settings import Settings


@pytest.fixture
def unreachable_index(settings: Settings) -> Iterator[Services]:
    """Services on an Elasticsearch URL at a local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = settings.model_copy(update={"elasticsearch_url": f"http://127.0.0.1:{port}"})
    opened = open_services(down)
    yield opened
    opened.close()
