"""Refuse request bodies over a size cap with 413 before the app reads them into memory.

FastAPI reads and parses a JSON body before any route dependency runs, so the cap has to sit
in front of the app: a declared Content-Length over the cap is answered at once, and a body
sent without one (chunked) is counted as it arrives and cut off at the cap.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_BODY_BYTES", "BodySizeLimitMiddleware"]

MAX_BODY_BYTES = 1024 * 1024  # the largest legitimate body (an admin source definition) is ~50 KB


class BodySizeLimitMiddleware:
    """ASGI middleware: bodies over `max_bytes` get 413 (JSON `{"message": …}`)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await JSONResponse({"message": self._message()}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._message())
            return message

        await self.app(scope, counted, send)

    def _message(self) -> str:
        return f"the request body is too large (at most {self.max_bytes // 1024} KB)"
