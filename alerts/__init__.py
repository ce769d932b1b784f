"""Alerts: match documents to subscriptions, keep the matches pending, and say why they matched.

Import from here; the submodules are the implementation.
"""

from exportwatch.alerts.matching import Match, Matcher, MatchStats
from exportwatch.alerts.matching_run import match_documents
from exportwatch.alerts.reasons import (
    Reason,
    ReasonKind,
    decode_reasons,
    describe,
    encode_reasons,
)

__all__ = [
    "Match",
    "MatchStats",
    "Matcher",
    "Reason",
    "ReasonKind",
    "decode_reasons",
    "describe",
    "encode_reasons",
    "match_documents",
]
