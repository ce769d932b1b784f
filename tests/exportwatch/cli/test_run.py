"""`exportwatch run` from a clean data dir serves /healthz and the search page (the `make run`
path), and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

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


def test_run_serves_health_and_search_page_then_stops_on_sigint(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPORTWATCH_")}
    env |= {"EXPORTWATCH_DATA_DIR": str(tmp_path / "var"), "EXPORTWATCH_PORT": str(port)}
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
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert health.json()["status"] == "ok"
    assert health.json()["checks"]["scheduler"] == "running"
    assert "Search export information" in page.text
    assert process.returncode == 0, output
    assert (tmp_path / "var" / "exportwatch.db").exists()
    assert "index embedded SQLite index" in output
