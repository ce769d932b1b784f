"""The Elasticsearch backend against a real node: mapping, analysis, aliases, bulk, rebuilds."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import cast

import pytest
from elasticsearch import BadRequestError, Elasticsearch

from exportwatch.analysis import analyze, fold, tokenize
from exportwatch.model import Document, Kind
from exportwatch.search import Index, IndexUnavailableError, Query, SearchError
from exportwatch.search.elasticsearch import ElasticsearchIndex, IndexWriteError
from exportwatch.search.es_bulk import index_action, send_bulk
from exportwatch.search.es_mapping import MAPPINGS, words
from exportwatch.search.records import make_record
from exportwatch.taxonomy import Taxonomy
from tests.search.behaviour import IndexBehaviour

pytestmark = pytest.mark.elasticsearch

# Strings whose tokens the standard analyzer and `analysis.tokenize` agree on.
STANDARD_AGREES = [
    "e-commerce",
    "G/TBT/N/EU/12",
    "naïve café",
    "Straße ß",
    "Müsli Æble Œuvre",
    "foo_bar x86-64",
    "2024-05-01",
    "C++ A&B #tag @user",
    "İstanbul Ελληνικά",
    "tab\tnew\nline",
]
# Where they differ (UAX #29 word rules): why title/summary/body hold Python's tokens joined by
# spaces and use the whitespace analyzer instead. Values: what the standard analyzer yields.
STANDARD_DIFFERS = {
    "3.5": ["3.5"],
    "U.S.": ["u.s"],
    "1,000,000": ["1,000,000"],
    "l'économie": ["l'economie"],
    "www.example.com": ["www.example.com"],
    "user@example.com": ["user", "example.com"],
    "HS 0901.21": ["hs", "0901.21"],
    "日本語テキスト": ["日", "本", "語", "テキスト"],
    "emoji 😀": ["emoji", "😀"],
    "ab:cd": ["ab:cd"],
    "soft\u00adhyphen": ["soft\u00adhyphen"],
    "\u00bd": ["1\u20442"],  # one half -> 1, fraction slash, 2
}


@pytest.fixture
def index(elasticsearch_url: str, es_index_prefix: str, taxonomy: Taxonomy) -> Iterator[Index]:
    """A fresh, empty Elasticsearch index named with the test's prefix."""
    opened = ElasticsearchIndex(taxonomy, elasticsearch_url, prefix=es_index_prefix.rstrip("-"))
    yield opened
    opened.close()


@pytest.fixture
def es_index(index: Index) -> ElasticsearchIndex:
    assert isinstance(index, ElasticsearchIndex)
    return index


class TestElasticsearchBehaviour(IndexBehaviour):
    """The shared behavioural suite, on Elasticsearch."""


def make_documents(count: int, start: int = 0, word: str = "fair") -> list[Document]:
    return [
        Document(
            id=f"doc-{n:06d}",
            kind=Kind.EVENT,
            title=f"Trade {word} number {n}",
            summary="Exhibitors from many markets",
            url=f"https://example.org/{n}",
            source_id="synthetic",
            language="en",
            starts_on=date(2027, 1 + n % 12, 1 + n % 28),
            countries=["DE"],
        )
        for n in range(start, start + count)
    ]


def physical_indices(client: Elasticsearch, alias: str) -> dict[str, list[str]]:
    """Every versioned index of `alias`, with the aliases each carries."""
    found = client.indices.get_alias(index=f"{alias}-v*")
    return {name: sorted(info["aliases"]) for name, info in found.items()}


# -- mapping and analysis -------------------------------------------------------------------


def test_mapping_is_strict(es_index: ElasticsearchIndex, elasticsearch: Elasticsearch) -> None:
    es_index.upsert(make_documents(1))
    with pytest.raises(BadRequestError, match="strict_dynamic_mapping_exception"):
        elasticsearch.index(index=es_index.alias, id="x", document={"unknown": 1})
    mapping = elasticsearch.indices.get_mapping(index=es_index.alias)
    assert next(iter(mapping.values()))["mappings"]["dynamic"] == "strict"


def test_payload_is_stored_but_not_indexed(
    es_index: ElasticsearchIndex, elasticsearch: Elasticsearch
) -> None:
    es_index.upsert(make_documents(1))
    stored = elasticsearch.get(index=es_index.alias, id="doc-000000")["_source"]
    assert stored["payload"]["url"] == "https://example.org/0"
    result = elasticsearch.search(index=es_index.alias, query={"term": {"payload.url": "x"}})
    assert result["hits"]["total"]["value"] == 0
    assert MAPPINGS["properties"]["payload"] == {"type": "object", "enabled": False}


