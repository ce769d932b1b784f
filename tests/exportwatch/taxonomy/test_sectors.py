"""The sector tree, its lookups, and the quality of the data in config/sectors.yaml."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exportwatch.taxonomy import HS_CHAPTERS, LANGUAGES, NACE_DIVISIONS, Sectors
from exportwatch.taxonomy._text import fold


def test_expand_adds_sub_sectors(sectors: Sectors) -> None:
    expanded = sectors.expand(["food", "ict.software"])
    assert {"food", "food.dairy", "food.wine-spirits", "ict.software"} <= expanded
    assert "ict" not in expanded
    assert all(code.startswith(("food", "ict.software")) for code in expanded)


@given(st.data())
def test_expand_is_closed(sectors: Sectors, data: st.DataObject) -> None:
    codes = data.draw(st.sets(st.sampled_from([sector.code for sector in sectors]), max_size=5))
    expanded = sectors.expand(codes)
    assert codes <= expanded
    assert sectors.expand(expanded) == expanded


def test_parent_children_and_ancestors(sectors: Sectors) -> None:
    parent = sectors.parent("food.dairy")
    assert parent is not None
    assert parent.code == "food"
    assert sectors.parent("food") is None
    assert sectors.ancestors("food.dairy") == ("food",)
    assert "food.dairy" in [child.code for child in sectors.children("food")]
    assert sectors.children("food.dairy") == ()


def test_names_by_language_with_english_fallback(sectors: Sectors) -> None:
    assert sectors.name("food.dairy", "de") == "Milchprodukte"
    assert sectors.name("food.dairy", "xx") == "Dairy"


def test_lookup_by_hs_chapter_nace_division_and_name(sectors: Sectors) -> None:
    assert "food.dairy" in [sector.code for sector in sectors.by_hs_chapter("0406")]
    assert "food.dairy" in [sector.code for sector in sectors.by_nace("10.51")]
    assert sectors.by_hs_chapter("77") == ()
    assert sectors.resolve("Produits laitiers") == "food.dairy"
    assert sectors.resolve("food.dairy") == "food.dairy"
    assert sectors.resolve("no such sector") is None


def test_about_25_sectors_each_with_2_to_6_sub_sectors(sectors: Sectors) -> None:
    assert 20 <= len(sectors.top_level) <= 30
    for sector in sectors.top_level:
        assert 2 <= len(sector.children) <= 6, sector.code


def test_codes_are_real_nace_divisions_and_hs_chapters(sectors: Sectors) -> None:
    for sector in sectors:
        assert sector.nace, sector.code
        assert set(sector.nace) <= NACE_DIVISIONS, sector.code
        assert set(sector.hs_chapters) <= HS_CHAPTERS, sector.code
        assert all("01" <= chapter <= "97" for chapter in sector.hs_chapters)


def test_names_and_keywords_in_every_working_language(sectors: Sectors) -> None:
    for sector in sectors:
        assert set(sector.names) == set(LANGUAGES), sector.code
        assert set(sector.keywords) == set(LANGUAGES), sector.code
        assert all(len(words) >= 3 for words in sector.keywords.values()), sector.code


# Words in nearly every notice: as a keyword they would tag everything with one sector.
TOO_GENERIC = {"export", "exports", "trade fair", "exhibition", "financing", "grant", "sme"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_keywords_are_not_generic(sectors: Sectors, language: str) -> None:
    for sector in sectors:
        assert not {fold(word) for word in sector.keywords[language]} & TOO_GENERIC, sector.code
