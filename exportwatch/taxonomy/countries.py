"""ISO 3166-1 country codes and country names in many languages (CLDR, pycountry, coco).

Names are never hand-written here: they come from Babel's CLDR territory names for the locales
in ``CLDR_LOCALES``, from pycountry (names, official and common names) and from
country_converter (short and official names, plus its alternative-name patterns as a last
resort). The lookup tables are built once, on first use; pycountry is imported then too, so
importing this module stays cheap.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from babel import Locale, UnknownLocaleError

from exportwatch.taxonomy._coco import coco_countries
from exportwatch.taxonomy._text import fold

__all__ = [
    "CLDR_LOCALES",
    "alpha2_of",
    "cldr_names",
    "country_codes",
    "country_name",
    "find_country",
    "is_country_code",
]

#: Locales whose CLDR territory names are used to resolve country names: the working
#: languages first (they win a clash), then other EU/EEA languages and major world languages.
CLDR_LOCALES: tuple[str, ...] = (
    "en", "de", "fr", "es", "pt", "nl", "nb", "id",
    "bg", "cs", "da", "el", "et", "fi", "ga", "hr", "hu", "it", "lt", "lv", "mt", "pl", "ro",
    "sk", "sl", "sv", "nn", "is", "lb", "ca", "eu", "gl", "cy",
    "sq", "sr", "sr_Latn", "bs", "mk", "tr", "ru", "uk", "be", "ka", "hy", "az",
    "kk", "uz", "ky", "mn", "ar", "he", "fa", "ur", "hi", "bn", "ta",
    "zh", "zh_Hant", "ja", "ko", "th", "vi", "ms", "fil", "km", "lo", "my",
    "sw", "am", "ha", "yo", "zu", "af",
)  # fmt: skip

# Kosovo has no ISO 3166-1 code; XK (alpha-2) and XKX (alpha-3) are the user-assigned codes
# used by the EU, the IMF and CLDR, so they are accepted explicitly.
_EXTRA_COUNTRIES = {"XK": ("XKX", "Kosovo")}
_LANGUAGE_ALIASES = {"no": "nb", "in": "id"}
_CODE = re.compile(r"[A-Z]{2,3}")


def country_codes() -> frozenset[str]:
    """Every valid alpha-2 code: ISO 3166-1 (pycountry) plus XK for Kosovo."""
    return _codes().alpha2


def is_country_code(code: str) -> bool:
    """Whether ``code`` is a valid alpha-2 country code (upper case, XK included)."""
    return code in _codes().alpha2


def alpha2_of(code: str) -> str | None:
    """The alpha-2 code for an upper-case alpha-2 or alpha-3 code (``DEU`` -> ``DE``), or None."""
    return _codes().from_code.get(code)


def country_name(code: str, language: str = "en") -> str:
    """Display name of a country in ``language`` (CLDR; English, then pycountry as fallback)."""
    for locale in (language, "en"):
        name = _territories(locale).get(code)
        if name:
            return name
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise KeyError(f"unknown country code {code!r}")
    return str(getattr(country, "common_name", None) or country.name)


def cldr_names(code: str, locales: Iterable[str] = CLDR_LOCALES) -> dict[str, str]:
    """CLDR names of a territory or region code (e.g. "EU", "150") per locale that has one."""
    names: dict[str, str] = {}
    for locale in locales:
        name = _territories(locale).get(code)
        if name:
            names[locale] = name
    return names


def find_country(name: str, language: str | None = None, *, patterns: bool = True) -> str | None:
    """Alpha-2 code for a country name or upper-case alpha-2/alpha-3 code, or None.

    With ``patterns`` (the default), a name not known verbatim is tried against
    country_converter's alternative-name patterns ("Ivory Coast", "Great Britain").
    """
    stripped = name.strip()
    if _CODE.fullmatch(stripped):
        code = alpha2_of(stripped)
        if code:
            return code
    key = fold(stripped)
    if not key:
        return None
    language = _LANGUAGE_ALIASES.get(language or "", language)
    return _name_index().lookup(key, language, stripped if patterns else None)


@dataclass(frozen=True)
class _Codes:
    alpha2: frozenset[str]
    from_code: dict[str, str]  # alpha-2 and alpha-3 -> alpha-2


@functools.cache
def _codes() -> _Codes:
    import pycountry

    from_code: dict[str, str] = {}
    for country in pycountry.countries:
        from_code[country.alpha_2] = country.alpha_2
        from_code[country.alpha_3] = country.alpha_2
    for alpha2, (alpha3, _name) in _EXTRA_COUNTRIES.items():
        from_code[alpha2] = alpha2
        from_code[alpha3] = alpha2
    return _Codes(alpha2=frozenset(from_code.values()), from_code=from_code)


@functools.cache
def _territories(locale: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(locale).territories)
    except (UnknownLocaleError, ValueError):
        return {}


@dataclass
class _NameIndex:
    """Folded name -> alpha-2, overall and per language; coco patterns as a last resort."""

    names: dict[str, str] = field(default_factory=dict)
    by_language: dict[str, dict[str, str]] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    _misses: dict[str, str | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, names: Iterable[str], code: str, language: str | None = None) -> None:
        table = self.by_language.setdefault(language, {}) if language else None
        for name in names:
            key = fold(name)
            if key:
                self.names.setdefault(key, code)
                if table is not None:
                    table.setdefault(key, code)

    def lookup(self, key: str, language: str | None, original: str | None) -> str | None:
        keys = (key, key[4:]) if key.startswith("the ") else (key,)
        for candidate in keys:
            if language and candidate in self.by_language.get(language, {}):
                return self.by_language[language][candidate]
            if candidate in self.names:
                return self.names[candidate]
        return None if original is None else self._match_pattern(key, original)

    def _match_pattern(self, key: str, original: str) -> str | None:
        if key in self._misses:
            return self._misses[key]
        texts = (original.casefold(), key)
        found = {code for pattern, code in self.patterns if any(map(pattern.search, texts))}
        code = found.pop() if len(found) == 1 else None
        with self._lock:
            if len(self._misses) > 10_000:
                self._misses.clear()
            self._misses[key] = code
        return code


@functools.cache
def _name_index() -> _NameIndex:
    import pycountry

    index = _NameIndex()
    valid = country_codes()
    for country in pycountry.countries:
        attributes = ("name", "common_name", "official_name")
        index.add((getattr(country, a, None) or "" for a in attributes), country.alpha_2)
    for alpha2, (_alpha3, name) in _EXTRA_COUNTRIES.items():
        index.add([name], alpha2)
    for coco in coco_countries():
        if coco.alpha2 in valid:
            index.add([coco.name_short, coco.name_official], coco.alpha2)
            index.patterns.append((re.compile(coco.regex, re.IGNORECASE), coco.alpha2))
    for locale in CLDR_LOCALES:
        language = locale.split("_")[0]
        for code, name in _territories(locale).items():
            if code in valid:
                index.add([name], code, language)
    return index
