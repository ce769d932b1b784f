"""Crawl an `html` source in a subprocess, as scrapyd does, so a bad spider cannot hurt the service.

`run_html_crawl` writes the crawl job to a private temporary directory, starts
`python -m exportwatch.crawlers.spiders` in its own process group, kills the group when the
time limit is up, and reads the journal the child wrote as it went. Whatever ends the child
(a crash, a kill, a time-out), the items it had read are kept and the reason is a readable
`error`. This side never imports Scrapy or Twisted.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exportwatch.crawlers.definitions import HtmlSource
from exportwatch.crawlers.fetching import FetchPolicy
from exportwatch.crawlers.spiders.journal import JournalContents, read_journal
from exportwatch.crawlers.spiders.settings import (
    DEFAULT_TIMEOUT,
    MEMORY_LIMIT_MB,
    PAGE_CAP,
    CrawlJob,
    build_settings,
)
from exportwatch.model import RawItem

__all__ = ["MAX_PROBLEMS", "CrawlOutcome", "run_html_crawl"]

MAX_PROBLEMS = 100  # the rest is counted, not listed
_STDERR_TAIL = 4000  # characters of the child's stderr shown when it failed
_KILL_GRACE = 5.0  # seconds to reap the killed process group


@dataclass(slots=True)
class CrawlOutcome:
    """One html crawl: the items read, and why something is missing if it is.

    `error` is set when the crawl failed as a whole (no list page read, time limit, crash),
    `problems` when parts are missing (a page, a field); `notes` are harmless findings (the
    pagination stopped at `max_pages`, a page declared the wrong encoding).
    """

    items: list[RawItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    http_statuses: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    finish_reason: str | None = None  # Scrapy's, when the crawl ended by itself
    elapsed: float = 0.0
    peak_memory: int | None = None  # bytes, of the crawl process


def run_html_crawl(
    definition: HtmlSource,
    *,
    policy: FetchPolicy | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    limit: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> CrawlOutcome:
    """Crawl `definition` in a subprocess within `timeout` seconds; never raises for the crawl.

    `limit` stops after that many items (previews); `overrides` are extra Scrapy settings
    (tests, benchmarks). Blocking: async callers use `asyncio.to_thread`.
    """
    policy = policy or FetchPolicy()
    settings = build_settings(definition, policy, timeout=timeout, limit=limit, overrides=overrides)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="exportwatch-html-") as folder:
        job_file, journal_file, stderr_file = (
            Path(folder) / name for name in ("job.json", "journal.jsonl", "stderr.txt")
        )
        try:
            CrawlJob(definition, settings, policy.guard).write(job_file)
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            return CrawlOutcome(
                error=f"the URL guard cannot be passed to the crawl process: {error}"
            )
        try:
            returncode, timed_out = _run_child(job_file, journal_file, stderr_file, timeout)
        except OSError as error:  # no process could be started (no memory, no such file)
            return CrawlOutcome(error=f"cannot start the crawl process: {error}")
        contents = read_journal(journal_file)
        stderr = _tail(stderr_file)
    outcome = _outcome(contents, returncode=returncode, timed_out=timed_out, timeout=timeout)
    if outcome.error and (timed_out or contents.summary is None) and stderr:
        outcome.problems.append(f"the crawl process wrote: {stderr}")
    outcome.elapsed = time.monotonic() - started
    if limit is not None:
        del outcome.items[limit:]
    return outcome


def _run_child(
    job_file: Path, journal_file: Path, stderr_file: Path, timeout: float
) -> tuple[int, bool]:
    """Run the crawl process; returns its exit status and whether it was killed for time."""
    command = [
        sys.executable,
        "-m",
        "exportwatch.crawlers.spiders",
        str(job_file),
        str(journal_file),
    ]
    with stderr_file.open("wb") as stderr:
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
            cwd=job_file.parent,
            env=_child_environment(),
            start_new_session=True,  # its own process group, killed as a whole
        )
        try:
            return child.wait(timeout=timeout), False
        except subprocess.TimeoutExpired:
            _kill_group(child)
            return child.wait(timeout=_KILL_GRACE), True
        finally:
            if child.poll() is None:  # interrupted while waiting: leave no orphan crawler
                _kill_group(child)
                child.wait(timeout=_KILL_GRACE)


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
        os.killpg(child.pid, signal.SIGKILL)


def _child_environment() -> dict[str, str]:
    """This environment, with the import paths added here (tests, benchmarks), so the child
    can unpickle a guard defined in a module only this process can import."""
    environment = dict(os.environ)
    prefixes = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    extra = []
    for entry in sys.path:
        path = Path(entry or os.curdir).resolve()
        if not any(path.is_relative_to(prefix) for prefix in prefixes):
            extra.append(str(path))
    inherited = environment.get("PYTHONPATH", "")
    paths = [*extra, *(inherited.split(os.pathsep) if inherited else [])]
    environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return environment


def _outcome(
    contents: JournalContents, *, returncode: int, timed_out: bool, timeout: float
) -> CrawlOutcome:
    summary = contents.summary or {}
    items = contents.items + contents.incomplete
    outcome = CrawlOutcome(
        items=items,
        problems=_capped(contents.problems),
        http_statuses=contents.statuses,
        pages=contents.pages,
        notes=contents.notes,
        finish_reason=summary.get("finish_reason"),
        peak_memory=summary.get("peak_memory"),
    )
    if contents.incomplete:
        outcome.problems.append(
            f"{len(contents.incomplete)} items are kept without their detail page: "
            "the crawl stopped before it was read"
        )
    read = f"after {contents.pages} pages; the {len(items)} items read are kept"
    if timed_out:
        outcome.error = f"the crawl did not finish within {timeout:g} s and was stopped {read}"
    elif contents.summary is None:
        outcome.error = _died(returncode, read)
    else:
        outcome.error = summary.get("error") or _ended_early(outcome, timeout, read)
    return outcome


def _died(returncode: int, read: str) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the crawl process was killed ({name}) {read}"
    return f"the crawl process failed (exit status {returncode}) {read}"


def _ended_early(outcome: CrawlOutcome, timeout: float, read: str) -> str | None:
    """The error (or problem) for a Scrapy finish reason other than a normal end."""
    reason = outcome.finish_reason
    if reason in (None, "finished", "closespider_itemcount"):
        return None
    if reason == "closespider_pagecount":
        outcome.problems.append(f"stopped after {PAGE_CAP:,} pages, the most one crawl may read")
        return None
    if reason == "closespider_timeout":
        return f"the crawl did not finish within {timeout:g} s and stopped itself {read}"
    if reason == "memusage_exceeded":
        return f"the crawl used more than {MEMORY_LIMIT_MB} MB of memory and was stopped {read}"
    return f"the crawl ended early ({reason}) {read}"


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    more = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], f"… and {more} more problems"]


def _tail(path: Path) -> str:
    try:
        text = path.read_bytes()[-_STDERR_TAIL:].decode("utf-8", errors="replace")
    except OSError:
        return ""
    return text.strip()
