"""Country data shipped with country_converter, read directly (no pandas) once per process."""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

__all__ = ["CocoCountry", "coco_countries", "un_region_members"]

_ALPHA2 = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True, slots=True)
class CocoCountry:
    """One current country row of country_converter's table."""

    alpha2: str
    name_short: str
    name_official: str
    regex: str
    un_region: str


@functools.cache
def coco_countries() -> tuple[CocoCountry, ...]:
    """Current (not obsolete) countries of country_converter's ``country_data.tsv``."""
    with _table_path().open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return tuple(_country(row) for row in rows if _is_current(row))


def un_region_members() -> dict[str, frozenset[str]]:
    """UN M49 sub-region name (as country_converter spells it) -> ISO alpha-2 members."""
    members: dict[str, set[str]] = {}
    for country in coco_countries():
        if country.un_region:
            members.setdefault(country.un_region, set()).add(country.alpha2)
    return {region: frozenset(codes) for region, codes in members.items()}


def _table_path() -> Path:
    # Located without importing country_converter, whose import pulls in pandas (~0.3 s).
    spec = find_spec("country_converter")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("country_converter is not installed")
    return Path(spec.origin).parent / "country_data.tsv"


def _is_current(row: dict[str, str]) -> bool:
    return not row["obsolete"] and _ALPHA2.search(row["ISO2"]) is not None


def _country(row: dict[str, str]) -> CocoCountry:
    # ISO2 is sometimes a pattern such as "^GR$|^EL$"; the first code is the ISO one.
    match = _ALPHA2.search(row["ISO2"])
    assert match is not None  # guaranteed by _is_current
    return CocoCountry(
        alpha2=match.group(0),
        name_short=row["name_short"],
        name_official=row["name_official"],
        regex=row["regex"],
        un_region=row["UNregion"],
    )
