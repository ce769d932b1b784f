"""How crawlers fetch: one polite HTTP client policy, capped bodies, redirects hop by hop.

The `Fetcher` follows redirects itself, so a URL guard (SSRF protection) can check every hop;
it streams bodies and stops at a size cap counted both on the wire and after decompression
(gzip bombs), sends conditional requests, limits concurrent requests per host, and turns every
network failure into a readable problem on the `FetchResult` instead of an exception.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import re
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

from exportwatch.crawlers import url_guard
from exportwatch.model import utcnow
from exportwatch.settings import Settings

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FEED_ACCEPT",
    "PROJECT_URL",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "Hop",
    "UrlGuard",
    "Validators",
    "contact_url",
    "user_agent",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
PROJECT_URL = "https://github.com/exportwatch/exportwatch"
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
_DRAIN_LIMIT = 65536
_LONGEST_WAIT = timedelta(days=7)  # a Retry-After or max-age beyond this is taken as this
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0")
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)")

#: Checks a URL before it is requested (every redirect hop too): a problem refuses it.
UrlGuard = Callable[[httpx.URL], "str | Awaitable[str | None] | None"]


@functools.cache
def _version() -> str:
    try:
        return version("exportwatch")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def user_agent(contact: str | None = None) -> str:
    """`exportwatch/<version> (+<contact URL>)`: who is asking and where to complain."""
    return f"exportwatch/{_version()} (+{contact or PROJECT_URL})"


def contact_url(settings: Settings) -> str:
    """The service's public URL for the User-Agent; the project URL while it is local-only."""
    host = urlsplit(settings.base_url).hostname or ""
    return PROJECT_URL if host in _LOOPBACK or host.endswith(".localhost") else settings.base_url


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits and manners of every request; one policy object instead of flags."""

    user_agent: str = field(default_factory=user_agent)
    accept: str = FEED_ACCEPT
    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # longest silence while reading
    total_timeout: float = 60.0  # one fetch, all redirect hops and the body included
    max_bytes: int = DEFAULT_MAX_BYTES  # on the wire and after decompression
    max_redirects: int = 5
    per_host: int = 2  # requests in flight to one host
    max_connections: int = 64
    guard: UrlGuard | None = None
    trust_env: bool = True  # proxies from HTTP(S)_PROXY / NO_PROXY

    @classmethod
    def from_settings(cls, settings: Settings, **changes: Any) -> FetchPolicy:
        """The default policy: the User-Agent naming this installation, the settings' guard."""
        guard = url_guard.UrlGuard(allow_private=settings.allow_private_networks)
        return replace(cls(user_agent=user_agent(contact_url(settings)), guard=guard), **changes)


@dataclass(frozen=True, slots=True)
class Validators:
    """What makes the next request conditional: the last ETag and Last-Modified."""

    etag: str | None = None
    last_modified: str | None = None

    def request_headers(self) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for the validators that are known."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True, slots=True)
class Hop:
    """One redirect that was followed."""

    url: str
    status: int
    location: str


@dataclass(slots=True)
class FetchResult:
    """The outcome of one fetch; `error` says why there is no usable body, if so."""

    url: str
    final_url: str
    status: int | None = None
    hops: list[Hop] = field(default_factory=list)
    moved_to: str | None = None  # where permanent redirects lead: store it as the new URL
    not_modified: bool = False
    validators: Validators = field(default_factory=Validators)
    body: bytes = b""
    content_type: str | None = None
    retry_after: timedelta | None = None
    max_age: timedelta | None = None
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """A 2xx with a complete body, or a 304."""
        return self.error is None and self.status is not None

    @property
    def permanent_redirect(self) -> bool:
        """Whether the source should be fetched from `moved_to` from now on."""
        return self.moved_to is not None

    @property
    def gone(self) -> bool:
        """HTTP 410: the publisher removed the resource for good."""
        return self.status == 410

    @property
    def statuses(self) -> list[int]:
        """Every HTTP status seen, redirects first."""
        seen = [hop.status for hop in self.hops]
        return [*seen, self.status] if self.status is not None else seen

    def _fail(self, problem: str) -> None:
        if self.error is None:
            self.error = problem
        self.problems.append(problem)


class _TooLarge(Exception):
    pass


@dataclass(slots=True)
class _Budget:
    """Seconds left for the remaining hops of one fetch."""

    left: float


