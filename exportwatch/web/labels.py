"""Names for the codes a search shows (kinds, sectors, markets, languages, sources, months).

Pages show names, never bare codes; an unknown code falls back to itself so nothing vanishes.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel import Locale

from exportwatch.analysis import STEMMER_LANGUAGES
from exportwatch.crawlers import check_definitions
from exportwatch.model import Kind
from exportwatch.taxonomy import Taxonomy
from exportwatch.taxonomy.countries import country_codes
from exportwatch.taxonomy.markets import Markets
from exportwatch.taxonomy.sectors import Sectors

__all__ = ["KIND_LABELS", "Labels", "Option", "format_day", "source_names"]

KIND_LABELS = {
    Kind.EVENT.value: "Trade fair or event",
    Kind.FINANCE.value: "Export finance",
    Kind.REGULATION.value: "Regulation",
}


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a filter's <select>."""

    value: str
    label: str
    group: str = ""


class Labels:
    """Display names for one taxonomy and the configured sources, in English."""

    def __init__(self, taxonomy: Taxonomy, sources: Mapping[str, str]) -> None:
        self.taxonomy = taxonomy
        self.sources = sources

    def kind(self, code: str) -> str:
        """'Trade fair or event' for `event`."""
        return KIND_LABELS.get(code, code)

    def sector(self, code: str) -> str:
        """The sector's English name."""
        return self.taxonomy.sectors.name(code) if code in self.taxonomy.sectors else code

    def market(self, code: str) -> str:
        """A grouping's or country's English name."""
        try:
            return self.taxonomy.markets.name(code.upper())
        except KeyError:
            return code

    def language(self, code: str) -> str:
        """'German' for `de`."""
        return _language_names().get(code.lower(), code)

    def source(self, source_id: str) -> str:
        """The source definition's name."""
        return self.sources.get(source_id, source_id)

    def month(self, value: str) -> str:
        """'March 2027' for `2027-03`."""
        try:
            return date.fromisoformat(f"{value}-01").strftime("%B %Y")
        except ValueError:
            return value

    def facet(self, facet: str, value: str) -> str:
        """The label of one facet bucket."""
        name = {
            "kind": self.kind,
            "sector": self.sector,
            "country": self.market,
            "source": self.source,
            "language": self.language,
            "month": self.month,
        }.get(facet)
        return name(value) if name else value

    def sector_options(self) -> tuple[Option, ...]:
        """Every sector, sub-sectors indented under their parent."""
        return _sector_options(self.taxonomy.sectors)

    def market_options(self) -> tuple[Option, ...]:
        """Groupings first, then every country, by name."""
        return _market_options(self.taxonomy.markets)

    def language_options(self) -> tuple[Option, ...]:
        """The languages search understands."""
        return _language_options()

    def source_options(self) -> tuple[Option, ...]:
        """Configured sources by name."""
        ordered = sorted(self.sources.items(), key=lambda item: item[1].casefold())
        return tuple(Option(source_id, name) for source_id, name in ordered)


def format_day(day: date | None) -> str:
    """'5 March 2027' (no leading zero), or '' for None."""
    return f"{day.day} {day:%B %Y}" if day else ""


def source_names(sources_dir: Path) -> dict[str, str]:
    """Source id -> name from the definitions in `sources_dir`, re-read when a file changes."""
    try:
        stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in sources_dir.iterdir()))
    except OSError:
        return {}
    return dict(_read_source_names(sources_dir, stamp))


@functools.lru_cache(maxsize=4)
def _read_source_names(
    sources_dir: Path, _stamp: tuple[tuple[str, int], ...]
) -> tuple[tuple[str, str], ...]:
    checked = check_definitions([sources_dir], None)
    return tuple(
        (outcome.definition.id, outcome.definition.name)
        for outcome in checked
        if outcome.definition is not None
    )


@functools.lru_cache(maxsize=4)
def _sector_options(sectors: Sectors) -> tuple[Option, ...]:
    return tuple(Option(s.code, ("— " if s.is_subsector else "") + s.name("en")) for s in sectors)


@functools.lru_cache(maxsize=4)
def _market_options(markets: Markets) -> tuple[Option, ...]:
    groupings = [Option(g.code, g.name("en"), "Groupings and regions") for g in markets]
    countries = sorted(
        (Option(code, markets.name(code), "Countries") for code in country_codes()),
        key=lambda option: option.label.casefold(),
    )
    return (*groupings, *countries)


@functools.cache
def _language_names() -> dict[str, str]:
    return {code: str(name) for code, name in Locale.parse("en").languages.items()}


@functools.cache
def _language_options() -> tuple[Option, ...]:
    names = _language_names()
    options = (Option(code, names.get(code, code)) for code in STEMMER_LANGUAGES)
    return tuple(sorted(options, key=lambda option: option.label))
