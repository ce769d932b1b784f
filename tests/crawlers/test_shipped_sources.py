"""The shipped definitions of config/sources/, each run end to end against its recordings.

Every definition has a folder tests/fixtures/http/sources/<id>/ holding every file the source
fetches, named by its URL's path on the publisher's site: `https://www.exim.gov/solutions` is
`solutions.html` (a path without an extension gets the one of its content type, a path ending
in `/` is `index.html` in that folder, and a query `?page=1` is written `@page=1` before the
extension). Each source gets its own local HTTP server whose root is that folder, so relative
and root-relative links work as on the real site; absolute URLs on the source's own hosts are
rewritten to the local server, and a URL guard refuses every host but 127.0.0.1. The poller runs
as of AS_OF, the day the recordings were written, so calendars and sitemaps filtered by date
read the same items whenever the test runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from exportwatch.cli import app
from exportwatch.crawlers import (
    FetchPolicy,
    HtmlSource,
    SourceDefinition,
    definition_files,
    definition_from_yaml,
    load_definition,
    polling,
)
from exportwatch.crawling import collect
from exportwatch.devtools.recordings import localized, serve_recordings, source_hosts
from exportwatch.model import Document, Kind, RunStatus
from exportwatch.pipeline.normalize import Normalizer
from exportwatch.settings import Settings
from exportwatch.taxonomy import Taxonomy
from tests.mockserver import FixtureServer

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config" / "sources"
RECORDINGS = ROOT / "tests" / "fixtures" / "http" / "sources"
DEFINITION_FILES = definition_files(SHIPPED)
AS_OF = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # when the recordings were written
HEADER_CHARS = 600  # where a recording must say what it is
HEADER = re.compile(r"(Hand-written|Recorded) on \d{4}-\d{2}-\d{2}")
KINDS = {"event", "finance", "regulation"}  # each kind has sources of its own
MAX_HTML_SOURCES = 3  # each html source is a crawl subprocess: keep the module quick


def only_loopback(url: httpx.URL) -> str | None:
    """The URL guard of these crawls (module level: the html crawl process imports it)."""
    return None if url.host == "127.0.0.1" else "the tests fetch nothing but their recordings"


POLICY = FetchPolicy(guard=only_loopback, trust_env=False)


@dataclass(frozen=True)
class Site:
    """A source served from its recordings: the local definition (and its YAML), the server."""

    definition: SourceDefinition
    yaml: str
    server: FixtureServer


@contextmanager
def recorded_site(definition_file: Path, taxonomy: Taxonomy) -> Iterator[Site]:
    """The shipped definition pointed at a local server that serves its recordings."""
    shipped = load_definition(definition_file, taxonomy)
    hosts = source_hosts(shipped)
    with FixtureServer(RECORDINGS / shipped.id) as server:
        serve_recordings(server, RECORDINGS / shipped.id, hosts)
        text = localized(definition_file.read_text(encoding="utf-8"), hosts, server)
        local = definition_from_yaml(text, taxonomy, name=definition_file.name)
        yield Site(local, text, server)


@pytest.fixture(scope="module")
def normalizer(taxonomy: Taxonomy) -> Normalizer:
    return Normalizer(taxonomy)


@pytest.fixture
def as_of_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    """The poller's clock at AS_OF: date windows (calendars, sitemaps) as when recorded."""
    monkeypatch.setattr(polling, "utcnow", lambda: AS_OF)


def shipped_definitions(taxonomy: Taxonomy) -> list[SourceDefinition]:
    return [load_definition(path, taxonomy) for path in DEFINITION_FILES]


# --- what is shipped ------------------------------------------------------------------------


def test_the_shipped_sources_cover_every_kind_and_most_types(taxonomy: Taxonomy) -> None:
    definitions = shipped_definitions(taxonomy)
    assert len(definitions) >= 9
    assert {definition.kind.value for definition in definitions} == KINDS
    assert len({definition.type for definition in definitions}) >= 6
    html = [d.id for d in definitions if isinstance(d, HtmlSource)]
    assert len(html) <= MAX_HTML_SOURCES, f"each html source costs a crawl process: {html}"


