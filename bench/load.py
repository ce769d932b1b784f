"""Load test: concurrent searches against the real service while a crawl and a digest run.

Usage: python bench/load.py [--docs 20000] [--clients 16] [--seconds 60] [--requests N]
                            [--crawl-items 2000] [--elasticsearch]

For each backend, in a fresh temp data dir: the corpus of `bench/corpus.py` is stored and
indexed, subscribers are enrolled, and `exportwatch run` is started as its own process on
127.0.0.1 (so client and server do not share a GIL). N asyncio clients (httpx) then send a
fixed, seeded mix of `GET /api/search` and `GET /?q=` requests. The first part of the run is
quiet; then `exportwatch crawl --all` reads local feeds (corpus documents written as RSS, plus
recorded fixture feeds and a calendar) into the same data dir, and `exportwatch alerts run`
sends the digests the crawl made due. Each request counts as "during crawl" if it started while
either ran, else "quiet". Any non-2xx answer or transport error is an error; the table shows
requests, errors, throughput and latency percentiles for both phases.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from random import Random
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: bench.corpus and tests.mockserver

from bench.corpus import GROUPINGS, LANGUAGES, MAJOR_MARKETS, Corpus  # noqa: E402
from exportwatch.model import (  # noqa: E402
    Document,
    Frequency,
    Kind,
    Subscriber,
    Subscription,
    utcnow,
)
from exportwatch.search.sync import sync_outbox  # noqa: E402
from exportwatch.services import open_services  # noqa: E402
from exportwatch.settings import Settings  # noqa: E402
from tests.mockserver import FixtureServer  # noqa: E402

__all__ = [
    "FIXTURE_FEEDS",
    "LoadConfig",
    "LoadResult",
    "PhaseStats",
    "Sample",
    "free_port",
    "main",
    "make_requests",
    "run_load",
    "service_env",
    "write_feed",
    "write_feed_sources",
]

SEED = 42
FIXTURES = ROOT / "tests" / "fixtures" / "http"
# Recorded fixture sources crawled beside the generated feeds: file -> (type, kind).
FIXTURE_FEEDS = {
    "feeds/sample.rss": ("feed", "event"),
    "feeds/rss20-ttl.rss": ("feed", "event"),
    "feeds/atom.atom": ("feed", "event"),
    "calendars/fairs.ics": ("ics", "event"),
}
QUIET_SHARE = 0.4  # of --seconds before the crawl starts
READY_TIMEOUT = 120.0
REQUEST_TIMEOUT = 30.0
WARMUP_REQUESTS = 20


@dataclass
class LoadConfig:
    """One load run's knobs; the defaults are the full bench's."""

    docs: int = 20_000
    clients: int = 16
    seconds: float = 60.0
    requests: int | None = None  # stop after this many requests in all
    crawl_items: int = 2_000  # corpus documents served as feeds for the crawl
    feeds: int = 8
    subscribers: int = 200
    elasticsearch_url: str | None = None
    seed: int = SEED

    @property
    def backend(self) -> str:
        """`elasticsearch` or `embedded`."""
        return "elasticsearch" if self.elasticsearch_url else "embedded"


@dataclass(frozen=True, slots=True)
class Sample:
    """One request: when it started (s from the run's start), how long it took, the answer."""

    started: float
    seconds: float
    status: int  # 0: transport error or timeout
    path: str

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class PhaseStats:
    """Requests, errors, throughput and latency of one phase (or of the whole run)."""

    name: str
    requests: int
    errors: int
    throughput: float  # requests per second of the phase's wall time
    p50: float  # ms
    p95: float
    p99: float


@dataclass
class LoadResult:
    """What one run measured, and what the service did meanwhile."""

    config: LoadConfig
    samples: list[Sample] = field(default_factory=list)
    wall_seconds: float = 0.0  # from the first timed request until the clients stopped
    busy: tuple[float, float] | None = None  # crawl start .. digest end, s from the start
    seed_seconds: float = 0.0  # storing and indexing the corpus before the service starts
    start_seconds: float = 0.0  # `exportwatch run` until /readyz answers
    crawl_seconds: float = 0.0
    digest_seconds: float = 0.0
    crawl_returncode: int | None = None
    alerts_returncode: int | None = None
    documents_before: int = 0
    documents_after: int = 0
    indexed_after: int = 0  # `total` of an unfiltered /api/search at the end
    emails: int = 0  # digests written to the outbox
    server_errors: list[str] = field(default_factory=list)  # ERROR lines of the server's log
    problems: list[str] = field(default_factory=list)

    def during(self, sample: Sample) -> bool:
        """Whether `sample` started while the crawl or the digest ran."""
        return self.busy is not None and self.busy[0] <= sample.started <= self.busy[1]

    def busy_overlap(self) -> float:
        """Seconds during which the clients ran while the crawl or the digest ran."""
        if self.busy is None:
            return 0.0
        return max(0.0, min(self.busy[1], self.wall_seconds) - self.busy[0])

    def phases(self) -> list[PhaseStats]:
        """Stats for the quiet phase, the crawl+digest phase and the whole run."""
        busy_wall = self.busy_overlap()
        during = [s for s in self.samples if self.during(s)]
        quiet = [s for s in self.samples if not self.during(s)]
        return [
            _stats("quiet", quiet, self.wall_seconds - busy_wall),
            _stats("during crawl+digest", during, busy_wall),
            _stats("all", self.samples, self.wall_seconds),
        ]

    def error_samples(self) -> list[Sample]:
        """The requests that failed."""
        return [sample for sample in self.samples if not sample.ok]


def _stats(name: str, samples: Sequence[Sample], wall: float) -> PhaseStats:
    errors = sum(not sample.ok for sample in samples)
    if len(samples) < 2:
        only = samples[0].seconds * 1000 if samples else 0.0
        return PhaseStats(name, len(samples), errors, len(samples) / wall if wall else 0.0,
                          only, only, only)  # fmt: skip
    cuts = statistics.quantiles([s.seconds * 1000 for s in samples], n=100, method="inclusive")
    rate = len(samples) / wall if wall > 0 else 0.0
    return PhaseStats(name, len(samples), errors, rate, cuts[49], cuts[94], cuts[98])


# The request mix


def make_requests(corpus: Corpus, count: int, seed: int) -> list[str]:
    """`count` request paths, the same for the same seed: API searches and search pages."""
    rng = Random(seed)
    languages, weights = list(LANGUAGES), list(LANGUAGES.values())
    markets = [*list(GROUPINGS)[:4], *list(MAJOR_MARKETS)[:20]]
    kinds = [kind.value for kind in Kind]
    paths = []
    for _ in range(count):
        language = rng.choices(languages, weights)[0]
        word = corpus.query_word(rng, language)
        roll = rng.random()
        if roll < 0.45:  # text only: a word, two words or a phrase
            text = word if rng.random() < 0.6 else f'"{corpus.query_phrase(rng, language)}"'
            paths.append("/api/search?" + urlencode({"q": text}))
        elif roll < 0.65:  # text with filters
            params = {"q": word, "kind": rng.choice(kinds), "market": rng.choice(markets)}
            paths.append("/api/search?" + urlencode(params))
        elif roll < 0.80:  # filters only, sorted by date
            params = {"market": rng.choice(markets), "sort": "date", "upcoming": "true"}
            paths.append("/api/search?" + urlencode(params))
        else:  # the search page
            paths.append("/?" + urlencode({"q": word}))
    return paths


# Feeds to crawl


def write_feed(path: Path, title: str, documents: Iterable[Document]) -> int:
    """Write `documents` as an RSS 2.0 feed; returns the number of items."""
    items = []
    for document in documents:
        published = document.published_at or utcnow()
        items.append(
            "<item>"
            f"<title>{escape(document.title)}</title>"
            f"<link>{escape(document.url)}</link>"
            f'<guid isPermaLink="false">{escape(document.id)}</guid>'
            f"<description>{escape(document.summary or document.body or '')}</description>"
            f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate>"
            "</item>"
        )
    partial = path.with_name(path.name + ".partial")
    partial.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://example.org/</link>"
        f"<description>{escape(title)}</description>{''.join(items)}</channel></rss>\n",
        encoding="utf-8",
    )
    partial.replace(path)  # atomic: a reader never sees a half-written feed
    return len(items)


