"""Load and validate ``sectors.yaml`` and ``markets.yaml`` into a :class:`Taxonomy`.

Every problem is a :class:`~exportwatch.errors.ConfigError` naming the file, the entry (a
sector or grouping code, or a line for YAML syntax) and the problem, with the field and line
in parentheses: ``config/markets.yaml: EU: unknown ISO code 'QQ' (members[3].country, line 40)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from exportwatch.errors import ConfigError
from exportwatch.taxonomy._coco import un_region_members
from exportwatch.taxonomy._schema import (
    GroupingSpec,
    MarketsFile,
    RegionSpec,
    SectorsFile,
    SubSectorSpec,
)
from exportwatch.taxonomy._text import fold
from exportwatch.taxonomy.codes import LANGUAGES
from exportwatch.taxonomy.countries import alpha2_of, cldr_names
from exportwatch.taxonomy.markets import Grouping, Markets, Membership
from exportwatch.taxonomy.sectors import Sector, Sectors
from exportwatch.yamlfile import (
    Loc,
    YamlDocument,
    first_problem,
    format_path,
    one_line,
    read_yaml,
    step,
)

__all__ = [
    "DEFAULT_CONFIG_DIR",
    "MARKETS_FILE",
    "SECTORS_FILE",
    "Taxonomy",
    "load_markets",
    "load_sectors",
    "load_taxonomy",
]

DEFAULT_CONFIG_DIR = Path("config")
SECTORS_FILE = "sectors.yaml"
MARKETS_FILE = "markets.yaml"

_Model = TypeVar("_Model", bound=BaseModel)
_EARLIEST = date.min


@dataclass(frozen=True)
class Taxonomy:
    """The sectors and markets every document and subscription is described with."""

    sectors: Sectors
    markets: Markets


def load_taxonomy(config_dir: Path = DEFAULT_CONFIG_DIR) -> Taxonomy:
    """Load and validate ``sectors.yaml`` and ``markets.yaml`` from ``config_dir``."""
    return Taxonomy(
        sectors=load_sectors(config_dir / SECTORS_FILE),
        markets=load_markets(config_dir / MARKETS_FILE),
    )


def load_sectors(path: Path) -> Sectors:
    """Load and validate one sectors file."""
    document = read_yaml(path)
    spec = _validate(SectorsFile, document)
    _check_sector_codes(spec, document)
    return Sectors(_build_sectors(spec))


def load_markets(path: Path) -> Markets:
    """Load and validate one markets file (groupings, M49 regions, country aliases)."""
    document = read_yaml(path)
    spec = _validate(MarketsFile, document)
    _check_grouping_codes(spec, document)
    blocs = [
        _build_bloc(grouping, index, document) for index, grouping in enumerate(spec.groupings)
    ]
    regions = _build_regions(spec.regions, document)
    groupings = [*blocs, *regions]
    _check_grouping_names(groupings, document)
    return Markets(groupings, spec.country_aliases)


# --- errors -------------------------------------------------------------------------------


def _fail(problem: str, document: YamlDocument, loc: Loc) -> ConfigError:
    """A ConfigError for the entry at ``loc`` (a path into the raw data)."""
    entry, detail, line = _locate(document.data, loc, document)
    where = ", ".join(part for part in (detail, f"line {line}" if line else "") if part)
    problem = one_line(problem)
    return ConfigError(
        f"{problem} ({where})" if where else problem, file=document.path, entry=entry
    )


def _locate(data: Any, loc: Loc, document: YamlDocument) -> tuple[str | None, str, int | None]:
    """Entry code, field path below it, and line of the deepest node on the way to ``loc``."""
    node: Any = data
    entry: str | None = None
    rest: list[str | int] = []
    line = document.line_of(node)
    for part in (*loc, None):
        if isinstance(node, dict):
            line = document.line_of(node) or line
            if isinstance(node.get("code"), str):
                entry, rest = node["code"], []
        if part is None:
            break
        if isinstance(node, list) and isinstance(part, int):
            line = document.item_line(node, part) or line
        rest.append(part)
        node = step(node, part)
    if entry is None and rest and isinstance(rest[0], str):
        entry, rest = rest[0], rest[1:]
    return entry, format_path(rest), line


def _validate(model: type[_Model], document: YamlDocument) -> _Model:
    if not isinstance(document.data, dict):
        raise ConfigError("expected a mapping at the top of the file", file=document.path)
    try:
        return model.model_validate(document.data)
    except ValidationError as error:
        problem, loc = first_problem(error)
        raise _fail(problem, document, loc) from None


# --- sectors ------------------------------------------------------------------------------


def _check_sector_codes(spec: SectorsFile, document: YamlDocument) -> None:
    seen: set[str] = set()
    for index, sector in enumerate(spec.sectors):
        _check_unique(sector.code, seen, "sector", document, ("sectors", index))
        for sub_index, sub in enumerate(sector.subsectors):
            loc: Loc = ("sectors", index, "subsectors", sub_index)
            if not sub.code.startswith(f"{sector.code}."):
                problem = f"sub-sector code must start with its parent's code '{sector.code}.'"
                raise _fail(problem, document, loc)
            _check_unique(sub.code, seen, "sector", document, loc)


def _check_unique(code: str, seen: set[str], what: str, document: YamlDocument, loc: Loc) -> None:
    if code in seen:
        raise _fail(f"duplicate {what} code {code!r}", document, loc)
    seen.add(code)


def _build_sectors(spec: SectorsFile) -> Iterator[Sector]:
    for sector in spec.sectors:
        children = tuple(sub.code for sub in sector.subsectors)
        yield _sector(sector, parent=None, children=children)
        for sub in sector.subsectors:
            yield _sector(sub, parent=sector.code, children=())


def _sector(spec: SubSectorSpec, parent: str | None, children: tuple[str, ...]) -> Sector:
    return Sector(
        code=spec.code,
        names=_ordered(spec.names),
        nace=tuple(spec.nace),
        hs_chapters=tuple(spec.hs_chapters),
        keywords={lang: tuple(words) for lang, words in _ordered(spec.keywords).items()},
        parent=parent,
        children=children,
    )


def _ordered(mapping: dict[str, Any]) -> dict[str, Any]:
    """The mapping with keys in the order of LANGUAGES."""
    return {lang: mapping[lang] for lang in LANGUAGES if lang in mapping}


# --- markets ------------------------------------------------------------------------------


def _check_grouping_codes(spec: MarketsFile, document: YamlDocument) -> None:
    seen: set[str] = set()
    for index, grouping in enumerate(spec.groupings):
        _check_unique(grouping.code, seen, "grouping", document, ("groupings", index))
    for index, region in enumerate(spec.regions):
        _check_unique(region.code, seen, "grouping", document, ("regions", index))


def _build_bloc(spec: GroupingSpec, index: int, document: YamlDocument) -> Grouping:
    members = [Membership(m.country, m.since, m.until, m.note) for m in spec.members]
    _check_overlaps(members, document, ("groupings", index))
    return Grouping(
        code=spec.code,
        kind="bloc",
        names=_names_with_cldr(spec.names, spec.cldr),
        members=tuple(members),
        aliases=tuple(spec.aliases),
        cldr=spec.cldr,
        note=spec.note,
    )


def _check_overlaps(members: list[Membership], document: YamlDocument, loc: Loc) -> None:
    by_country: dict[str, list[tuple[int, Membership]]] = {}
    for position, membership in enumerate(members):
        by_country.setdefault(membership.country, []).append((position, membership))
    for country, spans in by_country.items():
        spans.sort(key=lambda span: span[1].since or _EARLIEST)
        for (_, earlier), (position, later) in itertools.pairwise(spans):
            if earlier.until is None or (later.since or _EARLIEST) <= earlier.until:
                problem = f"memberships of {country!r} overlap"
                raise _fail(problem, document, (*loc, "members", position))


def _build_regions(specs: Iterable[RegionSpec], document: YamlDocument) -> list[Grouping]:
    available = un_region_members()
    built: dict[str, Grouping] = {}
    for index, spec in enumerate(specs):
        countries: set[str] = set()
        for name in spec.un_regions:
            if name not in available:
                problem = f"unknown UN region {name!r} (known: {', '.join(sorted(available))})"
                raise _fail(problem, document, ("regions", index, "un_regions"))
            countries |= available[name]
        for part in spec.parts:
            if part not in built:
                problem = f"part {part!r} is not a region defined above this one"
                raise _fail(problem, document, ("regions", index, "parts"))
            countries |= built[part].ever_members
        built[spec.code] = _region(spec, countries)
    return list(built.values())


def _region(spec: RegionSpec, countries: set[str]) -> Grouping:
    m49 = spec.code.removeprefix("M49-")
    return Grouping(
        code=spec.code,
        kind="region",
        names=_names_with_cldr(spec.names, m49),
        members=tuple(Membership(country) for country in sorted(countries)),
        aliases=tuple(spec.aliases),
        cldr=m49,
        note=spec.note,
    )


def _names_with_cldr(names: dict[str, str], cldr: str | None) -> dict[str, str]:
    """Names from the file, completed from CLDR for the working languages it leaves out."""
    from_cldr = cldr_names(cldr, LANGUAGES) if cldr else {}
    merged = {**from_cldr, **names}
    return {lang: merged[lang] for lang in LANGUAGES if lang in merged}


def _check_grouping_names(groupings: list[Grouping], document: YamlDocument) -> None:
    """A name or alias may name one grouping only, and an alias may not be a country code."""
    owner: dict[str, str] = {}
    for position, grouping in enumerate(groupings):
        loc = _grouping_loc(groupings, position)
        for alias in grouping.aliases:
            if len(alias) <= 3 and alpha2_of(alias.upper()):
                raise _fail(f"alias {alias!r} is the ISO code of a country", document, loc)
        for name in {fold(n) for n in (grouping.code, *grouping.names.values(), *grouping.aliases)}:
            other = owner.setdefault(name, grouping.code)
            if other != grouping.code:
                problem = f"name or alias {name!r} already names grouping {other!r}"
                raise _fail(problem, document, loc)


def _grouping_loc(groupings: list[Grouping], position: int) -> Loc:
    blocs = sum(1 for grouping in groupings if grouping.kind == "bloc")
    if position < blocs:
        return ("groupings", position)
    return ("regions", position - blocs)
