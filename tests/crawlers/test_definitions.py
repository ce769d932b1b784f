"""The definition model: every type, defaults, schedules, taxonomy codes and the profile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from exportwatch.crawlers.definitions import (
    FIELD_NAMES,
    CsvSource,
    FeedSource,
    HtmlSource,
    Schedule,
    XmlSource,
    validate_definition,
)
from exportwatch.model import Kind, SourceProfile
from exportwatch.taxonomy import Taxonomy

MINIMAL: dict[str, Any] = {
    "id": "eu-tbt",
    "name": "EU TBT notifications",
    "kind": "regulation",
    "type": "feed",
    "url": "https://www.example.org/tbt.rss",
}


def errors(data: dict[str, Any], taxonomy: Taxonomy | None) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        validate_definition(data, taxonomy)
    return [(error["loc"], error["msg"]) for error in caught.value.errors()]


def test_minimal_definition_gets_sensible_defaults(taxonomy: Taxonomy) -> None:
    definition = validate_definition(MINIMAL, taxonomy)
    assert isinstance(definition, FeedSource)
    assert definition.all_urls == ("https://www.example.org/tbt.rss",)
    assert definition.schedule == Schedule(every=timedelta(hours=6))
    assert definition.enabled is True
    assert definition.expect.min_items == 0
    assert definition.language is None


@pytest.mark.parametrize(
    ("written", "cron", "every", "described"),
    [
        ("every 6h", None, timedelta(hours=6), "every 6h"),
        ({"every": "90m"}, None, timedelta(minutes=90), "every 90m"),
        ("every: 2d", None, timedelta(days=2), "every 2d"),
        ("15  6 * * 1-5", "15 6 * * 1-5", None, "cron 15 6 * * 1-5"),
        ({"cron": "0 */4 * * *"}, "0 */4 * * *", None, "cron 0 */4 * * *"),
    ],
)
def test_schedule_forms(
    written: object, cron: str | None, every: timedelta | None, described: str
) -> None:
    schedule = validate_definition(MINIMAL | {"schedule": written}, None).schedule
    assert (schedule.cron, schedule.every) == (cron, every)
    assert schedule.describe() == described


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("every 4m", "shorter than the minimum of 5m"),
        ("every 6 hours", "expected an interval such as 30m"),
        ("0 6 * *", "Wrong number of fields"),
        ({"cron": "0 6 * * *", "every": "6h"}, "either a cron expression or every"),
    ],
)
def test_bad_schedules_are_explained(written: object, message: str) -> None:
    [(loc, msg)] = errors(MINIMAL | {"schedule": written}, None)
    assert loc[:2] == ("feed", "schedule")
    assert message in msg


def test_taxonomy_codes_are_checked_with_suggestions(taxonomy: Taxonomy) -> None:
    data = MINIMAL | {"defaults": {"sectors": ["Dairy"], "countries": ["de", "EUU"]}}
    found = dict(errors(data, taxonomy))
    sector = found[("feed", "defaults", "sectors", 0)]
    assert "unknown sector code 'Dairy' (did you mean 'food.dairy'?)" in sector
    market = found[("feed", "defaults", "countries", 1)]
    assert "unknown country or grouping code 'EUU'" in market and "'EU'" in market


def test_groupings_and_lowercase_countries_are_accepted(taxonomy: Taxonomy) -> None:
    data = MINIMAL | {"defaults": {"countries": ["de", "EU", "M49-150"], "sectors": ["food"]}}
    definition = validate_definition(data, taxonomy)
    assert definition.defaults.countries == ("DE", "EU", "M49-150")


def test_without_taxonomy_only_countries_are_checked() -> None:
    data = MINIMAL | {"defaults": {"sectors": ["anything"], "countries": ["MERCOSUR"]}}
    assert validate_definition(data, None).defaults.sectors == ("anything",)
    [(_, msg)] = errors(MINIMAL | {"defaults": {"countries": ["QQ"]}}, None)
    assert "unknown ISO country code 'QQ'" in msg


def test_profile_carries_kind_language_defaults_and_lookups(taxonomy: Taxonomy) -> None:
    data = MINIMAL | {
        "language": "FR",
        "timezone": "Europe/Paris",
        "defaults": {"countries": ["EU"], "sectors": ["food.dairy"], "kind": "regulation"},
        "lookups": {
            "categories": {"Produits laitiers": "food.dairy", "Divers": None},
            "countries": {"Union européenne": ["EU"]},
            "kind": {"Appel à projets": "finance"},
        },
    }
    profile = validate_definition(data, taxonomy).profile()
    assert profile == SourceProfile(
        id="eu-tbt",
        kind=Kind.REGULATION,
        language="fr",
        countries=("EU",),
        sectors=("food.dairy",),
        timezone="Europe/Paris",
        lookups={
            "categories": {"Produits laitiers": ["food.dairy"], "Divers": []},
            "countries": {"Union européenne": ["EU"]},
            "kind": {"Appel à projets": ["finance"]},
        },
    )


def test_defaults_kind_may_not_contradict_kind() -> None:
    [(loc, msg)] = errors(MINIMAL | {"defaults": {"kind": "event"}}, None)
    assert loc == ("feed", "defaults")
    assert "contradicts kind 'regulation'" in msg


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"id": "EU TBT"}, "id", "not a valid id"),
        ({"url": "file:///etc/passwd"}, "url", "must start with http:// or https://"),
        ({"language": "eng"}, "language", "not an ISO 639-1 language code"),
        ({"timezone": "CET+1"}, "timezone", "unknown time zone"),
        ({"contact": "feeds at example.org"}, "contact", "not an email address"),
        ({"expect": {"min_items": -1}}, "expect", "greater than or equal to 0"),
        ({"colour": "red"}, "colour", "Extra inputs are not permitted"),
    ],
)
def test_field_checks(change: dict[str, Any], field: str, message: str) -> None:
    found = errors(MINIMAL | change, None)
    assert found[0][0][1] == field
    assert message in found[0][1]


def test_html_rules_accept_css_shorthand_xpath_and_detail_fields() -> None:
    rules = {
        "item": "li.event",
        "fields": {"title": "h3::text", "dates": {"xpath": ".//time/@datetime"}},
        "pagination": "a[rel=next]::attr(href)",
        "max_pages": 3,
        "detail": {"fields": {"body": {"css": "main p::text", "multiple": True}}},
    }
    data = MINIMAL | {"type": "html", "kind": "event", "rules": rules}
    definition = validate_definition(data, None)
    assert isinstance(definition, HtmlSource)
    assert definition.rules.item.css == "li.event"
    assert definition.rules.link.css == "a::attr(href)"
    assert definition.rules.fields["dates"].xpath == ".//time/@datetime"
    assert definition.rules.detail is not None
    assert definition.rules.detail.fields["body"].multiple is True


@pytest.mark.parametrize(
    ("kind", "rules", "message"),
    [
        ("html", {"item": "li", "fields": {"dates": "time"}}, "say where the title is"),
        ("html", {"item": {"css": "li", "xpath": "//li"}, "fields": {"title": "h3"}}, "either css"),
        ("html", {"item": {"xpath": "//li["}, "fields": {"title": "h3"}}, "invalid XPath"),
        ("json", {"records": "data..items", "fields": {"title": "name"}}, "invalid JSON path"),
        ("json", {"records": "items[*]", "fields": {"name": "title"}}, "say where the title is"),
        ("xml", {"records": "//x:item", "fields": {"title": "t"}}, "Undefined namespace prefix"),
        ("csv", {"header": False, "columns": {"title": "Name"}}, "columns are numbers"),
        ("csv", {"encoding": "klingon", "columns": {"title": 0}}, "unknown encoding"),
    ],
)
def test_rule_checks(kind: str, rules: dict[str, Any], message: str) -> None:
    found = errors(MINIMAL | {"type": kind, "rules": rules}, None)
    assert found[0][0][:2] == (kind, "rules")
    assert message in found[0][1]


def test_xml_and_csv_rules() -> None:
    xml = validate_definition(
        MINIMAL
        | {
            "type": "xml",
            "rules": {
                "namespaces": {"n": "urn:x"},
                "records": "//n:item",
                "fields": {"title": "n:title/text()", "reference": "@symbol"},
            },
        },
        None,
    )
    csv = validate_definition(
        MINIMAL | {"type": "csv", "rules": {"header": "auto", "columns": {"title": "Fair"}}}, None
    )
    assert isinstance(xml, XmlSource) and xml.rules.records == "//n:item"
    assert isinstance(csv, CsvSource) and csv.rules.header is None


def test_field_names_cover_every_level() -> None:
    assert {
        "schedule",
        "min_items",
        "pagination",
        "skip_lines",
        "eligible_countries",
    } <= FIELD_NAMES
