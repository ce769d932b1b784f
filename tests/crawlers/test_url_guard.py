"""The SSRF guard: non-public addresses and schemes refused, on every hop, after resolution.

Nothing here contacts any host but 127.0.0.1: names other than "localhost" and IP literals go
to a fake resolver, and refused URLs are never requested.
"""

from __future__ import annotations

import asyncio
import pickle
import socket
from pathlib import Path

import httpx
import pytest

from exportwatch.crawlers import Fetcher, FetchPolicy, FetchResult, HtmlSource, load_definition
from exportwatch.crawlers.spiders import CrawlJob, build_settings
from exportwatch.crawlers.url_guard import UrlGuard, address_rule, resolve_host
from exportwatch.settings import Settings
from tests.crawlers.conftest import SOURCE_FIXTURES
from tests.mockserver import FixtureServer

FEED = "feeds/rss20-ttl.rss"
PUBLIC = "93.184.216.34"  # never contacted: only the fake resolver hands it out
FAIRS = SOURCE_FIXTURES / "valid" / "html-fair-calendar.yaml"

REFUSED_LITERALS = {
    "http://127.0.0.1/": "loopback",
    "http://127.8.9.10:8080/x": "loopback",
    "http://[::1]/": "loopback",
    "http://0.0.0.0/": "unspecified",
    "http://[::]/": "unspecified",
    "http://169.254.169.254/latest/meta-data/": "cloud metadata",
    "http://169.254.1.1/": "link-local",
    "http://[fe80::1]/": "link-local",
    "http://10.0.0.1/": "private",
    "http://172.16.5.4/": "private",
    "https://192.168.1.1/": "private",
    "http://[fd12:3456::1]/": "unique-local",
    "http://[fc00::1]/": "unique-local",
    "http://224.0.0.1/": "multicast",
    "http://[ff02::1]/": "multicast",
    "http://100.64.0.1/": "non-public",
    "http://[::ffff:127.0.0.1]/": "loopback",
    "http://[::ffff:10.0.0.1]/": "private",
    "http://2130706433/": "loopback",  # decimal 127.0.0.1
    "http://0x7f.1/": "loopback",  # hex
    "http://017700000001/": "loopback",  # octal
}


async def only_public(host: str) -> list[str]:
    """A resolver for which every name is the public test address; literals resolve as is."""
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        return [PUBLIC]
    return await resolve_host(host)


async def unknown(host: str) -> list[str]:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def check(guard: UrlGuard, url: str) -> str | None:
    return asyncio.run(guard(httpx.URL(url)))


@pytest.mark.parametrize(("url", "rule"), REFUSED_LITERALS.items())
def test_non_public_literals_are_refused(url: str, rule: str) -> None:
    problem = check(UrlGuard(), url)
    assert problem is not None and problem.startswith(f"{url} resolves to ")
    assert f"({rule} address)" in problem
    assert "EXPORTWATCH_ALLOW_PRIVATE_NETWORKS" in problem


@pytest.mark.parametrize("url", REFUSED_LITERALS)
def test_allow_private_lets_them_through(url: str) -> None:
    assert check(UrlGuard(allow_private=True), url) is None


def test_a_name_resolving_to_loopback_is_refused() -> None:
    problem = check(UrlGuard(), "http://localhost:8080/feed.rss")
    assert problem is not None
    assert problem.startswith("http://localhost:8080/feed.rss resolves to ")
    assert "(loopback address)" in problem


def test_a_public_address_passes() -> None:
    assert check(UrlGuard(resolver=only_public), "https://feeds.example.org/news.rss") is None
    assert check(UrlGuard(), f"http://{PUBLIC}/") is None


def test_any_private_address_of_a_name_refuses_it() -> None:
    async def mixed(host: str) -> list[str]:
        return [PUBLIC, "10.9.8.7"]

    problem = check(UrlGuard(resolver=mixed), "https://rebind.example.org/")
    assert problem == (
        "https://rebind.example.org/ resolves to 10.9.8.7 (private address); "
        "private networks are refused unless EXPORTWATCH_ALLOW_PRIVATE_NETWORKS is set"
    )


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://example.org/", "data:,hi"]
)
@pytest.mark.parametrize("allow_private", [False, True])
def test_other_schemes_are_refused(url: str, allow_private: bool) -> None:
    problem = check(UrlGuard(allow_private=allow_private, resolver=only_public), url)
    assert problem is not None and problem.startswith("only http and https URLs are fetched")


