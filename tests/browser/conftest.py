"""Fixtures for browser tests: the app served by uvicorn, and Debian's Chromium via Playwright.

Fixture API (use these in every test under tests/browser/):

- ``live_server`` → `LiveServer`: the whole app (``create_app(services)``, services opened as
  ``open_services(settings)`` does, with the session's taxonomy) served
  by uvicorn on 127.0.0.1 in a thread, on a fresh data dir, one per test. Attributes:
  ``url`` (base URL, no trailing slash; also ``settings.base_url``, so email links point here),
  ``services`` (store, index, settings), ``app`` (the FastAPI app, e.g. to preset
  ``app.state.rate_limits`` or include a router before the first request), ``smtp`` (the real
  aiosmtpd server the app mails through: ``smtp.wait_for(1)[0].message``), ``admin_token``.
  ``live_server.seed()`` stores and indexes the documents of
  tests/fixtures/browser/documents.jsonl (``seed(docs)`` for others) and returns them.
- ``seeded_server`` → the same `LiveServer` with those documents already seeded.
- ``browser_documents`` → the fixture documents, by id (``browser_documents["ev-anuga-2027"]``).
- ``admin_token`` → the token the live server's admin login accepts.
- ``page`` → a Playwright `Page` in a fresh context (1280×800); ``phone_page`` → the same at a
  360×740 phone viewport with touch. Navigate with ``page.goto(live_server.url + "/")``.
- ``console_errors`` → the browser console errors and uncaught exceptions seen by ``page`` and
  ``phone_page``; the test fails at teardown unless it is empty, so a test that provokes an
  error on purpose asserts on it and then calls ``console_errors.clear()``. A page itself
  answered with an error status (a 404 page, a form re-rendered with 422) is not counted:
  assert on ``page.goto(...).status`` or the visible message instead. Nor is /favicon.ico.
- ``browser`` (package scope: started once, closed after the last browser test) → the
  Playwright `Browser`. The Chromium is ``EXPORTWATCH_TEST_CHROMIUM``
  or ``chromium`` on PATH (scripts/ensure-chromium installs Debian's); Playwright's own browser
  downloads are never used. ``EXPORTWATCH_TEST_HEADED=1`` shows the window, slowed down, for
  debugging on a desktop.

Playwright's sync API keeps an event loop running on the test thread, so ``asyncio.run`` fails
inside browser tests; the app itself runs in its own thread and loop.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    Request,
    sync_playwright,
)
from pydantic import SecretStr

from exportwatch.model import Document
from exportwatch.search.factory import open_index
from exportwatch.search.sync import sync_outbox
from exportwatch.services import Services
from exportwatch.settings import Settings
from exportwatch.store import Store
from exportwatch.taxonomy import Taxonomy
from exportwatch.web import create_app
from tests.mockserver import SMTPServer

__all__ = ["ADMIN_TOKEN", "DOCUMENTS_FILE", "FIXTURES", "LiveServer", "load_documents"]

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "browser"
DOCUMENTS_FILE = FIXTURES / "documents.jsonl"
ADMIN_TOKEN = "browser-test-admin-token"
PHONE_VIEWPORT = {"width": 360, "height": 740}
START_TIMEOUT = 10.0


def load_documents(path: Path = DOCUMENTS_FILE) -> list[Document]:
    """The documents of a JSONL fixture, in file order."""
    with path.open(encoding="utf-8") as lines:
        return [Document.from_json(json.loads(line)) for line in lines if line.strip()]


@dataclass
class LiveServer:
    """A running app: where it answers, what it runs on, and where its mail goes."""

    url: str
    services: Services
    app: FastAPI
    smtp: SMTPServer
    admin_token: str

    def seed(self, documents: Iterable[Document] | None = None) -> list[Document]:
        """Store and index `documents` (default: the browser fixture documents)."""
        batch = list(load_documents() if documents is None else documents)
        self.services.store.save_documents(batch)
        sync_outbox(self.services.store, self.services.index)
        return batch


def _chromium_path() -> str:
    configured = os.environ.get("EXPORTWATCH_TEST_CHROMIUM")
    if configured:
        if not os.access(configured, os.X_OK):
            pytest.fail(f"EXPORTWATCH_TEST_CHROMIUM={configured} is not an executable file")
        return configured
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )
    if found is None:
        pytest.fail(
            "Chromium is not installed: run scripts/ensure-chromium (installs Debian's chromium "
            "as root) or set EXPORTWATCH_TEST_CHROMIUM to a Chromium executable"
        )
    return found


# Package scope: the browser closes after the last test in tests/browser, before other tests.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver, once for the browser tests."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Chromium from the system, once for the browser tests."""
    args = ["--disable-dev-shm-usage"]  # containers often have a tiny /dev/shm
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox itself as root
    headed = os.environ.get("EXPORTWATCH_TEST_HEADED", "") not in ("", "0")
    launched = playwright.chromium.launch(
        executable_path=_chromium_path(),
        headless=not headed,
        slow_mo=250 if headed else 0,
        args=args,
    )
    yield launched
    launched.close()


