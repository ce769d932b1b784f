"""A full disk and a read-only data dir under a real `exportwatch` process (real tmpfs).

The command stops with one line naming the path; the store stays intact (integrity check ok,
earlier documents still there) and works again once space is back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from exportwatch.settings import Settings
from tests.faults.disks import fill, remount, small_filesystem
from tests.faults.documents import TEMPLATES, write_documents
from tests.faults.mail import invoke
from tests.faults.processes import run_cli, service_env

EARLIER = sum(1 for line in TEMPLATES.read_text("utf-8").splitlines() if line)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    with small_filesystem(tmp_path / "mnt", "32m") as mounted:
        yield mounted


def store_file(settings: Settings) -> Path:
    return Path(settings.resolved_database_url.removeprefix("sqlite:///"))


def check_store(path: Path) -> tuple[str, int]:
    """SQLite's integrity check and the number of stored documents."""
    with sqlite3.connect(path) as connection:
        [(integrity,)] = connection.execute("PRAGMA integrity_check").fetchall()
        [(documents,)] = connection.execute("SELECT count(*) FROM documents").fetchall()
    connection.close()
    return str(integrity), int(documents)


def one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    [line] = [line for line in stderr.splitlines() if line.strip()]
    assert line.startswith("exportwatch: error: "), stderr
    return line


def test_a_full_disk_stops_ingest_with_a_clear_error_and_no_damage(
    fault_settings: Settings, data_dir: Path, tmp_path: Path
) -> None:
    settings = fault_settings.model_copy(update={"data_dir": data_dir})
    env = service_env(settings)
    invoke(env, "ingest", str(TEMPLATES))
    write_documents(tmp_path / "more.jsonl", range(500), tag="full")
    filler = fill(data_dir)

    result = run_cli(env, "ingest", str(tmp_path / "more.jsonl"))
    assert result.returncode != 0
    line = one_line_error(result.stderr)
    assert str(data_dir) in line and "full" in line
    print(line)
    filler.unlink()  # space is back (SQLite cannot even read a WAL store on a full disk)
    assert check_store(store_file(settings)) == ("ok", EARLIER)
    assert run_cli(env, "ingest", str(tmp_path / "more.jsonl")).returncode == 0
    assert check_store(store_file(settings)) == ("ok", EARLIER + 500)


def test_a_read_only_data_dir_stops_ingest_with_a_clear_error_and_no_damage(
    fault_settings: Settings, data_dir: Path, tmp_path: Path
) -> None:
    settings = fault_settings.model_copy(update={"data_dir": data_dir})
    env = service_env(settings)
    invoke(env, "ingest", str(TEMPLATES))
    write_documents(tmp_path / "more.jsonl", range(50), tag="ro")
    remount(data_dir, "ro")
    try:
        result = run_cli(env, "ingest", str(tmp_path / "more.jsonl"))
    finally:
        remount(data_dir, "rw")
    assert result.returncode != 0
    line = one_line_error(result.stderr)
    assert str(data_dir) in line and "read-only" in line
    print(line)
    assert check_store(store_file(settings)) == ("ok", EARLIER)
