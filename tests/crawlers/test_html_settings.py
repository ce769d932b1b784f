"""What the html crawl subprocess is told (settings, job file) and the journal it writes back."""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import scrapy.settings.default_settings as scrapy_defaults

import exportwatch.crawlers.spiders
from exportwatch.crawlers import FeedSource, HtmlSource, load_definition
from exportwatch.crawlers.fetching import FetchPolicy
from exportwatch.crawlers.spiders import (
    CrawlJob,
    JsonlJournal,
    build_settings,
    item_from_json,
    item_to_json,
    read_journal,
)
from exportwatch.crawlers.spiders.settings import PAGE_CAP
from exportwatch.model import RawItem
from tests.crawlers.conftest import ROOT, SOURCE_FIXTURES

FAIRS = SOURCE_FIXTURES / "valid" / "html-fair-calendar.yaml"
ITEM = RawItem(
    source_id="fairs",
    url="https://www.example.org/fairs/anuga",
    fetched_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
    guid="https://www.example.org/fairs/anuga",
    title="Anuga 2027",
    fields={"starts": "2027-10-09", "categories": ["Food", "Retail"]},
)


def fairs() -> HtmlSource:
    definition = load_definition(FAIRS, None)
    assert isinstance(definition, HtmlSource)
    return definition


def refuse_everything(url: httpx.URL) -> str:
    return f"{url.host} is private"


def test_settings_follow_the_fetch_policy() -> None:
    policy = FetchPolicy(
        user_agent="exportwatch/9 (+https://example.org)",
        per_host=3,
        max_bytes=5_000_000,
        total_timeout=45.0,
        max_redirects=4,
    )
    settings = build_settings(fairs(), policy, timeout=300, limit=7)
    assert settings["USER_AGENT"] == "exportwatch/9 (+https://example.org)"
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 3
    assert settings["AUTOTHROTTLE_TARGET_CONCURRENCY"] == 3.0
    assert settings["DOWNLOAD_MAXSIZE"] == 5_000_000
    assert settings["DOWNLOAD_WARNSIZE"] == 2_500_000
    assert settings["DOWNLOAD_TIMEOUT"] == 45.0
    assert settings["REDIRECT_MAX_TIMES"] == 4
    assert settings["CLOSESPIDER_ITEMCOUNT"] == 7
    assert settings["CLOSESPIDER_PAGECOUNT"] == PAGE_CAP
    assert settings["CLOSESPIDER_TIMEOUT"] == pytest.approx(270)  # ends itself before the kill
    assert settings["DEFAULT_REQUEST_HEADERS"]["Accept-Language"] == "en"


def test_settings_are_polite_quiet_and_closed_to_other_schemes() -> None:
    settings = build_settings(fairs(), FetchPolicy(), timeout=10)
    assert settings["ROBOTSTXT_OBEY"] is True and settings["ROBOTSTXT_USER_AGENT"] == "exportwatch"
    assert settings["AUTOTHROTTLE_ENABLED"] is True
    assert settings["AUTOTHROTTLE_START_DELAY"] >= 1.0
    assert settings["RETRY_TIMES"] == 2 and settings["EXPORTWATCH_BACKOFF_BASE"] > 0
    assert settings["DOWNLOAD_TIMEOUT"] == 10  # never longer than the whole crawl
    assert settings["CLOSESPIDER_ITEMCOUNT"] == 0
    assert settings["TELNETCONSOLE_ENABLED"] is False
    assert settings["REMOTE_CONTROL_ENABLED"] is False
    assert settings["HTTPCACHE_ENABLED"] is False
    assert settings["LOG_LEVEL"] == "WARNING"
    assert settings["DOWNLOAD_HANDLERS"] == {"file": None, "data": None, "s3": None, "ftp": None}
    json.dumps(settings)  # goes to the subprocess as JSON


def test_every_setting_is_one_scrapy_knows() -> None:
    settings = build_settings(fairs(), FetchPolicy(), timeout=10)
    ours = {name for name in settings if name.startswith("EXPORTWATCH_")}
    assert set(settings) - ours <= set(dir(scrapy_defaults))


def test_overrides_win_and_a_language_is_asked_for() -> None:
    german = fairs().model_copy(update={"language": "de"})
    settings = build_settings(german, FetchPolicy(), timeout=10, overrides={"RETRY_TIMES": 0})
    assert settings["RETRY_TIMES"] == 0
    assert settings["DEFAULT_REQUEST_HEADERS"]["Accept-Language"] == "de, en;q=0.5"


