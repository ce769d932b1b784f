"""Fixtures for the admin tests: an app with an admin token, a sources dir of its own, login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.routing import NoMatchFound

from exportwatch.services import Services, open_services
from exportwatch.settings import Settings
from exportwatch.web import create_app
from exportwatch.web.admin import router
from tests.mockserver import FixtureServer

TOKEN = "admin-test-token-0123456789"


@pytest.fixture
def sources_dir(tmp_path: Path, fixture_server: FixtureServer) -> Path:
    """A sources dir with one feed source served by the local fixture server."""
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "fairs.yaml").write_text(
        "id: fairs\nname: Fair calendar\nkind: event\ntype: feed\n"
        f"url: {fixture_server.url('feeds/rss20-ttl.rss')}\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def admin_services(settings: Settings, sources_dir: Path) -> Iterator[Services]:
    """Services with an admin token and the test's sources dir (private networks allowed)."""
    changed = settings.model_copy(
        update={"admin_token": SecretStr(TOKEN), "sources_dir": sources_dir}
    )
    opened = open_services(changed)
    yield opened
    opened.close()


def make_app(services: Services) -> FastAPI:
    """The app with the admin router (until app.py includes it)."""
    app = create_app(services)
    try:
        app.url_path_for("sources_page")
    except NoMatchFound:
        app.include_router(router)
    return app


@pytest.fixture
def app(admin_services: Services) -> FastAPI:
    return make_app(admin_services)


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    """A browser without a session."""
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def admin(app: FastAPI) -> Iterator[TestClient]:
    """A browser logged in to the admin area."""
    with TestClient(app, follow_redirects=False) as client:
        login(client, TOKEN)
        yield client


def csrf(client: TestClient, path: str = "/admin/login") -> str:
    """The CSRF token of a form on `path`."""
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def login(client: TestClient, token: str, next_path: str = "/admin") -> httpx.Response:
    """Post the login form; returns the response."""
    data = {"csrf_token": csrf(client), "token": token, "next": next_path}
    response = client.post("/admin/login", data=data)
    return response