@pytest.fixture
def admin_token() -> str:
    """The admin token the live server's login accepts."""
    return ADMIN_TOKEN


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _wait_until_healthy(url: str, server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if not thread.is_alive():
            pytest.fail("the live server stopped during start-up (see the captured log)")
        if server.started:
            try:
                if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
        time.sleep(0.01)
    pytest.fail(f"the live server did not answer {url}/healthz within {START_TIMEOUT}s")


@pytest.fixture(scope="package")
def migrated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty store at the latest schema, copied for each live server (migrating is slow)."""
    path = tmp_path_factory.mktemp("browser-store") / "exportwatch.db"
    Store.from_url(f"sqlite:///{path}").close()
    return path


def _open_services(settings: Settings, taxonomy: Taxonomy, migrated_store: Path) -> Services:
    """`open_services`, faster: the session's taxonomy (~0.7 s to load) and a migrated store."""
    assert settings.config_dir.resolve() == ROOT / "config"
    assert settings.database_url is None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    copy = settings.data_dir / "exportwatch.db"
    with closing(sqlite3.connect(migrated_store)) as source, closing(sqlite3.connect(copy)) as to:
        source.backup(to)
    store = Store.open(settings)
    return Services(settings, taxonomy, store, open_index(settings, taxonomy))


@pytest.fixture
def live_server(
    settings: Settings,
    taxonomy: Taxonomy,
    migrated_store: Path,
    smtp_server: SMTPServer,
    admin_token: str,
) -> Iterator[LiveServer]:
    """The app on 127.0.0.1 with a fresh data dir, real SMTP, and a known admin token."""
    sock = _free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    smtp_url = f"smtp://{smtp_server.host}:{smtp_server.port}?helo=localhost&timeout=5"
    configured = settings.model_copy(
        update={
            "base_url": url,
            "smtp_url": SecretStr(smtp_url),
            "admin_token": SecretStr(admin_token),
        }
    )
    services = _open_services(configured, taxonomy, migrated_store)
    app = create_app(services)
    # ws="none": no websocket library is imported (and none of its deprecation warnings).
    config = uvicorn.Config(app, log_level="warning", access_log=False, ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
    )
    thread.start()
    try:
        _wait_until_healthy(url, server, thread)
        yield LiveServer(url, services, app, smtp_server, admin_token)
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT)
        sock.close()
        services.close()
    assert not thread.is_alive(), "the live server did not stop"


@pytest.fixture
def browser_documents() -> dict[str, Document]:
    """The documents of tests/fixtures/browser/documents.jsonl by id."""
    return {document.id: document for document in load_documents()}


@pytest.fixture
def seeded_server(live_server: LiveServer) -> LiveServer:
    """`live_server` with the browser fixture documents stored and indexed."""
    live_server.seed()
    return live_server


@pytest.fixture
def console_errors() -> Iterator[list[str]]:
    """Console errors and page exceptions of this test's pages; must be empty at the end."""
    errors: list[str] = []
    yield errors
    assert not errors, "the browser reported errors:\n" + "\n".join(errors)


def _open_page(browser: Browser, errors: list[str], **options: object) -> Iterator[Page]:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = context.new_page()

    navigations: set[str] = set()

    def on_request(request: Request) -> None:
        if request.is_navigation_request():
            navigations.add(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        # Chromium logs a page answered with 4xx/5xx (a form re-rendered with 422, a 404 page)
        # as a failed resource: its status is the test's to check. It also asks for
        # /favicon.ico on its own.
        failed_load = message.text.startswith("Failed to load resource")
        if failed_load and (where in navigations or where.endswith("/favicon.ico")):
            return
        errors.append(f"console: {message.text} ({where})")

    def on_page_error(error: Error) -> None:
        errors.append(f"uncaught: {error.message}")

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    yield page
    context.close()


@pytest.fixture
def page(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    """A page in a fresh browser context at a desktop viewport."""
    yield from _open_page(browser, console_errors, viewport={"width": 1280, "height": 800})


@pytest.fixture
def phone_page(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    """A page in a fresh browser context at a 360 px wide phone viewport, with touch."""
    yield from _open_page(
        browser, console_errors, viewport=PHONE_VIEWPORT, has_touch=True, is_mobile=True
    )
