"""One behavioural suite for every search backend: same corpus, same queries, same answers.

Subclass `IndexBehaviour` and provide a fixture `index` returning a fresh, empty `Index`. A
difference a backend cannot close is an explicit `pytest.mark.skip(reason=...)` in its
subclass, so the list of differences is visible in code. Expected ids are worked out by hand
from `tests/fixtures/search/corpus.jsonl` (see the comments on each test).
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from exportwatch.model import Document, Kind
from exportwatch.search import Index, Query, QueryError, Results, Sort

TODAY = date(2026, 11, 23)  # the corpus's "now": fixed, so expectations never age

DATE_ORDER = [  # published_at descending, ties by id
    "e-mission-vietnam", "r-tbt-eu-dairy", "e-tei", "f-eu-agrifood", "e-fromage",
    "r-gcc-cosmetics", "r-sps-bra", "e-vinho", "r-verpackung", "e-anuga", "r-nl-mdr",
    "e-biofach", "f-bpifrance", "e-hannover", "f-cesce", "r-us-tariff", "f-ukef", "e-medica",
    "e-gitex", "f-hermes", "e-sial", "e-norfishing", "r-hostile", "r-eu-2019-labels",
]  # fmt: skip
UPCOMING_SOONEST = [  # still open on TODAY, by start/deadline/entry into force; undated last
    "f-cesce", "r-sps-bra", "f-bpifrance", "r-verpackung", "r-tbt-eu-dairy", "f-eu-agrifood",
    "e-biofach", "e-fromage", "r-gcc-cosmetics", "e-mission-vietnam", "e-hannover",
    "r-nl-mdr", "e-vinho", "e-anuga", "e-gitex", "e-tei", "e-medica",
    "f-hermes", "f-ukef", "r-hostile",
]  # fmt: skip
IN_GERMANY = {  # venue or market DE, eligible DE, or an EU-level item (EU expanded by date)
    "e-anuga", "e-biofach", "e-hannover", "e-medica", "f-hermes", "f-eu-agrifood",
    "r-tbt-eu-dairy", "r-verpackung", "r-eu-2019-labels",
}  # fmt: skip


def ids(results: Results) -> list[str]:
    return [hit.document.id for hit in results.hits]


def found(index: Index, text: str = "", **filters: object) -> set[str]:
    query = Query(text=text, today=TODAY, size=100, **filters)  # type: ignore[arg-type]
    return set(ids(index.search(query)))


class IndexBehaviour:
    """Behaviour every backend must show; `index` is a fresh empty index per test."""

    @pytest.fixture
    def loaded(self, index: Index, corpus: list[Document]) -> Index:
        index.upsert(corpus)
        return index

    # -- writing and reading ------------------------------------------------------------------

    def test_upsert_is_idempotent_and_get_round_trips(
        self, index: Index, corpus: list[Document]
    ) -> None:
        assert index.upsert(corpus) == len(corpus)
        index.upsert(corpus)
        assert index.count() == len(corpus)
        assert index.get("e-anuga") == next(d for d in corpus if d.id == "e-anuga")
        assert index.get("no-such-id") is None

    def test_upsert_replaces_a_changed_document(self, loaded: Index) -> None:
        anuga = loaded.get("e-anuga")
        assert anuga is not None
        loaded.upsert([dataclasses.replace(anuga, title="Anuga 2027 – Zukunft schmecken")])
        assert loaded.count() == 24
        assert found(loaded, "zukunft") == {"e-anuga"}
        assert found(loaded, "taste") == set()

    def test_delete_removes_and_ignores_unknown_ids(self, loaded: Index) -> None:
        loaded.delete(["e-anuga", "no-such-id"])
        assert loaded.count() == 23
        assert loaded.get("e-anuga") is None
        assert "e-anuga" not in found(loaded, "food")

    def test_rebuild_replaces_everything(self, loaded: Index, corpus: list[Document]) -> None:
        assert loaded.rebuild(corpus[:10]) == 10
        assert loaded.count() == 10
        assert found(loaded, "dairy") == {"e-anuga"}

    # -- free text ----------------------------------------------------------------------------

    def test_words_match_title_summary_and_body(self, loaded: Index) -> None:
        assert found(loaded, "dairy") == {"e-anuga", "r-tbt-eu-dairy"}

    def test_best_match_ranks_first(self, loaded: Index) -> None:
        results = loaded.search(Query(text="dairy labelling", today=TODAY))
        assert ids(results) == ["r-tbt-eu-dairy"]  # the only one with both words
        assert results.hits[0].score is not None and results.hits[0].score > 0

    def test_diacritics_are_folded_both_ways(self, loaded: Index) -> None:
        assert found(loaded, "Nurnberg") == {"e-biofach"}
        assert found(loaded, "DÜSSELDORF") == {"e-medica"}
        assert found(loaded, "pameran") == {"e-tei"}

    def test_stemming_matches_other_forms(self, loaded: Index) -> None:
        assert found(loaded, "regulations") == {"r-tbt-eu-dairy", "r-gcc-cosmetics", "r-us-tariff"}
        assert "e-biofach" in found(loaded, "Messen")  # "Messe" in German
        assert "e-fromage" in found(loaded, "fromage")  # "fromagers", "fromages" in French

    def test_phrases_need_adjacent_words(self, loaded: Index) -> None:
        assert found(loaded, '"mission to vietnam"') == {"e-mission-vietnam"}
        assert found(loaded, '"vietnam mission"') == set()
        assert found(loaded, "vietnam mission") == {"e-mission-vietnam"}

    def test_exclusions(self, loaded: Index) -> None:
        assert found(loaded, "labelling -dairy") == {"r-gcc-cosmetics", "r-eu-2019-labels"}
        assert loaded.search(Query(text="-fair", today=TODAY)).total == 21

    def test_or_between_words(self, loaded: Index) -> None:
        assert found(loaded, "cosmetics OR vinho") == {"r-gcc-cosmetics", "e-vinho"}

    def test_prefix(self, loaded: Index) -> None:
        assert found(loaded, "pestic*") == {"r-sps-bra"}

    @pytest.mark.parametrize(
        "text",
        ['"unbalanced', "OR", "-", "AND NOT NEAR(", "*", "^title:x", "a:b", "((", '""', "\\"],
    )
    def test_odd_syntax_never_errors(self, loaded: Index, text: str) -> None:
        results = loaded.search(Query(text=text, today=TODAY))
        assert results.total >= 0

    def test_highlights_mark_matches_and_escape_html(self, loaded: Index) -> None:
        hit = loaded.search(Query(text="dairy labelling", today=TODAY)).hits[0]
        assert hit.highlights["title"] == (
            "G/TBT/N/EU/1150 – <mark>Labelling</mark> of <mark>dairy</mark> products"
        )
        hostile = loaded.search(Query(text="import rules", today=TODAY))
        title = next(h for h in hostile.hits if h.document.id == "r-hostile").highlights["title"]
        assert "&lt;script&gt;" in title and "<script>" not in title
        assert "<mark>Import</mark> <mark>rules</mark>" in title

    # -- filters ------------------------------------------------------------------------------

    def test_kind_filter(self, loaded: Index) -> None:
        assert len(found(loaded, kinds=(Kind.FINANCE,))) == 5
        assert len(found(loaded, kinds=(Kind.EVENT, Kind.REGULATION))) == 19

    def test_sector_includes_sub_sectors(self, loaded: Index) -> None:
        food = found(loaded, sectors=("food",))
        assert {"e-fromage", "r-tbt-eu-dairy", "e-vinho", "e-anuga"} <= food
        assert found(loaded, sectors=("food.dairy",)) == {"e-fromage", "r-tbt-eu-dairy"}

    def test_market_country_includes_its_groupings(self, loaded: Index) -> None:
        assert found(loaded, markets=("DE",)) == IN_GERMANY
        assert found(loaded, markets=("AE",)) == {"e-gitex", "r-gcc-cosmetics"}

    def test_market_grouping_includes_its_members(self, loaded: Index) -> None:
        assert found(loaded, markets=("GCC",)) == {"e-gitex", "r-gcc-cosmetics"}
        eu = found(loaded, markets=("EU",))
        assert IN_GERMANY | {"e-sial", "e-fromage", "f-bpifrance", "f-cesce", "r-nl-mdr"} == eu

    def test_grouping_membership_is_dated(self, loaded: Index) -> None:
        # The UK left the EU on 2020-02-01: a 2019 EU rule reaches it, a 2027 one does not.
        assert found(loaded, markets=("GB",)) == {"f-ukef", "r-eu-2019-labels"}

    def test_language_and_source_filters(self, loaded: Index) -> None:
        assert found(loaded, languages=("de",)) == {"e-biofach", "f-hermes", "r-verpackung"}
        assert found(loaded, sources=("business-france",)) == {"e-sial", "e-fromage"}

    def test_date_window_overlaps_events_and_uses_deadlines(self, loaded: Index) -> None:
        february = found(loaded, date_from=date(2027, 2, 1), date_to=date(2027, 2, 28))
        assert february == {"e-biofach", "e-fromage"}
        assert found(loaded, date_from=date(2027, 2, 18), date_to=date(2027, 2, 18)) == {
            "e-biofach"
        }
        assert found(loaded, date_from=date(2027, 1, 29), date_to=date(2027, 1, 29)) == {
            "f-eu-agrifood"
        }

    def test_text_and_filters_combine(self, loaded: Index) -> None:
        assert found(loaded, "labelling", markets=("DE",)) == {
            "r-tbt-eu-dairy",
            "r-eu-2019-labels",
        }

    # -- order, paging, facets ----------------------------------------------------------------

    def test_sort_by_date(self, loaded: Index) -> None:
        results = loaded.search(Query(sort=Sort.DATE, size=100, today=TODAY))
        assert ids(results) == DATE_ORDER

    def test_no_text_relevance_falls_back_to_date(self, loaded: Index) -> None:
        assert ids(loaded.search(Query(size=100, today=TODAY))) == DATE_ORDER

    def test_upcoming_sorted_soonest_first(self, loaded: Index) -> None:
        query = Query(sort=Sort.SOONEST, upcoming=True, size=100, today=TODAY)
        assert ids(loaded.search(query)) == UPCOMING_SOONEST

    def test_pages(self, loaded: Index) -> None:
        pages = [
            loaded.search(Query(sort=Sort.DATE, page=n, size=5, today=TODAY)) for n in range(1, 7)
        ]
        assert [ids(page) for page in pages[:5]] == [DATE_ORDER[i : i + 5] for i in range(0, 24, 5)]
        assert pages[5].hits == [] and pages[5].total == 24 and pages[5].pages == 5

    def test_facets_count_the_whole_result_set(self, loaded: Index) -> None:
        facets = loaded.search(Query(size=1, today=TODAY)).facets
        counts = {name: {v.value: v.count for v in values} for name, values in facets.items()}
        assert counts["kind"] == {"event": 11, "finance": 5, "regulation": 8}
        assert counts["language"] == {
            "en": 13, "de": 3, "fr": 3, "es": 1, "id": 1, "nb": 1, "nl": 1, "pt": 1
        }  # fmt: skip
        assert counts["source"]["auma"] == 4
        assert counts["month"]["2026-12"] == 3 and counts["month"]["2027-10"] == 3
        assert counts["country"]["DE"] == len(IN_GERMANY)
        assert facets["kind"][0].value == "event"  # most frequent first

    def test_facets_follow_filters(self, loaded: Index) -> None:
        facets = loaded.search(Query(markets=("GCC",), today=TODAY)).facets
        assert {v.value: v.count for v in facets["kind"]} == {"event": 1, "regulation": 1}

    # -- bad input ----------------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            (Query(sectors=("no-such-sector",)), "sector"),
            (Query(markets=("XX",)), "market"),
            (Query(date_from=date(2027, 2, 1), date_to=date(2027, 1, 1)), "from"),
            (Query(page=0), "page"),
            (Query(size=500), "size"),
            (Query(text="x" * 501), "q"),
        ],
    )
    def test_bad_queries_name_the_field(self, loaded: Index, query: Query, field: str) -> None:
        with pytest.raises(QueryError) as caught:
            loaded.search(query)
        assert caught.value.field == field
