"""bench/search.py at a tiny size, so a change to the index or the sync cannot break it unseen.

The figures mean nothing at this size; the test checks that every phase runs and that the report
has the embedded row with its rates. The Elasticsearch side shares the harness (`MeteredIndex`,
the phases) but would need a second node of its own, which the search tests already cover.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_search_benchmark_runs_every_phase(tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    command = [sys.executable, "bench/search.py", "--backend", "embedded", "--n", "400"]
    done = subprocess.run(
        [*command, "--queries", "20", "--out", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in report.read_text().splitlines() if line.startswith("| ")]
    summary = {row.split("|")[1].strip(): row for row in rows if "| 400 |" in row}
    assert set(summary) == {"embedded"}, rows
    for row in summary.values():
        rates = [cell.strip().replace(",", "") for cell in row.split("|")[3:7]]
        assert all(rate.isdigit() and int(rate) > 0 for rate in rates), row  # store ... reindex
