from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl

import pytest

from exportwatch.model import Kind
from exportwatch.search import QueryError, Sort
from exportwatch.web.search_params import SearchParams, query_from_params, search_params


def test_query_from_params_splits_lists_and_applies_defaults() -> None:
    params = search_params(
        q="dairy", sector=["food.dairy,machinery", " "], kind=["Event"], date_from="2027-01-02"
    )
    query = query_from_params(params, sort=Sort.SOONEST, upcoming=True)
    assert query.sectors == ("food.dairy", "machinery")
    assert query.kinds == (Kind.EVENT,)
    assert query.date_from == date(2027, 1, 2)
    assert (query.sort, query.upcoming, query.page) == (Sort.SOONEST, True, 1)
    explicit = query_from_params(SearchParams(sort="date", upcoming="no"), upcoming=True)
    assert (explicit.sort, explicit.upcoming) == (Sort.DATE, False)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        (SearchParams(date_to="2027-13-01"), "to"),
        (SearchParams(kind=("fair",)), "kind"),
        (SearchParams(sort="newest"), "sort"),
        (SearchParams(upcoming="maybe"), "upcoming"),
        (SearchParams(page="0"), "page"),
        (SearchParams(page="two"), "page"),
        (SearchParams(page="²"), "page"),
    ],
)
def test_bad_values_name_their_parameter(params: SearchParams, field: str) -> None:
    with pytest.raises(QueryError) as raised:
        query_from_params(params)
    assert raised.value.field == field


def test_query_string_round_trips_and_applies_changes() -> None:
    params = SearchParams(q="wine fair", market=("DE", "FR"), date_from="2027-01-01", page="3")
    pairs = parse_qsl(params.to_query_string(page="4", sort="date"))
    assert pairs == [
        ("q", "wine fair"),
        ("market", "DE"),
        ("market", "FR"),
        ("from", "2027-01-01"),
        ("sort", "date"),
        ("page", "4"),
    ]
    assert parse_qsl(params.to_query_string(market=())) == [
        ("q", "wine fair"),
        ("from", "2027-01-01"),
        ("page", "3"),
    ]
