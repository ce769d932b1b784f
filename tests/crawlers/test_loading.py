"""Loading definition files: each broken fixture is one line naming file, field and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportwatch.crawlers import (
    FeedSource,
    check_definitions,
    definition_files,
    definition_from_yaml,
    load_definition,
    load_definitions,
)
from exportwatch.errors import ConfigError
from exportwatch.taxonomy import Taxonomy

from .conftest import ROOT, SOURCE_FIXTURES

BROKEN = SOURCE_FIXTURES / "broken"

CASES = [
    # file, entry (field path), problem, line
    ("unknown-field.yaml", "shedule", "unknown field (did you mean 'schedule'?)", 6),
    ("short-interval.yaml", "schedule.every", "shorter than the minimum of 5m", 7),
    ("bad-cron.yaml", "schedule.cron", "invalid cron expression '0 25 * * *'", 6),
    ("unknown-sector.yaml", "defaults.sectors[1]", "'fod' (did you mean 'food'?)", 9),
    ("unknown-country.yaml", "publisher.country", "unknown ISO country code 'QQ'", 8),
    ("bad-url.yaml", "url", "must start with http:// or https://", 5),
    ("bad-id.yaml", "id", "'WTO News' is not a valid id", 1),
    ("missing-url.yaml", "url", "missing required field (or urls", 1),
    ("bad-language.yaml", "language", "'english' is not an ISO 639-1 language code", 6),
    ("unknown-type.yaml", "type", "unknown type 'rss' (one of: feed, html,", 4),
    ("bad-selector.yaml", "rules.fields.dates.css", "invalid CSS selector 'time[['", 10),
    ("lookup-unknown-code.yaml", "lookups.categories.Milchprodukte[1]", "'food.dairies'", 9),
    ("lookup-unknown-field.yaml", "lookups.dates", "lookups cannot map field 'dates'", 7),
    ("bad-timezone.yaml", "timezone", "unknown time zone 'Europe/Cologne'", 6),
    ("url-and-urls.yaml", "url", "give url or urls, not both", 5),
    ("missing-rules.yaml", "rules", "missing required field", 1),
]


@pytest.mark.parametrize(("name", "entry", "problem", "line"), CASES)
def test_error_names_file_field_and_line(
    name: str, entry: str, problem: str, line: int, taxonomy: Taxonomy
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_definition(BROKEN / name, taxonomy)
    message = str(caught.value)
    assert "\n" not in message
    assert caught.value.file == str(BROKEN / name)
    assert caught.value.entry == entry
    assert message.startswith(f"{BROKEN / name}: {entry}: ")
    assert problem in message
    assert message.endswith(f"(line {line})")


@pytest.mark.parametrize(
    ("name", "entry", "problem"),
    [
        ("yaml-syntax.yaml", "line 8, column 12", "YAML syntax error: while parsing a flow"),
        ("duplicate-key.yaml", "line 6", "key 'url' given twice"),
        ("not-a-mapping.yaml", None, "expected a mapping of fields"),
    ],
)
def test_yaml_level_errors(name: str, entry: str | None, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_definition(BROKEN / name, None)
    assert caught.value.entry == entry
    assert problem in str(caught.value)


def test_every_broken_fixture_is_covered() -> None:
    covered = {case[0] for case in CASES} | {"yaml-syntax.yaml", "duplicate-key.yaml"}
    covered.add("not-a-mapping.yaml")
    assert {path.name for path in BROKEN.iterdir()} == covered


def test_valid_fixtures_load_one_of_each_type(taxonomy: Taxonomy) -> None:
    definitions = load_definitions(SOURCE_FIXTURES / "valid", taxonomy)
    assert {d.type for d in definitions} == {"feed", "html", "json", "xml", "csv", "ics"}
    full = next(d for d in definitions if d.id == "full-feed")
    assert isinstance(full, FeedSource)
    assert len(full.all_urls) == 2 and full.enabled is False
    assert full.profile().lookups["categories"]["Sonstiges"] == []


def test_shipped_definitions_are_valid(taxonomy: Taxonomy) -> None:
    checked = check_definitions([ROOT / "config" / "sources"], taxonomy)
    assert len(checked) >= 3
    assert [str(outcome.error) for outcome in checked if outcome.error] == []
    assert all(outcome.definition is not None for outcome in checked)


def test_duplicate_ids_are_reported_on_the_later_file() -> None:
    checked = check_definitions([SOURCE_FIXTURES / "duplicate-id"], None)
    first, second = checked
    assert first.error is None and first.definition is not None
    assert second.error is not None and second.definition is None
    assert str(second.error) == (
        f"{second.path}: id: duplicate source id 'same-id', already used by {first.path} (line 2)"
    )
    with pytest.raises(ConfigError, match="duplicate source id 'same-id'"):
        load_definitions(SOURCE_FIXTURES / "duplicate-id", None)


def test_check_reports_every_file_and_a_missing_path(taxonomy: Taxonomy) -> None:
    missing = SOURCE_FIXTURES / "no-such-dir"
    checked = check_definitions([BROKEN, missing], taxonomy)
    assert len(checked) == len(list(BROKEN.iterdir())) + 1
    assert all(outcome.error is not None for outcome in checked)
    assert str(checked[-1].error) == f"{missing}: no such file or directory"


def test_directories_list_only_visible_yaml_files(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "_draft.yaml", ".hidden.yaml", "notes.txt"):
        (tmp_path / name).write_text("x: 1\n")
    assert [path.name for path in definition_files(tmp_path)] == ["a.yml", "b.yaml"]


def test_definition_from_yaml_text_names_the_form(taxonomy: Taxonomy) -> None:
    text = "id: from-form\nname: Form\nkind: event\ntype: feed\nurl: https://a.example/f\n"
    assert definition_from_yaml(text, taxonomy).id == "from-form"
    with pytest.raises(ConfigError) as caught:
        definition_from_yaml(text.replace("event", "party"), taxonomy, name="admin form")
    assert str(caught.value).startswith("admin form: kind: input should be 'event', 'finance'")
    assert str(caught.value).endswith("(line 3)")
