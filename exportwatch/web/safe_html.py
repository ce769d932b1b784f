"""Scraped text made safe to show: snippets keep only <mark>, bodies the display allowlist.

Both are sanitized again at render time although the index and pipeline already did, so a
stale or tampered index record can never put markup of its own on a page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3
from markupsafe import Markup

from exportwatch.pipeline.text import sanitize_html

__all__ = ["body_markup", "http_url", "snippet_markup"]


def snippet_markup(highlighted: str) -> Markup:
    """A highlight snippet (escaped text with <mark>) with every other tag and attribute gone."""
    cleaned = nh3.clean(highlighted, tags={"mark"}, attributes={}, strip_comments=True)
    return Markup(cleaned)  # nh3 output: text and <mark> only


def body_markup(html: str) -> Markup:
    """Body HTML through the pipeline's display sanitizer (links http(s)/mailto, no scripts)."""
    return Markup(sanitize_html(html))  # sanitized by nh3


def http_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) URL, else None (no `javascript:`, `data:`…)."""
    if not url:
        return None
    stripped = url.strip()
    try:
        parts = urlsplit(stripped)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return stripped
