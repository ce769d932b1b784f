"""Pytest plugin: the recorded-fixture HTTP server and the SMTP sink as fixtures.

Load it with ``-p tests.plugins.servers`` or ``pytest_plugins = ["tests.plugins.servers"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.mockserver import FixtureServer, SMTPServer

__all__ = ["fixture_server", "make_smtp_server", "smtp_server"]


@pytest.fixture(scope="session")
def _fixture_server_session() -> Iterator[FixtureServer]:
    """One HTTP server for the session; tests get it through ``fixture_server``."""
    with FixtureServer() as server:
        yield server


@pytest.fixture
def fixture_server(_fixture_server_session: FixtureServer) -> Iterator[FixtureServer]:
    """The HTTP fixture server with no overrides and an empty request log."""
    _fixture_server_session.reset()
    yield _fixture_server_session
    _fixture_server_session.reset()


@pytest.fixture
def make_smtp_server() -> Iterator[Callable[..., SMTPServer]]:
    """Factory for started SMTP servers (``auth=(user, password)``, ``tls=True``)."""
    servers: list[SMTPServer] = []

    def make(*, auth: tuple[str, str] | None = None, tls: bool = False) -> SMTPServer:
        servers.append(SMTPServer(auth=auth, tls=tls).start())
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(make_smtp_server: Callable[..., SMTPServer]) -> SMTPServer:
    """A fresh SMTP server without AUTH or TLS that captures every message."""
    return make_smtp_server()
