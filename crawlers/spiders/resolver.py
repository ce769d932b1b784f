"""The crawl process's DNS resolver: Scrapy connects only to addresses the URL guard allows.

`GuardMiddleware` checks each URL before it is sent, but Twisted resolves the host again to
connect; a DNS server answering a public address first and 127.0.0.1 next (rebinding) would
get through. This resolver checks the very address Twisted connects to. Proxy hosts from the
environment are exempt: the operator chose them. Twisted's endpoint turns any failed lookup
into "no results", so the reason of each refusal is kept here for the spider (`refusal`).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Sequence
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from exportwatch.crawlers.url_guard import UrlGuard

__all__ = ["GUARD_SETTING", "GuardedResolver", "RefusedAddress", "refusal"]

#: The Scrapy setting holding the `UrlGuard` (an object: set in the crawl process, not JSON).
GUARD_SETTING = "EXPORTWATCH_URL_GUARD"
_REFUSALS: dict[str, str] = {}  # host name → why its address was refused (this process)


def refusal(host: str) -> str | None:
    """Why the guarded resolver refused `host` in this process, if it did."""
    return _REFUSALS.get(host)


class RefusedAddress(DNSLookupError):
    """The host resolved to an address the guard refuses."""


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that fails a lookup whose address the guard refuses."""

    def __init__(
        self,
        reactor: ReactorBase,
        cache_size: int,
        timeout: float,
        guard: UrlGuard | None = None,
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.guard = guard
        self.exempt = frozenset(_proxy_hosts())

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> Self:
        """Scrapy's resolver settings plus the guard of `GUARD_SETTING` (None: no check)."""
        resolver = super().from_crawler(crawler, reactor)
        guard = crawler.settings.get(GUARD_SETTING)
        resolver.guard = guard if isinstance(guard, UrlGuard) else None
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        """The address of `name`, or a `RefusedAddress` failure."""
        resolved = super().getHostByName(name, timeout)
        if self.guard is not None and name not in self.exempt:
            resolved.addCallback(self._check, name)
        return resolved

    def _check(self, address: str, name: str) -> str:
        assert self.guard is not None
        rule = self.guard.refuses(address)
        if rule:
            reason = _REFUSALS[name] = (
                f"{name} resolves to {address} ({rule} address); private networks "
                "are refused unless EXPORTWATCH_ALLOW_PRIVATE_NETWORKS is set"
            )
            raise RefusedAddress(reason)
        return address


def _proxy_hosts() -> list[str]:
    proxies: dict[str, Any] = urllib.request.getproxies()
    return [host for url in proxies.values() if (host := urlsplit(str(url)).hostname)]
