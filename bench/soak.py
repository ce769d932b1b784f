"""Soak test: the scheduler with fast schedules for a long time; is memory stable?

Usage: python bench/soak.py [--minutes 30] [--sample-seconds 10] [--warmup-minutes 5]

In this process, on a fresh temp data dir (embedded index, email to the outbox): the real
scheduler (`create_scheduler` on the store's engine, `register_jobs`) runs the service's jobs
with fast schedules: every feed source is crawled every few seconds through the product's
`crawl_source` job (its backoff cleared first), the index syncs every 2 s, due digests go out
every 10 s and the source definitions are re-read every 30 s. A local HTTP server serves the
feeds, and a publisher thread adds new items to them as often as they are crawled, so every
crawl stores, indexes and matches new documents; a new subscriber enrols every minute.

RSS is sampled every --sample-seconds from /proc/self/status (VmRSS and RssAnon). After the
warm-up, a least-squares line through the samples gives the slope per 10 minutes. Memory is
called *stable* when the anonymous RSS (the process's own heap; file-backed pages such as the
index SQLite maps in grow with the index and the OS can drop them) grows by less than
max(STABLE_MIB, STABLE_SHARE of its mean) per 10 minutes after the warm-up.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobEvent,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: bench.* and tests.mockserver

from bench.corpus import GROUPINGS, MAJOR_MARKETS, Corpus  # noqa: E402
from bench.load import write_feed  # noqa: E402
from exportwatch import jobs  # noqa: E402
from exportwatch.model import Document, Frequency, Subscriber, Subscription  # noqa: E402
from exportwatch.scheduler import create_scheduler  # noqa: E402
from exportwatch.services import Services, open_services  # noqa: E402
from exportwatch.settings import Settings  # noqa: E402
from tests.mockserver import FixtureServer  # noqa: E402

__all__ = [
    "MemorySample",
    "Publisher",
    "SoakConfig",
    "SoakResult",
    "crawl_now",
    "main",
    "memory_sample",
    "run_soak",
    "slope_per_10_minutes",
]

SEED = 42
MIB = 1024 * 1024
STABLE_MIB = 4.0  # anonymous RSS growth per 10 minutes still called stable...
STABLE_SHARE = 0.02  # ...or this share of the mean anonymous RSS, whichever is larger
WARM_CRAWLS = 2  # scheduled crawls of every feed before memory is judged
POOL = 2_000  # corpus documents the feeds' items are drawn from (cyclically, new ids each)
_services: Services | None = None


@dataclass
class SoakConfig:
    """One soak's knobs; the defaults are the full bench's."""

    minutes: float = 30.0
    sample_seconds: float = 10.0
    warmup_minutes: float = 5.0
    crawl_seconds: int = 5
    index_sync_seconds: int = 2
    alerts_seconds: int = 10
    sources_sync_seconds: int = 30
    subscribe_seconds: float = 60.0
    feeds: int = 3
    window: int = 50  # items in each feed
    new_per_cycle: int = 5  # new items per feed per crawl interval
    ids: int = 300  # distinct item ids per feed: then ids recur with changed text
    subscribers: int = 20  # enrolled at the start


@dataclass(frozen=True, slots=True)
class MemorySample:
    """RSS of this process at `seconds` into the soak, in bytes."""

    seconds: float
    rss: int
    anon: int
    threads: int
    objects: int = 0  # Python objects the garbage collector tracks: a Python-level leak grows it


@dataclass
class SoakResult:
    """Memory samples, job counts and what the service stored and sent."""

    config: SoakConfig
    samples: list[MemorySample] = field(default_factory=list)
    executed: Counter[str] = field(default_factory=Counter)  # job kind -> runs
    failed: Counter[str] = field(default_factory=Counter)  # job kind -> runs that raised
    missed: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)  # still running when due again
    runs: Counter[str] = field(default_factory=Counter)  # crawl run status -> count
    errors_logged: list[str] = field(default_factory=list)
    run_errors: list[str] = field(default_factory=list)  # first errors of failed crawl runs
    documents: int = 0
    emails: int = 0
    feed_requests: int = 0
    initial: MemorySample | None = None  # before the services opened
    primed: MemorySample | None = None  # after the first crawl of each feed, outside the clock
    crawls: Counter[str] = field(default_factory=Counter)  # crawl job id -> runs
    warm_at: float | None = None  # seconds into the soak when every feed had run WARM_CRAWLS
    started: float = 0.0  # time.monotonic() at the start of the clock

    def warmup_seconds(self) -> float:
        """The warm-up: `warmup_minutes`, and at least until every feed was crawled twice."""
        if self.warm_at is None:
            return float("inf")
        return max(self.config.warmup_minutes * 60, self.warm_at)

    def after_warmup(self) -> list[MemorySample]:
        """The samples taken after the warm-up."""
        warmup = self.warmup_seconds()
        return [sample for sample in self.samples if sample.seconds >= warmup]

    def anon_slope(self) -> float:
        """Anonymous RSS growth after the warm-up, MiB per 10 minutes."""
        return slope_per_10_minutes(self.after_warmup(), "anon")

    def rss_slope(self) -> float:
        """RSS growth after the warm-up, MiB per 10 minutes."""
        return slope_per_10_minutes(self.after_warmup(), "rss")

    def anon_growth(self) -> float:
        """Anonymous RSS at the end minus at the end of the warm-up, MiB."""
        warm = self.after_warmup()
        return (warm[-1].anon - warm[0].anon) / MIB if len(warm) > 1 else 0.0

    def stable(self) -> bool:
        """The verdict of the module docstring."""
        warm = self.after_warmup()
        if len(warm) < 3:
            return False  # too short to tell
        mean = sum(sample.anon for sample in warm) / len(warm) / MIB
        return self.anon_slope() < max(STABLE_MIB, STABLE_SHARE * mean)


def slope_per_10_minutes(samples: Sequence[MemorySample], which: str) -> float:
    """Least-squares slope of `which` ("rss" or "anon") over time, in MiB per 10 minutes."""
    if len(samples) < 2:
        return 0.0
    xs = [sample.seconds for sample in samples]
    ys = [float(getattr(sample, which)) / MIB for sample in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if not spread:
        return 0.0
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return slope * 600


def memory_sample(seconds: float) -> MemorySample:
    """VmRSS, RssAnon and Threads of this process from /proc/self/status."""
    fields: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "Threads"):
            fields[name] = int(value.split()[0])
    return MemorySample(
        seconds,
        fields["VmRSS"] * 1024,
        fields["RssAnon"] * 1024,
        fields["Threads"],
        len(gc.get_objects()),
    )


class Publisher:
    """The feeds' publisher: each `advance` adds `new_per_cycle` items to every feed.

    Item ids recur after `ids` items with a changed title, so after the first round the store
    and index keep their size while every crawl still stores, indexes and matches changes.
    """

    def __init__(self, folder: Path, documents: Sequence[Document], config: SoakConfig) -> None:
        self.folder, self.documents, self.config = folder, documents, config
        self.cycle = 0

    def names(self) -> list[str]:
        """The feeds' names (and source ids)."""
        return [f"soak-{number}" for number in range(self.config.feeds)]

    def advance(self) -> None:
        """Rewrite every feed with its newest `window` items."""
        config = self.config
        newest = self.cycle * config.new_per_cycle + config.window
        for number, name in enumerate(self.names()):
            items = [self._item(number, k) for k in range(newest - config.window, newest)]
            write_feed(self.folder / f"{name}.rss", name, reversed(items))
        self.cycle += 1

    def _item(self, feed: int, k: int) -> Document:
        """Item `k` of a feed: ids recur every `ids` items, so the store stops growing."""
        base = self.documents[(feed * 7919 + k) % len(self.documents)]
        slot = k % self.config.ids
        return Document(
            f"soak-{feed}-{slot}",
            base.kind,
            f"{base.title} ({k})",
            f"{base.url}/item-{feed}-{slot}",
            base.source_id,
            summary=base.summary,
            published_at=base.published_at,
        )


