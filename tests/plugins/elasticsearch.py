"""Pytest plugin: a real Elasticsearch node for the session, and a client per test.

Load it with ``-p tests.plugins.elasticsearch`` or ``pytest_plugins = [...]`` in a conftest.
The node starts lazily, for the first test that asks for it, and stops when the session ends.
Set ``EXPORTWATCH_TEST_ELASTICSEARCH_URL`` to use a running Elasticsearch instead.
Tests that use the node are marked ``elasticsearch``: ``-m "not elasticsearch"`` leaves them out.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from exportwatch.devtools.elasticsearch import ElasticsearchSetupError, ProvidedNode, provide_node

__all__ = [
    "delete_prefixed",
    "elasticsearch_client",
    "elasticsearch_node",
    "elasticsearch_url",
    "es_index_prefix",
]


@pytest.fixture(scope="session")
def elasticsearch_node() -> Iterator[ProvidedNode]:
    """The session's node: never skipped; if it cannot start, its tests fail with the reason."""
    try:
        with provide_node() as node:
            yield node
    except ElasticsearchSetupError as exc:
        pytest.fail(f"no Elasticsearch for the tests: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def elasticsearch_url(elasticsearch_node: ProvidedNode) -> str:
    """The URL of the session's node, e.g. ``http://127.0.0.1:43043``."""
    return elasticsearch_node.url


@pytest.fixture
def es_index_prefix(request: pytest.FixtureRequest) -> str:
    """A prefix unique to this test for the indices and templates it creates."""
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    return f"test-{name}-{uuid.uuid4().hex[:8]}-"


@pytest.fixture(name="elasticsearch")
def elasticsearch_client(elasticsearch_url: str, es_index_prefix: str) -> Iterator[Elasticsearch]:
    """A client to the session's node; afterwards deletes what is named ``es_index_prefix*``."""
    client = Elasticsearch(elasticsearch_url, request_timeout=30)
    try:
        yield client
    finally:
        delete_prefixed(client, es_index_prefix)
        client.close()


def delete_prefixed(client: Elasticsearch, prefix: str) -> None:
    """Delete the indices (with their aliases) and index templates whose names start with prefix.

    Names are resolved first, so this works where wildcard deletes are refused
    (``action.destructive_requires_name``) on a reused node.
    """
    indices = client.indices.get(index=f"{prefix}*", expand_wildcards="all")
    if indices:
        client.indices.delete(index=",".join(indices))
    templates = client.options(ignore_status=404).indices.get_index_template(name=f"{prefix}*")
    for template in templates.body.get("index_templates", []):
        client.indices.delete_index_template(name=template["name"])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that use the node ``elasticsearch``, so ``-m`` can select them."""
    for item in items:
        if "elasticsearch_node" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.elasticsearch)
