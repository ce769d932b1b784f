"""`exportwatch run` serves /healthz and the search page (the `make run` path), its scheduler
indexes what the store holds, and it stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from exportwatch.model import Document
from exportwatch.search.embedded import EmbeddedIndex
from exportwatch.store import Store
from exportwatch.taxonomy import load_taxonomy
from tests.search.conftest import CORPUS

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[str], timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"service exited early:\n{process.communicate()[0]}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def store_corpus_unsynced(data_dir: Path) -> int:
    """Save the search corpus into the store only: the service's sync job must index it."""
    store = Store.from_url(f"sqlite:///{data_dir / 'exportwatch.db'}")
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    saved = store.save_documents(Document.from_json(json.loads(line)) for line in lines)
    store.close()
    return len(saved.new)


def indexed_count(data_dir: Path, timeout: float = 30) -> int:
    """The embedded index's document count once the service has synced (or after `timeout`)."""
    index = EmbeddedIndex(load_taxonomy(ROOT / "config"), data_dir / "index.sqlite3")
    try:
        deadline = time.monotonic() + timeout
        while index.count() == 0 and time.monotonic() < deadline:
            time.sleep(0.3)
        return index.count()
    finally:
        index.close()


def test_run_serves_health_and_search_page_then_stops_on_sigint(tmp_path: Path) -> None:
    port = free_port()
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    saved = store_corpus_unsynced(data_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPORTWATCH_")}
    env |= {
        "EXPORTWATCH_DATA_DIR": str(data_dir),
        "EXPORTWATCH_PORT": str(port),
        "EXPORTWATCH_INDEX_SYNC_SECONDS": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "exportwatch", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = wait_for(f"http://127.0.0.1:{port}/healthz", process)
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        indexed = indexed_count(data_dir)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert health.json()["status"] == "ok"
    assert health.json()["checks"]["scheduler"] == "running"
    assert "Search export information" in page.text
    assert indexed == saved == 24  # the scheduled index sync drained the store's outbox
    assert process.returncode == 0, output
    assert (tmp_path / "var" / "exportwatch.db").exists()
    assert "index embedded SQLite index" in output
