"""Scrapy spiders for the source types that crawl web pages, run in a subprocess per crawl.

Nothing here imports Scrapy or Twisted: the service builds a `CrawlJob` (settings from the
definition and the fetch policy), `python -m exportwatch.crawlers.spiders` runs it in a child
process, and the parent reads the child's journal with `read_journal`.
"""

from exportwatch.crawlers.spiders.journal import (
    JournalContents,
    JsonlJournal,
    item_from_json,
    item_to_json,
    read_journal,
)
from exportwatch.crawlers.spiders.settings import CrawlJob, build_settings

__all__ = [
    "CrawlJob",
    "JournalContents",
    "JsonlJournal",
    "build_settings",
    "item_from_json",
    "item_to_json",
    "read_journal",
]
