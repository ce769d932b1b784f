"""Documents for the fault tests: numbered variants of the recorded ones, written as JSONL."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["TEMPLATES", "write_documents"]

TEMPLATES = Path(__file__).resolve().parents[1] / "fixtures" / "faults" / "documents.jsonl"


def write_documents(path: Path, numbers: range, *, tag: str = "") -> list[str]:
    """Write one variant of a recorded document per number to `path`; returns their ids.

    Ids, titles and URLs carry the number (and `tag`), so no two variants are duplicates.
    """
    templates = [json.loads(line) for line in TEMPLATES.read_text("utf-8").splitlines() if line]
    ids = []
    with path.open("w", encoding="utf-8") as out:
        for number in numbers:
            document = dict(templates[number % len(templates)])
            suffix = f"{tag}{number}"
            document["id"] = f"{document['id']}-{suffix}"
            document["title"] = f"{document['title']} ({suffix})"
            document["url"] = f"{document['url']}/{suffix}"
            ids.append(document["id"])
            out.write(json.dumps(document, ensure_ascii=False) + "\n")
    return ids
