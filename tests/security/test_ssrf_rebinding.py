"""SSRF after DNS resolution: the address checked is the address connected to, on every hop.

Two real servers share one port: 127.0.0.2 plays a public host (the guard trusts it) and
127.0.0.1 an internal service that must never see a request. Names other than "localhost"
resolve through a stub resolver (no DNS server can be started here), whose answers change
between calls as a rebinding DNS server's would; "localhost" resolves for real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from exportwatch.crawlers import Fetcher, FetchPolicy, FetchResult, HtmlSource, validate_definition
from exportwatch.crawlers.html_crawl import run_html_crawl
from exportwatch.crawlers.url_guard import GuardedBackend, UrlGuard, resolve_host
from tests.security.hostile_server import HostileServer, pair_of_servers, plain, redirect

PUBLIC = "127.0.0.2"
LOOPBACK_RULE = "resolves to 127.0.0.1 (loopback address)"
PAGE = Path(__file__).parents[1] / "fixtures" / "security" / "list.html"


class RebindingResolver:
    """public.test → 127.0.0.2; internal.test → 127.0.0.1; rebind.test → public, then 127.0.0.1."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def __call__(self, host: str) -> list[str]:
        self.calls.append(host)
        if host == "public.test":
            return [PUBLIC]
        if host == "internal.test":
            return ["127.0.0.1"]
        if host == "rebind.test":
            return [PUBLIC] if self.calls.count(host) == 1 else ["127.0.0.1"]
        return await resolve_host(host)


@pytest.fixture
def servers() -> Iterator[tuple[HostileServer, HostileServer]]:
    yield from pair_of_servers()


def fetch(url: str, resolver: RebindingResolver) -> FetchResult:
    guard = UrlGuard(resolver=resolver, trusted=frozenset({PUBLIC}))

    async def run() -> FetchResult:
        async with Fetcher(FetchPolicy(trust_env=False, guard=guard, total_timeout=10)) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(run())


def test_a_trusted_public_looking_host_is_fetched(
    servers: tuple[HostileServer, HostileServer],
) -> None:
    public, internal = servers
    public.routes["/feed"] = plain(b"<rss/>")
    result = fetch(public.url("feed", "public.test"), RebindingResolver())
    assert result.ok and result.body == b"<rss/>"
    assert public.requests == ["/feed"] and internal.requests == []


def test_dns_rebinding_between_check_and_connect_is_refused(
    servers: tuple[HostileServer, HostileServer],
) -> None:
    public, internal = servers
    resolver = RebindingResolver()
    result = fetch(public.url("feed", "rebind.test"), resolver)
    assert resolver.calls == ["rebind.test", "rebind.test"]  # the check, then the connection
    assert result.error is not None and result.status is None
    assert f"rebind.test {LOOPBACK_RULE}" in result.error
    assert internal.requests == [] and public.requests == []


@pytest.mark.parametrize("target", ["localhost", "internal.test", "rebind.test", "127.0.0.1"])
def test_a_redirect_from_a_public_host_to_loopback_is_refused(
    servers: tuple[HostileServer, HostileServer], target: str
) -> None:
    public, internal = servers
    public.routes["/start"] = redirect(internal.url("secret", target))
    resolver = RebindingResolver()
    resolver.calls.append("rebind.test")  # its first, public answer was given already
    result = fetch(public.url("start", "public.test"), resolver)
    assert result.error is not None and LOOPBACK_RULE in result.error
    assert result.statuses == [302]
    assert public.requests == ["/start"] and internal.requests == []


def test_the_settings_guard_pins_connections() -> None:
    """The Fetcher of a strict policy connects through the checking backend (httpx internals
    this relies on are still there after an upgrade)."""
    fetcher = Fetcher(FetchPolicy(guard=UrlGuard()))
    pool = fetcher._client._transport._pool  # type: ignore[attr-defined]
    assert isinstance(pool._network_backend, GuardedBackend)
    lenient = Fetcher(FetchPolicy(guard=UrlGuard(allow_private=True)))
    assert not isinstance(
        lenient._client._transport._pool._network_backend,  # type: ignore[attr-defined]
        GuardedBackend,
    )


# The crawl process imports these by reference (the guard is pickled).


async def localhost_looks_public(host: str) -> list[str]:
    """A first DNS answer that says "public" for localhost; Twisted's own lookup says 127.0.0.1."""
    return [PUBLIC] if host == "localhost" else await resolve_host(host)


def html_source(*urls: str) -> HtmlSource:
    data = yaml.safe_load((PAGE.parent / "html-source.yaml").read_text("utf-8"))
    definition = validate_definition(data | {"urls": list(urls)}, None)
    assert isinstance(definition, HtmlSource)
    return definition


def test_the_scrapy_crawl_checks_the_address_it_connects_to(
    servers: tuple[HostileServer, HostileServer],
) -> None:
    public, internal = servers
    internal.routes["/list.html"] = plain(PAGE.read_bytes())
    public.routes["/hop"] = redirect(internal.url("list.html", "localhost"))
    direct, hop = internal.url("list.html", "localhost"), public.url("hop")
    guard = UrlGuard(resolver=localhost_looks_public, trusted=frozenset({PUBLIC}))
    outcome = run_html_crawl(
        html_source(direct, hop),
        policy=FetchPolicy(guard=guard),
        timeout=30,
        overrides={"RETRY_TIMES": 0, "AUTOTHROTTLE_START_DELAY": 0.05},
    )
    refusal = (
        f"localhost {LOOPBACK_RULE}; private networks are refused unless "
        "EXPORTWATCH_ALLOW_PRIVATE_NETWORKS is set"
    )
    assert sorted(outcome.problems) == [
        f"list page not read: refused to fetch {direct}: {refusal}",
        f"list page not read: refused to fetch {direct}: {refusal}",
    ]
    assert outcome.items == []
    assert internal.requests == []
    assert "/hop" in public.requests
    assert httpx.URL(hop).host == PUBLIC
