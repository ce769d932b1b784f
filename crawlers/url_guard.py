"""SSRF protection: refuse URLs whose host is, or resolves to, a non-public address.

`UrlGuard` is the `FetchPolicy.guard` built from settings; it is checked on every redirect hop
and every Scrapy request, after DNS resolution, and pickles to the html crawl subprocess.
`GuardedBackend` closes the DNS-rebinding window of httpx: each connection resolves the host
once, checks every address and connects to the checked one (TLS still verifies the name).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import httpcore
import httpx

__all__ = [
    "METADATA_ADDRESSES",
    "GuardedBackend",
    "RefusedConnection",
    "Resolver",
    "UrlGuard",
    "address_rule",
    "guarded_transport",
    "resolve_host",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: Resolves a host name (or IP literal) to every address it has, as strings.
Resolver = Callable[[str], Awaitable[list[str]]]

#: The instance metadata services of the clouds (AWS's IPv6 one too): credentials live there.
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
DNS_TIMEOUT = 10.0
_SETTING = "EXPORTWATCH_ALLOW_PRIVATE_NETWORKS"
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_RULES: tuple[tuple[str, Callable[[IPAddress], bool]], ...] = (
    ("cloud metadata", lambda address: address in METADATA_ADDRESSES),
    ("unspecified", lambda address: address.is_unspecified),
    ("loopback", lambda address: address.is_loopback),
    ("link-local", lambda address: address.is_link_local),
    ("multicast", lambda address: address.is_multicast),
    ("unique-local", lambda address: address.version == 6 and address in _UNIQUE_LOCAL),
    ("private", lambda address: address.is_private),
    ("reserved", lambda address: address.is_reserved),
    ("non-public", lambda address: not address.is_global),
)


async def resolve_host(host: str) -> list[str]:
    """Every address of `host` by `socket.getaddrinfo` (IP literals in any form it accepts)."""
    loop = asyncio.get_running_loop()
    answers = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


def address_rule(text: str) -> str | None:
    """The rule that makes an address non-public ("loopback", "private", …), else None."""
    try:
        address: IPAddress = ipaddress.ip_address(text.split("%", 1)[0])  # no IPv6 zone
    except ValueError:
        return "unparseable"
    for embedded in _embedded_ipv4(address):
        rule = address_rule(str(embedded))
        if rule:
            return rule
    return next((name for name, applies in _RULES if applies(address)), None)


def _embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 address an IPv6 one carries (IPv4-mapped, 6to4): checked as that address."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    return [found for found in (address.ipv4_mapped, address.sixtofour) if found is not None]


@dataclass(frozen=True, slots=True)
class UrlGuard:
    """Refuses non-http(s) URLs and hosts with any non-public address unless `allow_private`.

    `trusted` addresses pass although non-public (tests; an operator's one internal mirror).
    A module-level class holding a module-level resolver, so it pickles for the crawl process.
    """

    allow_private: bool = False
    resolver: Resolver = resolve_host
    trusted: frozenset[str] = frozenset()

    async def __call__(self, url: httpx.URL) -> str | None:
        """None when `url` may be fetched, else a readable reason naming URL, address, rule."""
        if url.scheme not in ("http", "https"):
            return f"only http and https URLs are fetched (got {url.scheme!r} in {url})"
        host = url.raw_host.decode("ascii", "replace")
        if not host:
            return f"{url} has no host"
        if self.allow_private:
            return None
        _, problem = await self.checked_addresses(host, str(url))
        return problem

    def refuses(self, address: str) -> str | None:
        """The rule that forbids connecting to `address` ("loopback", …), else None."""
        if self.allow_private or address.split("%", 1)[0] in self.trusted:
            return None
        return address_rule(address)

    async def checked_addresses(
        self, host: str, shown: str | None = None
    ) -> tuple[list[str], str | None]:
        """Every address of `host` and None, or no addresses and why they are refused.

        `shown` names the request in the problem (the URL; the host when not given).
        """
        shown = shown or host
        try:
            async with asyncio.timeout(DNS_TIMEOUT):
                addresses = await self.resolver(host)
        except TimeoutError:
            return [], f"cannot resolve the host of {shown}: no DNS answer within {DNS_TIMEOUT:g} s"
        except (OSError, UnicodeError, ValueError) as error:
            return [], f"cannot resolve the host of {shown}: {error}"
        if not addresses:
            return [], f"cannot resolve the host of {shown}: no addresses"
        for address in addresses:
            rule = self.refuses(address)
            if rule:
                return [], (
                    f"{shown} resolves to {address} ({rule} address); "
                    f"private networks are refused unless {_SETTING} is set"
                )
        return addresses, None


class RefusedConnection(httpcore.ConnectError):
    """The guard refused the address a connection would have gone to (httpx: ConnectError)."""


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves each host once, checks every address, connects to a checked one.

    Without it httpx would resolve the name again after the guard looked at it, and a DNS
    server answering a public address first and 127.0.0.1 next (rebinding) would get through.
    The TLS layer above still sends SNI and verifies the certificate for the host name.
    """

    def __init__(self, guard: UrlGuard, backend: httpcore.AsyncNetworkBackend | None = None):
        self.guard = guard
        self._backend = backend or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """A stream to the first checked address of `host` that accepts the connection."""
        addresses, problem = await self.guard.checked_addresses(host)
        if problem:
            raise RefusedConnection(problem)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._backend.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None  # addresses is never empty without a problem
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Never: a Unix socket is a local service."""
        raise RefusedConnection(f"refused to connect to the Unix socket {path}")

    async def sleep(self, seconds: float) -> None:
        """Sleep as the wrapped backend does."""
        await self._backend.sleep(seconds)


def guarded_transport(guard: UrlGuard, *, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose direct connections go through `GuardedBackend`.

    httpx 0.28 takes no network backend, so the transport's pool is rebuilt with one
    (`tests/crawlers/test_url_guard.py` checks this still holds after an upgrade).
    """
    transport = httpx.AsyncHTTPTransport(limits=limits)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(guard),
    )
    return transport
