"""Language detection for titles and summaries, with the source's declared language as hint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportwatch.pipeline.language import (
    RECOGNISED_LANGUAGES,
    WORKING_LANGUAGES,
    detect_language,
    normalize_language,
)

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "pipeline" / "language"


def samples() -> list[dict[str, str]]:
    lines = (SAMPLES / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_samples_cover_every_recognised_language() -> None:
    counts = {language: 0 for language in RECOGNISED_LANGUAGES}
    for sample in samples():
        counts[sample["language"]] += 1
    assert all(counts[language] >= 5 for language in WORKING_LANGUAGES), counts
    assert all(counts.values()), counts


def test_accuracy_on_titles_and_summaries() -> None:
    results = [(sample, detect_language(sample["text"])) for sample in samples()]
    wrong = [(sample["text"], found) for sample, found in results if found != sample["language"]]

    assert 1 - len(wrong) / len(results) >= 0.95, wrong
    detected = {found for sample, found in results if found == sample["language"]}
    assert set(WORKING_LANGUAGES) <= detected
    assert set(RECOGNISED_LANGUAGES) <= detected


def test_norwegian_is_bokmal_and_malay_counts_as_indonesian() -> None:
    assert detect_language("Støtte til eksportbedrifter som deltar på messer i utlandet") == "nb"
    assert detect_language("Næringslivsdelegasjon til Vietnam") == "nb"
    assert detect_language("Skim pembiayaan eksport untuk perusahaan kecil dan sederhana") == "id"


def test_other_major_languages_are_not_forced_into_a_working_language() -> None:
    assert detect_language("Mezinárodní veletrh potravin a nápojů v Praze") == "cs"
    assert detect_language("Uluslararası gıda ve içecek fuarı İstanbul'da") == "tr"
    assert detect_language("서울 국제 식품 박람회") == "ko"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "Messe", "SIAL", "12345 67890 !!!", "G/TBT/N/EU/1123", "https://example.org/a/b/c"],
)
def test_too_short_or_letterless_text_has_no_language(text: str) -> None:
    assert detect_language(text) is None


def test_low_confidence_gives_no_language() -> None:
    assert detect_language("Anuga FoodTec") is None
    assert detect_language("asdf qwer zxcv") is None


def test_hint_decides_short_or_ambiguous_text() -> None:
    assert detect_language("Messe", hint="de") == "de"
    assert detect_language("", hint="en-GB") == "en"
    assert detect_language("Trade mission to Vietnam", hint="de") == "de"  # en, but not sure


def test_confident_text_overrides_the_hint() -> None:
    text = "Internationale Fachmesse für Lebensmittel und Getränke in Köln"
    assert detect_language(text, hint="fr") == "de"
    assert detect_language(text, hint="de") == "de"


def test_hint_picks_within_a_language_family() -> None:
    assert detect_language("Støtte til eksportbedrifter som deltar på messer", hint="nn") == "nn"
    assert detect_language("Støtte til eksportbedrifter som deltar på messer", hint="no") == "nb"
    assert detect_language("Bantuan ekspor untuk usaha kecil dan menengah", hint="ms") == "ms"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "en"), ("EN-gb", "en"), ("pt_BR", "pt"), ("deu", "de"), ("ger", "de"),
        ("no", "nb"), ("nob", "nb"), ("nn", "nn"), ("in", "id"), ("xx", None), ("", None),
        ("english", None), (None, None), ("zz-ZZ", None),
    ],
)  # fmt: skip
def test_declared_languages_are_normalized(code: str | None, expected: str | None) -> None:
    assert normalize_language(code) == expected
    if code is not None:
        assert detect_language("", hint=code) == expected


def test_url_and_email_do_not_make_text_english() -> None:
    text = "Anmeldung unter https://www.messe.example/registration/index.html oder info@messe.de"
    assert detect_language(text) == "de"


def test_text_that_is_not_a_string_gives_the_hint() -> None:
    assert detect_language(None) is None  # type: ignore[arg-type]
    assert detect_language(42, hint="fr") == "fr"  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.one_of(st.characters(), st.characters(categories=["Cs", "Cc", "Cf"]))),
    st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["de", "no", "en-US", "zzz"])),
)
def test_detect_language_never_raises_and_returns_a_code(text: str, hint: str | None) -> None:
    found = detect_language(text, hint=hint)
    assert found is None or (len(found) == 2 and found.isascii() and found.islower())
    assert found != "no"
