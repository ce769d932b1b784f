"""Page links for a result list: previous/next and a window of numbers around the current page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from exportwatch.search.query import MAX_PAGE

__all__ = ["PageLink", "Pagination", "paginate"]

WINDOW = 2  # numbered pages shown either side of the current one


@dataclass(frozen=True, slots=True)
class PageLink:
    """A numbered page link; `number` None stands for a gap (…)."""

    number: int | None
    href: str = ""
    current: bool = False


@dataclass(frozen=True, slots=True)
class Pagination:
    """What the template needs to draw the page navigation."""

    page: int
    pages: int
    previous: str | None
    next: str | None
    links: tuple[PageLink, ...]


def paginate(page: int, pages: int, href: Callable[[int], str]) -> Pagination:
    """Links for `page` of `pages` (capped at the deepest page search serves)."""
    last = max(1, min(pages, MAX_PAGE))
    numbers = sorted({1, last, *range(max(1, page - WINDOW), min(last, page + WINDOW) + 1)})
    links: list[PageLink] = []
    for number in numbers:
        if links and links[-1].number is not None and number - (links[-1].number or 0) > 1:
            links.append(PageLink(None))
        links.append(PageLink(number, href(number), number == page))
    return Pagination(
        page=page,
        pages=last,
        previous=href(page - 1) if 1 < page <= last + 1 else None,
        next=href(page + 1) if page < last else None,
        links=tuple(links),
    )
