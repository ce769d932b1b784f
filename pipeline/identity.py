"""Stable document ids and content hashes: what makes a re-crawl a no-op.

An id is scoped to its source and derived from the source's guid when it has one, else from
the canonical URL (w3lib: scheme and host lower-cased, query sorted, fragment and tracking
parameters dropped), so the same item gets the same id on every crawl. The content hash covers
the normalized fields a reader sees, not the fetch time, so an unchanged item hashes the same.
"""

from __future__ import annotations

import hashlib
from typing import Any

from w3lib.url import canonicalize_url, url_query_cleaner

from exportwatch import jsoncodec
from exportwatch.model import Document

__all__ = ["canonical_url", "content_hash", "document_id"]

# Query parameters that track a click, never select content.
_TRACKING = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "gclid",
    "fbclid",
    "mc_cid",
    "mc_eid",
)
_UNHASHED = frozenset({"fetched_at", "content_hash"})


def canonical_url(url: str) -> str:
    """`url` in a canonical form; an unparsable URL is returned stripped, never refused."""
    try:
        cleaned = url_query_cleaner(url.strip(), _TRACKING, remove=True, keep_fragments=False)
        return canonicalize_url(cleaned)
    except ValueError:
        return url.strip()


def document_id(source_id: str, *, guid: str | None, url: str) -> str:
    """`source_id:` plus 20 hex digits of the guid (preferred) or of the canonical URL."""
    identity = f"guid:{guid.strip()}" if guid and guid.strip() else f"url:{canonical_url(url)}"
    return f"{source_id}:{_digest(identity)[:20]}"


def content_hash(document: Document) -> str:
    """A hash of everything a reader of `document` sees (the fetch time excluded)."""
    shape: dict[str, Any] = {
        name: value for name, value in document.to_json().items() if name not in _UNHASHED
    }
    return _digest(jsoncodec.dumps(shape))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
