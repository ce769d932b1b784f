"""Text analysis shared by both search backends and keyword alerts."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from hypothesis import given
from hypothesis import strategies as st

from exportwatch.analysis import analyze, fold, query_stems, stem, stem_text, tokenize


def test_fold_lowercases_and_strips_diacritics_and_ligatures() -> None:
    assert fold("Düsseldorf Côte d'Ivoire İstanbul") == "dusseldorf cote d'ivoire istanbul"
    assert fold("Straße Æble Øre Œuvre Łódź") == "strasse aeble ore oeuvre lodz"
    assert fold("ℌ") == "h"
    assert fold("ǣ") == fold(fold("ǣ")) == "ae"


def test_tokenize_splits_on_non_word_characters() -> None:
    assert tokenize("G/TBT/N/EU/1234 – e-commerce, 12–15 März") == [
        "g", "tbt", "n", "eu", "1234", "e", "commerce", "12", "15", "marz"
    ]  # fmt: skip


def test_documents_are_stemmed_in_their_own_language() -> None:
    assert stem_text(["Internationale Messen für Milchprodukte"], "de") == (
        "international mess fur milchprodukt"
    )
    assert stem("regulations", "en") == "regul"
    assert stem("regulations", None) == "regulations"  # unknown language: the token itself


def test_a_query_word_is_stemmed_in_every_working_language() -> None:
    variants = query_stems("messen")
    assert {"messen", "mess"} <= variants  # German "Messen" meets a German document's "Messe"


def test_stemming_is_safe_across_threads() -> None:
    words = [f"regulations{n}" for n in range(2000)] * 4

    def stem_all(language: str) -> list[str]:
        return [stem(word, language) for word in words]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(stem_all, ["en", "de", "fr", "nl"] * 2))
    assert results[0] == results[4] and results[1] == results[5]


@given(st.text())
def test_fold_is_idempotent_and_tokens_are_folded(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert all(fold(token) == token for token in tokenize(text))


def test_fold_is_idempotent_on_every_code_point() -> None:
    characters = (chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)
    assert [c for c in characters if fold(fold(c)) != fold(c)] == []


@given(st.text())
def test_tokens_are_the_word_runs_of_folded_text(text: str) -> None:
    assert tokenize(text) == re.findall(r"\w+", fold(text))  # ASCII takes a faster path


def test_analyze_gives_each_text_its_tokens_and_stems_them_all_once() -> None:
    analyzed = analyze(["Dairy Fairs", "", "Côte d'Ivoire: regulations!"], "en")
    assert analyzed.tokens == ("dairy fairs", "", "cote d ivoire regulations")
    assert analyzed.stems == "dairi fair cote d ivoir regul"
    words = " ".join(analyzed.tokens).split()
    assert analyzed.stems == " ".join(stem(word, "en") for word in words)  # same as one by one
    assert analyze(["Messen"], None).stems == "messen"  # no language: tokens as they are
