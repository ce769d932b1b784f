"""Page numbers for the admin lists: which rows a page shows and where the neighbours are."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

__all__ = ["PAGE_SIZE", "Pager"]

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Pager:
    """Page `number` (from 1) of `total` rows, `size` per page; links keep the other filters."""

    number: int
    total: int
    size: int = PAGE_SIZE
    filters: tuple[tuple[str, str], ...] = ()

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        """How many pages there are (at least one, even when empty)."""
        return max(1, -(-self.total // self.size))

    def link(self, number: int) -> str:
        """The query string of page `number` with the same filters."""
        kept = [(name, value) for name, value in self.filters if value]
        return "?" + urlencode([*kept, ("page", str(number))])

    @property
    def previous(self) -> str | None:
        """The previous page's query string, if there is one."""
        return self.link(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        """The next page's query string, if there is one."""
        return self.link(self.number + 1) if self.number < self.pages else None