def crawl_now(source_id: str) -> None:
    """The fast crawl job: clear the source's backoff, then run the product's crawl job."""
    if _services is None:
        raise RuntimeError("bench.soak: no services bound")
    _services.store.update_source_state(source_id, next_run_at=None)
    jobs.crawl_source(source_id)


class _ErrorLog(logging.Handler):
    """Keeps every ERROR record logged during the soak."""

    def __init__(self, result: SoakResult) -> None:
        super().__init__(logging.ERROR)
        self.result = result

    def emit(self, record: logging.LogRecord) -> None:
        self.result.errors_logged.append(f"{record.name}: {record.getMessage()}"[:500])


def _kind(job_id: str) -> str:
    return job_id.split(":", 1)[0] if ":" in job_id else job_id


def run_soak(config: SoakConfig, workdir: Path | None = None) -> SoakResult:
    """One soak in a fresh data dir (under `workdir`, else a temp dir removed afterwards)."""
    result = SoakResult(config)
    with tempfile.TemporaryDirectory(prefix="soak-") as temporary:
        base = workdir or Path(temporary)
        feed_dir, sources_dir = base / "feeds", base / "sources"
        feed_dir.mkdir(parents=True, exist_ok=True)
        sources_dir.mkdir(parents=True, exist_ok=True)
        documents = list(Corpus(SEED).documents(POOL))
        publisher = Publisher(feed_dir, documents, config)
        publisher.advance()
        server = FixtureServer(root=feed_dir)
        with server:
            for name in publisher.names():
                (sources_dir / f"{name}.yaml").write_text(
                    f"id: {name}\nname: Soak {name}\nkind: event\ntype: feed\n"
                    f"url: {server.url(name + '.rss')}\nschedule: every 5m\n",
                    encoding="utf-8",
                )
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                data_dir=base / "var",
                config_dir=ROOT / "config",
                sources_dir=sources_dir,
                allow_private_networks=True,
                secret_key="soak-secret",  # type: ignore[arg-type]
                index_sync_seconds=config.index_sync_seconds,
            )
            soak(settings, publisher, server, result)
    return result


