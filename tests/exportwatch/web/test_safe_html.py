"""Snippets keep only <mark>; bodies keep the display allowlist; links must be http(s)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exportwatch.web.safe_html import body_markup, http_url, snippet_markup

HOSTILE = json.loads(
    (Path(__file__).resolve().parents[2] / "fixtures" / "web" / "hostile.json").read_text()
)


def test_snippet_keeps_marks_and_drops_every_other_tag() -> None:
    marked = (
        'a <mark class="x" onclick="y">dairy</mark> <script>alert(1)</script><b>b</b> &lt;i&gt;'
    )
    assert str(snippet_markup(marked)) == "a <mark>dairy</mark> b &lt;i&gt;"


def test_body_is_sanitized_again() -> None:
    body = str(body_markup(HOSTILE["body_html"]))
    assert "<script" not in body and "alert(5)" not in body and "<img" not in body
    assert "javascript:" not in body and "onclick" not in body and "style=" not in body
    assert '<a href="https://ok.example/programme" rel="noopener noreferrer nofollow">' in body


@pytest.mark.parametrize("url", HOSTILE["urls"])
def test_only_absolute_http_urls_are_links(url: str) -> None:
    assert http_url(url) is None


def test_http_urls_pass_stripped() -> None:
    assert http_url(" https://fairs.example/x ") == "https://fairs.example/x"
    assert http_url("HTTP://fairs.example") == "HTTP://fairs.example"
    assert http_url("https://[::1") is None  # unparsable
