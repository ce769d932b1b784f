"""The five-minute tour: every shipped source crawled from its recordings, a digest in the outbox.

`exportwatch demo` runs from a clone: the recordings of the shipped sources are in
tests/fixtures/http/sources/. Each source gets a local HTTP server serving its recordings, and
a copy of its definition pointing there goes into the demo's own data dir (wiped on each run),
so the demo touches neither the network nor the real data dir. The crawls, the index, the
subscriber and the digest are the service's own code paths, not imitations.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import exportwatch
from exportwatch.alerts.digests import DigestRunReport, run_digests
from exportwatch.alerts.subscribing import subscribe
from exportwatch.crawlers import SourceDefinition, definition_files, load_definition
from exportwatch.crawling import Crawler, CrawlReport
from exportwatch.devtools.fixture_server import FixtureServer
from exportwatch.devtools.recordings import localized, serve_recordings, source_hosts
from exportwatch.errors import ExportwatchError
from exportwatch.model import Kind
from exportwatch.search import Query
from exportwatch.search.sync import sync_outbox
from exportwatch.services import Services, open_services
from exportwatch.settings import Settings, load_settings
from exportwatch.taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "DEFAULT_DATA_DIR",
    "DEMO_EMAIL",
    "RECORDINGS",
    "Demo",
    "TourLink",
    "find_checkout",
    "prepare_demo",
    "run_demo",
    "tour_links",
]

DEFAULT_DATA_DIR = Path("var/demo")
RECORDINGS = Path("tests/fixtures/http/sources")  # relative to the clone's root
SHIPPED = Path("config/sources")
DEMO_EMAIL = "demo@example.org"
# What the recordings hold plenty of: food and energy fairs in Germany, EU and US rules, and
# (finance has no sector) the schemes open to a British company.
DEMO_SUBSCRIPTION: dict[str, object] = {
    "sectors": ["food", "agriculture", "packaging", "energy"],
    "markets": ["EU", "GB", "US"],
    "home_country": "GB",
    "frequency": "immediate",
}

CRAWL_WORKERS = 4
Progress = Callable[[SourceDefinition, CrawlReport | None], None]  # None: starting


@dataclass(slots=True)
class Demo:
    """A prepared demo: its settings, the recording servers, and what the crawls did."""

    settings: Settings
    definitions: list[SourceDefinition]
    servers: list[FixtureServer]
    admin_token: str
    reports: list[CrawlReport] = field(default_factory=list)
    digests: DigestRunReport | None = None

    def stop(self) -> None:
        """Stop the recording servers."""
        for server in self.servers:
            server.stop()
        self.servers.clear()

    @property
    def digest_files(self) -> list[Path]:
        """The `.eml` files in the demo's outbox."""
        return sorted(self.settings.outbox_dir.glob("*.eml"))


@dataclass(frozen=True, slots=True)
class TourLink:
    """One URL to open, with what it shows."""

    label: str
    url: str


def find_checkout(*roots: Path) -> Path:
    """The clone's root holding the recordings: the first of `roots` (default: cwd, package's)."""
    candidates = list(roots) or [Path.cwd(), Path(exportwatch.__file__).resolve().parents[1]]
    for root in candidates:
        if (root / RECORDINGS).is_dir() and (root / SHIPPED).is_dir():
            return root.resolve()
    looked = ", ".join(str(root / RECORDINGS) for root in candidates)
    raise ExportwatchError(
        f"the demo needs the recorded sources of a clone of exportwatch; none at {looked} "
        "(run it from the clone's root)"
    )