class Fetcher:
    """An HTTP client with the crawler's policy; use as `async with Fetcher(policy) as f:`."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        timeout = httpx.Timeout(
            self.policy.read_timeout,
            connect=self.policy.connect_timeout,
            pool=self.policy.total_timeout,
        )
        limits = httpx.Limits(max_connections=self.policy.max_connections)
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=timeout,
            limits=limits,
            headers={
                "User-Agent": self.policy.user_agent,
                "Accept": self.policy.accept,
                "Accept-Encoding": "gzip, deflate",
            },
            transport=transport or _pinned_transport(self.policy.guard, limits),
            trust_env=self.policy.trust_env,
        )
        self._slots: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, exc: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    async def fetch(self, url: str, validators: Validators | None = None) -> FetchResult:
        """GET `url` (conditionally, given validators); never raises for network trouble."""
        result = FetchResult(url=url, final_url=url)
        started = time.perf_counter()
        try:
            budget = _Budget(self.policy.total_timeout)
            await self._follow(result, validators or Validators(), budget)
        except TimeoutError:
            result._fail(f"no complete answer within {self.policy.total_timeout:g} s")
        except httpx.TimeoutException as error:
            result._fail(_timeout_problem(error, result.final_url, self.policy))
        except (httpx.HTTPError, OSError) as error:
            result._fail(_network_problem(error, result.final_url))
        except httpx.InvalidURL as error:
            result._fail(f"invalid URL {result.final_url!r}: {error}")
        result.elapsed = time.perf_counter() - started
        result.moved_to = _moved_to(result)
        return result

    async def _follow(self, result: FetchResult, validators: Validators, budget: _Budget) -> None:
        url = httpx.URL(result.url)
        visited: list[str] = []
        for _ in range(self.policy.max_redirects + 1):
            if str(url) in visited:
                loop = [*visited[visited.index(str(url)) :], str(url)]
                result._fail(f"redirect loop: {' → '.join(loop)}")
                return
            visited.append(str(url))
            result.final_url = str(url)
            refused = await self._check(url)
            if refused:
                result._fail(f"refused to fetch {url}: {refused}")
                return
            target = await self._request(url, validators, result, budget)
            if target is None:
                return
            url = target
        result._fail(f"too many redirects (more than {self.policy.max_redirects})")

    async def _check(self, url: httpx.URL) -> str | None:
        if url.scheme not in ("http", "https"):
            return f"only http and https URLs are fetched (got {url.scheme!r})"
        if self.policy.guard is None:
            return None
        verdict = self.policy.guard(url)
        return await verdict if inspect.isawaitable(verdict) else verdict

    async def _request(
        self, url: httpx.URL, validators: Validators, result: FetchResult, budget: _Budget
    ) -> httpx.URL | None:
        """One hop: returns where a redirect points, else None (result filled in).

        The time limit runs only while the host's slot is held, so a fetch queued behind a
        slow host's other feeds does not time out before it is sent.
        """
        async with self._slot(url):
            started = time.perf_counter()
            try:
                async with asyncio.timeout(budget.left):
                    return await self._exchange(url, validators, result)
            finally:
                budget.left -= time.perf_counter() - started

    async def _exchange(
        self, url: httpx.URL, validators: Validators, result: FetchResult
    ) -> httpx.URL | None:
        request = self._client.build_request("GET", url, headers=validators.request_headers())
        response = await self._client.send(request, stream=True)
        try:
            target = await self._answer(response, validators, result)
            await _drain(response)
            return target
        finally:
            await response.aclose()

    async def _answer(
        self, response: httpx.Response, validators: Validators, result: FetchResult
    ) -> httpx.URL | None:
        status = response.status_code
        location = response.headers.get("location")
        if status in REDIRECTS and location:
            target = response.url.join(location)
            result.hops.append(Hop(str(response.url), status, str(target)))
            return target
        result.status = status
        result.content_type = response.headers.get("content-type")
        result.retry_after = _retry_after(response.headers.get("retry-after"))
        result.max_age = _max_age(response.headers.get("cache-control"))
        if status == 304:
            result.not_modified = True
            result.validators = _validators(response, fallback=validators)
        elif status in REDIRECTS:
            result._fail(f"HTTP {status} without a Location header at {response.url}")
        elif not 200 <= status < 300:
            result._fail(_status_problem(response, result.retry_after))
        else:
            result.validators = _validators(response, fallback=Validators())
            result.body = await self._read(response, result)
        return None

    async def _read(self, response: httpx.Response, result: FetchResult) -> bytes:
        cap = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            result._fail(f"response too large: {int(declared):,} bytes announced, {_cap(cap)}")
            return b""
        coding = response.headers.get("content-encoding", "identity").strip().lower()
        decoder = _Decoder.for_coding(coding, cap)
        if decoder is None:
            result._fail(f"unsupported Content-Encoding {coding!r}")
            return b""
        chunks: list[bytes] = []
        received = 0
        try:
            async for chunk in response.aiter_raw():
                received += len(chunk)
                if received > cap:
                    raise _TooLarge(f"response larger than {_cap(cap)}")
                chunks.append(decoder.decode(chunk))
            chunks.append(decoder.flush())
        except _TooLarge as error:
            result._fail(f"{error}; stopped reading {response.url}")
            return b""
        except zlib.error as error:
            result._fail(f"cannot decompress the {coding} body of {response.url}: {error}")
            return b""
        return b"".join(chunks)

    @asynccontextmanager
    async def _slot(self, url: httpx.URL) -> AsyncIterator[None]:
        key = f"{url.scheme}://{url.host}:{url.port or ''}"
        semaphore = self._slots.get(key)
        if semaphore is None:
            semaphore = self._slots[key] = asyncio.Semaphore(self.policy.per_host)
        async with semaphore:
            yield


def _pinned_transport(
    guard: UrlGuard | None, limits: httpx.Limits
) -> httpx.AsyncHTTPTransport | None:
    """Connections that go only to addresses the settings' guard has checked (no rebinding)."""
    if isinstance(guard, url_guard.UrlGuard) and not guard.allow_private:
        return url_guard.guarded_transport(guard, limits=limits)
    return None


