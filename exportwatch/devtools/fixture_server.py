"""A real HTTP/1.1 server on 127.0.0.1 serving recorded files, with per-path overrides.

The tests' local web server (tests/mockserver re-exports it with the tests' fixture root) and
the demo's stand-in for the publishers' sites: standard library only, one daemon thread.
"""

from __future__ import annotations

import gzip
import hashlib
import socketserver
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from functools import partial
from http import HTTPStatus
from http.client import responses
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["CONTENT_TYPES", "FixtureServer", "RecordedRequest", "Response"]

CONTENT_TYPES: Mapping[str, str] = {
    ".atom": "application/atom+xml",
    ".csv": "text/csv; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".rss": "application/rss+xml",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
}
NO_BODY = frozenset({HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED})
Headers = Mapping[str, str | None]


@dataclass(frozen=True)
class Response:
    """A canned answer; a 200 without ``body`` serves the file. A header set to None is dropped."""

    status: int = 200
    headers: Headers = field(default_factory=dict)
    body: bytes | None = None
    delay: float = 0.0
    gzip: bool = False
    last_modified: datetime | None = None


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; ``headers`` look-ups are case-insensitive."""

    method: str
    target: str
    headers: Message
    body: bytes = b""

    @property
    def path(self) -> str:
        """The decoded path without the query string."""
        return unquote(urlsplit(self.target).path)


@dataclass
class _Override:
    base: Response
    sequence: deque[Response]


class FixtureServer:
    """Serves files under ``root`` on 127.0.0.1 with validators, 304s and test overrides."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._lock = threading.Lock()
        self._overrides: dict[str, _Override] = {}
        self._requests: list[RecordedRequest] = []
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (the server must be started)."""
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    def url(self, path: str = "") -> str:
        """Absolute URL for a path relative to the root, e.g. ``url("feeds/sample.rss")``."""
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def start(self) -> FixtureServer:
        """Bind a free port and serve in a daemon thread."""
        self._httpd = _HTTPServer(("127.0.0.1", 0), partial(_Handler, fixture=self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        if self._httpd is None or self._thread is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(
        self, exc: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def set(
        self,
        path: str,
        *,
        status: int = 200,
        headers: Headers | None = None,
        delay: float = 0.0,
        body: bytes | None = None,
        gzip: bool = False,
        last_modified: datetime | None = None,
        sequence: Sequence[Response | int] = (),
    ) -> None:
        """Override answers for ``path``: ``sequence`` is used up first, then the rest applies."""
        base = Response(
            status=status,
            headers=headers or {},
            body=body,
            delay=delay,
            gzip=gzip,
            last_modified=last_modified,
        )
        steps = deque(Response(s) if isinstance(s, int) else s for s in sequence)
        with self._lock:
            self._overrides["/" + path.lstrip("/")] = _Override(base, steps)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget all overrides and the request log."""
        with self._lock:
            self._overrides.clear()
            self._requests.clear()

    def respond(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        """Record ``request`` and build the answer (called from a handler thread)."""
        response = self._record_and_pick(request)
        if response.delay:
            time.sleep(response.delay)
        return self._render(request, response)

    def _record_and_pick(self, request: RecordedRequest) -> Response:
        with self._lock:
            self._requests.append(request)
            override = self._overrides.get(request.target) or self._overrides.get(request.path)
            if override is None:
                return Response()
            return override.sequence.popleft() if override.sequence else override.base

    def _render(
        self, request: RecordedRequest, response: Response
    ) -> tuple[int, dict[str, str], bytes]:
        if response.status != HTTPStatus.OK:
            return _plain(response)
        file = self._file(request.path)
        body = response.body
        if body is None and file is not None:
            body = file.read_bytes()
        if body is None:
            return _plain(replace(response, status=HTTPStatus.NOT_FOUND))
        modified = response.last_modified or (_mtime(file) if file else None)
        headers = {"Content-Type": _content_type(request.path), "ETag": _etag(body)}
        if modified is not None:
            headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
        headers = _merge(headers, response.headers)
        if _not_modified(request.headers, headers):
            return HTTPStatus.NOT_MODIFIED, headers, b""
        if response.gzip and "gzip" in request.headers.get("Accept-Encoding", ""):
            return HTTPStatus.OK, _gzip_headers(headers), gzip.compress(body, mtime=0)
        return HTTPStatus.OK, headers, body

    def _file(self, path: str) -> Path | None:
        candidate = (self.root / path.lstrip("/")).resolve()
        inside = candidate.is_relative_to(self.root)
        return candidate if inside and candidate.is_file() else None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse-DNS look-up of the host name."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", int(self.server_address[1])

    def handle_error(self, request: object, client_address: object) -> None:
        """A client hanging up mid-answer is what several tests do on purpose: stay quiet."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "exportwatch-fixture/1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid a 40 ms stall

    def __init__(self, *args: Any, fixture: FixtureServer) -> None:
        self.fixture = fixture
        super().__init__(*args)

    def do_GET(self) -> None:
        """Serve a GET."""
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        """Serve a HEAD: the GET answer without its body."""
        self._serve(send_body=False)

    def do_POST(self) -> None:
        """Record the posted body, then answer as for a GET."""
        self._serve(send_body=True)

    def _serve(self, send_body: bool) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = RecordedRequest(self.command, self.path, self.headers, self.rfile.read(length))
        status, headers, body = self.fixture.respond(request)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status not in NO_BODY:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and status not in NO_BODY:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read ``FixtureServer.requests`` instead."""


def _merge(headers: dict[str, str], overrides: Headers) -> dict[str, str]:
    """Apply header overrides case-insensitively; a None value removes the header."""
    merged = {k: v for k, v in headers.items() if k.lower() not in {o.lower() for o in overrides}}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    return merged


def _plain(response: Response) -> tuple[int, dict[str, str], bytes]:
    """A short text answer for statuses other than 200, unless a body was given."""
    body = response.body if response.body is not None else _status_text(response.status)
    return response.status, _merge({"Content-Type": CONTENT_TYPES[".txt"]}, response.headers), body


def _not_modified(request: Message, headers: Mapping[str, str]) -> bool:
    """RFC 9110 §13.1: If-None-Match wins; otherwise compare If-Modified-Since."""
    if (tags := request.get("If-None-Match")) is not None:
        etag = _header(headers, "ETag")
        wanted = {tag.strip().removeprefix("W/") for tag in tags.split(",")}
        return etag is not None and ("*" in wanted or etag.removeprefix("W/") in wanted)
    since, modified = request.get("If-Modified-Since"), _header(headers, "Last-Modified")
    if not since or not modified:
        return False
    try:
        return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _gzip_headers(headers: dict[str, str]) -> dict[str, str]:
    """Mark a gzipped body; the ETag turns weak as the bytes differ from the identity one."""
    etag = _header(headers, "ETag")
    weak = {"ETag": f"W/{etag.removeprefix('W/')}"} if etag else {}
    return _merge(headers, {"Content-Encoding": "gzip", "Vary": "Accept-Encoding", **weak})


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _mtime(file: Path) -> datetime:
    return datetime.fromtimestamp(int(file.stat().st_mtime), UTC)


def _content_type(path: str) -> str:
    return CONTENT_TYPES.get(Path(path).suffix.lower(), "application/octet-stream")


def _status_text(status: int) -> bytes:
    if status in NO_BODY:
        return b""
    return f"{status} {responses.get(status, '')}".strip().encode() + b"\n"
