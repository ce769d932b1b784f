"""What a document covers: reference day, sector and market keys (for the index and alerts)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from exportwatch.coverage import (
    expand_market,
    market_codes,
    market_keys,
    reference_day,
    sector_keys,
)
from exportwatch.model import Document, Kind, Venue
from exportwatch.search.records import make_record
from exportwatch.taxonomy import Taxonomy

PUBLISHED = datetime(2024, 2, 3, 23, 0, tzinfo=UTC)


def doc(kind: Kind, **fields: object) -> Document:
    return Document("d", kind, "t", "u", "s", **fields)  # type: ignore[arg-type]


def test_reference_day_by_kind() -> None:
    event = doc(Kind.EVENT, starts_on=date(2025, 1, 2), deadline=date(2024, 1, 1))
    assert reference_day(event) == date(2025, 1, 2)
    assert reference_day(doc(Kind.EVENT, deadline=date(2024, 1, 1))) is None
    finance = doc(Kind.FINANCE, deadline=date(2024, 5, 6), published_at=PUBLISHED)
    assert reference_day(finance) == date(2024, 5, 6)
    assert reference_day(doc(Kind.REGULATION, published_at=PUBLISHED)) == date(2024, 2, 3)


def test_reference_day_is_the_index_window_start(taxonomy: Taxonomy) -> None:
    for document in [
        doc(Kind.EVENT, starts_on=date(2025, 1, 2)),
        doc(Kind.FINANCE, published_at=PUBLISHED),
        doc(Kind.REGULATION, deadline=date(2023, 3, 3), published_at=PUBLISHED),
        doc(Kind.REGULATION),
    ]:
        assert reference_day(document) == make_record(document, taxonomy).window_start


def test_sector_keys_add_ancestors_and_keep_unknown_codes(taxonomy: Taxonomy) -> None:
    document = doc(Kind.EVENT, sectors=["food.dairy", "mystery", "food"])
    assert sector_keys(document, taxonomy) == ("food.dairy", "mystery", "food")


def test_market_codes_include_the_venue_once() -> None:
    document = doc(Kind.EVENT, countries=["DE", "EU"], venue=Venue(country="DE"))
    assert market_codes(document) == ["DE", "EU"]


def test_market_keys_expand_groupings_on_the_day(taxonomy: Taxonomy) -> None:
    document = doc(Kind.EVENT, countries=["EU", "XX"])
    in_2019 = market_keys(document, taxonomy, on=date(2019, 6, 1))
    in_2021 = market_keys(document, taxonomy, on=date(2021, 6, 1))
    assert "GB" in in_2019 and "GB" not in in_2021
    assert in_2021[-1] == "XX" and len(in_2021) == 28


def test_finance_market_keys_include_eligible_countries(taxonomy: Taxonomy) -> None:
    document = doc(Kind.FINANCE, countries=["BR"], eligible_countries=["NO"])
    assert market_keys(document, taxonomy, on=None) == ("BR", "NO")


def test_expand_market(taxonomy: Taxonomy) -> None:
    assert expand_market("DACH", taxonomy.markets, date(2025, 1, 1)) == {"DE", "AT", "CH"}
    assert expand_market("FR", taxonomy.markets, None) == {"FR"}
    assert expand_market("nonsense", taxonomy.markets, None) == {"nonsense"}
