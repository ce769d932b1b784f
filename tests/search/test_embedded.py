"""The embedded (SQLite FTS5) backend: the shared behaviour suite plus what only it has."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from exportwatch.analysis import analyze, tokenize
from exportwatch.model import Document, Kind
from exportwatch.search import Index, IndexUnavailableError, Query, Sort
from exportwatch.search.embedded import EmbeddedIndex, bitmaps
from exportwatch.search.embedded.compile import match_required
from exportwatch.search.embedded.schema import TOKENIZER
from exportwatch.search.records import make_record
from exportwatch.search.results import FACETS
from exportwatch.search.text_query import parse_text
from exportwatch.taxonomy import Taxonomy
from tests.search.behaviour import TODAY, IndexBehaviour


@pytest.fixture
def index(tmp_path: Path, taxonomy: Taxonomy) -> Iterator[EmbeddedIndex]:
    """A fresh, empty embedded index in a temp dir."""
    opened = EmbeddedIndex(taxonomy, tmp_path / "index.sqlite3")
    yield opened
    opened.close()


class TestEmbeddedBehaviour(IndexBehaviour):
    pass


def make_document(number: int, title: str = "Dairy fair", **fields: Any) -> Document:
    values: dict[str, Any] = {"kind": Kind.EVENT, "source_id": "test", "language": "en"}
    return Document(
        id=f"doc-{number:05d}", title=title, url=f"https://example.org/{number}", **values | fields
    )


def titles(index: Index, text: str) -> set[str]:
    return {hit.document.title for hit in index.search(Query(text=text, size=100)).hits}


# -- tokens ---------------------------------------------------------------------------------


TRICKY = [
    "e-commerce",
    "G/TBT/N/EU/12",
    "Côte d'Ivoire",
    "naïve café",
    "Straße ß",
    "foo_bar",
    "Æble Øl œuvre",
    "50% off \u2013 3\u00bd \u201cquoted\u201d l'export",
    "a🧩b x\ue000y",  # a symbol newer than unicode61's tables, a private-use character
    "ΑΘΗΝΑ Москва 東京",
    "tab\tand\nnewline",
]


@pytest.mark.parametrize("text", TRICKY)
def test_fts_tokens_equal_analysis_tokens(text: str) -> None:
    with contextlib.closing(sqlite3.connect(":memory:")) as connection:
        connection.execute(f'CREATE VIRTUAL TABLE t USING fts5(x, tokenize="{TOKENIZER}")')
        connection.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
        connection.execute("INSERT INTO t (x) VALUES (?)", (analyze([text], None).tokens[0],))
        tokens = [term for (term,) in connection.execute("SELECT term FROM v ORDER BY offset")]
    assert tokens == tokenize(text)


def test_a_token_only_python_splits_is_found_by_its_parts(index: EmbeddedIndex) -> None:
    index.upsert([make_document(1, title="Puzzle a🧩b G/TBT/N/EU/12 e-commerce")])
    assert titles(index, "a") == titles(index, "b") == titles(index, '"eu 12"')
    assert titles(index, "commerce") == titles(index, "e-commerce") != set()


# -- query syntax ---------------------------------------------------------------------------


def test_match_string_is_built_from_quoted_tokens_only() -> None:
    text = parse_text('Dairy "trade fair" expo* -wine')
    dairy, wine = text.required[0].alternatives[0].stems, text.excluded[0].stems
    assert dairy >= {"dairy", "dairi"} and wine >= {"wine", "win"}

    def stems(variants: frozenset[str]) -> str:
        return " OR ".join(f'"{stem}"' for stem in sorted(variants))

    assert match_required(text) == (
        f'((({{title summary body}} : "dairy" OR stems : ({stems(dairy)}))) AND '
        '({title summary body} : "trade" + "fair") AND ({title summary body} : "expo" *)) '
        f'NOT (({{title summary body}} : "wine" OR stems : ({stems(wine)})))'
    )


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"dairy',
        "*",
        "dairy*",
        "^dairy",
        "title:dairy",
        "dairy:",
        "(",
        "dairy)",
        "NEAR(dairy fair)",
        "dairy AND fair",
        "dairy NOT fair",
        "-",
        "--dairy",
        "OR",
        "OR dairy OR",
        "dairy - fair",
        '"" * ^ : ( ) { } + -',
        "{title}: dairy",
        "\\\" ' ; --",
    ],
)
def test_fts5_syntax_in_the_query_never_raises(index: EmbeddedIndex, text: str) -> None:
    index.upsert([make_document(1), make_document(2, title="Wine fair")])
    assert index.search(Query(text=text)).total >= 0


def test_operator_words_are_plain_words(index: EmbeddedIndex) -> None:
    index.upsert([make_document(1, title="Near and not"), make_document(2, title="Dairy")])
    assert titles(index, "NEAR") == {"Near and not"}
    assert titles(index, "AND NOT") == {"Near and not"}


def test_only_exclusions_return_everything_else(index: EmbeddedIndex) -> None:
    index.upsert([make_document(1), make_document(2, title="Wine fair")])
    results = index.search(Query(text="-dairy"))
    assert [hit.document.title for hit in results.hits] == ["Wine fair"]
    assert results.hits[0].score is None


def test_text_combines_with_dates_and_value_filters(index: EmbeddedIndex) -> None:
    index.upsert(varied_document(n) for n in range(60))
    for query in [
        Query(text="dairy", date_from=date(2027, 3, 1), date_to=date(2027, 5, 31), size=100),
        Query(text="fair", upcoming=True, today=date(2027, 6, 15), sort=Sort.SOONEST, size=100),
        Query(text="dairy", kinds=(Kind.FINANCE,), languages=("en", "de"), size=100),
        Query(text="fair -dairy", markets=("FR",), date_from=date(2027, 1, 1), size=100),
    ]:
        unfiltered = index.search(dataclasses.replace(query, text=""))
        text_only = index.search(Query(text=query.text, size=100))
        expected = {hit.document.id for hit in unfiltered.hits} & {
            hit.document.id for hit in text_only.hits
        }
        results = index.search(query)
        assert {hit.document.id for hit in results.hits} == expected != set()
        assert results.total == len(expected)
        assert sum(value.count for value in results.facets["kind"]) == len(expected)


# -- rebuild --------------------------------------------------------------------------------


def slow(
    documents: list[Document], started: threading.Event, release: threading.Event
) -> Iterator[Document]:
    """Yield the first document, then wait (mid-rebuild) until released."""
    yield documents[0]
    started.set()
    assert release.wait(10)
    yield from documents[1:]


def test_rebuild_swaps_while_searches_keep_answering(index: EmbeddedIndex) -> None:
    index.upsert([make_document(n, title="Old dairy") for n in range(3)])
    started, release = threading.Event(), threading.Event()
    new = [make_document(n, title="New wine") for n in range(5)]
    index.batch_size = 1  # the first batch is written before the generator pauses
    builder = threading.Thread(target=index.rebuild, args=(slow(new, started, release),))
    builder.start()
    try:
        assert started.wait(10)
        seen = []
        searcher = threading.Thread(target=lambda: seen.append(titles(index, "dairy")))
        searcher.start()
        searcher.join(10)
        assert seen == [{"Old dairy"}]
        assert index.count() == 3
    finally:
        release.set()
        builder.join(10)
    assert index.count() == 5
    assert titles(index, "wine") == {"New wine"}
    assert titles(index, "dairy") == set()


def test_upserts_during_a_rebuild_land_after_the_swap(index: EmbeddedIndex) -> None:
    started, release = threading.Event(), threading.Event()
    index.batch_size = 1
    builder = threading.Thread(
        target=index.rebuild, args=(slow([make_document(1), make_document(2)], started, release),)
    )
    builder.start()
    try:
        assert started.wait(10)
        writer = threading.Thread(target=index.upsert, args=([make_document(3, title="Late")],))
        writer.start()
        writer.join(0.2)
        assert writer.is_alive()  # waits for the rebuild instead of being overwritten by it
    finally:
        release.set()
        builder.join(10)
    writer.join(10)
    assert index.count() == 3
    assert titles(index, "late") == {"Late"}


def test_failed_rebuild_keeps_the_old_index_and_leaves_no_files(
    index: EmbeddedIndex, tmp_path: Path
) -> None:
    index.upsert([make_document(1)])
    before = sorted(path.name for path in tmp_path.iterdir())

    def broken() -> Iterator[Document]:
        yield make_document(2, title="Half built")
        raise RuntimeError("store went away")

    index.batch_size = 1
    with pytest.raises(RuntimeError, match="store went away"):
        index.rebuild(broken())
    assert sorted(path.name for path in tmp_path.iterdir()) == before
    assert index.count() == 1
    assert titles(index, "dairy") == {"Dairy fair"}


def test_rebuild_keeps_wal_mode_and_other_connections_see_it(
    index: EmbeddedIndex, taxonomy: Taxonomy
) -> None:
    index.upsert([make_document(1)])
    other = EmbeddedIndex(taxonomy, index.path)  # another process would open it the same way
    try:
        assert other.count() == 1
        index.rebuild([make_document(n, title="Rebuilt") for n in range(4)])
        assert other.count() == 4
        assert titles(other, "rebuilt") == {"Rebuilt"}
    finally:
        other.close()
    with contextlib.closing(sqlite3.connect(index.path)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_rebuild_leaves_no_copy_of_the_index_in_the_wal(index: EmbeddedIndex) -> None:
    index.rebuild([make_document(n, title="Rebuilt") for n in range(300)])
    wal = index.path.with_name(index.path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size < index.path.stat().st_size / 4


# -- failures -------------------------------------------------------------------------------


def test_corrupt_file_names_the_path_and_cause(tmp_path: Path, taxonomy: Taxonomy) -> None:
    path = tmp_path / "index.sqlite3"
    path.write_bytes(b"this is not a database, just garbage" * 200)
    with pytest.raises(IndexUnavailableError) as caught:
        EmbeddedIndex(taxonomy, path)
    assert str(path) in str(caught.value)
    assert "not a database" in str(caught.value)


def test_overwritten_index_file_raises_unavailable(index: EmbeddedIndex) -> None:
    index.upsert([make_document(n) for n in range(50)])
    index.close()
    with index.path.open("r+b") as file:
        file.write(b"garbage!" * 1000)
    with pytest.raises(IndexUnavailableError, match=r"index\.sqlite3"):
        EmbeddedIndex(index.taxonomy, index.path)


def test_closed_index_says_so(index: EmbeddedIndex) -> None:
    index.close()
    with pytest.raises(IndexUnavailableError, match="closed"):
        index.count()


# -- concurrency ----------------------------------------------------------------------------


def test_searches_from_threads_while_upserting(index: EmbeddedIndex) -> None:
    index.upsert([make_document(n) for n in range(200)])
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        try:
            while not stop.is_set():
                results = index.search(Query(text="dairy", today=TODAY))
                assert results.total >= 200
                assert len(results.hits) == 20
        except BaseException as error:  # reported below, with the thread's traceback
            errors.append(error)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for start in range(200, 1200, 100):
            index.upsert([make_document(n) for n in range(start, start + 100)])
            time.sleep(0.01)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert errors == []
    assert index.search(Query(text="dairy")).total == 1200


def test_upsert_replaces_within_one_batch_and_across_batches(index: EmbeddedIndex) -> None:
    index.upsert([make_document(1, title="First"), make_document(1, title="Second")])
    assert titles(index, "second") == {"Second"}
    assert titles(index, "first") == set()
    index.upsert([make_document(1, title="Third")])
    assert index.count() == 1
    assert titles(index, "second") == set()


def test_relevance_pages_keep_ties_in_id_order_across_page_edges(index: EmbeddedIndex) -> None:
    """Pages read only matches scoring at least the page's last score; ties must survive."""
    same = [make_document(number, title="Dairy fair") for number in (9, 3, 12, 1, 7, 5, 11)]
    better = [make_document(number, title="Dairy dairy fair") for number in (8, 2, 10)]
    index.upsert(same + better)
    whole = index.search(Query(text="dairy", size=50)).hits
    expected = sorted(whole, key=lambda hit: (-(hit.score or 0.0), hit.document.id))
    assert [hit.document.id for hit in whole] == [hit.document.id for hit in expected]
    assert [hit.document.id for hit in whole[:3]] == ["doc-00002", "doc-00008", "doc-00010"]
    paged = [index.search(Query(text="dairy", size=4, page=page)).hits for page in (1, 2, 3)]
    assert [hit.document.id for page in paged for hit in page] == [h.document.id for h in whole]


