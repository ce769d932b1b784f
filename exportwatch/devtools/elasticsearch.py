"""A real local Elasticsearch node for tests and development.

The server comes from Maven Central (fetched with ``mvn`` once per machine into a cache outside
the repo) and runs on a JDK 21+ found on this machine. See ``docs/elasticsearch.md``.

Run ``python -m exportwatch.devtools.elasticsearch`` to start a node until Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from exportwatch.devtools._es_common import LOGGER_NAME, ElasticsearchSetupError, logger
from exportwatch.devtools._es_distribution import (
    CACHE_ENV,
    DEFAULT_VERSION,
    VERSION_ENV,
    default_cache_dir,
    ensure_distribution,
    es_version,
)
from exportwatch.devtools._es_node import CLUSTER_NAME, DEFAULT_HEAP, HEAP_ENV, LocalNode
from exportwatch.devtools._java import JavaHome, find_java, find_java_home, java_major
from exportwatch.devtools._server import run_until_interrupted

__all__ = [
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
]

# Set it to use an Elasticsearch that is already running instead of starting one.
REUSE_URL_ENV = "EXPORTWATCH_TEST_ELASTICSEARCH_URL"


@dataclass(frozen=True)
class ProvidedNode:
    """A node to talk to: its URL, its version, and the `LocalNode` if we started it."""

    url: str
    version: str
    local: LocalNode | None


@contextmanager
def provide_node(
    version: str | None = None,
    *,
    cache_dir: Path | None = None,
    heap: str | None = None,
    start_timeout: float = 120.0,
) -> Iterator[ProvidedNode]:
    """Reuse ``$EXPORTWATCH_TEST_ELASTICSEARCH_URL`` if set, else run a `LocalNode` meanwhile."""
    url = os.environ.get(REUSE_URL_ENV, "").strip().rstrip("/")
    if url:
        version = check_node(url)
        logger.info("using Elasticsearch %s at %s (%s); starting none", version, url, REUSE_URL_ENV)
        yield ProvidedNode(url, version, None)
        return
    with LocalNode(version, cache_dir=cache_dir, heap=heap, start_timeout=start_timeout) as node:
        yield ProvidedNode(node.url, node.version, node)


def check_node(url: str, timeout: float = 10.0) -> str:
    """Return the version of the Elasticsearch node at ``url``; raise if it does not answer.

    Asks ``/_nodes/_local``: the integ-test-zip server has no ``GET /`` (module rest-root).
    """
    try:
        response = httpx.get(f"{url}/_nodes/_local?filter_path=nodes.*.version", timeout=timeout)
        response.raise_for_status()
        nodes = response.json()["nodes"]
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise ElasticsearchSetupError(
            f"no Elasticsearch answers at {url} ({REUSE_URL_ENV}): {exc}"
        ) from exc
    return str(next(iter(nodes.values()))["version"])


def run_foreground(
    *, version: str | None = None, http_port: int | None = None, heap: str | None = None
) -> int:
    """Start a node, print how to use it, and stop it on Ctrl-C; return an exit code."""
    node = LocalNode(version, http_port=http_port, heap=heap)
    return run_until_interrupted(
        node,
        title=f"Elasticsearch {node.version}",
        url_variable="EXPORTWATCH_ELASTICSEARCH_URL",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line for `run_foreground`: ``[--version V] [--port N] [--heap SIZE]``."""
    parser = argparse.ArgumentParser(
        prog="python -m exportwatch.devtools.elasticsearch",
        description="Run a local single-node Elasticsearch until Ctrl-C.",
    )
    parser.add_argument("--version", help=f"default: ${VERSION_ENV} or {DEFAULT_VERSION}")
    parser.add_argument("--port", type=int, help="HTTP port (default: any free port)")
    parser.add_argument(
        "--heap", help=f"JVM heap, e.g. 1g (default: ${HEAP_ENV} or {DEFAULT_HEAP})"
    )
    args = parser.parse_args(argv)
    return run_foreground(version=args.version, http_port=args.port, heap=args.heap)


if __name__ == "__main__":
    sys.exit(main())
