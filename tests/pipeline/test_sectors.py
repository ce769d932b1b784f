"""Sector classification of fair pages, finance schemes and regulation notices.

The labelled table is ``tests/fixtures/pipeline/sectors/*.jsonl``: one file per working language
(written first, then used to tune keywords and rules) and ``holdout.jsonl`` (written afterwards
and scored once before any further change: precision 1.00, recall 0.91). The pipeline's own
evaluation set (``tests/fixtures/eval``, scored by ``tests/pipeline/test_quality.py``) is the
independent check. Each line has ``id``,
``language``, ``kind``, ``title``, ``text``, the expected ``sectors`` (most specific codes; empty
for cross-sector items) and optionally ``acceptable`` (codes that are not wrong, e.g. a sub-sector
a multi-sector fair also covers), ``hs_codes`` (what find_hs_codes must find), ``labels``,
``lookups`` and ``defaults``.

Scoring: a returned code is correct when it is expected or acceptable (precision); an expected
code is found when it or one of its sub-sectors is returned (recall; the classifier never
returns a sector together with its sub-sector).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportwatch.pipeline import sectors as sectors_module
from exportwatch.pipeline.hs_codes import find_hs_codes
from exportwatch.pipeline.sectors import HS_HEADINGS, Classification, SectorClassifier
from exportwatch.taxonomy import Sectors, Taxonomy

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pipeline" / "sectors"


@pytest.fixture(scope="module")
def sectors(taxonomy: Taxonomy) -> Sectors:
    return taxonomy.sectors


@pytest.fixture(scope="module")
def classifier(sectors: Sectors) -> SectorClassifier:
    return SectorClassifier(sectors)


def classify(classifier: SectorClassifier, **fields: Any) -> Classification:
    fields.setdefault("title", "")
    fields.setdefault("text", "")
    fields.setdefault("language", "en")
    return classifier.classify(**fields)


def test_public_surface() -> None:
    assert set(sectors_module.__all__) == {
        "BODY_POINTS", "DOMINANCE", "HS_HEADINGS", "SHORT_BODY_WORDS", "THRESHOLD", "TITLE_POINTS",
        "Classification", "SectorClassifier",
    }  # fmt: skip


# -- the labelled table ----------------------------------------------------------------------


@dataclass
class Score:
    correct: int = 0
    returned: int = 0
    found: int = 0
    expected: int = 0

    def add(self, other: Score) -> None:
        self.correct += other.correct
        self.returned += other.returned
        self.found += other.found
        self.expected += other.expected

    @property
    def precision(self) -> float:
        return self.correct / self.returned if self.returned else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0


def labelled() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(FIXTURES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            yield path.stem, json.loads(line)


def score_item(classifier: SectorClassifier, sectors: Sectors, item: dict[str, Any]) -> Score:
    result = classifier.classify(
        title=item["title"],
        text=item["text"],
        language=item["language"],
        hs_codes=find_hs_codes(item["title"] + "\n" + item["text"]),
        labels=item.get("labels", ()),
        lookups=item.get("lookups"),
        defaults=item.get("defaults", ()),
    )
    allowed = set(item["sectors"]) | set(item.get("acceptable", ()))
    returned = result.sectors
    return Score(
        correct=sum(code in allowed for code in returned),
        returned=len(returned),
        found=sum(
            any(code == wanted or sectors[code].parent == wanted for code in returned)
            for wanted in item["sectors"]
        ),
        expected=len(item["sectors"]),
    )


def test_labelled_table_precision_and_recall(
    classifier: SectorClassifier, sectors: Sectors, capsys: pytest.CaptureFixture[str]
) -> None:
    per_file: dict[str, Score] = {}
    total = Score()
    items = 0
    for name, item in labelled():
        score = score_item(classifier, sectors, item)
        per_file.setdefault(name, Score()).add(score)
        total.add(score)
        items += 1
    with capsys.disabled():
        print(f"\nsectors on {items} labelled items:")
        for name, score in sorted(per_file.items()):
            print(f"  {name:8} precision {score.precision:.2f} recall {score.recall:.2f}")
        print(f"  {'all':8} precision {total.precision:.3f} recall {total.recall:.3f}")
    assert items >= 100
    assert set(per_file) >= {"en", "de", "fr", "es", "pt", "nl", "nb", "id"}
    assert total.precision >= 0.9
    assert total.recall >= 0.9
    for name, score in per_file.items():
        assert score.precision >= 0.8 and score.recall >= 0.8, name


def test_labelled_table_uses_real_codes(sectors: Sectors) -> None:
    for _, item in labelled():
        for code in (*item["sectors"], *item.get("acceptable", ()), *item.get("defaults", ())):
            assert code in sectors, (item["id"], code)


# -- HS codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("0406", ["food.dairy"]),  # the only sub-sector of food listing chapter 04
        ("04", ["food.dairy"]),
        ("0409", ["food"]),  # honey: a heading of ch. 04 that is not dairy
        ("84", ["machinery"]),  # five machinery sub-sectors list 84: the sector
        ("87", ["automotive"]),  # automotive lists 87 itself: not agriculture.machinery
        ("8701", ["agriculture.machinery"]),  # tractors
        ("870120", ["automotive.vehicles"]),  # road tractors for semi-trailers
        ("8703", ["automotive.vehicles"]),
        ("3004", ["pharma.medicines"]),
        ("9018", ["medical"]),
        ("9027", ["electronics.instruments"]),
        ("05", ["agriculture.livestock"]),  # no sector lists 05, one sub-sector does
        ("93", ["aerospace.defence"]),
        ("86", []),  # railway goods: no sector claims them
    ],
)
def test_hs_codes_map_through_the_crosswalk(
    classifier: SectorClassifier, code: str, expected: list[str]
) -> None:
    result = classify(classifier, hs_codes=[code])
    assert result.sectors == expected
    assert all(reason == f"HS {code}" for reason in result.reasons.values())


def test_an_hs_chapter_of_two_sectors_tags_both(classifier: SectorClassifier) -> None:
    assert set(classify(classifier, hs_codes=["16"]).sectors) == {
        "food.meat",
        "fisheries.processing",
    }


def test_hs_headings_name_real_sectors(sectors: Sectors) -> None:
    for code, sector in HS_HEADINGS.items():
        assert len(code) in (4, 6) and code.isdigit(), code
        assert sector in sectors, (code, sector)


def test_bad_hs_codes_are_ignored(classifier: SectorClassifier) -> None:
    assert classify(classifier, hs_codes=["", "x1", "7", "9999", "7701"]).sectors == []


# -- labels, lookups and defaults ------------------------------------------------------------


def test_labels_resolve_through_lookups_first(classifier: SectorClassifier) -> None:
    result = classify(
        classifier,
        labels=["AGRI-FOOD & Drink", "Misc."],
        lookups={"Agri-food & drink": ["food"], "misc.": []},
    )
    assert result.sectors == ["food"]
    assert result.unknown_labels == []  # "Misc." is known to carry no sector
    assert result.reasons["food"] == "lookup 'AGRI-FOOD & Drink'"


def test_labels_resolve_as_sector_names_in_any_language(classifier: SectorClassifier) -> None:
    result = classify(classifier, language="en", labels=["Produits laitiers", "Landtechnik"])
    assert set(result.sectors) == {"food.dairy", "agriculture.machinery"}
    assert result.reasons["food.dairy"] == "label 'Produits laitiers'"


def test_a_label_that_is_a_whole_keyword_resolves(classifier: SectorClassifier) -> None:
    result = classify(classifier, language="de", labels=["Agrar", "Käse"])
    assert set(result.sectors) == {"agriculture", "food.dairy"}
    assert result.reasons["agriculture"] == "label 'Agrar'"


def test_unknown_labels_are_reported_once(classifier: SectorClassifier) -> None:
    result = classify(
        classifier,
        labels=["Sonstiges", "Dairy", "Sonstiges", "Pet"],  # "Pet" is neither PET nor pets
        lookups={"Other": ["no.such-code"]},
    )
    assert result.sectors == ["food.dairy"]
    assert result.unknown_labels == ["Sonstiges", "Pet"]


def test_a_lookup_to_unknown_codes_leaves_the_label_unknown(classifier: SectorClassifier) -> None:
    result = classify(classifier, labels=["Other"], lookups={"other": ["no.such-code"]})
    assert result.sectors == []
    assert result.unknown_labels == ["Other"]


def test_defaults_always_apply_but_yield_to_their_sub_sectors(
    classifier: SectorClassifier,
) -> None:
    plain = classify(classifier, title="Spring meeting of the trade", defaults=["food"])
    assert plain.sectors == ["food"]
    assert plain.reasons == {"food": "source default"}
    cheese = classify(classifier, title="Cheese days", defaults=["food", "no-such-sector"])
    assert cheese.sectors == ["food.dairy"]


# -- keywords ---------------------------------------------------------------------------------

LONG_FILLER = (
    "The organisers expect more than five hundred exhibitors from forty countries and a "
    "programme of talks, guided tours and networking receptions over three days. "
) * 3


def test_a_title_mention_tags(classifier: SectorClassifier) -> None:
    result = classify(classifier, title="International dairy exhibition", text=LONG_FILLER)
    assert result.sectors == ["food.dairy"]
    assert result.reasons["food.dairy"] == "keyword 'dairy'"


def test_one_weak_mention_in_a_long_body_does_not_tag(classifier: SectorClassifier) -> None:
    text = LONG_FILLER + "Cheese will be served at the evening reception. " + LONG_FILLER
    assert classify(classifier, title="Annual members meeting", text=text).sectors == []
    twice = text + "A cheese tasting closes the day."
    assert classify(classifier, title="Annual members meeting", text=twice).sectors == [
        "food.dairy"
    ]


def test_one_mention_tags_a_short_entry(classifier: SectorClassifier) -> None:
    result = classify(classifier, title="Spring fair", text="Meet the cheese makers of Bavaria.")
    assert result.sectors == ["food.dairy"]


def test_generic_trade_fair_words_tag_nothing(classifier: SectorClassifier) -> None:
    text = (
        "The international trade fair and exhibition for exporters and SMEs. Exhibitors can book "
        "stand space and stand construction, and receive export financing advice, grants and "
        "consultancy from our advisers. Students and trainees pay a reduced ticket price. The "
        "venue is reached by public transport from the airport; partner hotels offer reduced "
        "rates and accommodation. Opening hours 9 to 18 o'clock; take into account that "
        "visitors can register online. Learn more about the business matchmaking programme."
    )
    for language in ("en", "de", "fr"):
        assert (
            classify(classifier, title="Trade fair 2026", text=text, language=language).sectors
            == []
        )


@pytest.mark.parametrize(
    ("language", "title", "text"),
    [
        ("de", "Messe 2026", "Geöffnet von 9 bis 18 Uhr in Halle 4."),  # not watches
        ("nb", "Messe 2026", "Møt oss og lær mer om messen."),  # not fashion, not leather
        ("nb", "Forbud mot mikroplast", "Gjelder fra 2027."),  # 'mot' is not 'mote'
        ("fr", "Salon 2026", "Le salon montre que les exposants, mais aussi les visiteurs."),
        ("fr", "Aide régionale", "Le mode de paiement et le conseil régional."),
        ("es", "Feria 2026", "¡Te esperamos en las jornadas en torno a la exportación!"),
        ("pt", "Feira 2026", "O ministério publicou a portaria com prazos de 12 meses."),
        ("nl", "Beurs 2026", "Een blik op het programma: zorg dat u op tijd bent."),
        ("id", "Pameran 2026", "Tiga buah panggung; harga emas naik. Permen Nomor 5."),
        ("en", "Guarantee", "You can take into account the costs it bears. Seed funding."),
    ],
)
def test_false_friends_and_overstemming_do_not_tag(
    classifier: SectorClassifier, language: str, title: str, text: str
) -> None:
    assert classify(classifier, title=title, text=text, language=language).sectors == []


@pytest.mark.parametrize(
    ("language", "title", "expected"),
    [
        ("en", "New REACH duties for importers", "chemicals"),  # acronyms match case-sensitively
        ("en", "New rules for IT security providers", "ict"),
        ("fr", "Salon du maïs", "agriculture.crops"),  # accents kept on short words
        ("nb", "Møte om fôr", "agriculture.livestock"),
        ("es", "Feria del té y el café", "food.beverages"),
        ("de", "Fachmesse für Milchprodukte und Käse", "food.dairy"),
        ("de", "Tage der Milchwirtschaft", "food.dairy"),  # 'Milch' opens the compound
        ("nl", "Zuivelbeurs", "food.dairy"),
        ("pt", "Feira de laticínios", "food.dairy"),
        ("id", "Pameran produk susu", "food.dairy"),
        ("id", "Pameran pengemasan", "packaging"),  # affixed form of 'kemasan'
    ],
)
def test_keywords_in_every_language(
    classifier: SectorClassifier, language: str, title: str, expected: str
) -> None:
    assert classify(classifier, title=title, language=language).sectors == [expected]


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "How to reach new markets"),  # 'reach' is not REACH
        ("en", "It is time to export"),  # 'it' is not IT
        ("de", "Schweinezucht im Norden"),  # 'Schwein' does not end with the keyword 'Wein'
    ],
)
def test_case_and_compounds_do_not_overmatch(
    classifier: SectorClassifier, language: str, title: str
) -> None:
    assert "chemicals" not in classify(classifier, title=title, language=language).sectors
    assert "ict" not in classify(classifier, title=title, language=language).sectors
    assert "food.wine-spirits" not in classify(classifier, title=title, language=language).sectors


def test_english_keywords_count_in_other_languages(classifier: SectorClassifier) -> None:
    result = classify(classifier, title="Fachmesse: Bread & Bakery", language="de")
    assert result.sectors == ["food.bakery-confectionery"]


def test_the_longest_keyword_wins(classifier: SectorClassifier) -> None:
    result = classify(classifier, title="Dairy equipment and food processing equipment")
    assert result.sectors == ["machinery.food-processing"]  # not food.dairy, not food


def test_three_sub_sectors_stand_for_their_sector(classifier: SectorClassifier) -> None:
    result = classify(classifier, title="Trade fair", text="Cheese, wine and bread from Europe.")
    assert result.sectors == ["food"]
    assert result.reasons["food"].startswith("sub-sectors ")


def test_hs_evidence_raises_the_bar_for_other_families(classifier: SectorClassifier) -> None:
    text = LONG_FILLER + "Labels must be printed on the packaging. " + LONG_FILLER
    text += "The packaging must be recyclable."
    without = classify(classifier, title="Labelling of cheese", text=text)
    assert set(without.sectors) == {"food.dairy", "packaging"}
    with_hs = classify(classifier, title="Labelling of cheese", text=text, hs_codes=["0406"])
    assert with_hs.sectors == ["food.dairy"]


def test_a_side_remark_does_not_tag_a_second_family(classifier: SectorClassifier) -> None:
    text = (
        "The Ministry of Agriculture sets new rules for imported cheese. Cheese made from raw "
        "milk must be matured for 60 days, and every cheese consignment needs a certificate. "
        "Butter and yoghurt are not covered. The Ministry of Agriculture will publish the list "
        "of approved dairy plants; the milk must come from registered herds. " + LONG_FILLER
    )
    assert classify(classifier, title="Import rules", text=text).sectors == ["food.dairy"]


def test_words_in_capitals_only_match_themselves(classifier: SectorClassifier) -> None:
    text = "SERV extends its cover for exports to Brazil. " + LONG_FILLER
    assert classify(classifier, title="SERV news", text=text, language="de").sectors == []
    assert classify(classifier, title="FISHERIES AND SEAFOOD FAIR").sectors == ["fisheries"]


def test_english_plurals_in_ies(classifier: SectorClassifier) -> None:
    assert classify(classifier, title="Import list for fishery products").sectors == ["fisheries"]


def test_compounds_match_at_their_start_only(classifier: SectorClassifier) -> None:
    assert classify(classifier, title="Milchwirtschaftstag", language="de").sectors == [
        "food.dairy"
    ]
    # "Baumaschinen" is a keyword of its own; "-maschinen" alone must not add machinery
    assert classify(classifier, title="Baumaschinenmesse", language="de").sectors == [
        "construction.machinery"
    ]


@pytest.mark.parametrize("language", [None, "xx", "EN", "pt-BR", "no", "nb_NO", 7])
def test_any_language_code_is_accepted(classifier: SectorClassifier, language: object) -> None:
    result = classify(classifier, title="Dairy fair", language=language)
    assert result.sectors == ["food.dairy"]


def test_norwegian_and_brazilian_codes_use_their_keywords(classifier: SectorClassifier) -> None:
    assert classify(classifier, title="Meierimesse", language="no").sectors == ["food.dairy"]
    assert classify(classifier, title="Feira de calçado", language="pt-BR").sectors == [
        "textiles.footwear"
    ]


# -- properties -------------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "cheese",
        "Käse",
        "HS",
        "0401",
        "REACH",
        "fôr",
        "mais",
        "Milchprodukte",
        "wine",
        "IT",
        "banken",
        "pengemasan",
        "food",
        "Schwein",
        "d'avocats",
        "ﬁ",
        "½",
        "İstanbul",
        " ",
        "\n",
    ]
)
TEXT = st.text(max_size=200) | st.lists(WORDS, max_size=30).map(" ".join)
CODES = st.sampled_from(["food", "food.dairy", "ict", "nope", "", "0401"])


@settings(max_examples=200, deadline=None)
@given(
    title=TEXT,
    text=TEXT,
    language=st.sampled_from([None, "en", "de", "fr", "es", "pt", "nl", "nb", "id", "zz"]),
    hs_codes=st.lists(st.sampled_from(["0401", "84", "8701", "x", "", "9999"]), max_size=3),
    labels=st.lists(TEXT, max_size=3),
    defaults=st.lists(CODES, max_size=3),
)
def test_never_raises_and_returns_real_most_specific_codes(
    classifier: SectorClassifier,
    sectors: Sectors,
    title: str,
    text: str,
    language: str | None,
    hs_codes: list[str],
    labels: list[str],
    defaults: list[str],
) -> None:
    result = classifier.classify(
        title=title,
        text=text,
        language=language,
        hs_codes=hs_codes,
        labels=labels,
        lookups={"Käse": ["food.dairy"], "x": ["nope"]},
        defaults=defaults,
    )
    assert all(code in sectors for code in result.sectors)
    assert len(set(result.sectors)) == len(result.sectors)
    assert not {sectors[code].parent for code in result.sectors} & set(result.sectors)
    assert set(result.reasons) == set(result.sectors)
    assert set(result.unknown_labels) <= set(labels)


@pytest.mark.parametrize("bad", [None, 3, b"bytes", [3, None]])
def test_bad_fields_never_raise(classifier: SectorClassifier, bad: Any) -> None:
    result = classifier.classify(
        title=bad, text=bad, language=bad, hs_codes=bad, labels=bad, lookups=bad, defaults=bad
    )
    assert result.sectors == [] and result.unknown_labels == []
