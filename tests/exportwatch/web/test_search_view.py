"""Turning Results into the page's view: names for codes, links that round-trip, options."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

from exportwatch.model import Document, Kind
from exportwatch.search import Results
from exportwatch.search.results import FacetValue, Hit
from exportwatch.taxonomy import Taxonomy
from exportwatch.web.labels import Labels, Option
from exportwatch.web.search_params import SearchParams
from exportwatch.web.search_view import (
    Linker,
    describe_when,
    feed_links,
    make_search_view,
    page_query,
)
from exportwatch.web.select_options import options_html


def _params() -> SearchParams:
    return SearchParams(q="dairy & milk", sector=("food",), market=("eu",), date_to="2027-12-31")


def test_linker_matches_to_query_string_exactly() -> None:
    params = _params()
    linker = Linker(params)
    assert linker.href() == "/?" + params.to_query_string(page="")
    assert linker.href(page="3") == "/?" + params.to_query_string(page="3")
    assert linker.href(sector=()) == "/?" + params.to_query_string(page="", sector=())
    assert Linker(SearchParams()).href() == "/"


def test_view_names_codes_and_builds_add_and_remove_links(taxonomy: Taxonomy) -> None:
    params = _params()
    document = Document(
        id="a/b", kind=Kind.EVENT, title="Milk <fair>", url="https://x.example",
        source_id="fairs", starts_on=date(2027, 3, 5), ends_on=date(2027, 3, 7),
        countries=["DE"], sectors=["food.dairy"],
    )  # fmt: skip
    results = Results(
        total=41,
        hits=[Hit(document, 1.0, {"title": "<mark>Milk</mark> &lt;fair&gt;"})],
        facets={
            "sector": [FacetValue("food", 41), FacetValue("food.dairy", 12)],
            "country": [FacetValue("DE", 41)],
            "month": [FacetValue("2027-03", 41)],
        },
        page=3,
        size=20,
    )
    labels = Labels(taxonomy, {"fairs": "Fairs of the world"})
    view = make_search_view(params, page_query(params), results, labels)
    sectors = {entry.label: entry for entry in view.facets[1].entries}
    assert sectors["Food & beverages"].active
    assert parse_qs(urlsplit(sectors["Food & beverages"].href).query).get("sector") is None
    assert parse_qs(urlsplit(sectors["Dairy"].href).query)["sector"] == ["food", "food.dairy"]
    month = view.facets[5].entries[0]
    assert month.label == "March 2027"
    assert parse_qs(urlsplit(month.href).query)["to"] == ["2027-03-31"]
    hit = view.hits[0]
    assert (hit.href, str(hit.title)) == ("/documents/a%2Fb", "<mark>Milk</mark> &lt;fair&gt;")
    assert (hit.when, hit.where, hit.source) == (
        "5 – 7 March 2027",
        "Germany",
        "Fairs of the world",
    )
    assert [f.label for f in view.active] == [
        "Food & beverages",
        "European Union",
        "Until 2027-12-31",
    ]
    assert (view.first, view.last, view.pagination.pages) == (41, 41, 3)


def test_default_query_is_upcoming_and_soonest_without_words() -> None:
    empty = page_query(SearchParams())
    assert (empty.upcoming, empty.sort.value, empty.size) == (True, "soonest", 20)
    worded = page_query(SearchParams(q="milk", upcoming="false"))
    assert (worded.upcoming, worded.sort.value) == (False, "relevance")


def test_feed_links_carry_the_search_and_subscribe_uses_keywords() -> None:
    links = feed_links(_params())
    assert parse_qs(urlsplit(links.subscribe).query) == {
        "keywords": ["dairy & milk"], "sector": ["food"], "market": ["eu"],
    }  # fmt: skip
    assert parse_qs(urlsplit(links.csv).query)["upcoming"] == ["true"]
    assert links.ics.startswith("/feeds/events.ics?") and "page" not in links.atom


def test_describe_when_for_each_kind() -> None:
    finance = Document(id="f", kind=Kind.FINANCE, title="", url="", source_id="s",
                       deadline=date(2027, 4, 3))  # fmt: skip
    rule = Document(id="r", kind=Kind.REGULATION, title="", url="", source_id="s",
                    deadline=date(2027, 1, 2), effective_on=date(2028, 1, 1))  # fmt: skip
    assert describe_when(finance) == "Deadline 3 April 2027"
    assert describe_when(rule) == "Deadline 2 January 2027 · In force from 1 January 2028"


def test_labels_fall_back_to_the_code(taxonomy: Taxonomy) -> None:
    labels = Labels(taxonomy, {})
    assert labels.sector("nope") == "nope" and labels.market("QQ") == "QQ"
    assert labels.language("de") == "German" and labels.source("x") == "x"
    assert labels.month("2027-13") == "2027-13"
    assert any(option.value == "EU" for option in labels.market_options())


def test_options_html_escapes_and_keeps_an_unknown_choice() -> None:
    options = (Option("a", "<A>", "G"), Option("b", "B", "G"))
    html = str(options_html(options, '"><x>'))
    assert '<option value="&#34;&gt;&lt;x&gt;" selected>' in html
    assert '<optgroup label="G"><option value="a">&lt;A&gt;</option>' in html
    assert str(options_html(options, "b")).count(" selected") == 1