def soak(
    settings: Settings, publisher: Publisher, server: FixtureServer, result: SoakResult
) -> None:
    """Run the scheduler with fast schedules for the configured time, sampling memory."""
    global _services
    config = result.config
    result.initial = memory_sample(0.0)
    services = _services = open_services(settings)
    handler = _ErrorLog(result)
    logging.getLogger().addHandler(handler)
    scheduler = create_scheduler(services.store.engine)
    try:
        for number in range(config.subscribers):
            enrol(services, number)
        jobs.register_jobs(scheduler, services)
        for name in publisher.names():  # one-time setup (the crawler, the pipeline) first
            crawl_now(name)
        result.primed = memory_sample(0.0)
        fast_schedules(scheduler, publisher.names(), config)

        def count(event: JobEvent) -> None:
            kind = _kind(event.job_id)
            if event.code == EVENT_JOB_EXECUTED:
                result.executed[kind] += 1
                if kind == "soak":
                    result.crawls[event.job_id] += 1
                    counts = [result.crawls[f"soak:{name}"] for name in publisher.names()]
                    if result.warm_at is None and min(counts) >= WARM_CRAWLS:
                        result.warm_at = time.monotonic() - result.started
            elif event.code == EVENT_JOB_ERROR:
                result.failed[kind] += 1
            elif event.code == EVENT_JOB_MAX_INSTANCES:
                result.skipped[kind] += 1
            else:
                result.missed[kind] += 1

        codes = EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
        scheduler.add_listener(count, codes)
        result.started = time.monotonic()
        scheduler.start()
        drive(services, publisher, server, result)
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        logging.getLogger().removeHandler(handler)
        collect(services, publisher, result)
        services.close()
        _services = None


def fast_schedules(scheduler: object, feeds: Sequence[str], config: SoakConfig) -> None:
    """Shorten the service's schedules and add a crawl every `crawl_seconds` per feed."""
    from apscheduler.schedulers.base import BaseScheduler

    assert isinstance(scheduler, BaseScheduler)
    scheduler.reschedule_job("alerts-run", trigger="interval", seconds=config.alerts_seconds)
    scheduler.reschedule_job(
        "sources-sync", trigger="interval", seconds=config.sources_sync_seconds
    )
    for name in feeds:
        scheduler.add_job(
            crawl_now,
            "interval",
            seconds=config.crawl_seconds,
            args=[name],
            id=f"soak:{name}",
            replace_existing=True,
        )


def enrol(services: Services, number: int) -> None:
    """A confirmed subscriber with an immediate subscription to one market."""
    markets = [*list(GROUPINGS)[:4], *list(MAJOR_MARKETS)[:12]]
    subscription = Subscription(
        None, None, markets=[markets[number % len(markets)]], frequency=Frequency.IMMEDIATE
    )
    subscriber = Subscriber(None, f"soak{number}@agency.example.org")
    services.store.enrol_subscriber(subscriber, [subscription], confirmed=True)


def drive(
    services: Services, publisher: Publisher, server: FixtureServer, result: SoakResult
) -> None:
    """The world around the service until the time is up: publish, subscribe, sample."""
    config = result.config
    started = result.started
    end = started + config.minutes * 60
    next_sample = next_publish = next_subscriber = started
    subscribers = config.subscribers
    stop = threading.Event()
    while not stop.is_set():
        now = time.monotonic()
        if now >= end:
            break
        if now >= next_publish:
            publisher.advance()
            next_publish += config.crawl_seconds
        if now >= next_subscriber and now > started:
            enrol(services, subscribers)
            subscribers += 1
        if now >= next_subscriber:
            next_subscriber += config.subscribe_seconds
        if now >= next_sample:
            result.feed_requests += len(server.requests)
            server.reset()  # its request log is the test server's memory, not the service's
            result.samples.append(memory_sample(now - started))
            next_sample += config.sample_seconds
        stop.wait(max(0.05, min(next_sample, next_publish, end) - time.monotonic()))
    result.samples.append(memory_sample(time.monotonic() - started))


