"""Every problem in a taxonomy file is one ConfigError line naming the file and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportwatch.errors import ConfigError
from exportwatch.taxonomy import load_markets, load_sectors, load_taxonomy

from .conftest import FIXTURES, ROOT

CASES = [
    # case directory, broken file, entry, problem
    (
        "unknown-iso-code",
        "markets.yaml",
        "EU",
        "unknown ISO code 'QQ' (members[2].country, line 8)",
    ),
    ("bad-date", "markets.yaml", "EU", "invalid date '2013-13-01'"),
    ("since-after-until", "markets.yaml", "EU", "since 2020-01-31 is after until 1973-01-01"),
    ("overlapping-membership", "markets.yaml", "EU", "memberships of 'GB' overlap"),
    ("duplicate-sector-code", "sectors.yaml", "food", "duplicate sector code 'food' (line 7)"),
    ("wrong-parent", "sectors.yaml", "drinks.wine", "must start with its parent's code 'food.'"),
    ("bad-hs-chapter", "sectors.yaml", "metals", "'77' is not an HS chapter"),
    ("yaml-syntax", "sectors.yaml", "line 6, column 3", "flow mapping started on line 5"),
    ("missing-file", "markets.yaml", None, "file not found"),
]


def _load(directory: Path) -> object:
    if (directory / "sectors.yaml").exists() and (directory / "markets.yaml").exists():
        return load_taxonomy(directory)
    if (directory / "markets.yaml").exists():
        return load_markets(directory / "markets.yaml")
    if directory.name == "missing-file":
        return load_taxonomy(directory)
    return load_sectors(directory / "sectors.yaml")


@pytest.mark.parametrize(("case", "file", "entry", "problem"), CASES)
def test_error_names_file_entry_and_problem_in_one_line(
    case: str, file: str, entry: str | None, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(FIXTURES / case)
    message = str(caught.value)
    assert "\n" not in message
    assert caught.value.file == str(FIXTURES / case / file)
    assert caught.value.entry == entry
    assert message.startswith(
        ": ".join(part for part in (str(FIXTURES / case / file), entry) if part)
    )
    assert problem in message


def test_small_valid_files_load() -> None:
    taxonomy = load_taxonomy(FIXTURES / "valid")
    assert taxonomy.sectors.expand(["food"]) == {"food", "food.dairy"}
    assert taxonomy.markets.resolve_market("EU-27") == "EU"
    assert taxonomy.markets.resolve_country("UK") == "GB"
    assert "FR" in taxonomy.markets.members("M49-155")


def test_cli_fixture_with_bogus_code_fails_naming_markets_yaml_and_qq() -> None:
    with pytest.raises(ConfigError, match=r"markets\.yaml: EU: unknown ISO code 'QQ'"):
        load_taxonomy(ROOT / "tests" / "fixtures" / "config" / "unknown-iso-code")
