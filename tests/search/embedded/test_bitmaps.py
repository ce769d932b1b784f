"""Rid sets against Python sets: every operation the searcher counts and filters with."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from exportwatch.search.embedded.bitmaps import CHUNK_BITS, RidSet

rids = st.sets(st.integers(min_value=1, max_value=3 * CHUNK_BITS + 7), max_size=200)


@given(rids, rids)
def test_operations_match_python_sets(left: set[int], right: set[int]) -> None:
    a, b = RidSet.of(left), RidSet.of(right)
    assert list(a) == sorted(left) and len(a) == len(left)
    assert set(a & b) == left & right and set(a | b) == left | right
    assert set(a - b) == left - right
    assert a.overlap(b) == len(left & right) == b.overlap(a)
    assert all(rid in a for rid in left) and not any(rid in a for rid in right - left)
