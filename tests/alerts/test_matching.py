"""The matcher follows the matching semantics exactly, and says why a document matched.

A hand-made table (tests/fixtures/alerts/matching.json) covers each rule; a property-based test
compares the inverted-index matcher with a plain reading of the semantics over random
subscriptions and documents drawn from the real taxonomy.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import exportwatch.alerts
from exportwatch.alerts import (
    Match,
    Matcher,
    Reason,
    decode_reasons,
    describe,
    encode_reasons,
)
from exportwatch.analysis import query_stems, stem, stem_text, tokenize
from exportwatch.model import Document, Frequency, Kind, Subscription, Venue
from exportwatch.taxonomy import Taxonomy
from tests.conftest import FIXTURES

TABLE = json.loads((FIXTURES / "alerts" / "matching.json").read_text(encoding="utf-8"))
TODAY = date(2025, 6, 1)


def subscription(data: dict[str, Any]) -> Subscription:
    fields = {key: value for key, value in data.items() if key != "note"}
    fields["kinds"] = [Kind(kind) for kind in fields.get("kinds", [])]
    return Subscription(**fields)


SUBSCRIPTIONS = [subscription(data) for data in TABLE["subscriptions"]]
DOCUMENTS = {data["id"]: data for data in TABLE["documents"]}


@pytest.fixture(scope="module")
def matcher(taxonomy: Taxonomy) -> Matcher:
    return Matcher.build(SUBSCRIPTIONS, taxonomy)


# The table


@pytest.mark.parametrize("doc_id", list(DOCUMENTS))
def test_table(doc_id: str, matcher: Matcher, taxonomy: Taxonomy) -> None:
    data = DOCUMENTS[doc_id]
    document = Document.from_json(data)
    found = {str(m.subscription_id): describe(m, taxonomy, "en") for m in matcher.match(document)}
    assert found == data["expect"], data["note"]


def test_matches_carry_ids_and_come_in_subscription_order(matcher: Matcher) -> None:
    matches = matcher.match(Document.from_json(DOCUMENTS["anuga-2025"]))
    assert [m.subscription_id for m in matches] == [1, 2, 3, 6, 9, 11]
    assert [m.subscriber_id for m in matches] == [101, 102, 103, 106, 109, 111]
    assert {m.document_id for m in matches} == {"anuga-2025"}


def test_reasons_name_codes_not_words(matcher: Matcher) -> None:
    matches = matcher.match(Document.from_json(DOCUMENTS["anuga-2025"]))
    first = matches[0]
    assert first.reasons == [Reason("sector", "food"), Reason("market", "DE", "EU")]
    assert matches[1].reasons == [Reason("sector", "food.dairy", "food"), Reason("market", "DE")]


def test_every_kind_matches_the_empty_subscription(taxonomy: Taxonomy) -> None:
    matcher = Matcher([Subscription(1, 1)], taxonomy)
    for kind in Kind:
        document = Document("d", kind, "t", "u", "s")
        assert [m.reasons for m in matcher.match(document)] == [[]]


def test_an_event_without_any_market_misses_a_market_condition(taxonomy: Taxonomy) -> None:
    matcher = Matcher([Subscription(1, 1, markets=["DE"])], taxonomy)
    assert matcher.match(Document("d", Kind.EVENT, "t", "u", "s")) == []


def test_unknown_codes_match_only_themselves(taxonomy: Taxonomy) -> None:
    subs = [Subscription(1, 1, sectors=["space-tourism"], markets=["XX"])]
    matcher = Matcher(subs, taxonomy)
    same = Document("d", Kind.EVENT, "t", "u", "s", countries=["XX"], sectors=["space-tourism"])
    other = Document("e", Kind.EVENT, "t", "u", "s", countries=["XY"], sectors=["space-tourism"])
    assert [m.subscription_id for m in matcher.match(same)] == [1]
    assert matcher.match(other) == []


def test_undated_document_uses_today_for_memberships(taxonomy: Taxonomy) -> None:
    matcher = Matcher([Subscription(1, 1, markets=["EU"])], taxonomy)
    fair = Document("d", Kind.EVENT, "t", "u", "s", countries=["GB"])
    assert [m.subscription_id for m in matcher.match(fair, today=date(2019, 1, 1))] == [1]
    assert matcher.match(fair, today=date(2021, 1, 1)) == []


def test_croatia_joins_the_eu_in_2013(taxonomy: Taxonomy) -> None:
    matcher = Matcher([Subscription(1, 1, markets=["HR"])], taxonomy)
    measure = Document("d", Kind.REGULATION, "t", "u", "s", countries=["EU"])
    measure.deadline = date(2013, 6, 30)
    assert matcher.match(measure) == []
    measure.deadline = date(2013, 7, 1)
    assert [m.reasons for m in matcher.match(measure)] == [[Reason("market", "HR", "EU")]]


def test_groupings_on_both_sides_meet_through_a_shared_member(taxonomy: Taxonomy) -> None:
    matcher = Matcher([Subscription(1, 1, markets=["EFTA"])], taxonomy)
    measure = Document("d", Kind.REGULATION, "t", "u", "s", countries=["EEA"])
    measure.deadline = TODAY
    assert [m.reasons for m in matcher.match(measure)] == [[Reason("market", "EEA", "EFTA")]]
    assert describe(matcher.match(measure)[0], taxonomy, "en") == (
        "Market: European Economic Area (EFTA)"
    )


def test_keywords_fold_and_stem_in_the_documents_language(taxonomy: Taxonomy) -> None:
    subs = [
        Subscription(1, 1, keywords=["Getränke"]),
        Subscription(2, 1, keywords=["MÜSLI"]),
        Subscription(3, 1, keywords=["vins"]),
        Subscription(4, 1, keywords=["!!!"]),  # no word: never matches
    ]
    matcher = Matcher(subs, taxonomy)
    german = Document("d", Kind.EVENT, "Messe", "u", "s", body="Getränken und Musli", language="de")
    french = Document("f", Kind.EVENT, "Salon du vin", "u", "s", language="fr")
    assert [m.subscription_id for m in matcher.match(german)] == [1, 2]
    assert [m.subscription_id for m in matcher.match(french)] == [3]


def test_a_phrase_stays_within_one_field(taxonomy: Taxonomy) -> None:
    matcher = Matcher([Subscription(1, 1, keywords=["organic wine"])], taxonomy)
    split = Document("d", Kind.EVENT, "Organic", "u", "s", summary="Wine fair", language="en")
    joined = Document("e", Kind.EVENT, "Fair", "u", "s", body="Organic wines", language="en")
    assert matcher.match(split) == []
    assert [m.reasons for m in matcher.match(joined)] == [[Reason("keyword", "organic wine")]]


def test_keyword_in_a_language_outside_the_query_languages(taxonomy: Taxonomy) -> None:
    matcher = Matcher([Subscription(1, 1, keywords=["formaggi"])], taxonomy)
    italian = Document("d", Kind.EVENT, "Fiera del formaggio", "u", "s", language="it")
    assert stem("formaggi", "it") == stem("formaggio", "it")  # the case needs Italian stemming
    assert [m.subscription_id for m in matcher.match(italian)] == [1]


def test_subscriptions_without_ids_or_with_unknown_kinds_are_reported(
    taxonomy: Taxonomy,
) -> None:
    bad_kind = Subscription(2, 1, kinds=["webinar"])  # type: ignore[list-item]
    mixed = Subscription(3, 1, kinds=["webinar", Kind.EVENT])  # type: ignore[list-item]
    matcher = Matcher([Subscription(None, 1), bad_kind, mixed], taxonomy)
    assert len(matcher) == 1
    assert len(matcher.problems) == 3
    document = Document("d", Kind.EVENT, "t", "u", "s")
    assert [m.subscription_id for m in matcher.match(document)] == [3]


# Reasons


def test_describe_in_the_subscribers_language(matcher: Matcher, taxonomy: Taxonomy) -> None:
    match = matcher.match(Document.from_json(DOCUMENTS["anuga-2025"]))[0]
    assert (
        describe(match, taxonomy, "de")
        == "Sektor: Lebensmittel & Getränke · Markt: Deutschland (EU)"
    )
    assert describe(match.reasons, taxonomy, "fr").startswith("Secteur: ")
    assert describe(match, taxonomy, "xx") == describe(match, taxonomy, "en")


def test_describe_the_stored_form(taxonomy: Taxonomy) -> None:
    match = Match(1, 2, "d", [Reason("sector", "food"), Reason("market", "DE", "EU")])
    assert decode_reasons(match.reason) == match.reasons
    assert (
        describe(match.reason, taxonomy, "en") == "Sector: Food & beverages · Market: Germany (EU)"
    )
    assert describe("written by hand", taxonomy, "en") == "written by hand"
    assert describe("[]", taxonomy, "en") == ""


def test_bloc_acronyms_unless_the_name_says_it(taxonomy: Taxonomy) -> None:
    reasons = [Reason("market", "BE", "BENELUX"), Reason("home_country", "AR", "MERCOSUR")]
    assert describe(reasons, taxonomy, "en") == (
        "Market: Belgium (Benelux) · Applicants from: Argentina (MERCOSUR)"
    )


def test_unknown_codes_are_shown_as_they_are(taxonomy: Taxonomy) -> None:
    reasons = [Reason("sector", "space"), Reason("market", "XX", "NOPE"), Reason("language", "qq")]
    assert describe(reasons, taxonomy, "en") == "Sector: space · Market: XX (NOPE) · Language: qq"


@pytest.mark.parametrize(
    "text", ["", "{", "{}", '[["nope","x"]]', "[[1,2]]", '[["sector"]]', '[["sector","x",5]]']
)
def test_unreadable_stored_reasons_decode_to_nothing(text: str) -> None:
    assert decode_reasons(text) == []


def test_encode_is_compact() -> None:
    assert encode_reasons([Reason("sector", "food"), Reason("market", "DE", "EU")]) == (
        '[["sector","food"],["market","DE","EU"]]'
    )


def test_public_surface() -> None:
    names = exportwatch.alerts.__all__
    assert names == sorted(names)
    assert all(getattr(exportwatch.alerts, name) is not None for name in names)


# Against a plain reading of the semantics


def reference_day(document: Document) -> date | None:
    if document.kind is Kind.EVENT:
        return document.starts_on
    return document.deadline or (document.published_at.date() if document.published_at else None)


def expand(codes: list[str], taxonomy: Taxonomy, on: date) -> set[str]:
    countries: set[str] = set()
    for code in codes:
        if code in taxonomy.markets:
            countries |= taxonomy.markets.members(code, on=on)
        else:
            countries.add(code)
    return countries


def related_sectors(one: str, other: str, taxonomy: Taxonomy) -> bool:
    if one == other:
        return True
    if one not in taxonomy.sectors or other not in taxonomy.sectors:
        return False
    sectors = taxonomy.sectors
    return one in sectors.ancestors(other) or other in sectors.ancestors(one)


def keyword_occurs(keyword: str, document: Document) -> bool:
    tokens = tokenize(keyword)
    if not tokens:
        return False
    variants = [query_stems(token) | {stem(token, document.language)} for token in tokens]
    for text in (document.title, document.summary, document.body):
        stems = stem_text([text], document.language).split()
        for start in range(len(stems) - len(tokens) + 1):
            if all(stems[start + i] in variants[i] for i in range(len(tokens))):
                return True
    return False


def reference_matches(sub: Subscription, document: Document, taxonomy: Taxonomy) -> bool:
    on = reference_day(document) or TODAY
    if sub.kinds and document.kind not in sub.kinds:
        return False
    if (
        sub.sectors
        and document.sectors
        and not any(related_sectors(s, d, taxonomy) for s in sub.sectors for d in document.sectors)
    ):
        return False
    if document.kind is Kind.FINANCE:
        if (
            sub.home_country
            and document.eligible_countries
            and sub.home_country not in expand(document.eligible_countries, taxonomy, on)
        ):
            return False
    elif sub.markets:
        tagged = list(document.countries)
        if document.venue and document.venue.country:
            tagged.append(document.venue.country)
        same_code = set(sub.markets) & set(tagged)
        if not same_code and not expand(sub.markets, taxonomy, on) & expand(tagged, taxonomy, on):
            return False
    if sub.keywords and not any(keyword_occurs(k, document) for k in sub.keywords):
        return False
    return not sub.languages or document.language in sub.languages


def expected_reason_kinds(sub: Subscription, document: Document) -> set[str]:
    finance = document.kind is Kind.FINANCE
    wanted = {
        "sector": bool(sub.sectors),
        "market": bool(sub.markets) and not finance,
        "home_country": bool(sub.home_country) and finance,
        "keyword": bool(sub.keywords),
        "kind": bool(sub.kinds),
        "language": bool(sub.languages),
    }
    return {kind for kind, applies in wanted.items() if applies}


SECTORS = ["food", "food.dairy", "food.wine-spirits", "food.meat", "machinery", "cosmetics"]
SECTORS += ["machinery.automation", "ict", "unknown-sector"]
MARKETS = ["DE", "FR", "GB", "HR", "NO", "CH", "SG", "BR", "VE", "US", "TR", "XX"]
MARKETS += ["EU", "EEA", "EFTA", "ASEAN", "MERCOSUR", "DACH", "NAFTA", "M49-150", "G7"]
WORDS = {
    "de": ["Getränke", "Getränken", "Messe", "Lebensmittel", "Bio", "Maschinen", "Maschine"],
    "fr": ["vins", "vin", "biologiques", "biologique", "salon", "machines", "règlement"],
    "en": ["wine", "wines", "organic", "fair", "machine", "machinery", "dairy"],
    "it": ["formaggio", "formaggi", "vino", "fiera"],
}
ALL_WORDS = sorted({word for words in WORDS.values() for word in words})
LANGUAGES = ["de", "fr", "en", "it"]
DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))


def lists(values: list[str], max_size: int = 3) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), max_size=max_size, unique=True)


@st.composite
def subscriptions(draw: st.DrawFn) -> list[Subscription]:
    keyword = st.lists(st.sampled_from(ALL_WORDS), min_size=1, max_size=2).map(" ".join)
    keywords = st.lists(keyword, max_size=2)
    subs = []
    for number in range(draw(st.integers(1, 25))):
        subs.append(
            Subscription(
                id=number + 1,
                subscriber_id=draw(st.integers(1, 5)),
                sectors=draw(lists(SECTORS)),
                markets=draw(lists(MARKETS)),
                home_country=draw(st.none() | st.sampled_from(MARKETS[:11])),
                kinds=draw(st.lists(st.sampled_from(list(Kind)), max_size=2, unique=True)),
                keywords=draw(keywords) if draw(st.booleans()) else [],
                languages=draw(lists(LANGUAGES, max_size=2)),
                frequency=Frequency.DAILY,
            )
        )
    return subs


@st.composite
def documents(draw: st.DrawFn) -> Document:
    kind = draw(st.sampled_from(list(Kind)))
    language = draw(st.none() | st.sampled_from(LANGUAGES))
    words = WORDS.get(language or "en", ALL_WORDS)
    text = st.lists(st.sampled_from(words), max_size=6).map(" ".join)
    venue = draw(st.none() | st.sampled_from(MARKETS).map(lambda code: Venue(country=code)))
    published = draw(st.none() | DAYS.map(lambda day: datetime(day.year, day.month, day.day)))
    return Document(
        id="doc",
        kind=kind,
        title=draw(text),
        url="https://example.org/doc",
        source_id="source",
        summary=draw(text),
        body=draw(text),
        language=language,
        published_at=published.replace(tzinfo=UTC) if published else None,
        starts_on=draw(st.none() | DAYS),
        deadline=draw(st.none() | DAYS),
        venue=venue,
        countries=draw(lists(MARKETS)),
        eligible_countries=draw(lists(MARKETS, max_size=2)),
        sectors=draw(lists(SECTORS)),
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subs=subscriptions(), docs=st.lists(documents(), min_size=1, max_size=4))
def test_the_index_matches_the_plain_semantics(
    subs: list[Subscription], docs: list[Document], taxonomy: Taxonomy
) -> None:
    matcher = Matcher(subs, taxonomy)
    for document in docs:
        found = {m.subscription_id: m for m in matcher.match(document, today=TODAY)}
        expected = {s.id for s in subs if reference_matches(s, document, taxonomy)}
        assert set(found) == expected
        for sub in subs:
            if sub.id in found:
                reasons = found[sub.id].reasons
                assert {reason.kind for reason in reasons} == expected_reason_kinds(sub, document)
                assert all(describe([reason], taxonomy, "de") for reason in reasons)
