"""The source-definition loader on arbitrary YAML: a definition or a ConfigError, quickly.

Definitions come from third parties (a YAML file, the admin form), so the loader meets text
that is not YAML, YAML that is not a mapping, mappings near a valid definition with fields
of every type, and YAML alias bombs. None may raise anything but ConfigError or take long.
"""

from __future__ import annotations

import time
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exportwatch.crawlers import SourceDefinition
from exportwatch.crawlers.loading import definition_from_yaml
from exportwatch.errors import ConfigError
from exportwatch.taxonomy import Taxonomy

FIELDS = ["id", "name", "kind", "type", "url", "urls", "schedule", "language", "defaults",
          "rules", "lookups", "expect", "enabled", "contact", "publisher"]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(["feed", "html", "csv", "json", "xml", "ics", "every: 1h", "*/5 * * * *",
                     "https://x.example/a", "file:///etc/passwd", "event", "DE", "food"]),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
NEAR_VALID = st.fixed_dictionaries(
    {"id": st.just("fuzz"), "name": st.just("Fuzz"), "kind": st.just("event")},
    optional={field: VALUES for field in FIELDS if field not in ("id", "name", "kind")},
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load(text: str, taxonomy: Taxonomy | None) -> SourceDefinition | ConfigError:
    started = time.perf_counter()
    try:
        return definition_from_yaml(text, taxonomy, name="fuzz.yaml")
    except ConfigError as error:
        assert str(error)  # a readable message
        return error
    finally:
        assert time.perf_counter() - started < 2


@FUZZ
@given(text=st.text(max_size=300))
def test_any_text_is_a_definition_or_a_config_error(text: str) -> None:
    load(text, None)


@FUZZ
@given(data=NEAR_VALID)
def test_near_valid_mappings_are_a_definition_or_a_config_error(data: dict[str, Any]) -> None:
    load(yaml.safe_dump(data, allow_unicode=True), None)


@FUZZ
@given(data=VALUES)
def test_any_yaml_value_is_a_config_error_unless_a_definition(data: Any) -> None:
    load(yaml.safe_dump(data), None)


def test_with_the_taxonomy_too(taxonomy: Taxonomy) -> None:
    text = "id: t\nname: T\nkind: event\ntype: feed\nurl: https://x.example/\n"
    text += "defaults:\n  sectors: [no-such-sector]\n  countries: [XX]\n"
    outcome = load(text, taxonomy)
    assert isinstance(outcome, ConfigError) and "fuzz.yaml" in str(outcome)


def test_a_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        previous = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    bomb = "\n".join(["id: bomb", "name: Bomb", "kind: event", "type: feed", *lines, ""])
    assert isinstance(load(bomb, None), ConfigError)
