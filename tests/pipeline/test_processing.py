"""Items through normalization into the store: idempotent re-crawls, merged duplicates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from exportwatch.model import Kind, RawItem, SourceLink, SourceProfile
from exportwatch.pipeline.processing import Pipeline
from exportwatch.store import Store
from exportwatch.taxonomy import Taxonomy

FIXTURES = Path(__file__).parent.parent / "fixtures" / "pipeline" / "items"


def load_items(name: str) -> list[tuple[SourceProfile, RawItem]]:
    """(profile, raw item) pairs from a recorded JSONL file."""
    pairs = []
    for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        profile, raw = data["profile"], data["raw"]
        pairs.append(
            (
                SourceProfile(
                    id=profile["id"],
                    kind=Kind(profile["kind"]),
                    language=profile.get("language"),
                    countries=tuple(profile.get("countries", ())),
                    sectors=tuple(profile.get("sectors", ())),
                    lookups=profile.get("lookups", {}),
                ),
                RawItem(**{**raw, "fetched_at": datetime.fromisoformat(raw["fetched_at"])}),
            )
        )
    return pairs


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.from_url(f"sqlite:///{tmp_path}/store.sqlite3") as opened:
        yield opened


@pytest.fixture(scope="module")
def shared_pipeline_parts(taxonomy: Taxonomy) -> Pipeline:
    """A pipeline whose normalizer is built once for the module (it takes a moment)."""
    pipeline = Pipeline.__new__(Pipeline)
    pipeline.taxonomy = taxonomy
    _ = pipeline.normalizer
    return pipeline


@pytest.fixture
def pipeline(shared_pipeline_parts: Pipeline, store: Store) -> Pipeline:
    shared_pipeline_parts.store = store
    return shared_pipeline_parts


def process_by_source(pipeline: Pipeline, pairs: list[tuple[SourceProfile, RawItem]]) -> None:
    for profile, raw in pairs:
        pipeline.process([raw], profile)


def test_reading_the_same_feed_twice_creates_and_changes_nothing(
    pipeline: Pipeline, store: Store
) -> None:
    profile, _ = load_items("two-sources.jsonl")[0]
    items = [raw for p, raw in load_items("two-sources.jsonl") if p.id == "koelnmesse"]
    first = pipeline.process(items, profile)
    queued = store.count_outbox()
    again = pipeline.process(items, profile)
    assert len(first.new) == 2 and first.changed == []
    assert again.new == [] and again.changed == [] and again.unchanged == 2
    assert store.count_outbox() == queued  # nothing re-queued for the index (or alerts)


def test_a_changed_item_is_updated_and_reported_as_changed(pipeline: Pipeline) -> None:
    profile, raw = load_items("two-sources.jsonl")[0]
    pipeline.process([raw], profile)
    raw.summary = "Neu: mit Sonderschau Alternative Proteine."
    report = pipeline.process([raw], profile)
    assert len(report.changed) == 1 and report.new == []


def test_the_same_fair_from_two_sources_becomes_one_document_with_both_links(
    pipeline: Pipeline, store: Store
) -> None:
    process_by_source(pipeline, load_items("two-sources.jsonl"))
    assert store.count_documents() == 2  # Anuga (merged) and ISM
    anuga = next(d for d in store.iter_documents() if "ANUGA" in d.title)
    assert anuga.source_id == "koelnmesse"
    assert anuga.links == [SourceLink("auma", "https://auma.example/fairs/anuga-2027")]
    assert anuga.organizer == "Koelnmesse GmbH"  # filled in from the second source
    process_by_source(pipeline, load_items("two-sources.jsonl"))  # a second crawl of both
    assert store.count_documents() == 2
    again = store.get_document(anuga.id)
    assert again is not None and again.links == anuga.links


def test_unknown_labels_are_counted_per_run_not_dropped(pipeline: Pipeline) -> None:
    pairs = [pair for pair in load_items("two-sources.jsonl") if pair[0].id == "koelnmesse"]
    report = pipeline.process([raw for _, raw in pairs], pairs[0][0])
    assert report.unknown_labels == {"Sonderschau": 2}
    assert any("'Sonderschau' (2 item(s))" in line for line in report.summary_problems())
