"""Downloader middlewares of the html crawl: the URL guard on every request, retries with backoff.

The guard is the policy's `UrlGuard` (SSRF protection), called for every request Scrapy sends:
list and detail pages, robots.txt and each redirect hop (a redirect is a new request that
passes here again). Retries wait before they go: exponentially longer each time, or as long
as the server's Retry-After asks (capped).
"""

from __future__ import annotations

import asyncio
import inspect
import random
from typing import Self

import httpx
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings

from exportwatch.crawlers.fetching import UrlGuard
from exportwatch.crawlers.spiders.settings import BACKOFF_BASE, BACKOFF_MAX

__all__ = ["BackoffRetryMiddleware", "GuardMiddleware", "RefusedRequest"]


class RefusedRequest(IgnoreRequest):
    """The guard (or the scheme check) refused a URL; the message says why."""


class GuardMiddleware:
    """Refuses non-http(s) URLs and whatever the policy's guard refuses, before any I/O."""

    def __init__(self, guard: UrlGuard | None) -> None:
        self.guard = guard

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Take the spider's `url_guard` (None: only the scheme check)."""
        return cls(getattr(crawler.spider, "url_guard", None))

    async def process_request(self, request: Request) -> None:
        """Raise `RefusedRequest` (the request's errback sees it) when the URL is refused."""
        problem = await self._verdict(request.url)
        if problem:
            raise RefusedRequest(f"refused to fetch {request.url}: {problem}")

    async def _verdict(self, url: str) -> str | None:
        if not url.startswith(("http://", "https://")):
            return f"only http and https URLs are fetched (got {url.split(':', 1)[0]!r})"
        if self.guard is None:
            return None
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as error:
            return f"refused an unreadable URL {url!r}: {error}"
        verdict = self.guard(parsed)
        if inspect.isawaitable(verdict):
            return await verdict
        return verdict


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (RETRY_TIMES, RETRY_HTTP_CODES) with a wait before each retry."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("EXPORTWATCH_BACKOFF_BASE", BACKOFF_BASE)
        self.longest = settings.getfloat("EXPORTWATCH_BACKOFF_MAX", BACKOFF_MAX)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        """Retry a retryable status after the backoff (or the server's Retry-After)."""
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await asyncio.sleep(self._wait(result, response.headers.get(b"Retry-After")))
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        """Retry a network failure (timeout, refused connection, …) after the backoff."""
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await asyncio.sleep(self._wait(result, None))
        return result

    def _wait(self, retry: Request, retry_after: bytes | None) -> float:
        asked = retry_after.decode("latin-1").strip() if retry_after else ""
        if asked.isdigit():
            return min(float(asked), self.longest)
        attempt = int(retry.meta.get("retry_times", 1))
        wait = self.base * 2 ** (attempt - 1)
        return float(min(wait * random.uniform(0.8, 1.2), self.longest))
