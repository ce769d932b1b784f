"""Run items through the pipeline into the store: normalize, merge duplicates, save.

What the store reports back (new, changed, unchanged) is what the index sync and the alert
matcher act on, so re-reading the same feed creates nothing new and alerts no one again.
Problems are collected per run, with unknown source labels counted rather than repeated.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from exportwatch.duplicates import duplicate_key
from exportwatch.model import Document, RawItem, SourceProfile
from exportwatch.pipeline.dedup import carry_links, is_same_item, merge
from exportwatch.pipeline.normalize import Normalizer
from exportwatch.store import Store
from exportwatch.taxonomy import Taxonomy

__all__ = ["MAX_PROBLEMS", "Pipeline", "PipelineReport"]

MAX_PROBLEMS = 50  # per run: enough to act on, not a copy of a broken feed


@dataclass(slots=True)
class PipelineReport:
    """What one batch of items became."""

    seen: int = 0
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    merged: int = 0  # items that joined another source's document
    problems: list[str] = field(default_factory=list)
    unknown_labels: Counter[str] = field(default_factory=Counter)
    problem_count: int = 0

    def add_problem(self, problem: str) -> None:
        """Keep the first MAX_PROBLEMS problems; count them all."""
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def summary_problems(self) -> list[str]:
        """Problems for the run record: the kept ones, unknown labels counted, and the rest."""
        lines = list(self.problems)
        lines += [
            f"unknown label {label!r} ({count} item(s)): add it to the source's lookups"
            for label, count in self.unknown_labels.most_common(MAX_PROBLEMS)
        ]
        if self.problem_count > len(self.problems):
            lines.append(f"… and {self.problem_count - len(self.problems)} more problem(s)")
        return lines


class Pipeline:
    """Normalizes items and saves documents; one per process (the normalizer is costly)."""

    def __init__(self, store: Store, taxonomy: Taxonomy) -> None:
        self.store = store
        self.taxonomy = taxonomy

    @cached_property
    def normalizer(self) -> Normalizer:
        """Built on first use: importing documents (`save`) does not need it."""
        return Normalizer(self.taxonomy)

    def process(self, items: Iterable[RawItem], profile: SourceProfile) -> PipelineReport:
        """Normalize `items` of one source and save them."""
        report = PipelineReport()
        documents = []
        for item in items:
            report.seen += 1
            normalized = self.normalizer.normalize(item, profile)
            for problem in normalized.problems:
                report.add_problem(f"{item.url}: {problem}")
            report.unknown_labels.update(normalized.unknown_labels)
            documents.append(normalized.document)
        self.save(documents, report)
        return report

    def save(self, documents: Iterable[Document], report: PipelineReport) -> None:
        """Merge `documents` with other sources' copies and save them, counting into `report`."""
        prepared = self._merge_duplicates(list(documents), report)
        result = self.store.save_documents(prepared)
        report.new += result.new
        report.changed += result.changed
        report.unchanged += len(result.unchanged)

    def _merge_duplicates(
        self, documents: list[Document], report: PipelineReport
    ) -> list[Document]:
        stored = {d.id: d for d in self.store.get_documents([d.id for d in documents])}
        prepared: dict[str, Document] = {}
        by_key: dict[str, list[str]] = defaultdict(list)  # duplicate key -> prepared ids
        for document in documents:
            if document.id in stored:
                prepared[document.id] = carry_links(document, stored[document.id])
                continue
            key = duplicate_key(document)
            batch = [prepared[i] for i in by_key[key]] if key else []
            twin = self._twin(document, batch)
            if twin is None:
                prepared[document.id] = document
                if key:
                    by_key[key].append(document.id)
            else:
                report.merged += 1
                prepared[twin.id] = merge(prepared.get(twin.id, twin), document)
        return list(prepared.values())

    def _twin(self, document: Document, batch: list[Document]) -> Document | None:
        """Another source's document that `document` duplicates: in this batch, else stored."""
        for candidate in batch:
            if is_same_item(candidate, document):
                return candidate
        return next(
            (c for c in self.store.find_duplicates(document) if is_same_item(c, document)), None
        )
