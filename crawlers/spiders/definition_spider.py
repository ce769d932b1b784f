"""The Scrapy spider of `html` sources: list pages, pagination and detail pages, all from rules.

One spider serves every html source: the definition's `rules` say where the items of a list
page are, which link leads to an item's own page, where the next list page is and which
fields to read (CSS or XPath). What the spider finds and every trouble it meets go to a
`Journal` as they happen, so a crawl that is stopped half-way still leaves what it read.
An item whose detail page cannot be read keeps the fields of its list page.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol, Self
from urllib.parse import urlsplit

import parsel
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net
from twisted.python.failure import Failure
from w3lib.encoding import html_body_declared_encoding
from w3lib.url import canonicalize_url

from exportwatch.crawlers.definitions import HtmlSource
from exportwatch.crawlers.definitions import Selector as Rule
from exportwatch.crawlers.fetching import UrlGuard
from exportwatch.crawlers.spiders.resolver import refusal
from exportwatch.model import RawItem, utcnow

__all__ = [
    "TEXT_FIELDS",
    "DefinitionSpider",
    "Journal",
    "Scraped",
    "describe_failure",
    "describe_rule",
]

#: Rule names that fill RawItem's own text fields instead of `fields`.
TEXT_FIELDS = ("title", "summary", "body")
_HTML_FIELDS = frozenset({"summary", "body"})  # kept as markup: the pipeline cleans it
_WHEN = ("dates", "starts", "ends", "deadline")  # with the title: which item it is
_SPACE = re.compile(r"\s+")
_TEXT_NODES = ".//text()[not(ancestor::script or ancestor::style)]"
_VALUE = str | list[str]
#: What the spider yields as a Scrapy item: the RawItem and the key of its incomplete version.
Scraped = dict[str, RawItem | str | None]


class Journal(Protocol):
    """Where the spider reports, as it goes (the runner writes it down as JSON lines)."""

    def item(self, item: RawItem, *, complete: bool, key: str | None = None) -> None:
        """An item; an incomplete one waits for its detail page, and the complete item with
        the same `key` replaces it."""

    def page(self, url: str, status: int) -> None:
        """A list or detail page was received (any status)."""

    def status(self, status: int) -> None:
        """An HTTP response was downloaded (redirects and retried answers included)."""

    def problem(self, text: str) -> None:
        """Something is missing or failed; the run is degraded."""

    def note(self, text: str) -> None:
        """A harmless finding worth telling the source's maintainer."""


