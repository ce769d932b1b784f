"""Pydantic models of the two taxonomy files: the edge where raw YAML is checked field by field.

Checks that need the whole file (duplicate codes, parent prefixes, overlapping memberships)
live in ``loading``; these models only check what one entry can tell about itself.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from exportwatch.taxonomy.codes import HS_CHAPTERS, LANGUAGES, NACE_DIVISIONS
from exportwatch.taxonomy.countries import alpha2_of, is_country_code

__all__ = [
    "GroupingSpec",
    "MarketsFile",
    "MembershipSpec",
    "RegionSpec",
    "SectorSpec",
    "SectorsFile",
    "SubSectorSpec",
]

_SLUG = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
_SECTOR_CODE = re.compile(_SLUG)
_SUBSECTOR_CODE = re.compile(rf"{_SLUG}\.{_SLUG}")
_GROUPING_CODE = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
_REGION_CODE = re.compile(r"M49-\d{3}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_date(value: object) -> object:
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError(f"invalid date {value!r}: expected YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"invalid date {value!r}: {error}") from None


IsoDate = Annotated[date, BeforeValidator(_parse_date)]


def _check_code(value: str, pattern: re.Pattern[str], what: str, example: str) -> str:
    if not pattern.fullmatch(value):
        raise ValueError(f"{what} {value!r} is malformed (expected something like {example!r})")
    return value


def _check_languages(mapping: dict[str, Any], *, require_en: bool) -> None:
    unknown = sorted(set(mapping) - set(LANGUAGES))
    if unknown:
        raise ValueError(
            f"unknown language {unknown[0]!r} (expected one of {', '.join(LANGUAGES)})"
        )
    if require_en and not mapping.get("en"):
        raise ValueError("an English name ('en') is required")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SubSectorSpec(_Spec):
    """A sub-sector entry of sectors.yaml."""

    code: str
    names: dict[str, Annotated[str, Field(min_length=1)]]
    nace: list[str] = []
    hs_chapters: list[str] = []
    keywords: dict[str, list[Annotated[str, Field(min_length=1)]]] = {}

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return _check_code(value, _SUBSECTOR_CODE, "sub-sector code", "food.dairy")

    @field_validator("names")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        _check_languages(value, require_en=True)
        return value

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        _check_languages(value, require_en=False)
        return value

    @field_validator("nace")
    @classmethod
    def _nace(cls, value: list[str]) -> list[str]:
        for division in value:
            if division not in NACE_DIVISIONS:
                raise ValueError(f"{division!r} is not a NACE Rev. 2 division (two digits)")
        return value

    @field_validator("hs_chapters")
    @classmethod
    def _hs(cls, value: list[str]) -> list[str]:
        for chapter in value:
            if chapter not in HS_CHAPTERS:
                raise ValueError(f"{chapter!r} is not an HS chapter (two digits, 01-97, not 77)")
        return value


class SectorSpec(SubSectorSpec):
    """A top-level sector entry of sectors.yaml, with its sub-sectors."""

    subsectors: list[SubSectorSpec] = []

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return _check_code(value, _SECTOR_CODE, "sector code", "food")


class SectorsFile(_Spec):
    """The whole of sectors.yaml."""

    sectors: list[SectorSpec] = Field(min_length=1)


class MembershipSpec(_Spec):
    """One member of a grouping, optionally dated (``until`` is the last day of membership)."""

    country: str
    since: IsoDate | None = None
    until: IsoDate | None = None
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return {"country": value} if isinstance(value, str) else value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        if not is_country_code(value):
            raise ValueError(f"unknown ISO code {value!r}")
        return value

    @model_validator(mode="after")
    def _dates(self) -> MembershipSpec:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since {self.since} is after until {self.until}")
        return self


def _check_not_country(value: str) -> str:
    if alpha2_of(value) is not None:
        raise ValueError(f"code {value!r} collides with the ISO 3166-1 code of a country")
    return value


class GroupingSpec(_Spec):
    """A trade bloc or other named group of countries in markets.yaml."""

    code: str
    names: dict[str, Annotated[str, Field(min_length=1)]]
    aliases: list[Annotated[str, Field(min_length=1)]] = []
    cldr: str | None = None
    note: str | None = None
    members: list[MembershipSpec] = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        _check_code(value, _GROUPING_CODE, "grouping code", "MERCOSUR")
        return _check_not_country(value)

    @field_validator("names")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        _check_languages(value, require_en=True)
        return value


class RegionSpec(_Spec):
    """A UN M49 region: members come from country_converter sub-regions or other regions."""

    code: str
    names: dict[str, Annotated[str, Field(min_length=1)]]
    aliases: list[Annotated[str, Field(min_length=1)]] = []
    un_regions: list[str] = []
    parts: list[str] = []
    note: str | None = None

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return _check_code(value, _REGION_CODE, "region code", "M49-150")

    @field_validator("names")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        _check_languages(value, require_en=True)
        return value

    @model_validator(mode="after")
    def _one_source(self) -> RegionSpec:
        if bool(self.un_regions) == bool(self.parts):
            raise ValueError("a region needs either 'un_regions' or 'parts' (exactly one)")
        return self


class MarketsFile(_Spec):
    """The whole of markets.yaml."""

    groupings: list[GroupingSpec] = Field(min_length=1)
    regions: list[RegionSpec] = []
    country_aliases: dict[str, str] = {}

    @field_validator("country_aliases")
    @classmethod
    def _aliases(cls, value: dict[str, str]) -> dict[str, str]:
        for alias, code in value.items():
            if not is_country_code(code):
                raise ValueError(f"alias {alias!r} points to unknown ISO code {code!r}")
        return value
