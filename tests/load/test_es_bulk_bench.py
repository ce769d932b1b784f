"""bench/es_bulk.py at a tiny size on the session's node, so a change to the backend cannot
break it unseen. The figures mean nothing at this size; the test checks both loads ran."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_bulk_benchmark_runs_both_loads(elasticsearch_url: str) -> None:
    command = [sys.executable, "bench/es_bulk.py", "--n", "300", "--rounds", "1"]
    done = subprocess.run(
        [*command, "--url", elasticsearch_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.lstrip("│ ").startswith("1 ")]
    assert len(rows) == 2, done.stdout
    for row in rows:
        cells = [cell.strip() for cell in row.split("│") if cell.strip()]
        assert cells[1] in {"bulk (records built)", "rebuild (from documents)"}, row
        assert int(cells[2].replace(",", "")) > 0, row