class DefinitionSpider(Spider):
    """Crawls one html source as its definition says; reports through the journal."""

    name = "exportwatch-html"

    def __init__(
        self,
        source: HtmlSource,
        journal: Journal,
        url_guard: UrlGuard | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.url_guard = url_guard  # the GuardMiddleware asks it about every request
        self.rules = source.rules
        self.journal = journal
        self.list_pages_read = 0
        self.first_failure: str | None = None
        self._list_urls: set[str] = set()
        self._seen: set[str] = set()  # guids (detail URLs, ids) of the items listed so far
        self._repeats = 0
        self._items = 0
        self._hits: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """The spider, listening to the crawler's response and item signals."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(spider._received, signal=signals.response_received)
        crawler.signals.connect(spider._scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider._failed, signal=signals.spider_error)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        """The first list page of every URL of the definition."""
        for url in self.source.all_urls:
            yield self._list_request(url, page=1)

    # --- list pages -----------------------------------------------------------------------

    def parse_list(self, response: Response, page: int) -> Iterator[Scraped | Request]:
        """Items of one list page (or requests for their detail pages), then the next page."""
        self._list_urls.add(_key(response.url))
        page_text = self._text_response(response, list_page=True)
        if page_text is None:
            self.first_failure = self.first_failure or f"{response.url} is not HTML"
            return
        self.list_pages_read += 1
        try:
            nodes = _select(page_text.selector, self.rules.item)
        except ValueError as error:  # an XPath that fails on this page (parsel's ValueError)
            self.journal.problem(f"the item selector failed on {response.url}: {error}")
            return
        if not nodes:
            self.journal.problem(
                f"the item selector {describe_rule(self.rules.item)} matched nothing on "
                f"{response.url} (has the page changed?)"
            )
        for index, node in enumerate(nodes, start=1):
            try:
                yield from self._list_item(page_text, node, index)
            except Exception as error:  # hostile markup must not cost the other items
                self.journal.problem(f"item {index} on {response.url} could not be read: {error}")
        following = self._next_page(page_text, page)
        if following is not None:
            yield following

    def list_failed(self, failure: Failure) -> None:
        """A list page could not be read: its items and the pages after it are missing."""
        problem = self._describe(failure)
        self.first_failure = self.first_failure or problem
        self.journal.problem(f"list page not read: {problem}")

    def _list_request(self, url: str, page: int) -> Request:
        self._list_urls.add(_key(url))
        return Request(
            url,
            callback=self.parse_list,
            errback=self.list_failed,
            cb_kwargs={"page": page},
            dont_filter=True,  # repeats are checked here, so none is dropped unseen
        )

    def _list_item(
        self, page: TextResponse, node: parsel.Selector, index: int
    ) -> Iterator[Scraped | Request]:
        values = self._values(node, self.rules.fields)
        link = _absolute(page, _first(_extract(node, self.rules.link, keep_html=False)))
        item = self._item(values, page_url=page.url, link=link, anchor=node.attrib.get("id"))
        if item.guid is not None and item.guid in self._seen:
            self._repeats += 1
            return
        if item.guid is not None:
            self._seen.add(item.guid)
        if self.rules.detail is None:
            yield {"item": item, "key": None}
        elif link is None:
            self.journal.problem(
                f"item {index} on {page.url} has no link ({describe_rule(self.rules.link)}): "
                "its detail fields are missing"
            )
            yield {"item": item, "key": None}
        else:
            self.journal.item(item, complete=False, key=link)
            yield Request(
                link,
                callback=self.parse_detail,
                errback=self.detail_failed,
                cb_kwargs={"listed": item, "key": link},
                dont_filter=True,
            )

    def _next_page(self, page: TextResponse, number: int) -> Request | None:
        if self.rules.pagination is None:
            return None
        href = _first(_extract(page.selector, self.rules.pagination, keep_html=False))
        url = _absolute(page, href)
        if url is None:
            return None
        if _key(url) in self._list_urls:
            self.journal.note(f"the next page link of {page.url} leads back to {url}: stopped")
            return None
        if number >= self.rules.max_pages:
            self.journal.note(
                f"stopped after max_pages={self.rules.max_pages} list pages: "
                f"{url} and the pages after it were not read"
            )
            return None
        return self._list_request(url, number + 1)

    # --- detail pages ---------------------------------------------------------------------

    def parse_detail(self, response: Response, listed: RawItem, key: str) -> Iterator[Scraped]:
        """The listed item completed with the fields of its own page."""
        page = self._text_response(response, list_page=False)
        if page is None or self.rules.detail is None:
            yield {"item": listed, "key": key}
            return
        try:
            values = self._values(page.selector, self.rules.detail.fields)
        except Exception as error:  # hostile markup: keep what the list page gave
            self.journal.problem(f"detail page {response.url} could not be read: {error}")
            yield {"item": listed, "key": key}
            return
        yield {"item": _merge(listed, values, url=response.url), "key": key}

    def detail_failed(self, failure: Failure) -> Iterator[Scraped]:
        """The detail page could not be read: the item keeps its list page fields."""
        problem = self._describe(failure)
        self.journal.problem(f"detail page not read, the item keeps its list fields: {problem}")
        request = getattr(failure, "request", None)
        if isinstance(request, Request) and "listed" in request.cb_kwargs:
            yield {"item": request.cb_kwargs["listed"], "key": request.cb_kwargs["key"]}

    def _describe(self, failure: Failure) -> str:
        return describe_failure(
            failure,
            timeout=self.settings.getfloat("DOWNLOAD_TIMEOUT"),
            max_bytes=self.settings.getint("DOWNLOAD_MAXSIZE"),
        )

    # --- values ---------------------------------------------------------------------------

    def _values(self, node: parsel.Selector, rules: dict[str, Rule]) -> dict[str, _VALUE]:
        values: dict[str, _VALUE] = {}
        for name, rule in rules.items():
            value = _extract(node, rule, keep_html=name in _HTML_FIELDS)
            if value:
                values[name] = value
                self._hits[name] += 1
        return values

    def _item(
        self, values: dict[str, _VALUE], *, page_url: str, link: str | None, anchor: str | None
    ) -> RawItem:
        fields = dict(values)
        text = {name: _joined(fields.pop(name, "")) for name in TEXT_FIELDS}
        guid = _joined(fields.pop("guid", "")) or link or anchor or _content_guid(text, fields)
        url = link or (f"{page_url}#{anchor}" if anchor else page_url)
        return RawItem(
            source_id=self.source.id,
            url=url,
            fetched_at=utcnow(),
            guid=guid,
            title=text["title"],
            summary=text["summary"],
            body=text["body"],
            language=self.source.language,
            fields=fields,
        )

    def _text_response(self, response: Response, *, list_page: bool) -> TextResponse | None:
        """The page as text, re-decoded when its declared encoding is wrong; None if no text."""
        if not isinstance(response, TextResponse):
            kind = (response.headers.get(b"Content-Type") or b"no Content-Type").decode("latin-1")
            what = "list page" if list_page else "detail page (the item keeps its list fields)"
            self.journal.problem(f"{what} {response.url} is not HTML ({kind})")
            return None
        declared = response.encoding
        try:
            response.body.decode(declared)
        except (UnicodeDecodeError, LookupError):
            actual = _real_encoding(response.body, declared)
            self.journal.note(
                f"{response.url} is not valid {declared} as it says; read it as {actual}"
            )
            return response.replace(encoding=actual)
        return response

    # --- signals --------------------------------------------------------------------------

    def _downloaded(self, response: Response, request: Request) -> None:
        if not request.meta.get("dont_obey_robotstxt"):
            self.journal.status(response.status)

    def _received(self, response: Response, request: Request) -> None:
        if not request.meta.get("dont_obey_robotstxt"):
            self.journal.page(response.url, response.status)

    def _scraped(self, item: Any) -> None:
        if isinstance(item, dict) and isinstance(item.get("item"), RawItem):
            self._items += 1
            self.journal.item(item["item"], complete=True, key=item.get("key"))

    def _failed(self, failure: Failure, response: Response) -> None:
        self.journal.problem(f"the spider failed on {response.url}: {failure.getErrorMessage()}")

    def _closed(self) -> None:
        """Report repeated items and fields found in no item (a selector matching nothing)."""
        if self._repeats:
            self.journal.note(
                f"{self._repeats} listed items repeat one listed before (same link or id): "
                "each was read once"
            )
        if not self._items:
            return
        rules = dict(self.rules.fields)
        if self.rules.detail is not None:
            rules |= self.rules.detail.fields
        for name, rule in rules.items():
            if self._hits[name] == 0:
                self.journal.problem(
                    f"field {name!r} ({describe_rule(rule)}) matched nothing in any of the "
                    f"{self._items} items"
                )
        missing = self._items - self._hits["title"]
        if 0 < missing < self._items:
            self.journal.problem(f"{missing} of {self._items} items have no title")


# --- selectors ----------------------------------------------------------------------------


def describe_rule(rule: Rule) -> str:
    """`css 'h2 a::text'` or `xpath '//time/@datetime'`, for messages."""
    return f"css {rule.css!r}" if rule.css is not None else f"xpath {rule.xpath!r}"


def _select(node: parsel.Selector, rule: Rule) -> parsel.SelectorList[parsel.Selector]:
    if rule.css is not None:
        return node.css(rule.css)
    return node.xpath(rule.xpath or ".")


def _extract(node: parsel.Selector, rule: Rule, *, keep_html: bool) -> _VALUE | None:
    """Every non-empty match as text (or markup), as a list when the rule says `multiple`."""
    found = [_value(match, keep_html) for match in _select(node, rule)]
    values = [value for value in found if value]
    if rule.multiple:
        return values or None
    return values[0] if values else None


def _value(match: parsel.Selector, keep_html: bool) -> str:
    root = match.root
    if isinstance(root, str | bytes | int | float | bool):  # text, attribute or XPath value
        return _squash(str(root))
    if keep_html:
        return str(match.get()).strip()
    return _squash(" ".join(match.xpath(_TEXT_NODES).getall()))


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _first(value: _VALUE | None) -> str | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _joined(value: _VALUE) -> str:
    return " ".join(value) if isinstance(value, list) else value


def _absolute(page: TextResponse, href: str | None) -> str | None:
    """The link made absolute (honouring <base>); None unless it is an http(s) URL."""
    if not href or href.startswith("#"):
        return None
    url = page.urljoin(href.strip())
    return url if urlsplit(url).scheme in ("http", "https") else None


def _key(url: str) -> str:
    """What makes two URLs the same page: canonical form, without the fragment."""
    return canonicalize_url(url)


def _content_guid(text: dict[str, str], fields: dict[str, _VALUE]) -> str | None:
    """For an item with neither link nor id: its title and dates (stable while they are)."""
    if not text["title"]:
        return None
    parts = [text["title"].casefold(), *(_joined(fields.get(name, "")) for name in _WHEN)]
    return "content:" + hashlib.sha1("\n".join(parts).encode()).hexdigest()[:20]


def _merge(listed: RawItem, values: dict[str, _VALUE], *, url: str) -> RawItem:
    """The list page's item with the detail page's values on top (an empty one never wins)."""
    values, fields = dict(values), dict(listed.fields)
    text = {name: _joined(values.pop(name, "")) for name in TEXT_FIELDS}
    guid = _joined(values.pop("guid", "")) or listed.guid
    fields.update(values)
    return RawItem(
        source_id=listed.source_id,
        url=url,
        fetched_at=utcnow(),
        guid=guid,
        title=text["title"] or listed.title,
        summary=text["summary"] or listed.summary,
        body=text["body"] or listed.body,
        language=listed.language,
        fields=fields,
    )


def _real_encoding(body: bytes, declared: str) -> str:
    """The encoding the page declares in its markup, if it fits; else windows-1252."""
    candidate = html_body_declared_encoding(body)
    if candidate and _same_codec(candidate, declared) is False:
        try:
            body.decode(candidate)
            return candidate
        except (UnicodeDecodeError, LookupError):
            pass
    return "cp1252"


def _same_codec(one: str, other: str) -> bool | None:
    try:
        return codecs.lookup(one).name == codecs.lookup(other).name
    except LookupError:
        return None


# --- failures -----------------------------------------------------------------------------


def describe_failure(failure: Failure, *, timeout: float, max_bytes: int) -> str:
    """A readable sentence for why a request failed, naming the URL."""
    error = failure.value
    request = getattr(failure, "request", None)
    url = request.url if isinstance(request, Request) else "?"
    host = urlsplit(url).hostname or url
    if isinstance(error, HttpError):
        response = error.response
        return f"HTTP {response.status} at {response.url}"
    if isinstance(error, IgnoreRequest):
        return _ignored(str(error), url, request, max_bytes)
    if isinstance(error, CannotResolveHostError | net.DNSLookupError):
        reason = refusal(host)  # the guarded resolver refused its address
        if reason:
            return f"refused to fetch {url}: {reason}"
        return f"cannot resolve the host name {host} (DNS) for {url}"
    if isinstance(error, DownloadConnectionRefusedError | net.ConnectionRefusedError):
        return f"cannot connect to {host}: connection refused ({url})"
    if isinstance(error, DownloadTimeoutError | net.TimeoutError | TimeoutError):
        return f"{host} did not answer within {timeout:g} s ({url})"
    if isinstance(error, DownloadCancelledError):
        return f"response too large, not read: {url} (the cap is {_size(max_bytes)})"
    if isinstance(error, ResponseDataLossError):
        return f"the answer from {host} was cut off ({url})"
    return f"{type(error).__name__} at {url}: {failure.getErrorMessage()}"


def _ignored(message: str, url: str, request: object, max_bytes: int) -> str:
    if "robots.txt" in message:
        return f"robots.txt of {urlsplit(url).netloc} forbids {url}"
    if "redirections" in message and isinstance(request, Request):
        chain: list[str] = []
        for hop in [*request.meta.get("redirect_urls", []), url]:
            if hop in chain:
                return f"redirect loop: {' → '.join([*chain[chain.index(hop) :], hop])}"
            chain.append(hop)
        return f"too many redirects: {' → '.join(chain)}"
    if "DOWNLOAD_MAXSIZE" in message:
        return (
            f"response too large once decompressed, not read: {url} (the cap is {_size(max_bytes)})"
        )
    return message


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:g} MB" if count >= 1024 * 1024 else f"{count:,} bytes"
