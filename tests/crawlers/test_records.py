"""From a record's named values to a RawItem: item attributes, list fields, guids."""

from __future__ import annotations

from datetime import UTC, datetime

from exportwatch.crawlers.records import Extracted, Origin, capped, make_item, split_list

ORIGIN = Origin(
    "src", "https://www.example.org/data/export.json", None, datetime(2026, 3, 1, tzinfo=UTC)
)


def test_names_fill_the_item_and_the_rest_goes_to_fields() -> None:
    item = make_item(
        {
            "title": "  Fair\n  2026 ",
            "description": "Line one\nLine two",
            "link": "../fairs/2026",
            "id": "f-1",
            "language": "de-AT",
            "countries": "Korea, Republic of; Japan",
            "categories": "Food, Drinks | Packaging",
            "city": ["Essen"],
            "empty": "  ",
            "several": ["a", " ", "b"],
        },
        ORIGIN,
    )
    assert item is not None
    assert (item.title, item.summary, item.guid, item.language) == (
        "Fair 2026",
        "Line one\nLine two",
        "f-1",
        "de",
    )
    assert item.url == "https://www.example.org/fairs/2026"
    assert item.fields == {
        "countries": ["Korea, Republic of", "Japan"],
        "categories": ["Food", "Drinks", "Packaging"],
        "city": "Essen",
        "several": ["a", "b"],
    }


def test_the_guid_is_the_link_or_derived_from_title_and_dates() -> None:
    linked = make_item({"title": "A", "url": "https://x.example/a"}, ORIGIN)
    assert linked is not None and linked.guid == "https://x.example/a"
    first = make_item({"title": "A", "starts": "2026-05-01"}, ORIGIN)
    again = make_item({"title": "A", "starts": "2026-05-01"}, ORIGIN)
    other = make_item({"title": "A", "starts": "2026-06-01"}, ORIGIN)
    assert first is not None and again is not None and other is not None
    assert first.guid == again.guid != other.guid and str(first.guid).startswith("record:")
    assert first.url == ORIGIN.url


def test_a_record_with_nothing_to_show_is_none() -> None:
    assert make_item({"city": "Essen", "url": "javascript:void(0)"}, ORIGIN) is None


def test_helpers() -> None:
    assert split_list(["a; b", "b|c"]) == ["a", "b", "c"]
    assert capped([str(n) for n in range(25)])[-1] == "… and 5 more"
    result = Extracted().fail("first").fail("second")
    assert (result.error, result.problems) == ("first", ["first", "second"])
