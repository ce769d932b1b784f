"""A raw HTTP server on a loopback address whose answers are scripted per path.

Where the fixture server answers politely, this one misbehaves on purpose: it trickles a
byte a second, sends chunks forever, or redirects anywhere. It binds any loopback address
(127.0.0.2 plays a "public" host in the SSRF tests) and records every request path.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import TracebackType

__all__ = [
    "Answer",
    "HostileServer",
    "endless_chunks",
    "pair_of_servers",
    "plain",
    "redirect",
    "trickle",
]

#: Writes the whole answer to the connection; the server closes it afterwards.
Answer = Callable[[socket.socket, threading.Event], None]
_HEAD_LIMIT = 65536


def plain(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    """A complete answer with Content-Length."""

    def answer(connection: socket.socket, stop: threading.Event) -> None:
        fields = {"Content-Type": "text/html", **(headers or {})}
        fields["Content-Length"] = str(len(body))
        connection.sendall(_head(status, fields) + body)

    return answer


def redirect(location: str, status: int = 302) -> Answer:
    """A redirect to `location`."""
    return plain(b"", status, {"Location": location})


def trickle(interval: float = 1.0, piece: bytes = b"x") -> Answer:
    """Headers at once (no length: the body ends when the connection does), then one `piece`
    every `interval` seconds, never ending."""

    def answer(connection: socket.socket, stop: threading.Event) -> None:
        connection.sendall(_head(200, {"Content-Type": "text/xml"}))
        while not stop.wait(interval):
            connection.sendall(piece)

    return answer


def endless_chunks(chunk: bytes = b"<item>" + b"x" * 8192 + b"</item>") -> Answer:
    """A chunked body that never ends, as fast as the client reads."""

    def answer(connection: socket.socket, stop: threading.Event) -> None:
        connection.sendall(_head(200, {"Content-Type": "text/xml", "Transfer-Encoding": "chunked"}))
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        while not stop.is_set():
            connection.sendall(frame)

    return answer


class HostileServer:
    """Serves `routes` (path → answer) on `host`; unknown paths get a 404."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.routes: dict[str, Answer] = {}
        self.requests: list[str] = []
        self._stop = threading.Event()
        self._listener = socket.create_server((host, port))
        self._listener.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def url(self, path: str, host: str | None = None) -> str:
        """The URL of `path`, under another host name if given (same port)."""
        return f"http://{host or self.host}:{self.port}/{path.lstrip('/')}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(
        self, exc: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            try:
                path = _read_path(connection)
                self.requests.append(path)
                self.routes.get(path, plain(b"not here", 404))(connection, self._stop)
            except OSError:
                return  # the client hung up: what these answers are for


def _read_path(connection: socket.socket) -> str:
    head = b""
    connection.settimeout(10)
    while b"\r\n\r\n" not in head and len(head) < _HEAD_LIMIT:
        data = connection.recv(4096)
        if not data:
            break
        head += data
    parts = head.split(b" ", 2)
    return parts[1].decode("latin-1") if len(parts) > 1 else ""


def _head(status: int, fields: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X", *(f"{name}: {value}" for name, value in fields.items())]
    return ("\r\n".join([*lines, "Connection: close", "", ""])).encode("latin-1")


def pair_of_servers() -> Iterator[tuple[HostileServer, HostileServer]]:
    """A "public" server on 127.0.0.2 and an "internal" one on 127.0.0.1, on the same port."""
    for _ in range(20):
        public = HostileServer("127.0.0.2")
        try:
            internal = HostileServer("127.0.0.1", public.port)
        except OSError:  # that port is taken on 127.0.0.1: try another
            public._listener.close()
            time.sleep(0.01)
            continue
        with public, internal:
            yield public, internal
        return
    raise RuntimeError("no port free on both 127.0.0.1 and 127.0.0.2")
