"""`exportwatch sources check` and `sources list` through typer's CliRunner."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportwatch.cli import app
from exportwatch.model import RunStatus
from exportwatch.settings import Settings
from exportwatch.store import RunCounts, Store

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ROOT / "tests" / "fixtures" / "sources"


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI reads its settings from the environment: point it at the test data dir."""
    monkeypatch.setenv("EXPORTWATCH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EXPORTWATCH_CONFIG_DIR", str(ROOT / "config"))
    monkeypatch.setenv("EXPORTWATCH_SOURCES_DIR", str(SOURCES / "valid"))
    return settings


def test_check_defaults_to_the_sources_dir(env: Settings) -> None:
    result = CliRunner().invoke(app, ["sources", "check"])
    assert result.exit_code == 0, result.output
    assert f"OK    {SOURCES / 'valid' / 'minimal.yaml'} (minimal-feed, feed)" in result.output
    files = len(list((SOURCES / "valid").glob("*.yaml")))
    assert result.output.strip().endswith(f"{files} file(s) checked, 0 with problems.")


def test_check_prints_one_line_per_broken_file_and_exits_1(env: Settings) -> None:
    broken = SOURCES / "broken"
    paths = [str(broken / "short-interval.yaml"), str(SOURCES / "valid" / "ics.yaml")]
    result = CliRunner().invoke(app, ["sources", "check", *paths])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == (
        f"FAIL  {broken / 'short-interval.yaml'}: schedule.every: "
        "interval '2m' is shorter than the minimum of 5m (line 7)"
    )
    assert lines[1].startswith("OK    ")
    assert lines[2] == "2 file(s) checked, 1 with problems."


def test_the_shipped_sources_check(env: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPORTWATCH_SOURCES_DIR", str(ROOT / "config" / "sources"))
    result = CliRunner().invoke(app, ["sources", "check"])
    assert result.exit_code == 0, result.output


def test_list_shows_definitions_and_health(env: Settings) -> None:
    store = Store.open(env)
    try:
        run = store.start_run("minimal-feed", now=datetime(2025, 3, 4, 8, 15, tzinfo=UTC))
        store.finish_run(run, RunStatus.FAILED, counts=RunCounts(), first_error="HTTP 500")
        store.update_source_state("full-feed", enabled=False, disabled_reason="HTTP 410 Gone")
    finally:
        store.close()
    result = CliRunner().invoke(app, ["sources", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    minimal = [cell.strip() for cell in rows["minimal-feed"].split("│")[1:-1]]
    assert minimal == [
        "minimal-feed",
        "Minimal feed",
        "feed",
        "event",
        "yes",
        "every 6h",
        "2025-03-04 08:15",
        "failed",
        "1",
    ]
    assert "every 1d" in rows["ics-events"] and "never" in rows["ics-events"]
    assert "cron 30 5 * * 1-5" in rows["html-fairs"]
    assert "│ no " in rows["full-feed"]


def test_list_reports_broken_files(env: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPORTWATCH_SOURCES_DIR", str(SOURCES / "duplicate-id"))
    result = CliRunner().invoke(app, ["sources", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "same-id" in result.output
    assert "not listed: " in result.output and "duplicate source id 'same-id'" in result.output
