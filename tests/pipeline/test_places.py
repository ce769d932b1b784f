"""Markets in free text, venue places and WTO symbols, against recorded tables of real usage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exportwatch.errors import ConfigError
from exportwatch.model import Venue
from exportwatch.pipeline import places as places_module
from exportwatch.pipeline.demonyms import expand_forms, load_demonyms
from exportwatch.pipeline.places import Places, find_wto_symbols, wto_market
from exportwatch.taxonomy import LANGUAGES, Markets, Taxonomy, is_country_code, load_taxonomy

ROOT = Path(__file__).resolve().parents[2]
TABLES = ROOT / "tests" / "fixtures" / "pipeline" / "places"


def _rows(name: str) -> list[dict[str, Any]]:
    with (TABLES / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


MARKET_ROWS = _rows("markets.jsonl")
LOCATION_ROWS = _rows("locations.jsonl")
STRUCTURED_ROWS = _rows("structured.jsonl")


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(ROOT / "config")


@pytest.fixture(scope="module")
def markets(taxonomy: Taxonomy) -> Markets:
    return taxonomy.markets


@pytest.fixture(scope="module")
def places(taxonomy: Taxonomy) -> Places:
    return Places(taxonomy)


def _label(row: dict[str, Any]) -> str:
    return f"{row['language']}: {row['text'][:60]}"


# --- the labelled table ---------------------------------------------------------------------


def test_the_table_covers_every_working_language_and_the_traps() -> None:
    assert {row["language"] for row in MARKET_ROWS} == set(LANGUAGES)
    assert len(MARKET_ROWS) >= 80
    assert sum(1 for row in MARKET_ROWS if row.get("note", "").startswith("trap")) >= 30


@pytest.mark.parametrize("row", MARKET_ROWS, ids=_label)
def test_find_markets_matches_the_labelled_row(places: Places, row: dict[str, Any]) -> None:
    assert places.find_markets(row["text"], language=row["language"]) == row["expected"]


def test_precision_and_recall_on_the_table(places: Places) -> None:
    found = expected = hits = 0
    for row in MARKET_ROWS:
        got = set(places.find_markets(row["text"], language=row["language"]))
        want = set(row["expected"])
        found, expected, hits = found + len(got), expected + len(want), hits + len(got & want)
    precision, recall = hits / found, hits / expected
    print(f"markets: precision {precision:.3f}, recall {recall:.3f} ({expected} labels)")
    assert precision >= 0.95
    assert recall >= 0.95


def test_without_a_language_most_rows_still_match(places: Places) -> None:
    """Unknown language: adjectives of every language count, so a few language names slip in."""
    found = expected = hits = 0
    for row in MARKET_ROWS:
        got = set(places.find_markets(row["text"]))
        want = set(row["expected"])
        found, expected, hits = found + len(got), expected + len(want), hits + len(got & want)
    precision, recall = hits / found, hits / expected
    print(f"markets, no language: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.95
    assert recall >= 0.95


# --- the traps of the brief, one by one -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Turkey announced new tariffs.", ["TR"]),
        ("We serve roast turkey and turkey breast.", []),
        ("Made in China, served on fine china.", ["CN"]),
        ("Guinea pig food", []),
        ("Equatorial Guinea and Guinea-Bissau", ["GQ", "GW"]),
        ("Papua New Guinea", ["PG"]),
        ("Jordan Peterson spoke to students.", []),
        ("Exports to Jordan grew.", ["JO"]),
        ("Chile peppers from Chile", ["CL"]),
        ("Atlanta, Georgia", []),
        ("Georgia, USA", ["US"]),
        ("the U.S. state of Georgia", ["US"]),
        ("Tbilisi, Georgia", ["GE"]),
        ("Nigeria", ["NG"]),
        ("Niger", ["NE"]),
        ("Norwegian salmon", ["NO"]),
        ("Indian Ocean", []),
        ("New Mexico", []),
        ("Mexico City", ["MX"]),
        ("Congo", []),
        ("DR Congo", ["CD"]),
        ("Congo-Brazzaville", ["CG"]),
        ("Dominica", ["DM"]),
        ("Dominican Republic", ["DO"]),
        ("Paris, Texas", []),
        ("Nice weather in Split; a bath in Mobile. Essen is tasty.", []),
        ("IN DE ES", []),
        ("CONTACT US", []),
        ("Exports to the US", ["US"]),
    ],
)
def test_trap(places: Places, text: str, expected: list[str]) -> None:
    assert places.find_markets(text, language="en") == expected


def test_order_of_first_appearance_without_duplicates(places: Places) -> None:
    text = "France, then Germany, then France again and the EU, then Germany."
    assert places.find_markets(text, language="en") == ["FR", "DE", "EU"]


def test_upper_case_acronyms_must_be_upper_case(places: Places) -> None:
    assert places.find_markets("Eu sou de Portugal", language="pt") == ["PT"]
    assert places.find_markets("Il a eu raison.", language="fr") == []
    assert places.find_markets("UE et EU", language="fr") == ["EU"]


def test_german_inflection_of_names(places: Places) -> None:
    text = "in den Vereinigten Staaten, im Vereinigten Königreich und in der Europäischen Union"
    assert places.find_markets(text, language="de") == ["US", "GB", "EU"]
    assert places.find_markets("Deutschlands Exporte", language="de") == ["DE"]


def test_adjectives_count_only_in_their_own_language(places: Places) -> None:
    assert places.find_markets("Pools and spas", language="en") == []
    assert places.find_markets("Poolse appels", language="nl") == ["PL"]


def test_lower_case_text_relaxes_capitals_but_not_acronyms(places: Places) -> None:
    assert places.find_markets("made in germany for the us market") == ["DE"]


@pytest.mark.parametrize("value", ["", " ", "\n", "...", "123", "ÆØÅ", "İstanbul", "½ Germany"])
def test_odd_text(places: Places, value: str) -> None:
    codes = places.find_markets(value)
    assert codes in ([], ["DE"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), language=st.sampled_from([None, *LANGUAGES, "xx", "de-AT"]))
def test_never_raises_and_returns_valid_codes(
    places: Places, markets: Markets, text: str, language: str | None
) -> None:
    for code in places.find_markets(text, language=language):
        assert is_country_code(code) or code in markets


# fmt: off
TRAP_WORDS = (
    "Germany", "turkey", "Guinea", "pig", "New", "Mexico", "US", "in", "German", ",", ".",
    "Jordan", "Michael", "EU", "Congo", "DR", "Georgia", "Atlanta", "français", "en", "bahasa",
    "Indonesia", "Norden", "Papua", "the",
)
# fmt: on


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(st.sampled_from(TRAP_WORDS), max_size=30),
    language=st.sampled_from([None, *LANGUAGES]),
)
def test_trap_words_in_any_order(
    places: Places, markets: Markets, words: list[str], language: str | None
) -> None:
    text = " ".join(words)
    codes = places.find_markets(text, language=language)
    assert len(codes) == len(set(codes))
    assert all(is_country_code(code) or code in markets for code in codes)


# --- structured values ----------------------------------------------------------------------


@pytest.mark.parametrize("row", STRUCTURED_ROWS, ids=lambda row: "|".join(row["values"]))
def test_resolve_markets(places: Places, row: dict[str, Any]) -> None:
    codes, unknown = places.resolve_markets(row["values"], language=row["language"])
    assert (codes, unknown) == (row["codes"], row["unknown"])


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.text(max_size=40), max_size=5))
def test_resolve_markets_never_raises(places: Places, markets: Markets, values: list[str]) -> None:
    codes, unknown = places.resolve_markets(values)
    assert all(is_country_code(code) or code in markets for code in codes)
    assert set(unknown) <= set(values)


# --- places ---------------------------------------------------------------------------------


@pytest.mark.parametrize("row", LOCATION_ROWS, ids=lambda row: row["text"])
def test_parse_location(places: Places, row: dict[str, Any]) -> None:
    venue = places.parse_location(row["text"], language=row["language"])
    assert venue == Venue(name=row["name"], city=row["city"], country=row["country"])


def test_an_explicit_country_wins_over_the_city(places: Places) -> None:
    assert places.parse_location("Paris, Canada").country == "CA"
    assert places.parse_location("Valencia, Venezuela") == Venue(city="Valencia", country="VE")


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=120))
def test_parse_location_never_raises(places: Places, markets: Markets, text: str) -> None:
    venue = places.parse_location(text)
    assert venue.country is None or is_country_code(venue.country)


# --- WTO symbols ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "market"),
    [
        ("G/TBT/N/EU/1234", "EU"),
        ("G/SPS/N/BRA/2345", "BR"),
        ("G/TBT/N/USA/2001/Add.1", "US"),
        ("G/SPS/N/KOR/800", "KR"),
        ("G/TBT/N/GCC/50", "GCC"),
        ("G/TBT/N/TPKM/500", "TW"),
        ("G/SPS/N/EEC/100", "EU"),
        ("G/TBT/N/HKG/12/Rev.1", "HK"),
        ("g/tbt/n/idn/33", "ID"),
        ("G/TBT/N/XYZ/1", None),
        ("G/TBT/W/123", None),
        ("not a symbol", None),
        ("", None),
    ],
)
def test_wto_market(markets: Markets, symbol: str, market: str | None) -> None:
    assert wto_market(symbol, markets) == market


def test_find_wto_symbols() -> None:
    text = (
        "Notified as G/TBT/N/EU/1234/Add.1 and G/SPS/N/BRA/2345. Corrigendum "
        "G/TBT/N/EU/1234/Add.1/Corr.1; again G/SPS/N/BRA/2345; not G/TBT/W/12 or XG/TBT/N/EU/1."
    )
    assert find_wto_symbols(text) == [
        "G/TBT/N/EU/1234/Add.1",
        "G/SPS/N/BRA/2345",
        "G/TBT/N/EU/1234/Add.1/Corr.1",
    ]
    assert find_wto_symbols("") == []


# --- the data file --------------------------------------------------------------------------


def test_demonyms_cover_the_largest_trading_countries_in_every_inflecting_language() -> None:
    demonyms = load_demonyms()
    for language in ("en", "de", "fr", "es", "pt", "nl", "nb"):
        countries = [code for code in demonyms.adjectives[language] if is_country_code(code)]
        assert len(countries) >= 80, language
    assert set(demonyms.adjectives["de"]["DE"]) >= {"deutsche", "deutschen", "deutscher"}
    assert set(demonyms.adjectives["fr"]["FR"]) >= {"français", "française", "françaises"}
    assert set(demonyms.adjectives["es"]["ES"]) >= {"español", "española", "españoles"}


def test_no_form_means_two_markets_in_one_language(places: Places) -> None:
    demonyms = load_demonyms()
    for language, by_code in demonyms.adjectives.items():
        owner: dict[str, str] = {}
        for code, forms in by_code.items():
            for form in forms:
                key = " ".join(places_module._tokens(form))
                assert owner.setdefault(key, code) == code, (language, form)


def test_extra_names_agree_with_the_taxonomy(markets: Markets) -> None:
    """Where the taxonomy also resolves an extra name, it must mean the same market."""
    # The taxonomy reads "America" as the Americas and "Niger Delta" as Niger; prose means the
    # United States and a region of Nigeria.
    deliberate = {"America", "Niger Delta"}
    for by_code in load_demonyms().names.values():
        for code, names in by_code.items():
            for name in names:
                resolved = markets.resolve_market(name)
                if resolved and name not in deliberate:
                    assert resolved == code, name


def test_expand_forms() -> None:
    assert expand_forms("deutsch*", ["e", "en"]) == ["deutsche", "deutschen"]
    assert expand_forms("italien(|ne)") == ["italien", "italienne"]
    assert expand_forms("alem(ão|ã)") == ["alemão", "alemã"]
    assert expand_forms("Swiss") == ["Swiss"]


def test_a_bad_demonyms_file_names_file_field_and_line(tmp_path: Path) -> None:
    path = tmp_path / "demonyms.yaml"
    path.write_text("endings: {}\nadjectives:\n  en:\n    DE: German\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_demonyms(path)
    assert "demonyms.yaml" in str(error.value)
    assert "line 4" in str(error.value)