def prepare_demo(data_dir: Path, port: int, checkout: Path) -> Demo:
    """Wipe `data_dir`, serve each shipped source's recordings, write definitions pointing there.

    The demo's settings keep the environment's taxonomy but nothing that would reach out: its
    own SQLite store and index, the outbox instead of SMTP, private networks allowed.
    """
    if data_dir.exists():
        shutil.rmtree(data_dir)
    sources_dir = data_dir / "sources"
    sources_dir.mkdir(parents=True)
    token = secrets.token_urlsafe(18)
    base = load_settings()
    settings = load_settings(
        data_dir=data_dir.resolve(),
        database_url=None,
        elasticsearch_url=None,
        smtp_url=None,
        sources_dir=sources_dir.resolve(),
        config_dir=_config_dir(base, checkout),
        allow_private_networks=True,
        admin_token=token,
        host="127.0.0.1",
        port=port,
        base_url=f"http://127.0.0.1:{port}",
    )
    taxonomy = load_taxonomy(settings.config_dir)
    demo = Demo(settings, [], [], token)
    try:
        for file in definition_files(checkout / SHIPPED):
            _serve_source(demo, file, checkout / RECORDINGS, taxonomy)
    except BaseException:
        demo.stop()
        raise
    return demo


def _config_dir(base: Settings, checkout: Path) -> Path:
    """The configured taxonomy if it is there (from another working dir), else the clone's."""
    configured = base.config_dir.resolve()
    return configured if (configured / "sectors.yaml").is_file() else checkout / "config"


def _serve_source(demo: Demo, file: Path, recordings: Path, taxonomy: Taxonomy) -> None:
    shipped = load_definition(file, taxonomy)
    folder = recordings / shipped.id
    if not shipped.enabled or not folder.is_dir():
        return
    server = FixtureServer(folder).start()
    demo.servers.append(server)
    hosts = source_hosts(shipped)
    serve_recordings(server, folder, hosts)
    local = demo.settings.sources_dir / file.name
    local.write_text(localized(file.read_text(encoding="utf-8"), hosts, server), "utf-8")
    demo.definitions.append(load_definition(local, taxonomy))


def run_demo(demo: Demo, progress: Progress | None = None) -> Services:
    """Subscribe the demo address, crawl every source once, index, send the digest.

    Returns the opened services (the caller serves them or closes them).
    """
    services = open_services(demo.settings)
    try:
        subscribe(
            services,
            {"email": DEMO_EMAIL, "name": "Demo SME", "language": "en"},
            DEMO_SUBSCRIPTION,
            confirmed=True,
        )
        demo.reports = _crawl_all(Crawler(services), demo.definitions, progress)
        sync_outbox(services.store, services.index)
        names = {definition.id: definition.name for definition in demo.definitions}
        demo.digests = run_digests(services, source_names=names)
    except BaseException:
        services.close()
        raise
    return services


def _crawl_all(
    crawler: Crawler, definitions: list[SourceDefinition], progress: Progress | None
) -> list[CrawlReport]:
    """Crawl side by side, as the scheduler's workers do: html crawls wait on a subprocess."""

    def crawl(definition: SourceDefinition) -> CrawlReport:
        if progress is not None:
            progress(definition, None)
        report = crawler.crawl(definition)
        if progress is not None:
            progress(definition, report)
        return report

    html_first = sorted(definitions, key=lambda definition: definition.type != "html")
    with ThreadPoolExecutor(CRAWL_WORKERS, thread_name_prefix="demo-crawl") as pool:
        return list(pool.map(crawl, html_first))


def tour_links(demo: Demo, services: Services) -> list[TourLink]:
    """The URLs worth opening once the service runs, best first."""
    base = demo.settings.base_url
    links = [TourLink("Search everything", f"{base}/")]
    fair = _interesting_document(services)
    if fair is not None:
        links.append(TourLink("An upcoming trade fair", f"{base}/documents/{quote(fair, safe='')}"))
    query = urlencode({"kind": Kind.EVENT.value, "market": "DE"})
    links.append(TourLink("Atom feed: fairs in Germany", f"{base}/feeds/search.atom?{query}"))
    links.append(TourLink("API documentation", f"{base}/docs"))
    links.append(TourLink("Admin (token below)", f"{base}/admin"))
    return links


def _interesting_document(services: Services) -> str | None:
    """A fair with a venue, dates and sectors: the document page shows off most of its fields."""
    query = Query(kinds=(Kind.EVENT,), markets=("DE",), upcoming=True, size=20, facets=False)
    result = services.index.search(query)
    for hit in result.hits:
        document = hit.document
        if document.venue is not None and document.starts_on and document.sectors:
            return document.id
    return result.hits[0].document.id if result.hits else None