def test_dns_failure_is_a_readable_refusal() -> None:
    problem = check(UrlGuard(resolver=unknown), "https://feeds.invalid/news.rss")
    assert problem == (
        "cannot resolve the host of https://feeds.invalid/news.rss: "
        "[Errno -2] Name or service not known"
    )


def test_address_rule() -> None:
    assert address_rule(PUBLIC) is None
    assert address_rule("2606:2800:220:1:248:1893:25c8:1946") is None
    assert address_rule("fe80::1%eth0") == "link-local"
    assert address_rule("[2002:7f00:1::]".strip("[]")) == "loopback"  # 6to4 of 127.0.0.1
    assert address_rule("not an address") == "unparseable"


def fetch(url: str, guard: UrlGuard) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(FetchPolicy(trust_env=False, guard=guard)) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(run())


#: The fixture server's 127.0.0.1 passes as public; connections still go where names resolve.
SERVER_IS_PUBLIC = UrlGuard(trusted=frozenset({"127.0.0.1"}))


@pytest.mark.parametrize(
    "target", ["http://10.1.2.3:{port}/" + FEED, "http://169.254.169.254/latest/meta-data/"]
)
def test_a_redirect_to_a_private_address_is_refused_at_the_hop(
    fixture_server: FixtureServer, target: str
) -> None:
    port = httpx.URL(fixture_server.url("")).port
    location = target.format(port=port)
    fixture_server.set("a.rss", status=302, headers={"Location": location})
    result = fetch(fixture_server.url("a.rss"), SERVER_IS_PUBLIC)
    assert result.error is not None and result.status is None
    assert result.error.startswith(f"refused to fetch {location}: {location} resolves to ")
    assert [request.path for request in fixture_server.requests] == ["/a.rss"]


def test_a_redirect_to_an_allowed_address_is_followed(fixture_server: FixtureServer) -> None:
    fixture_server.set("a.rss", status=302, headers={"Location": f"/{FEED}"})
    result = fetch(fixture_server.url("a.rss"), SERVER_IS_PUBLIC)
    assert result.ok and result.statuses == [302, 200]


def test_trusted_addresses_pass_and_nothing_else_does() -> None:
    assert SERVER_IS_PUBLIC.refuses("127.0.0.1") is None
    assert SERVER_IS_PUBLIC.refuses("127.0.0.2") == "loopback"
    assert check(SERVER_IS_PUBLIC, "http://127.0.0.1/") is None
    assert check(SERVER_IS_PUBLIC, "http://[::1]/") is not None


def test_the_policy_from_settings_carries_the_guard(settings: Settings) -> None:
    assert FetchPolicy.from_settings(settings).guard == UrlGuard(allow_private=True)
    strict = settings.model_copy(update={"allow_private_networks": False})
    assert FetchPolicy.from_settings(strict).guard == UrlGuard(allow_private=False)
    assert FetchPolicy().guard is None


def test_the_settings_guard_refuses_a_private_source(settings: Settings) -> None:
    strict = settings.model_copy(update={"allow_private_networks": False})
    policy = FetchPolicy.from_settings(strict, trust_env=False)

    async def run() -> FetchResult:
        async with Fetcher(policy) as fetcher:
            return await fetcher.fetch("http://127.0.0.1:1/feed.rss")

    result = asyncio.run(run())
    assert result.error is not None and "(loopback address)" in result.error


def fairs() -> HtmlSource:
    definition = load_definition(FAIRS, None)
    assert isinstance(definition, HtmlSource)
    return definition


def test_the_crawl_process_receives_the_policy_guard(settings: Settings, tmp_path: Path) -> None:
    strict = settings.model_copy(update={"allow_private_networks": False})
    policy = FetchPolicy.from_settings(strict)
    assert pickle.loads(pickle.dumps(policy.guard)) == policy.guard
    job = CrawlJob(fairs(), build_settings(fairs(), policy, timeout=10), policy.guard)
    job.write(tmp_path / "job.json")
    guard = CrawlJob.read(tmp_path / "job.json").guard
    assert isinstance(guard, UrlGuard) and guard == UrlGuard(allow_private=False)
    problem = asyncio.run(guard(httpx.URL("http://10.0.0.1/")))
    assert problem is not None and "(private address)" in problem