def collect(services: Services, publisher: Publisher, result: SoakResult) -> None:
    """Crawl run statuses, documents stored and emails written."""
    for name in publisher.names():
        for run in services.store.list_runs(name, limit=1_000_000):
            result.runs[run.status.value] += 1
            if run.status.value == "failed":
                result.run_errors.append(f"{name} at {run.started_at:%H:%M:%S}: {run.first_error}")
    result.documents = services.store.count_documents()
    result.emails = len(list(services.settings.outbox_dir.glob("*.eml")))


def print_result(result: SoakResult) -> None:
    """Memory at start, end and peak, slopes after the warm-up, job counts, verdict."""
    samples, config = result.samples, result.config
    first, last = samples[0], samples[-1]
    peak = max(samples, key=lambda sample: sample.rss)
    peak_anon = max(samples, key=lambda sample: sample.anon)
    print(
        f"\nsoak {config.minutes:g} min, {len(samples)} samples every {config.sample_seconds:g} s,"
        f" warm-up {config.warmup_minutes:g} min; load average {os.getloadavg()[0]:.2f},"
        f" {os.cpu_count()} cpus"
    )
    print(f"{'memory':<16}{'start MiB':>10}{'end MiB':>10}{'max MiB':>10}{'slope MiB/10min':>17}")
    rows = (
        ("RSS", first.rss, last.rss, peak.rss, result.rss_slope()),
        ("anonymous RSS", first.anon, last.anon, peak_anon.anon, result.anon_slope()),
    )
    for name, start, end, top, slope in rows:
        print(f"{name:<16}{start / MIB:>10.1f}{end / MIB:>10.1f}{top / MIB:>10.1f}{slope:>17.2f}")
    if result.initial and result.primed:
        print(
            f"before opening the services: RSS {result.initial.rss / MIB:.1f} MiB, anonymous "
            f"{result.initial.anon / MIB:.1f} MiB; after the first crawl of each feed: RSS "
            f"{result.primed.rss / MIB:.1f} MiB, anonymous {result.primed.anon / MIB:.1f} MiB"
        )
    print(f"warm-up ended {result.warmup_seconds() / 60:.1f} min into the soak")
    print(f"threads: {first.threads} -> {last.threads}")
    print("minute  RSS MiB  anon MiB  objects")
    for sample in timeline(samples):
        print(
            f"{sample.seconds / 60:>6.1f}{sample.rss / MIB:>9.1f}{sample.anon / MIB:>10.1f}"
            f"{sample.objects:>9,}"
        )
    kinds = sorted(set(result.executed) | set(result.failed) | set(result.missed))
    print(f"{'job':<16}{'runs':>8}{'failed':>8}{'missed':>8}{'skipped':>9}")
    for kind in kinds:
        print(
            f"{kind:<16}{result.executed[kind]:>8}{result.failed[kind]:>8}"
            f"{result.missed[kind]:>8}{result.skipped[kind]:>9}"
        )
    runs = ", ".join(f"{count} {status}" for status, count in sorted(result.runs.items()))
    print(
        f"crawl runs: {runs}; {result.feed_requests} feed requests; {result.documents:,} "
        f"documents stored; {result.emails} digest emails; {len(result.errors_logged)} "
        "errors logged"
    )
    for line in [*result.errors_logged[:5], *result.run_errors[:5]]:
        print(f"  {line}")
    verdict = "STABLE" if result.stable() else "NOT STABLE"
    print(
        f"verdict: {verdict} (anonymous RSS slope after warm-up {result.anon_slope():.2f} "
        f"MiB/10 min; stable below max({STABLE_MIB:g} MiB, {STABLE_SHARE:.0%} of its mean))"
    )


def timeline(samples: Sequence[MemorySample], rows: int = 15) -> list[MemorySample]:
    """About `rows` samples spread evenly over the soak, the first and last included."""
    step = max(1, (len(samples) - 1) // (rows - 1))
    picked = list(samples[::step])
    return picked if picked[-1] is samples[-1] else [*picked, samples[-1]]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="soak length (30)")
    parser.add_argument("--sample-seconds", type=float, default=10.0, help="RSS sampling (10)")
    parser.add_argument("--warmup-minutes", type=float, help="default: min(5, minutes / 3)")
    parser.add_argument("--crawl-seconds", type=int, default=5, help="crawl interval (5)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the soak, print the result; exit 1 when a job failed or memory is not stable."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    warmup = args.warmup_minutes if args.warmup_minutes is not None else min(5, args.minutes / 3)
    config = SoakConfig(
        minutes=args.minutes,
        sample_seconds=args.sample_seconds,
        warmup_minutes=warmup,
        crawl_seconds=args.crawl_seconds,
    )
    result = run_soak(config)
    print_result(result)
    return 0 if result.stable() and not result.failed and not result.errors_logged else 1


if __name__ == "__main__":
    sys.exit(main())
