"""Compact JSON for the hot paths: store payloads, index contents and bulk requests.

orjson is several times faster than the standard library at both ends. It refuses what JSON
cannot carry faithfully (lone surrogates, integers beyond 64 bits), so those values fall back
to the standard encoder, which escapes them: a document is never refused for its text.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps", "loads"]

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> str:
    """`value` as compact JSON text (UTF-8 characters kept, not escaped, when possible)."""
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError: lone surrogate, huge integer, unknown type
        return json.dumps(value, separators=(",", ":"), default=str)


def loads(text: str | bytes) -> Any:
    """Parse JSON text produced by `dumps` (or any valid JSON)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # what `dumps` let the standard encoder write; or invalid
        return json.loads(text)