# -- facet bitmaps --------------------------------------------------------------------------


def varied_document(number: int, version: int = 0) -> Document:
    kinds = list(Kind)
    return make_document(
        number,
        title="Dairy fair" if (number + version) % 3 else "Wine fair",
        kind=kinds[(number + version) % 3],
        language=["en", "de", "fr", None][(number + version) % 4],
        source_id=f"source-{(number * 7 + version) % 5}",
        sectors=[["food.dairy"], ["machinery"], [], ["food", "health"]][(number + version) % 4],
        countries=[["DE"], ["EU"], ["US", "VN"], []][(number * 3 + version) % 4],
        starts_on=date(2027, 1 + (number + version) % 12, 1) if number % 5 else None,
        deadline=date(2027, 1 + (number * 5 + version) % 12, 10) if number % 7 else None,
    )


def expected_facets(documents: list[Document], taxonomy: Taxonomy) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for document in documents:
        record = make_record(document, taxonomy)
        counts["kind"][document.kind.value] += 1
        counts["source"][document.source_id] += 1
        counts["language"].update([document.language] if document.language else [])
        counts["month"].update([record.month] if record.month else [])
        counts["sector"].update(record.sector_keys)
        counts["country"].update(record.market_keys)
    return {name: dict(counter) for name, counter in counts.items()}


