"""Print how right the pipeline is on the labelled evaluation set, field by field.

    .venv/bin/python bench/quality.py [--set tests/fixtures/eval/items.jsonl] [--misses]

Targets (issue 4): dates ≥ 0.95 exact, countries ≥ 0.9 precision and recall, sectors ≥ 0.8
precision and recall. `tests/pipeline/test_quality.py` asserts the same thresholds.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from exportwatch.pipeline.evaluation import DATE_FIELDS, Counts, Scores, evaluate, load_labelled
from exportwatch.pipeline.normalize import Normalizer
from exportwatch.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT / "tests" / "fixtures" / "eval" / "items.jsonl"
TARGETS = {"dates": 0.95, "countries": 0.9, "sectors": 0.8}


def table(scores: Scores) -> Table:
    """One row per field: accuracy for single values, precision and recall for sets."""
    out = Table(title=f"Pipeline quality on {scores.items} labelled items")
    for column in ("field", "accuracy", "precision", "recall", "target"):
        out.add_column(column, justify="left" if column == "field" else "right")
    for name in ("kind", "language", *DATE_FIELDS):
        out.add_row(name, f"{scores.of(name).accuracy:.3f}", "", "", "")
    out.add_row("dates (all four)", f"{scores.dates.accuracy:.3f}", "", "", "≥ 0.95 exact")
    for name in ("countries", "eligible_countries"):
        out.add_row(name, "", *_pr(scores.of(name)), "")
    out.add_row("countries (both)", "", *_pr(scores.places), "≥ 0.90 P and R")
    out.add_row("sectors", "", *_pr(scores.of("sectors")), "≥ 0.80 P and R")
    return out


def _pr(counts: Counts) -> tuple[str, str]:
    return f"{counts.precision:.3f}", f"{counts.recall:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="labelled JSONL file")
    parser.add_argument("--misses", action="store_true", help="list every wrong field")
    args = parser.parse_args()
    console = Console()
    items = load_labelled(args.set)
    normalizer = Normalizer(load_taxonomy())
    started = time.perf_counter()
    scores = evaluate(normalizer, items)
    seconds = time.perf_counter() - started
    console.print(table(scores))
    console.print(f"{len(items)} items in {seconds:.2f} s ({len(items) / seconds:,.0f} items/s)")
    if args.misses:
        for miss in scores.misses:
            console.print(miss, markup=False, highlight=False)


if __name__ == "__main__":
    main()
