"""Rate limits per client address for endpoints that send email or cost work (subscribe, login).

A sliding window kept in memory: the service is one process, and a restart forgetting the
counts is harmless. Over the limit the request gets 429 with Retry-After.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request

from exportwatch.errors import ExportwatchError

__all__ = ["RateLimit", "RateLimitedError", "rate_limited"]

MAX_TRACKED_CLIENTS = 100_000  # beyond this the oldest client's history is dropped


class RateLimitedError(ExportwatchError):
    """Too many requests of one kind from one address; `retry_after` is in seconds."""

    def __init__(self, action: str, retry_after: int) -> None:
        super().__init__(
            f"too many {action} requests from your address: try again in {_duration(retry_after)}"
        )
        self.retry_after = retry_after


@dataclass
class RateLimit:
    """At most `limit` hits per `window` seconds for each key."""

    limit: int
    window: float
    clock: Callable[[], float] = time.monotonic
    _hits: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def hit(self, key: str) -> int | None:
        """Count one hit for `key`; None when allowed, else the seconds until one is."""
        now = self.clock()
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            self._hits[key] = hits  # re-inserted: the dict stays ordered by last use
            if len(hits) >= self.limit:
                return max(1, int(hits[0] + self.window - now + 0.999))
            hits.append(now)
            if len(self._hits) > MAX_TRACKED_CLIENTS:
                del self._hits[next(iter(self._hits))]
            return None


def rate_limited(action: str, limit: int, window: float) -> Callable[[Request], None]:
    """A FastAPI dependency allowing `limit` requests per `window` seconds per client address.

    The limit is shared by every route using the same `action` name within one app.
    """

    def check(request: Request) -> None:
        limits: dict[str, RateLimit] = request.app.state.rate_limits
        bucket = limits.setdefault(action, RateLimit(limit, window))
        client = request.client.host if request.client else "unknown"
        wait = bucket.hit(client)
        if wait is not None:
            raise RateLimitedError(action, wait)

    return check


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{-(-seconds // 60)} minutes"