def test_a_job_file_round_trips_with_its_guard(tmp_path: Path) -> None:
    settings = build_settings(fairs(), FetchPolicy(), timeout=10)
    CrawlJob(fairs(), settings, refuse_everything).write(tmp_path / "job.json")
    job = CrawlJob.read(tmp_path / "job.json")
    assert job.definition.model_dump(exclude={"schedule"}) == fairs().model_dump(
        exclude={"schedule"}
    )
    assert job.settings == settings
    assert job.guard is refuse_everything


def test_a_bare_definition_is_a_job_with_the_default_policy(tmp_path: Path) -> None:
    data = fairs().model_dump(mode="json", exclude={"schedule"})
    (tmp_path / "fairs.json").write_text(json.dumps(data), encoding="utf-8")
    job = CrawlJob.read(tmp_path / "fairs.json")
    assert job.definition.id == "html-fair-calendar" and job.guard is None
    assert job.settings["ROBOTSTXT_OBEY"] is True


def test_a_job_of_another_source_type_is_refused(tmp_path: Path) -> None:
    feed = load_definition(SOURCE_FIXTURES / "valid" / "minimal.yaml", None)
    assert isinstance(feed, FeedSource)
    (tmp_path / "feed.json").write_text(feed.model_dump_json(exclude={"schedule"}), "utf-8")
    with pytest.raises(ValueError, match="is of type 'feed', not html"):
        CrawlJob.read(tmp_path / "feed.json")


def test_the_crawl_command_says_why_it_cannot_run_a_job(tmp_path: Path) -> None:
    (tmp_path / "job.json").write_text('{"definition": {"id": "x"}}', encoding="utf-8")
    command = [sys.executable, "-m", "exportwatch.crawlers.spiders"]
    ran = subprocess.run(
        [*command, str(tmp_path / "job.json"), str(tmp_path / "out.jsonl")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert ran.returncode == 2
    assert ran.stderr.startswith(f"cannot read the crawl job {tmp_path / 'job.json'}: ")
    assert not (tmp_path / "out.jsonl").exists()


def test_the_service_side_never_imports_scrapy_or_twisted() -> None:
    code = (
        "import sys, exportwatch.crawlers.html_crawl, exportwatch.crawlers.spiders;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted')))"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[]"


# --- the journal --------------------------------------------------------------------------


def test_items_round_trip_through_json() -> None:
    assert item_from_json(json.loads(json.dumps(item_to_json(ITEM)))) == ITEM


def test_the_journal_replaces_incomplete_items_and_survives_a_cut_off_line(
    tmp_path: Path,
) -> None:
    stream = io.StringIO()
    journal = JsonlJournal(stream)
    waiting = RawItem("fairs", "https://www.example.org/fairs/gulfood", ITEM.fetched_at)
    journal.item(ITEM, complete=False, key=ITEM.url)
    journal.item(waiting, complete=False, key=waiting.url)
    journal.page("https://www.example.org/fairs", 200)
    journal.status(301)
    journal.status(200)
    journal.problem("HTTP 404 at https://www.example.org/fairs/x")
    journal.note("a note")
    journal.item(ITEM, complete=True, key=ITEM.url)
    path = tmp_path / "journal.jsonl"
    path.write_text(stream.getvalue() + '{"item": {"source_id": "fai', encoding="utf-8")
    contents = read_journal(path)
    assert contents.items == [ITEM] and contents.incomplete == [waiting]
    assert contents.pages == 1 and contents.statuses == {"301": 1, "200": 1}
    assert contents.problems == ["HTTP 404 at https://www.example.org/fairs/x"]
    assert contents.notes == ["a note"]
    assert contents.summary is None and contents.unreadable == 1


def test_the_summary_counts_what_was_written(tmp_path: Path) -> None:
    stream = io.StringIO()
    journal = JsonlJournal(stream)
    journal.status(200)
    journal.page("https://www.example.org/fairs", 200)
    journal.item(ITEM, complete=True)
    journal.summary(finish_reason="finished", error=None)
    summary = json.loads(stream.getvalue().splitlines()[-1])["summary"]
    assert summary == {
        "pages": 1,
        "items": 1,
        "statuses": {"200": 1},
        "problems": 0,
        "notes": 0,
        "finish_reason": "finished",
        "error": None,
    }
    assert read_journal(tmp_path / "missing.jsonl").items == []


def test_the_spiders_package_exports_what_its_modules_declare() -> None:
    names = exportwatch.crawlers.spiders.__all__
    assert names == sorted(names)
    public: set[str] = set()
    for module in ("journal", "settings"):
        public |= set(importlib.import_module(f"exportwatch.crawlers.spiders.{module}").__all__)
    assert set(names) <= public
    assert all(getattr(exportwatch.crawlers.spiders, name) is not None for name in names)
