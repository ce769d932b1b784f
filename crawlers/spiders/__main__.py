"""Run one html crawl in this process: `python -m exportwatch.crawlers.spiders JOB OUT`.

JOB is a `CrawlJob` JSON file (or a bare html definition as JSON), OUT the JSON-lines journal
to append to (see `journal`). Meant to run as a subprocess of the service, one per crawl, as
scrapyd does: Scrapy's reactor lives and dies here. Exit status 0 when the crawl ended by
itself (its summary is the journal's last line), 2 when the job cannot be read.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess

from exportwatch.crawlers.spiders.definition_spider import DefinitionSpider
from exportwatch.crawlers.spiders.journal import JsonlJournal
from exportwatch.crawlers.spiders.resolver import GUARD_SETTING
from exportwatch.crawlers.spiders.settings import CrawlJob

__all__ = ["main", "run"]

USAGE = "usage: python -m exportwatch.crawlers.spiders JOB.json OUT.jsonl"


def main(argv: list[str] | None = None) -> int:
    """Read the job, crawl, write the journal; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        job = CrawlJob.read(Path(args[0]))
    except Exception as error:  # no file, bad JSON, bad definition, a guard that won't unpickle
        print(f"cannot read the crawl job {args[0]}: {error}", file=sys.stderr)
        return 2
    with Path(args[1]).open("a", encoding="utf-8") as stream:
        journal = JsonlJournal(stream)
        journal.summary(**run(job, journal))
    return 0


def run(job: CrawlJob, journal: JsonlJournal) -> dict[str, Any]:
    """Crawl `job` into `journal`; returns the summary's own values (reason, error, memory)."""
    process = AsyncCrawlerProcess({**job.settings, GUARD_SETTING: job.guard})
    crawler = process.create_crawler(DefinitionSpider)
    process.crawl(crawler, source=job.definition, journal=journal, url_guard=job.guard)
    process.start()
    spider = crawler.spider
    assert isinstance(spider, DefinitionSpider)
    error = None
    if spider.list_pages_read == 0:
        error = f"no list page could be read: {spider.first_failure or 'see the problems'}"
    return {
        "finish_reason": crawler.stats.get_value("finish_reason") if crawler.stats else None,
        "error": error,
        "peak_memory": _peak_memory(),
    }


def _peak_memory() -> int:
    """Peak resident memory of this process in bytes (Linux counts in KiB, macOS in bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


if __name__ == "__main__":
    sys.exit(main())