def test_every_shipped_source_has_recordings_and_every_recording_a_source(
    taxonomy: Taxonomy,
) -> None:
    ids = {definition.id for definition in shipped_definitions(taxonomy)}
    folders = {folder.name for folder in RECORDINGS.iterdir() if folder.is_dir()}
    assert sorted(ids - folders) == [], "record the pages of a new source (see docs/sources.md)"
    assert sorted(folders - ids) == [], "recordings of a source that is no longer shipped"
    for path in DEFINITION_FILES:
        assert load_definition(path, taxonomy).id == path.stem, f"{path.name}: id = file name"


def test_every_recording_says_what_it_is_and_when() -> None:
    files = [path for path in RECORDINGS.rglob("*") if path.is_file()]
    assert files
    for path in files:
        head = path.read_text(encoding="utf-8")[:HEADER_CHARS]
        assert HEADER.search(head), f"{path}: start with 'Hand-written on <date> imitating …'"


# --- each source end to end -------------------------------------------------------------------


@pytest.mark.usefixtures("as_of_recording")
@pytest.mark.parametrize("definition_file", DEFINITION_FILES, ids=lambda path: path.stem)
def test_a_shipped_source_reads_its_recording(
    definition_file: Path, taxonomy: Taxonomy, normalizer: Normalizer
) -> None:
    with recorded_site(definition_file, taxonomy) as site:
        result = collect(site.definition, None, policy=POLICY)
    assert result.status is RunStatus.SUCCESS, result.problems
    assert set(result.http_statuses) == {"200"}, result.http_statuses
    assert len(result.items) >= max(2, site.definition.expect.min_items)
    for item in result.items:
        assert item.title and item.url and item.guid, item
    profile = site.definition.profile()
    for item in result.items:
        assert_essentials(normalizer.normalize(item, profile).document)


def assert_essentials(document: Document) -> None:
    """What a document of its kind is useless without."""
    if document.kind is Kind.EVENT:
        assert document.starts_on is not None, document
        assert document.countries, document
    elif document.kind is Kind.FINANCE:
        assert document.eligible_countries, document
    elif document.kind is Kind.REGULATION:
        assert document.countries or document.reference, document


# --- the commands on the shipped definitions --------------------------------------------------


@pytest.fixture
def shipped_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI's environment: a temporary data dir, the shipped config and sources."""
    monkeypatch.setenv("EXPORTWATCH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EXPORTWATCH_CONFIG_DIR", str(ROOT / "config"))
    monkeypatch.setenv("EXPORTWATCH_SOURCES_DIR", str(SHIPPED))
    monkeypatch.setenv("EXPORTWATCH_ALLOW_PRIVATE_NETWORKS", "true")  # recordings on 127.0.0.1
    return settings


def test_sources_check_accepts_every_shipped_definition(shipped_env: Settings) -> None:
    result = CliRunner().invoke(app, ["sources", "check"])
    assert result.exit_code == 0, result.output
    files = len(DEFINITION_FILES)
    ok_lines = [line for line in result.output.splitlines() if line.startswith("OK    ")]
    assert len(ok_lines) == files
    assert result.output.strip().endswith(f"{files} file(s) checked, 0 with problems.")


def test_sources_list_shows_every_shipped_source(shipped_env: Settings, taxonomy: Taxonomy) -> None:
    result = CliRunner().invoke(app, ["sources", "list"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip() for line in result.output.splitlines() if "│" in line}
    assert {definition.id for definition in shipped_definitions(taxonomy)} <= rows


@pytest.mark.usefixtures("as_of_recording")
def test_sources_preview_shows_a_shipped_source_from_its_recording(
    shipped_env: Settings, taxonomy: Taxonomy, tmp_path: Path
) -> None:
    definition_file = SHIPPED / "ihk-muenchen-events.yaml"
    local = tmp_path / definition_file.name
    with recorded_site(definition_file, taxonomy) as site:
        local.write_text(site.yaml, encoding="utf-8")
        result = CliRunner().invoke(app, ["sources", "preview", str(local), "--json"])
    assert result.exit_code == 0, result.output
    documents = json.loads(result.stdout)
    assert len(documents) >= 2
    assert {document["source_id"] for document in documents} == {"ihk-muenchen-events"}
    assert all(document["starts_on"] and document["countries"] for document in documents)
