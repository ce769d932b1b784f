"""Fixtures for the search tests: the real taxonomy and the recorded search corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exportwatch.model import Document

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "search" / "corpus.jsonl"


@pytest.fixture(scope="session")
def corpus() -> list[Document]:
    """24 documents of every kind, in eight languages (see tests/search/behaviour.py)."""
    with CORPUS.open(encoding="utf-8") as lines:
        return [Document.from_json(json.loads(line)) for line in lines]