def write_source(folder: Path, source_id: str, kind: str, source_type: str, url: str) -> None:
    """One source definition file, crawled every 5 minutes (the shortest a source may ask)."""
    text = (
        f"id: {source_id}\nname: Load test {source_id}\nkind: {kind}\ntype: {source_type}\n"
        f"url: {url}\nschedule: every 5m\n"
    )
    (folder / f"{source_id}.yaml").write_text(text, encoding="utf-8")


def write_feed_sources(
    documents: Sequence[Document], feeds: int, feed_dir: Path, sources_dir: Path, base_url: str
) -> int:
    """Corpus documents as `feeds` RSS feeds plus the fixture feeds, each with its definition.

    The files go to `feed_dir` (served at `base_url`), the definitions to `sources_dir`.
    Returns the number of items written.
    """
    by_kind: dict[Kind, list[Document]] = {kind: [] for kind in Kind}
    for document in documents:
        by_kind[document.kind].append(document)
    written = 0
    for number in range(feeds):
        kind = list(Kind)[number % len(Kind)]
        chosen = by_kind[kind][number // len(Kind) :: max(1, -(-feeds // len(Kind)))]
        name = f"feed-{number}"
        written += write_feed(feed_dir / f"{name}.rss", name, chosen)
        write_source(sources_dir, name, kind.value, "feed", f"{base_url}/{name}.rss")
    for number, (fixture, (source_type, kind_name)) in enumerate(FIXTURE_FEEDS.items()):
        target = feed_dir / "fixtures" / fixture
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / fixture, target)
        url = f"{base_url}/fixtures/{fixture}"
        write_source(sources_dir, f"fixture-{number}", kind_name, source_type, url)
    return written


