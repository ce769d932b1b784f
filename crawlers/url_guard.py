"""SSRF protection: refuse URLs whose host is, or resolves to, a non-public address.

`UrlGuard` is the `FetchPolicy.guard` built from settings; it is checked on every redirect hop
and every Scrapy request, after DNS resolution, and pickles to the html crawl subprocess.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

__all__ = ["METADATA_ADDRESSES", "Resolver", "UrlGuard", "address_rule", "resolve_host"]

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

    A module-level class holding a module-level resolver, so it pickles for the crawl process.
    """

    allow_private: bool = False
    resolver: Resolver = resolve_host

    async def __call__(self, url: httpx.URL) -> str | None:
        """None when `url` may be fetched, else a readable reason naming URL, address, rule."""
        if url.scheme not in ("http", "https"):
            return f"only http and https URLs are fetched (got {url.scheme!r} in {url})"
        host = url.raw_host.decode("ascii", "replace")
        if not host:
            return f"{url} has no host"
        if self.allow_private:
            return None
        return await self._check_addresses(url, host)

    async def _check_addresses(self, url: httpx.URL, host: str) -> str | None:
        try:
            async with asyncio.timeout(DNS_TIMEOUT):
                addresses = await self.resolver(host)
        except TimeoutError:
            return f"cannot resolve the host of {url}: no DNS answer within {DNS_TIMEOUT:g} s"
        except (OSError, UnicodeError, ValueError) as error:
            return f"cannot resolve the host of {url}: {error}"
        if not addresses:
            return f"cannot resolve the host of {url}: no addresses"
        for address in addresses:
            rule = address_rule(address)
            if rule:
                return (
                    f"{url} resolves to {address} ({rule} address); "
                    f"private networks are refused unless {_SETTING} is set"
                )
        return None
