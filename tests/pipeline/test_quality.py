"""The pipeline meets issue 4's quality targets on the labelled evaluation set.

The same figures, with every miss listed, come from `bench/quality.py --misses`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exportwatch.pipeline.evaluation import Scores, evaluate, load_labelled
from exportwatch.pipeline.normalize import Normalizer
from exportwatch.taxonomy import Taxonomy

EVAL_SET = Path(__file__).parent.parent / "fixtures" / "eval" / "items.jsonl"


@pytest.fixture(scope="module")
def scores(taxonomy: Taxonomy) -> Scores:
    return evaluate(Normalizer(taxonomy), load_labelled(EVAL_SET))


def test_the_set_is_as_large_and_varied_as_the_issue_asks() -> None:
    items = load_labelled(EVAL_SET)
    languages = {item.expected["language"] for item in items}
    kinds = {item.expected["kind"] for item in items}
    assert len(items) >= 150 and len(languages) >= 6 and kinds == {"event", "finance", "regulation"}


def test_dates_are_exact(scores: Scores) -> None:
    assert scores.dates.accuracy >= 0.95, "\n".join(m for m in scores.misses if "_on" in m)


def test_countries_precision_and_recall(scores: Scores) -> None:
    places = scores.places
    assert places.precision >= 0.9 and places.recall >= 0.9, (places.precision, places.recall)


def test_sectors_precision_and_recall(scores: Scores) -> None:
    sectors = scores.of("sectors")
    assert sectors.precision >= 0.8 and sectors.recall >= 0.8, (sectors.precision, sectors.recall)


def test_kind_and_language(scores: Scores) -> None:
    assert scores.of("kind").accuracy >= 0.95 and scores.of("language").accuracy >= 0.95