@pytest.mark.parametrize("text", [*STANDARD_AGREES, *STANDARD_DIFFERS])
def test_indexed_tokens_are_python_tokens(
    es_index: ElasticsearchIndex, elasticsearch: Elasticsearch, text: str
) -> None:
    es_index.count()  # creates the index
    indexed = words(analyze([text], None).tokens[0])  # what record_source indexes as the title
    analyzed = elasticsearch.indices.analyze(index=es_index.alias, field="title", text=indexed)
    assert [token["token"] for token in analyzed["tokens"]] == tokenize(text)


@pytest.mark.parametrize("text", STANDARD_AGREES)
def test_standard_analyzer_agrees_on_ordinary_text(elasticsearch: Elasticsearch, text: str) -> None:
    analyzed = elasticsearch.indices.analyze(analyzer="standard", text=fold(text))
    assert [token["token"] for token in analyzed["tokens"]] == tokenize(text)


@pytest.mark.parametrize(("text", "standard"), STANDARD_DIFFERS.items())
def test_standard_analyzer_differences_are_known(
    elasticsearch: Elasticsearch, text: str, standard: list[str]
) -> None:
    analyzed = elasticsearch.indices.analyze(analyzer="standard", text=fold(text))
    assert [token["token"] for token in analyzed["tokens"]] == standard != tokenize(text)


def test_tokens_that_standard_keeps_whole_are_found(es_index: ElasticsearchIndex) -> None:
    document = make_documents(1)[0]
    document.body = "Tariff line HS 0901.21, see www.example.com; 3.5% for the U.S."
    es_index.upsert([document])
    for text in ("0901", "21", "example", "3", "u", '"0901 21"'):
        assert es_index.search(Query(text=text)).total == 1, text


def test_long_tokens_are_clipped_alike_in_documents_and_queries(
    es_index: ElasticsearchIndex,
) -> None:
    first, second = make_documents(2)
    first.body, second.body = "a" * 300, "a" * 255 + "b" * 45
    es_index.upsert([first, second])
    assert es_index.search(Query(text="a" * 300)).total == 2  # both clipped to 255 characters
    assert es_index.search(Query(text="b" * 45)).total == 0


# -- aliases and versions -------------------------------------------------------------------


