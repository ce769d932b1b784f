"""Sectors and sub-sectors of ``config/sectors.yaml`` and the lookups matching needs."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from exportwatch.taxonomy._text import fold

__all__ = ["Sector", "Sectors"]


@dataclass(frozen=True)
class Sector:
    """A sector (``food``) or sub-sector (``food.dairy``) with its names and codes."""

    code: str
    names: Mapping[str, str] = field(hash=False)
    nace: tuple[str, ...] = ()
    hs_chapters: tuple[str, ...] = ()
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    parent: str | None = None
    children: tuple[str, ...] = ()

    def name(self, language: str = "en") -> str:
        """Name in ``language``, falling back to English."""
        return self.names.get(language) or self.names["en"]

    @property
    def is_subsector(self) -> bool:
        """Whether this is a sub-sector (it has a parent)."""
        return self.parent is not None


class Sectors:
    """All sectors in file order (each parent followed by its sub-sectors), indexed by code."""

    def __init__(self, sectors: Iterable[Sector]) -> None:
        self._all: tuple[Sector, ...] = tuple(sectors)
        self._by_code = {sector.code: sector for sector in self._all}
        self._by_hs = _index(self._all, lambda sector: sector.hs_chapters)
        self._by_nace = _index(self._all, lambda sector: sector.nace)

    def __iter__(self) -> Iterator[Sector]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __getitem__(self, code: str) -> Sector:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"unknown sector code {code!r}") from None

    def get(self, code: str) -> Sector | None:
        """The sector with ``code``, or None."""
        return self._by_code.get(code)

    @property
    def top_level(self) -> tuple[Sector, ...]:
        """The top-level sectors, in file order."""
        return tuple(sector for sector in self._all if sector.parent is None)

    def parent(self, code: str) -> Sector | None:
        """The parent of a sub-sector; None for a top-level sector."""
        parent = self[code].parent
        return self._by_code[parent] if parent else None

    def children(self, code: str) -> tuple[Sector, ...]:
        """The sub-sectors of a sector (empty for a sub-sector)."""
        return tuple(self._by_code[child] for child in self[code].children)

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Codes above ``code``, nearest first (``food.dairy`` -> ``("food",)``)."""
        found: list[str] = []
        parent = self[code].parent
        while parent is not None:
            found.append(parent)
            parent = self._by_code[parent].parent
        return tuple(found)

    def expand(self, codes: Iterable[str]) -> frozenset[str]:
        """The codes plus all their sub-sector codes (descendants)."""
        expanded: set[str] = set()
        pending = list(codes)
        while pending:
            code = pending.pop()
            if code not in expanded:
                expanded.add(code)
                pending.extend(self[code].children)
        return frozenset(expanded)

    def name(self, code: str, language: str = "en") -> str:
        """Name of a sector in ``language``, falling back to English."""
        return self[code].name(language)

    def resolve(self, text: str) -> str | None:
        """Code of the sector named ``text`` in any language, or given by its code; else None.

        Case, accents and punctuation do not matter ("Produits laitiers" -> ``food.dairy``).
        Keywords are not names: matching documents by keyword is the pipeline's job.
        """
        if text in self._by_code:
            return text
        return self._names.get(fold(text))

    def by_hs_chapter(self, chapter: str) -> tuple[Sector, ...]:
        """Sectors and sub-sectors listing an HS chapter ("22" or a longer HS code)."""
        return self._by_hs.get(chapter[:2], ())

    def by_nace(self, division: str) -> tuple[Sector, ...]:
        """Sectors and sub-sectors listing a NACE division ("10" or a class such as "10.51")."""
        return self._by_nace.get(division[:2], ())

    @functools.cached_property
    def _names(self) -> dict[str, str]:
        """Folded code and name -> code; the first sector in file order wins a clash."""
        names: dict[str, str] = {}
        for sector in self._all:
            for name in (sector.code, *sector.names.values()):
                names.setdefault(fold(name), sector.code)
        return names


def _index(
    sectors: Iterable[Sector], codes_of: Callable[[Sector], tuple[str, ...]]
) -> dict[str, tuple[Sector, ...]]:
    index: dict[str, list[Sector]] = {}
    for sector in sectors:
        for code in codes_of(sector):
            index.setdefault(code, []).append(sector)
    return {code: tuple(found) for code, found in index.items()}
