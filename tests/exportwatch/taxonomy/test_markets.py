"""Groupings with dated membership, M49 regions, and names of countries and groupings."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exportwatch.taxonomy import Markets

# fmt: off
EU_27 = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}
# fmt: on


def test_eu_today_is_the_27_member_states(markets: Markets) -> None:
    assert markets.members("EU") == EU_27


@pytest.mark.parametrize(
    ("country", "day", "member"),
    [
        ("GB", date(2020, 1, 31), True),  # last day of membership
        ("GB", date(2020, 2, 1), False),
        ("GB", date(1972, 12, 31), False),
        ("HR", date(2013, 6, 30), False),
        ("HR", date(2013, 7, 1), True),
    ],
)
def test_eu_membership_is_dated(markets: Markets, country: str, day: date, member: bool) -> None:
    assert (country in markets.members("EU", on=day)) is member
    assert ("EU" in markets.groupings_of(country, on=day)) is member


def test_groupings_of_a_country(markets: Markets) -> None:
    assert {"EU", "EEA", "G7", "DACH", "M49-155", "M49-150"} <= set(markets.groupings_of("DE"))
    assert set(markets.groupings_of("NO", kind="bloc")) >= {"EEA", "EFTA", "NORDIC"}
    assert "EU" not in markets.groupings_of("NO")


def test_norway_stays_a_string_in_yaml(markets: Markets) -> None:
    assert "NO" in markets.members("NORDIC")  # YAML 1.1 would have read NO as false


@pytest.mark.parametrize(
    ("region", "inside", "outside"),
    [
        ("M49-155", {"FR", "DE", "NL"}, {"ES", "GB"}),  # Western Europe
        ("M49-005", {"BR", "AR", "CL"}, {"MX"}),  # South America
        ("M49-035", {"ID", "VN", "SG"}, {"CN"}),  # South-eastern Asia
        ("M49-011", {"NG", "SN", "GH"}, {"KE"}),  # Western Africa
        ("M49-150", {"FR", "NO", "PL", "UA"}, {"TR", "US"}),  # Europe
        ("M49-001", EU_27 | {"US", "BR", "JP", "NZ"}, {"AQ"}),  # World, Antarctica excluded
    ],
)
def test_m49_regions_expand_to_their_countries(
    markets: Markets, region: str, inside: set[str], outside: set[str]
) -> None:
    members = markets.expand([region])
    assert inside <= members
    assert not outside & members


def test_expand_mixes_groupings_and_countries(markets: Markets) -> None:
    assert markets.expand(["EU", "CH"]) == EU_27 | {"CH"}
    assert markets.expand(["EU"], on=date(2019, 1, 1)) == EU_27 | {"GB"}
    with pytest.raises(KeyError, match="XX"):
        markets.expand(["XX"])


@given(day=st.dates(date(1950, 1, 1), date(2035, 12, 31)))
def test_members_and_groupings_of_agree(markets: Markets, day: date) -> None:
    for grouping in ("EU", "EEA", "EFTA", "ECOWAS", "MERCOSUR", "CPTPP"):
        for country in markets[grouping].ever_members:
            in_members = country in markets.members(grouping, on=day)
            assert in_members is (grouping in markets.groupings_of(country, on=day))


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Germany", "DE"),
        ("Deutschland", "DE"),
        ("Allemagne", "DE"),
        ("Alemania", "DE"),
        ("Alemanha", "DE"),
        ("Duitsland", "DE"),
        ("Tyskland", "DE"),
        ("Jerman", "DE"),
        ("DEU", "DE"),
        ("de", None),  # codes are upper case; a lower-case "de" is a word, not Germany
        ("Côte d'Ivoire", "CI"),
        ("Cote d\u2019Ivoire", "CI"),  # typographic apostrophe
        ("Ivory Coast", "CI"),
        ("Vereinigte Staaten", "US"),
        ("Estados Unidos", "US"),
        ("the Netherlands", "NL"),
        ("Holland", "NL"),
        ("UK", "GB"),
        ("EL", "GR"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Kosovo", "XK"),
        ("日本", "JP"),
        ("Atlantis", None),
    ],
)
def test_country_names_resolve_in_many_languages(
    markets: Markets, name: str, code: str | None
) -> None:
    assert markets.resolve_country(name) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("European Union", "EU"),
        ("Europäische Union", "EU"),
        ("Uni Eropa", "EU"),
        ("EU-27", "EU"),
        ("Gulf states", "GCC"),
        ("Mercosur", "MERCOSUR"),
        ("Mercosul", "MERCOSUR"),
        ("African Union", "AFRICAN-UNION"),
        ("Westeuropa", "M49-155"),  # from CLDR
        ("Latin America", "M49-419"),
        ("Micronesia", "FM"),  # the country, not the M49 region
        ("AU", "AU"),  # Australia, not the African Union
        ("France", "FR"),
    ],
)
def test_market_names_resolve_to_groupings_then_countries(
    markets: Markets, text: str, code: str
) -> None:
    assert markets.resolve_market(text) == code


def test_display_names_fall_back_to_english(markets: Markets) -> None:
    assert markets.name("EU", "de") == "Europäische Union"
    assert markets.name("DE", "fr") == "Allemagne"
    assert markets.name("BENELUX", "nb") == "Benelux"
    assert markets.name("M49-005", "nl") == "Zuid-Amerika"  # filled in from CLDR