def test_first_use_creates_a_versioned_index_behind_the_alias(
    es_index: ElasticsearchIndex, elasticsearch: Elasticsearch
) -> None:
    assert es_index.active_index() is None
    assert es_index.count() == 0
    active = es_index.active_index()
    assert active is not None and re.fullmatch(rf"{re.escape(es_index.alias)}-v\d{{17}}", active)
    assert physical_indices(elasticsearch, es_index.alias) == {active: [es_index.alias]}
    settings = elasticsearch.indices.get_settings(index=active)[active]["settings"]["index"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == ("1", "0")


def test_a_second_instance_reuses_the_alias(
    es_index: ElasticsearchIndex, elasticsearch_url: str, taxonomy: Taxonomy
) -> None:
    es_index.upsert(make_documents(3))
    other = ElasticsearchIndex(taxonomy, elasticsearch_url, prefix=es_index.prefix)
    try:
        assert other.count() == 3
        assert other.active_index() == es_index.active_index()
    finally:
        other.close()


def test_an_index_named_like_the_alias_is_reported_without_debris(
    es_index: ElasticsearchIndex, elasticsearch: Elasticsearch
) -> None:
    elasticsearch.indices.create(index=es_index.alias)
    with pytest.raises(IndexUnavailableError, match="invalid_alias_name_exception"):
        es_index.count()
    assert physical_indices(elasticsearch, es_index.alias) == {}


def test_long_ids_are_stored_under_a_digest(es_index: ElasticsearchIndex) -> None:
    document = make_documents(1)[0]
    document.id = "https://example.org/" + "x" * 600
    es_index.upsert([document])
    assert es_index.get(document.id) == document
    es_index.delete([document.id])
    assert es_index.count() == 0


# -- bulk writes ----------------------------------------------------------------------------


def test_bulk_failures_are_reported_not_dropped(
    es_index: ElasticsearchIndex, elasticsearch: Elasticsearch
) -> None:
    # A conflicting mapping behind the alias: dated documents fail, undated ones go in.
    conflicting = {**MAPPINGS["properties"], "window_start": {"type": "integer"}}
    elasticsearch.indices.create(
        index=f"{es_index.alias}-v1",
        mappings={**MAPPINGS, "properties": conflicting},
        aliases={es_index.alias: {}},
    )
    documents = make_documents(12)
    for document in documents[:4]:
        document.starts_on = None
    with pytest.raises(IndexWriteError) as caught:
        es_index.upsert(documents)
    assert len(caught.value.failures) == 8
    message = str(caught.value)
    assert message.startswith(f"8 document(s) failed to index into {es_index.alias}: doc-000004: ")
    assert "document_parsing_exception" in message and "(and 3 more)" in message
    assert isinstance(caught.value, SearchError)
    assert es_index.count() == 4  # the accepted ones are searchable at once


def test_writes_are_visible_to_the_next_search(es_index: ElasticsearchIndex) -> None:
    for n in range(5):
        es_index.upsert(make_documents(1, start=n))
        assert es_index.search(Query(text="fair")).total == n + 1


def test_a_deleted_alias_is_recreated_not_auto_created_as_an_index(
    es_index: ElasticsearchIndex, elasticsearch: Elasticsearch
) -> None:
    es_index.upsert(make_documents(2))
    elasticsearch.indices.delete(index=str(es_index.active_index()))
    with pytest.raises(IndexWriteError, match="index_not_found_exception"):
        es_index.upsert(make_documents(2))
    assert not elasticsearch.indices.exists(index=es_index.alias)
    es_index.upsert(make_documents(2))
    assert es_index.count() == 2 and es_index.active_index() is not None


class ThrottlingClient:
    """Stands in for the client: refuses the first record with 429 `refusals` times."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.sent: list[int] = []

    def bulk(self, *, operations: list[str], **_: object) -> dict[str, object]:
        self.sent.append(len(operations))
        items = []
        for n, action in enumerate(operations):
            id_ = json.loads(action.partition("\n")[0])["index"]["_id"]
            if n == 0 and len(self.sent) <= self.refusals:
                error = {"type": "es_rejected_execution_exception", "reason": "queue full"}
                items.append({"index": {"_id": id_, "status": 429, "error": error}})
            else:
                items.append({"index": {"_id": id_, "status": 201}})
        return {"items": items}


def test_throttled_records_are_resent(taxonomy: Taxonomy) -> None:
    actions = [index_action(make_record(d, taxonomy)) for d in make_documents(3)]
    client = ThrottlingClient(refusals=2)
    failures = send_bulk(cast(Elasticsearch, client), "a", actions, refresh=False, backoff=0)
    assert failures == [] and client.sent == [3, 1, 1]


def test_records_throttled_too_often_are_reported(taxonomy: Taxonomy) -> None:
    actions = [index_action(make_record(d, taxonomy)) for d in make_documents(2)]
    client = ThrottlingClient(refusals=99)
    failures = send_bulk(cast(Elasticsearch, client), "a", actions, refresh=False, backoff=0)
    assert failures == [("doc-000000", "es_rejected_execution_exception: queue full")]
    assert client.sent == [2, 1, 1, 1]


# -- rebuilds -------------------------------------------------------------------------------


def test_rebuild_swaps_while_searches_keep_working(
    es_index: ElasticsearchIndex, elasticsearch: Elasticsearch
) -> None:
    es_index.batch_size = 250
    es_index.upsert(make_documents(1000))
    old = es_index.active_index()
    totals: set[int] = set()
    failures: list[str] = []
    swapped = threading.Event()
    deadline = time.monotonic() + 60

    def search_loop() -> None:
        while (not swapped.is_set() or 1500 not in totals) and time.monotonic() < deadline:
            try:
                totals.add(es_index.search(Query(text="trade fair", size=5)).total)
            except Exception as exc:  # every failure is counted and shown
                failures.append(repr(exc))
                return

    searcher = threading.Thread(target=search_loop)
    searcher.start()
    try:
        assert es_index.rebuild(make_documents(1500)) == 1500
    finally:
        swapped.set()
        searcher.join(timeout=30)
    assert failures == [] and totals == {1000, 1500}  # searched before and after the swap
    new = es_index.active_index()
    assert new != old
    assert physical_indices(elasticsearch, es_index.alias) == {str(new): [es_index.alias]}
    assert es_index.count() == 1500


def test_failed_rebuild_leaves_the_old_index_and_no_debris(
    es_index: ElasticsearchIndex, elasticsearch: Elasticsearch
) -> None:
    es_index.upsert(make_documents(10))
    before = physical_indices(elasticsearch, es_index.alias)

    def broken() -> Iterator[Document]:
        yield from make_documents(1500, word="expo")
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError, match="store went away"):
        es_index.rebuild(broken())
    assert physical_indices(elasticsearch, es_index.alias) == before
    assert es_index.count() == 10 and es_index.search(Query(text="expo")).total == 0


def test_rebuild_deletes_older_orphans(
    es_index: ElasticsearchIndex, elasticsearch: Elasticsearch
) -> None:
    es_index.upsert(make_documents(3))
    debris = f"{es_index.alias}-v00000000000000001"  # e.g. left by a killed rebuild
    elasticsearch.indices.create(index=debris, mappings=MAPPINGS)
    es_index.rebuild(make_documents(2))
    assert list(physical_indices(elasticsearch, es_index.alias)) == [es_index.active_index()]
    assert es_index.count() == 2


def dead_build(index: ElasticsearchIndex) -> str:
    """A physical index with a build alias, as a rebuild that died mid-build leaves one."""
    return index._create_physical({}, building=True)


def test_leftover_builds_are_discarded_only_while_idle(
    es_index: ElasticsearchIndex, elasticsearch: Elasticsearch
) -> None:
    es_index.upsert(make_documents(3))
    serving, leftover = es_index.active_index(), dead_build(es_index)
    assert es_index.discard_unfinished_builds(idle=lambda: False) == []  # a rebuild runs
    assert es_index.discard_unfinished_builds(idle=lambda: True) == [leftover]
    assert list(physical_indices(elasticsearch, es_index.alias)) == [serving]


def test_a_build_started_after_the_listing_is_not_discarded(
    es_index: ElasticsearchIndex, elasticsearch: Elasticsearch
) -> None:
    es_index.upsert(make_documents(3))
    leftover, started = dead_build(es_index), []

    def idle_then_a_rebuild_starts() -> bool:
        started.append(dead_build(es_index))  # its index appears right after the check
        return True

    assert es_index.discard_unfinished_builds(idle=idle_then_a_rebuild_starts) == [leftover]
    assert set(physical_indices(elasticsearch, es_index.alias)) == {
        str(es_index.active_index()),
        started[0],
    }


def test_a_build_put_in_service_meanwhile_is_not_discarded(
    es_index: ElasticsearchIndex, elasticsearch: Elasticsearch
) -> None:
    es_index.upsert(make_documents(3))
    finishing = dead_build(es_index)

    def the_rebuild_swaps_and_finishes() -> bool:
        es_index._swap_alias(finishing)
        return True

    assert es_index.discard_unfinished_builds(idle=the_rebuild_swaps_and_finishes) == []
    assert es_index.active_index() == finishing and es_index.count() == 0


# -- availability ---------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_node_raises_index_unavailable(taxonomy: Taxonomy) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    unreachable = ElasticsearchIndex(taxonomy, url, write_attempts=2, retry_backoff=0.01)
    try:
        assert unreachable.ping() is False
        with pytest.raises(IndexUnavailableError, match=re.escape(url)) as caught:
            unreachable.search(Query(text="fair"))
        assert "unavailable" in str(caught.value) and "Connection" in str(caught.value)
        with pytest.raises(IndexUnavailableError, match=re.escape(url)):
            unreachable.upsert(make_documents(1))
    finally:
        unreachable.close()


def test_ping_and_close(elasticsearch_url: str, taxonomy: Taxonomy) -> None:
    client = Elasticsearch(elasticsearch_url)
    index = ElasticsearchIndex(taxonomy, elasticsearch_url, client=client)
    assert index.ping() is True
    index.close()  # not ours: stays open
    assert client.cluster.health()["status"] in ("green", "yellow")
    client.close()


def test_passwords_are_not_shown_in_errors(taxonomy: Taxonomy) -> None:
    url = f"http://elastic:s3cret@127.0.0.1:{closed_port()}"
    unreachable = ElasticsearchIndex(taxonomy, url)
    try:
        with pytest.raises(IndexUnavailableError) as caught:
            unreachable.count()
        assert "s3cret" not in str(caught.value) and "elastic:***@" in str(caught.value)
    finally:
        unreachable.close()