class _Decoder:
    """Undoes gzip or deflate, never producing more than `limit` bytes in all."""

    def __init__(self, wbits: int | None, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._wbits = wbits
        self._zlib = zlib.decompressobj(wbits) if wbits is not None else None
        self._started = False

    @classmethod
    def for_coding(cls, coding: str, limit: int) -> _Decoder | None:
        gzip = 32 + zlib.MAX_WBITS  # gzip or zlib header, whichever the body starts with
        wbits = {"identity": None, "": None, "gzip": gzip, "x-gzip": gzip}
        wbits["deflate"] = zlib.MAX_WBITS
        return cls(wbits[coding], limit) if coding in wbits else None

    def decode(self, chunk: bytes) -> bytes:
        if self._zlib is None:
            return self._count(chunk)
        try:
            return self._inflate(chunk)
        except zlib.error:
            if self._started or self._wbits != zlib.MAX_WBITS:
                raise
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send
            return self._inflate(chunk)

    def flush(self) -> bytes:
        return self._count(self._zlib.flush()) if self._zlib is not None else b""

    def _inflate(self, data: bytes) -> bytes:
        assert self._zlib is not None
        pieces = []
        while data and not self._zlib.eof:
            piece = self._zlib.decompress(data, self.limit - self.size + 1)
            self._started = True
            pieces.append(self._count(piece))
            data = self._zlib.unconsumed_tail
        return b"".join(pieces)

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise _TooLarge(f"response larger than {_cap(self.limit)} once decompressed")
        return data


async def _drain(response: httpx.Response) -> None:
    """Read the short body of a 304, redirect or error, so the connection can be reused."""
    if response.is_stream_consumed:
        return
    received = 0
    async for chunk in response.aiter_raw():
        received += len(chunk)
        if received > _DRAIN_LIMIT:
            return  # not worth it: closing the response closes the connection


def _cap(limit: int) -> str:
    size = f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"
    return f"the cap is {size}"


def _validators(response: httpx.Response, fallback: Validators) -> Validators:
    return Validators(
        etag=response.headers.get("etag") or fallback.etag,
        last_modified=response.headers.get("last-modified") or fallback.last_modified,
    )


def _moved_to(result: FetchResult) -> str | None:
    """The target of the permanent redirects the fetch started with, if it then succeeded."""
    moved = None
    for hop in result.hops:
        if hop.status not in PERMANENT_REDIRECTS:
            break
        moved = hop.location
    return moved if result.ok else None


def _retry_after(value: str | None) -> timedelta | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(timedelta(seconds=int(value)), _LONGEST_WAIT)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, origin unknown
        when = when.replace(tzinfo=UTC)
    return min(max(when - utcnow(), timedelta(0)), _LONGEST_WAIT)


def _max_age(value: str | None) -> timedelta | None:
    if not value or "no-store" in value or "no-cache" in value:
        return None
    match = _MAX_AGE.search(value)
    return min(timedelta(seconds=int(match[1])), _LONGEST_WAIT) if match else None


def _status_problem(response: httpx.Response, retry_after: timedelta | None) -> str:
    reason = f" {response.reason_phrase}" if response.reason_phrase else ""
    text = f"HTTP {response.status_code}{reason} at {response.url}"
    if response.status_code == 410:
        return f"{text}: the publisher removed it for good"
    if retry_after is not None:
        return f"{text} (retry after {int(retry_after.total_seconds())} s)"
    return text


def _timeout_problem(error: httpx.TimeoutException, url: str, policy: FetchPolicy) -> str:
    host = urlsplit(url).hostname
    if isinstance(error, httpx.ConnectTimeout):
        return f"cannot connect to {host}: no answer within {policy.connect_timeout:g} s"
    if isinstance(error, httpx.ReadTimeout):
        return f"{host} stopped sending: nothing received for {policy.read_timeout:g} s"
    return f"request to {host} timed out ({type(error).__name__})"


def _network_problem(error: Exception, url: str) -> str:
    host = urlsplit(url).hostname
    detail = str(error) or type(error).__name__
    if isinstance(error, httpx.ConnectError):
        return f"cannot connect to {host}: {detail}"
    if isinstance(error, httpx.RemoteProtocolError | httpx.LocalProtocolError):
        return f"broken HTTP answer from {host}: {detail}"
    return f"network error talking to {host}: {detail}"
