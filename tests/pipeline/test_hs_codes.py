"""HS codes quoted in fair pages, finance schemes and WTO notifications."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exportwatch.pipeline import hs_codes as hs_module
from exportwatch.pipeline.hs_codes import find_hs_codes, hs_chapter
from exportwatch.taxonomy import HS_CHAPTERS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pipeline" / "sectors"


def test_public_surface() -> None:
    assert set(hs_module.__all__) == {"find_hs_codes", "hs_chapter"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HS 0401", ["0401"]),
        ("HS code 8471.30", ["847130"]),
        ("HS code 8471.30.00", ["847130"]),  # national lines are cut to the six HS digits
        ("HTS 8471.30.0100", ["847130"]),
        ("HS 84.71", ["8471"]),  # the nomenclature's own dotted heading notation
        ("HS-Code: 0406.10", ["040610"]),
        ("H.S. 0401", ["0401"]),
        ("HS No. 0401", ["0401"]),
        ("HS 84", ["84"]),
    ],
)
def test_acronym_cues_and_normalization(text: str, expected: list[str]) -> None:
    assert find_hs_codes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Chapter 84",
        "Kapitel 84",
        "chapitre 84",
        "capítulo 84",
        "hoofdstuk 84",
        "kapittel 84",
        "bab 84",
        "HS chapter 84",
        "Chapter 84 of the Harmonized System",
    ],
)
def test_chapter_words_in_every_working_language(text: str) -> None:
    assert find_hs_codes(text) == ["84"]


@pytest.mark.parametrize(
    "text",
    [
        "heading 0406",
        "Position 0406",
        "position 0406",
        "partida 0406",
        "posição 0406",
        "tariefpost 0406",
        "tollposisjon 0406",
        "GN-code 0406",
        "GS-code 0406",
        "tariff item 0406",
    ],
)
def test_heading_words(text: str) -> None:
    assert find_hs_codes(text) == ["0406"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CN code 0406 90 01", ["040690"]),  # CN/TARIC write spaced pairs
        ("KN-Code 0406 10 20", ["040610"]),
        ("TARIC 0406 10 20 00", ["040610"]),
        ("Zolltarifnummer 0406 10 20 00", ["040610"]),
        ("Warennummer 8471 30 00", ["847130"]),
        ("kode HS 0406.10.00", ["040610"]),
        ("pos. tarif 0406.10.00", ["040610"]),
        ("NCM 0401.10.10", ["040110"]),
        ("código SH 8703", ["8703"]),
        ("fracción arancelaria 0406.10.01", ["040610"]),
        ("varenummer 0406.1000", ["040610"]),
        ("sous-positions 0406.10", ["040610"]),
    ],
)
def test_national_tariff_cues(text: str, expected: list[str]) -> None:
    assert find_hs_codes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HS 02-04", ["02", "03", "04"]),
        ("HS codes: 0401–0406", ["0401", "0402", "0403", "0404", "0405", "0406"]),
        ("chapitres 84 à 85", ["84", "85"]),
        ("tariff lines 0401.10 and 0401.20", ["040110", "040120"]),
        ("HS 0401, 0402 and 0406", ["0401", "0402", "0406"]),
        ("SH 0401 et 0402", ["0401", "0402"]),
        ("Chapters 84 and 85", ["84", "85"]),
        ("HS 84, 85 and 90", ["84", "85", "90"]),
        ("HS ex 0401 and ex 0402", ["0401", "0402"]),
        ("tariff heading 0406 and 0408", ["0406", "0408"]),
        ("HS 2202.10 / 2202.99", ["220210", "220299"]),
        ("HS 8471.30-8471.50", ["847130", "847150"]),  # a subheading range keeps its ends
    ],
)
def test_lists_and_ranges_after_a_cue(text: str, expected: list[str]) -> None:
    assert find_hs_codes(text) == expected


def test_order_of_appearance_without_duplicates() -> None:
    text = "Covers HS 0406 (cheese). Also HS 0401 and, again, HS 0406 and Chapter 4."
    assert find_hs_codes(text) == ["0406", "0401", "04"]


@pytest.mark.parametrize(
    "text",
    [
        "Regulation (EU) 2023/1115 on deforestation-free products",
        "Regulation (EU) No 1169/2011 on food information",
        "Tel. +49 211 4560 01, fax +49 211 4560 99",
        "Stand space costs EUR 2,000 per 12 m2",
        "from 01.01.2024 to 31.12.2025",
        "8471.30 without any cue",
        "HS 2022 nomenclature",  # the edition, not a heading
        "HS 2007",
        "HS 10-digit level",
        "HS6 subheadings",
        "HSBC 0401",
        "Chapter 3 of the Regulation",
        "Kapitel 5 der Verordnung",
        "Chapter 11 bankruptcy",
        "Chapter 3",  # a one-digit chapter needs tariff context
        "Raleigh, NC 27601",
        "CN 28",  # only HS and SH quote bare chapters
        "Position 2",
        "Position 2024",  # chapter 20 ends at heading 2009
        "HS 7701",  # chapter 77 is reserved
        "HS 9801",
    ],
)
def test_traps_are_not_codes(text: str) -> None:
    assert find_hs_codes(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HS 0401, 25 tonnes", ["0401"]),  # a list keeps its granularity
        ("tariff line 0401 10%", ["0401"]),  # a spaced pair before % is a quantity
        ("HS 0401 from 1.1.2025", ["0401"]),
        ("Chapter 3 (fish) of the HS", ["03"]),
        ("HS Chapter 3", ["03"]),
    ],
)
def test_codes_next_to_traps(text: str, expected: list[str]) -> None:
    assert find_hs_codes(text) == expected


def test_realistic_notices_yield_exactly_their_codes() -> None:
    """Every labelled fixture text: its codes, and nothing from its dates, numbers or phones."""
    checked = 0
    for path in sorted(FIXTURES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            found = find_hs_codes(item["title"] + "\n" + item["text"])
            assert found == item.get("hs_codes", []), item["id"]
            checked += 1
    assert checked >= 100


def test_hs_chapter() -> None:
    assert hs_chapter("847130") == "84"
    assert hs_chapter("04") == "04"


@pytest.mark.parametrize("bad", [None, 42, b"HS 0401", ""])
def test_bad_input_gives_nothing(bad: object) -> None:
    assert find_hs_codes(bad) == []  # type: ignore[arg-type]


CUE_WORDS = ["HS ", "HS code ", "Chapter ", "heading ", "CN code ", "tariff lines ", "SH ", ""]
PIECES = st.sampled_from([*CUE_WORDS, "0401", "84", "8471.30.00", "2023", ", ", " and ", "-"])


@given(st.text() | st.lists(PIECES, max_size=12).map("".join))
def test_output_is_always_valid_codes(text: str) -> None:
    for code in find_hs_codes(text):
        assert code.isascii() and code.isdigit(), code
        assert len(code) in (2, 4, 6), code
        assert code[:2] in HS_CHAPTERS, code
