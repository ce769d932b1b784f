"""Page links: a window around the current page, first and last, gaps, previous/next."""

from __future__ import annotations

from exportwatch.search.query import MAX_PAGE
from exportwatch.web.pagination import paginate


def _href(number: int) -> str:
    return f"/?page={number}"


def test_window_keeps_first_and_last_with_gaps_between() -> None:
    pagination = paginate(10, 40, _href)
    assert [link.number for link in pagination.links] == [1, None, 8, 9, 10, 11, 12, None, 40]
    assert [link.number for link in pagination.links if link.current] == [10]
    assert (pagination.previous, pagination.next) == ("/?page=9", "/?page=11")


def test_first_and_last_pages_have_one_direction_only() -> None:
    first, last = paginate(1, 3, _href), paginate(3, 3, _href)
    assert first.previous is None and first.next == "/?page=2"
    assert last.previous == "/?page=2" and last.next is None
    assert [link.number for link in first.links] == [1, 2, 3]


def test_a_page_past_the_end_links_back_and_depth_is_capped() -> None:
    beyond = paginate(9, 3, _href)
    assert beyond.next is None and beyond.previous is None
    deep = paginate(1, 50_000, _href)
    assert deep.pages == MAX_PAGE and deep.links[-1].number == MAX_PAGE
