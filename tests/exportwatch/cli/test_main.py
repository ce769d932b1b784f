"""Every command has --help; bad configuration ends with one line and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from exportwatch.cli import app

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures"


def command_paths(command: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and group below `command`, as argument paths."""
    yield prefix
    for name, sub in getattr(command, "commands", {}).items():
        yield from command_paths(sub, (*prefix, name))


ALL_COMMANDS = list(command_paths(typer.main.get_command(app)))


def test_the_command_tree_has_the_documented_commands() -> None:
    assert ("run",) in ALL_COMMANDS
    assert ("dev", "elasticsearch") in ALL_COMMANDS


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda path: " ".join(path) or "exportwatch")
def test_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXPORTWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "exportwatch", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_unparsable_setting_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_cli("run", EXPORTWATCH_PORT="eighty", EXPORTWATCH_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "EXPORTWATCH_PORT='eighty'" in result.stderr


def test_broken_taxonomy_stops_startup_naming_file_and_entry(tmp_path: Path) -> None:
    config = FIXTURES / "config" / "unknown-iso-code"
    result = run_cli("run", EXPORTWATCH_CONFIG_DIR=str(config), EXPORTWATCH_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "markets.yaml" in result.stderr
    assert "QQ" in result.stderr
