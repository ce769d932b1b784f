"""`Server-Timing: app;dur=…` on every response: the server time a browser's dev tools show.

The figure covers the handler up to the response's first byte (streamed bodies, such as the
CSV export, keep streaming after it). The page benchmarks and the load test read it.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ServerTimingMiddleware"]


class ServerTimingMiddleware:
    """Add the `Server-Timing` header with the milliseconds spent before the response starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - started) * 1000
                timing = (b"server-timing", b"app;dur=%.1f" % elapsed)
                headers = [*message.get("headers", []), timing]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_timed)