# The service


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(data_dir: Path, sources_dir: Path, config: LoadConfig, port: int) -> dict[str, str]:
    """The environment of every `exportwatch` process of the run (server, crawl, alerts)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPORTWATCH_")}
    env.update(
        EXPORTWATCH_DATA_DIR=str(data_dir),
        EXPORTWATCH_CONFIG_DIR=str(ROOT / "config"),
        EXPORTWATCH_SOURCES_DIR=str(sources_dir),
        EXPORTWATCH_SECRET_KEY="load-test-secret",
        EXPORTWATCH_ALLOW_PRIVATE_NETWORKS="true",
        EXPORTWATCH_INDEX_SYNC_SECONDS="5",
        EXPORTWATCH_BASE_URL=f"http://127.0.0.1:{port}",
        EXPORTWATCH_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if config.elasticsearch_url:
        env["EXPORTWATCH_ELASTICSEARCH_URL"] = config.elasticsearch_url
        env["EXPORTWATCH_ELASTICSEARCH_INDEX_PREFIX"] = f"load-{uuid.uuid4().hex[:8]}"
    return env


def settings_from_env(env: dict[str, str]) -> Settings:
    """The same settings in this process (for seeding the store and index)."""
    values = {
        key.removeprefix("EXPORTWATCH_").lower(): value
        for key, value in env.items()
        if key.startswith("EXPORTWATCH_")
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def seed_service(settings: Settings, documents: Iterable[Document], subscribers: int) -> int:
    """Store and index the corpus, enrol confirmed immediate subscribers; returns the count."""
    services = open_services(settings)
    try:
        services.store.save_documents(documents)
        report = sync_outbox(services.store, services.index)
        if not report.ok:
            raise RuntimeError(f"indexing the corpus failed: {report.error}")
        markets = [*list(GROUPINGS)[:4], *list(MAJOR_MARKETS)[:12]]
        for number in range(subscribers):
            subscription = Subscription(
                None, None, markets=[markets[number % len(markets)]], frequency=Frequency.IMMEDIATE
            )
            subscriber = Subscriber(None, f"client{number}@agency.example.org")
            services.store.enrol_subscriber(subscriber, [subscription], confirmed=True)
        return services.store.count_documents()
    finally:
        services.close()


@contextmanager
def running_service(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`exportwatch run` in its own process, until the block ends (then SIGINT, as Ctrl-C)."""
    command = [sys.executable, "-m", "exportwatch", "run", "--host", "127.0.0.1"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=env, cwd=ROOT, stdout=output, stderr=output
        )
    try:
        wait_ready(f"http://127.0.0.1:{port}", process, log)
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Block until `/readyz` answers 200; RuntimeError with the log's tail if it never does.

    The answer only counts while our process still runs: another program may have taken the
    port between `free_port` and the server's bind.
    """
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200:
                time.sleep(0.5)
                if process.poll() is None:
                    return
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"the service did not become ready at {base_url}:\n{tail}")


# Clients and background work


async def run_clients(
    base_url: str, paths: Sequence[str], result: LoadResult, cli_env: dict[str, str]
) -> None:
    """Clients, the quiet phase, then crawl and digest in the background, until the bounds."""
    config = result.config
    limits = httpx.Limits(max_connections=config.clients, max_keepalive_connections=config.clients)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT) as http:
        for path in paths[:WARMUP_REQUESTS]:
            await http.get(path)
        started = time.perf_counter()
        deadline = started + config.seconds
        numbers = itertools.count()
        stop = asyncio.Event()

        async def client() -> None:
            while not stop.is_set() and time.perf_counter() < deadline:
                number = next(numbers)
                if config.requests is not None and number >= config.requests:
                    return
                path = paths[number % len(paths)]
                begun = time.perf_counter()
                try:
                    status = (await http.get(path)).status_code
                except httpx.HTTPError:
                    status = 0
                ended = time.perf_counter()
                result.samples.append(Sample(begun - started, ended - begun, status, path))

        tasks = [asyncio.create_task(client()) for _ in range(config.clients)]
        background = asyncio.create_task(crawl_and_digest(started, result, cli_env))
        background.add_done_callback(lambda _: stop.set())  # the busy phase ends the run
        await asyncio.gather(*tasks)
        result.wall_seconds = time.perf_counter() - started
        await background  # never cut short: the run ends with the service idle again


async def crawl_and_digest(started: float, result: LoadResult, env: dict[str, str]) -> None:
    """After the quiet share of the run: `exportwatch crawl --all`, then `alerts run`."""
    await asyncio.sleep(result.config.seconds * QUIET_SHARE)
    begun = time.perf_counter()
    result.crawl_returncode = await _cli(env, result, "crawl", "--all")
    crawled = time.perf_counter()
    result.alerts_returncode = await _cli(env, result, "alerts", "run", "--frequency", "immediate")
    ended = time.perf_counter()
    result.crawl_seconds, result.digest_seconds = crawled - begun, ended - crawled
    result.busy = (begun - started, ended - started)


async def _cli(env: dict[str, str], result: LoadResult, *args: str) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "exportwatch", *args, env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, errors = await process.communicate()
    code = await process.wait()
    if code:
        tail = errors.decode(errors="replace")[-1500:]
        result.problems.append(f"`exportwatch {' '.join(args)}` exited {code}: {tail}")
    return code


# One run


def run_load(config: LoadConfig, workdir: Path | None = None) -> LoadResult:
    """One full run in a fresh data dir (under `workdir`, else a temp dir removed afterwards)."""
    result = LoadResult(config)
    corpus = Corpus(config.seed)
    documents = list(corpus.documents(config.docs + config.crawl_items))
    paths = make_requests(corpus, 2_000, config.seed + 7)
    with ExitStack() as temporary:
        base = workdir or Path(temporary.enter_context(tempfile.TemporaryDirectory(prefix="load-")))
        data_dir, sources_dir, feed_dir = base / "var", base / "sources", base / "feeds"
        for folder in (sources_dir, feed_dir, base / "no-sources"):
            folder.mkdir(parents=True, exist_ok=True)
        # The server schedules no crawls of its own; the CLI crawl reads `sources_dir`.
        server_env = service_env(data_dir, base / "no-sources", config, free_port())
        clock = time.perf_counter()
        result.documents_before = seed_service(
            settings_from_env(server_env), documents[: config.docs], config.subscribers
        )
        result.seed_seconds = time.perf_counter() - clock
        log = base / "server.log"
        with ExitStack() as stack:
            feeds = FixtureServer(root=feed_dir)
            stack.enter_context(feeds)
            crawled = documents[config.docs :]
            write_feed_sources(crawled, config.feeds, feed_dir, sources_dir, feeds.url("")[:-1])
            clock = time.perf_counter()
            server_env, base_url = start_service(stack, server_env, log)
            result.start_seconds = time.perf_counter() - clock
            cli_env = {**server_env, "EXPORTWATCH_SOURCES_DIR": str(sources_dir)}
            asyncio.run(run_clients(base_url, paths, result, cli_env))
            answer = httpx.get(f"{base_url}/api/search", params={"size": 1}, timeout=30)
            result.indexed_after = int(answer.json().get("total", 0))
        read_outcome(result, log, settings_from_env(server_env))
    return result


def read_outcome(result: LoadResult, log: Path, settings: Settings) -> None:
    """What the service logged and stored, read after it stopped."""
    lines = log.read_text(errors="replace").splitlines()
    result.server_errors = [line for line in lines if " ERROR " in line or "Traceback" in line]
    result.emails = len(list(settings.outbox_dir.glob("*.eml")))
    services = open_services(settings)
    try:
        result.documents_after = services.store.count_documents()
    finally:
        services.close()


def start_service(
    stack: ExitStack, env: dict[str, str], log: Path, attempts: int = 3
) -> tuple[dict[str, str], str]:
    """Start the service on a free port (another, if one is taken meanwhile); env and URL."""
    for attempt in range(attempts):
        port = free_port()
        env = {**env, "EXPORTWATCH_BASE_URL": f"http://127.0.0.1:{port}"}
        try:
            stack.enter_context(running_service(env, port, log))
        except RuntimeError:
            if attempt == attempts - 1:
                raise
            continue
        return env, f"http://127.0.0.1:{port}"
    raise AssertionError("unreachable")


# Reporting and command line


def print_results(results: Sequence[LoadResult]) -> None:
    """The table: per backend and phase, requests, errors, req/s and latency percentiles."""
    print(
        f"\nload average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cpus\n"
        f"{'backend':<14}{'phase':<22}{'requests':>9}{'errors':>8}{'req/s':>8}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    for result in results:
        for phase in result.phases():
            print(
                f"{result.config.backend:<14}{phase.name:<22}{phase.requests:>9}{phase.errors:>8}"
                f"{phase.throughput:>8.1f}{phase.p50:>9.1f}{phase.p95:>9.1f}{phase.p99:>9.1f}"
            )
    for result in results:
        config = result.config
        print(
            f"\n{config.backend}: {config.docs:,} docs (stored and indexed in "
            f"{result.seed_seconds:.1f} s), service ready in {result.start_seconds:.1f} s, "
            f"{config.clients} clients for {result.wall_seconds:.1f} s; "
            f"crawl {result.crawl_seconds:.1f} s "
            f"(exit {result.crawl_returncode}), digests {result.digest_seconds:.1f} s "
            f"(exit {result.alerts_returncode}); documents {result.documents_before:,} -> "
            f"{result.documents_after:,}, indexed {result.indexed_after:,}; "
            f"{result.emails} digest emails; {len(result.server_errors)} server log errors"
        )
        for sample in result.error_samples()[:5]:
            print(f"  error: {sample.status} {sample.path}")
        for line in [*result.server_errors[:5], *result.problems]:
            print(f"  {line}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000, help="corpus size (20000)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--seconds", type=float, default=60.0, help="run length bound (60)")
    parser.add_argument("--requests", type=int, help="request count bound (none)")
    parser.add_argument("--crawl-items", type=int, default=2_000, help="feed items crawled")
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument(
        "--elasticsearch", action="store_true", help="also run on a local Elasticsearch node"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the embedded backend (and Elasticsearch if asked); exit 1 on any error."""
    args = parse_args(argv)
    config = LoadConfig(
        docs=args.docs,
        clients=args.clients,
        seconds=args.seconds,
        requests=args.requests,
        crawl_items=args.crawl_items,
        subscribers=args.subscribers,
    )
    results = [run_load(config)]
    if args.elasticsearch:
        from exportwatch.devtools.elasticsearch import provide_node

        with provide_node() as node:
            es_config = LoadConfig(**{**config.__dict__, "elasticsearch_url": node.url})
            results.append(run_load(es_config))
    print_results(results)
    failed = any(r.error_samples() or r.problems or r.server_errors for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
