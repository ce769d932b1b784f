"""What a crawl subprocess is told: the Scrapy settings built from definition and policy.

Plain values only (no Scrapy import), so the parent process builds them and hands them to the
crawl subprocess in a `CrawlJob` file; the same `FetchPolicy` limits the feed fetcher and the
spiders. The policy's URL guard is a callable, so the job carries it pickled.
"""

from __future__ import annotations

import base64
import json
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exportwatch.crawlers.definitions import HtmlSource, validate_definition
from exportwatch.crawlers.fetching import FetchPolicy, UrlGuard

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_MAX",
    "DEFAULT_TIMEOUT",
    "HTML_ACCEPT",
    "MEMORY_LIMIT_MB",
    "PAGE_CAP",
    "ROBOTS_USER_AGENT",
    "SOFT_DEADLINE_SHARE",
    "START_DELAY",
    "CrawlJob",
    "build_settings",
]

HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
ROBOTS_USER_AGENT = "exportwatch"  # the token a robots.txt names us by
START_DELAY = 1.0  # AutoThrottle's first delay per host; it then follows the server's latency
MAX_DELAY = 30.0
RETRY_TIMES = 2
BACKOFF_BASE = 1.0  # seconds before the first retry, doubled for each further one
BACKOFF_MAX = 30.0
PAGE_CAP = 20_000  # responses per run, whatever the definition says
MEMORY_LIMIT_MB = 1024
SOFT_DEADLINE_SHARE = 0.9  # the spider closes itself at this share of the run's time limit
DEFAULT_TIMEOUT = 600.0  # a job file that gives no settings (a definition run by hand)
_MIDDLEWARES = "exportwatch.crawlers.spiders.middlewares"


def build_settings(
    definition: HtmlSource,
    policy: FetchPolicy,
    *,
    timeout: float,
    limit: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Scrapy settings for crawling `definition` within `timeout` seconds (JSON-serializable).

    `limit` stops after that many items (previews); `overrides` replace any value (tests,
    benchmarks). The guard of the policy is not a setting: the runner passes it separately.
    """
    settings: dict[str, Any] = {
        "USER_AGENT": policy.user_agent,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": HTML_ACCEPT,
            "Accept-Language": _accept_language(definition.language),
        },
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_USER_AGENT": ROBOTS_USER_AGENT,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": START_DELAY,
        "AUTOTHROTTLE_MAX_DELAY": MAX_DELAY,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(policy.per_host),
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": policy.max_connections,
        "CONCURRENT_REQUESTS_PER_DOMAIN": policy.per_host,
        # Items go to the journal at once (no pipelines): Scrapy's default of 100 only starts
        # 100 idle tasks per callback, a third of the CPU time of a crawl.
        "CONCURRENT_ITEMS": 4,
        "DOWNLOAD_MAXSIZE": policy.max_bytes,  # also checked after decompression (gzip bombs)
        "DOWNLOAD_WARNSIZE": policy.max_bytes // 2,
        "DOWNLOAD_TIMEOUT": min(policy.total_timeout, timeout),
        "DNS_TIMEOUT": policy.connect_timeout,
        # Twisted connects to the address this resolver checked with the job's guard (no
        # DNS rebinding between the GuardMiddleware's check and the connection).
        "TWISTED_DNS_RESOLVER": "exportwatch.crawlers.spiders.resolver.GuardedResolver",
        "RETRY_TIMES": RETRY_TIMES,
        "EXPORTWATCH_BACKOFF_BASE": BACKOFF_BASE,
        "EXPORTWATCH_BACKOFF_MAX": BACKOFF_MAX,
        "REDIRECT_MAX_TIMES": policy.max_redirects,
        "CLOSESPIDER_PAGECOUNT": PAGE_CAP,
        "CLOSESPIDER_ITEMCOUNT": limit or 0,
        "CLOSESPIDER_TIMEOUT": max(timeout * SOFT_DEADLINE_SHARE, 0.1),
        "MEMUSAGE_LIMIT_MB": MEMORY_LIMIT_MB,
        "LOG_LEVEL": "WARNING",
        "LOGSTATS_INTERVAL": 0,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,  # no listening port in a crawler
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",  # the spider reports it as a problem
        "HTTPCACHE_ENABLED": False,
        # Only http(s): a link on a page must never make the crawler read local files.
        "DOWNLOAD_HANDLERS": {"file": None, "data": None, "s3": None, "ftp": None},
        "DOWNLOADER_MIDDLEWARES": {
            # before robots.txt: every request passes the guard, redirect hops and robots.txt too
            f"{_MIDDLEWARES}.GuardMiddleware": 50,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            f"{_MIDDLEWARES}.BackoffRetryMiddleware": 550,
        },
    }
    settings.update(overrides or {})
    return settings


def _accept_language(language: str | None) -> str:
    if language is None or language == "en":
        return "en"
    return f"{language}, en;q=0.5"


@dataclass(slots=True)
class CrawlJob:
    """One crawl: the definition, its Scrapy settings and the URL guard, as a JSON file.

    The file may also hold a bare html definition (as its YAML reads), crawled with the
    default policy, so a definition can be tried by hand.
    """

    definition: HtmlSource
    settings: dict[str, Any] = field(default_factory=dict)
    guard: UrlGuard | None = None

    def write(self, path: Path) -> None:
        """Write the job file (the guard must pickle: a module-level function or object)."""
        guard = base64.b64encode(pickle.dumps(self.guard)).decode() if self.guard else None
        data = {
            # the schedule is the scheduler's business, and its JSON form does not validate
            "definition": self.definition.model_dump(mode="json", exclude={"schedule"}),
            "settings": self.settings,
            "guard": guard,
        }
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> CrawlJob:
        """Read a job file written by `write` or a bare definition (raises ValueError)."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        if "definition" not in data:
            data = {"definition": data}
        definition = validate_definition(data["definition"], None)
        if not isinstance(definition, HtmlSource):
            raise ValueError(f"source {definition.id!r} is of type {definition.type!r}, not html")
        settings = data.get("settings") or build_settings(
            definition, FetchPolicy(), timeout=DEFAULT_TIMEOUT
        )
        guard = data.get("guard")
        # The file comes from the parent process (a private temporary directory): trusted.
        return cls(definition, settings, pickle.loads(base64.b64decode(guard)) if guard else None)
