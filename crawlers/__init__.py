"""Crawlers: source definitions, the polite fetcher and the feed reader.

Import from here; the submodules are the implementation. A source is one YAML file validated
by `load_definition`/`check_definitions`; feed sources are polled with `poll_feeds`, which
fetches through a `Fetcher` and reads every feed format into `RawItem`s with `parse_feed`.
"""

from exportwatch.crawlers.definitions import (
    SOURCE_TYPES,
    CsvSource,
    FeedSource,
    HtmlSource,
    IcsSource,
    JsonLdSource,
    JsonSource,
    Schedule,
    SitemapSource,
    SourceDefinition,
    XmlSource,
    validate_definition,
)
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
    "SOURCE_TYPES",
    "CheckedFile",
    "CsvSource",
    "FeedSource",
    "FeedState",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "HtmlSource",
    "IcsSource",
    "JsonLdSource",
    "JsonSource",
    "ParsedFeed",
    "PollResult",
    "ResourceState",
    "Schedule",
    "SitemapSource",
    "SourceDefinition",
    "UrlGuard",
    "Validators",
    "XmlSource",
    "check_definitions",
    "contact_url",
    "definition_files",
    "definition_from_yaml",
    "load_definition",
    "load_definitions",
    "parse_feed",
    "poll_feed",
    "poll_feeds",
    "user_agent",
    "validate_definition",
]