def facet_counts(index: Index, text: str = "") -> dict[str, dict[str, int]]:
    facets = index.search(Query(text=text, size=1)).facets
    return {name: {v.value: v.count for v in values} for name, values in facets.items()}


def test_facet_bitmaps_follow_replacements_and_deletes(
    index: EmbeddedIndex, taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bitmaps, "CHUNK_BITS", 16)  # many chunks, and chunks emptied
    live = {n: varied_document(n) for n in range(120)}
    index.upsert(live.values())
    live |= {n: varied_document(n, version=1) for n in range(0, 120, 3)}
    index.upsert([live[n] for n in range(0, 120, 3)])
    gone = [n for n in range(120) if n % 4 == 1 or n < 40]
    index.delete([f"doc-{n:05d}" for n in gone])
    for n in gone:
        del live[n]
    index.upsert([varied_document(n, version=2) for n in range(200, 230)])
    live |= {n: varied_document(n, version=2) for n in range(200, 230)}
    assert facet_counts(index) == expected_facets(list(live.values()), taxonomy)
    dairy = [document for document in live.values() if "Dairy" in document.title]
    assert facet_counts(index, "dairy") == expected_facets(dairy, taxonomy)


def test_public_surface() -> None:
    import exportwatch.search.embedded as package

    assert package.__all__ == ["EmbeddedIndex"]
    for name in ("backend", "bitmaps", "compile", "connections", "schema", "searching", "writing"):
        module = importlib.import_module(f"exportwatch.search.embedded.{name}")
        assert all(hasattr(module, exported) for exported in module.__all__), name
