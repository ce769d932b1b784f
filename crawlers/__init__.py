"""Crawlers: source definitions, the polite fetcher, the feed reader and the extractors.

Import from here; the submodules are the implementation. A source is one YAML file validated
by `load_definition`/`check_definitions`; feed sources are polled with `poll_feeds`, which
fetches through a `Fetcher` and reads every feed format into `RawItem`s with `parse_feed`.
`extract` reads a fetched body of any other non-HTML type (sitemap, ics, jsonld, json, xml,
csv) into the same `RawItem`s, with problems, notes and URLs to follow (`Extracted`).
"""

from exportwatch.crawlers.definitions import (
    SOURCE_TYPES,
    CsvSource,
    FeedSource,
    HtmlSource,
    IcsRules,
    IcsSource,
    JsonLdSource,
    JsonSource,
    Schedule,
    SitemapRules,
    SitemapSource,
    SourceDefinition,
    XmlSource,
    validate_definition,
)
from exportwatch.crawlers.extraction import EXTRACTED_TYPES, Extracted, extract
from exportwatch.crawlers.feeds import ParsedFeed, parse_feed
from exportwatch.crawlers.fetching import (
    Fetcher,
    FetchPolicy,
    FetchResult,
    UrlGuard,
    Validators,
    contact_url,
    user_agent,
)
from exportwatch.crawlers.html_crawl import CrawlOutcome, run_html_crawl
from exportwatch.crawlers.loading import (
    CheckedFile,
    check_definitions,
    definition_files,
    definition_from_yaml,
    load_definition,
    load_definitions,
)
from exportwatch.crawlers.polling import (
    FeedState,
    PollResult,
    ResourceState,
    poll_feed,
    poll_feeds,
)

__all__ = [
    "EXTRACTED_TYPES",
    "SOURCE_TYPES",
    "CheckedFile",
    "CrawlOutcome",
    "CsvSource",
    "Extracted",
    "FeedSource",
    "FeedState",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "HtmlSource",
    "IcsRules",
    "IcsSource",
    "JsonLdSource",
    "JsonSource",
    "ParsedFeed",
    "PollResult",
    "ResourceState",
    "Schedule",
    "SitemapRules",
    "SitemapSource",
    "SourceDefinition",
    "UrlGuard",
    "Validators",
    "XmlSource",
    "check_definitions",
    "contact_url",
    "definition_files",
    "definition_from_yaml",
    "extract",
    "load_definition",
    "load_definitions",
    "parse_feed",
    "poll_feed",
    "poll_feeds",
    "run_html_crawl",
    "user_agent",
    "validate_definition",
]
