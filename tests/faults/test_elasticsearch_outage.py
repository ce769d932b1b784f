"""Elasticsearch killed under a running service and under `reindex`: nothing is lost.

The tests run their own node (kill -9 and restart on the same data and port), so the session's
shared node is never touched.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from elasticsearch import Elasticsearch

from exportwatch.settings import Settings
from exportwatch.store import Store
from tests.faults.documents import write_documents
from tests.faults.es_node import RestartableNode
from tests.faults.processes import free_port, run_cli, service_env, spawn_cli, wait_until

pytestmark = pytest.mark.elasticsearch


@pytest.fixture(scope="module")
def node() -> Iterator[RestartableNode]:
    """A node for this module only, started once (about 8 s) and removed afterwards."""
    with RestartableNode() as started:
        yield started


@pytest.fixture
def client(node: RestartableNode) -> Iterator[Elasticsearch]:
    with Elasticsearch(node.url, request_timeout=10) as es:
        yield es


def es_env(settings: Settings, node: RestartableNode, prefix: str, **values: str) -> dict[str, str]:
    return service_env(
        settings, ELASTICSEARCH_URL=node.url, ELASTICSEARCH_INDEX_PREFIX=prefix, **values
    )


def indexed_ids(client: Elasticsearch, alias: str) -> set[str]:
    client.indices.refresh(index=alias)
    found = client.search(index=alias, size=10_000, source=False, query={"match_all": {}})
    return {hit["_id"] for hit in found["hits"]["hits"]}


def stored_ids(store: Store) -> set[str]:
    return {document.id for document in store.iter_documents()}


def physical_indices(client: Elasticsearch, alias: str) -> dict[str, list[str]]:
    """Each `{alias}-v*` index with the aliases it carries."""
    found = client.indices.get_alias(index=f"{alias}-v*")
    return {name: sorted(entry["aliases"]) for name, entry in found.body.items()}


def readiness(port: int) -> tuple[int, dict[str, Any]]:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
    except httpx.TransportError:
        return 0, {}
    return response.status_code, response.json()


def test_ingest_goes_on_while_elasticsearch_is_down_and_the_outbox_catches_up(
    node: RestartableNode,
    client: Elasticsearch,
    fault_settings: Settings,
    child_store: Store,
    tmp_path: Path,
) -> None:
    port = free_port()
    env = es_env(fault_settings, node, "outage", INDEX_SYNC_SECONDS="1", PORT=str(port))
    before = write_documents(tmp_path / "before.jsonl", range(300), tag="a")
    during = write_documents(tmp_path / "during.jsonl", range(300), tag="b")
    first = run_cli(env, "ingest", str(tmp_path / "before.jsonl"))
    assert first.returncode == 0, first.stderr
    assert indexed_ids(client, "outage-documents") == set(before)

    service = spawn_cli(env, "run", log=tmp_path / "service.log")
    try:
        wait_until(lambda: readiness(port)[0] == 200, timeout=30, what="/readyz 200")
        node.halt()
        wait_until(lambda: readiness(port)[0] == 503, timeout=15, what="/readyz 503")
        _, body = readiness(port)
        assert body["status"] == "not ready" and body["checks"]["store"] == "ok"
        assert "Elasticsearch" in body["checks"]["index"]

        started = time.monotonic()
        second = run_cli(env, "ingest", str(tmp_path / "during.jsonl"))
        ingest_seconds = time.monotonic() - started
        assert second.returncode == 0, second.stderr
        assert "300 valid: 300 new" in second.stdout
        assert "search index not updated yet" in second.stderr
        assert stored_ids(child_store) == set(before) | set(during)
        assert child_store.count_outbox() == 300

        restart_seconds = node.resume()
        catch_up = wait_until(
            lambda: child_store.count_outbox() == 0, timeout=30, what="the outbox to drain"
        )
        assert readiness(port)[0] == 200
        assert indexed_ids(client, "outage-documents") == stored_ids(child_store)
        assert len(physical_indices(client, "outage-documents")) == 1
    finally:
        service.stop()
    print(
        f"ingest while down {ingest_seconds:.1f} s; node restart {restart_seconds:.1f} s; "
        f"outbox drained {catch_up:.1f} s after the node was healthy"
    )


def test_a_rebuild_cut_by_the_outage_leaves_the_old_index_serving_and_no_orphans(
    node: RestartableNode,
    client: Elasticsearch,
    fault_settings: Settings,
    child_store: Store,
    tmp_path: Path,
) -> None:
    env = es_env(fault_settings, node, "rebuild")
    alias = "rebuild-documents"
    ids = write_documents(tmp_path / "documents.jsonl", range(3000))
    assert run_cli(env, "ingest", str(tmp_path / "documents.jsonl")).returncode == 0
    [serving] = physical_indices(client, alias)

    reindex = spawn_cli(env, "reindex", log=tmp_path / "reindex.log")
    wait_until(
        lambda: reindex.process.poll() is not None or len(physical_indices(client, alias)) > 1,
        timeout=30,
        what="the new index",
    )
    assert reindex.process.poll() is None, reindex.output  # still building
    node.freeze()  # mid-build: the new index exists, the alias has not moved
    node.halt()
    code = reindex.wait(60)
    assert code == 2, reindex.output
    assert "exportwatch: error: Elasticsearch at" in reindex.output
    assert not child_store.index_rebuild_running()  # the outbox sync is not held back

    node.resume()
    assert client.indices.get_alias(name=alias).body.keys() == {serving}  # the old one serves
    assert indexed_ids(client, alias) == set(ids) == stored_ids(child_store)
    [(leftover, aliases)] = [
        (n, a) for n, a in physical_indices(client, alias).items() if n != serving
    ]
    assert aliases == [f"{alias}-build-{leftover.removeprefix(alias + '-')}"]  # never served
    sync = run_cli(env, "ingest", str(tmp_path / "documents.jsonl"))  # the next sync run
    assert sync.returncode == 0, sync.stderr
    assert physical_indices(client, alias) == {serving: [alias]}  # no orphan left
