"""Every language has every fixed string with the same placeholders; dates follow the locale."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime

import pytest

from exportwatch.alerts.i18n import CATALOG, LANGUAGES, Translator, catalog_language


def placeholders(entry: str | object) -> set[str]:
    texts = [entry] if isinstance(entry, str) else list(entry.values())  # type: ignore[attr-defined]
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


def test_at_least_the_required_languages() -> None:
    assert {"en", "de", "fr", "es"} <= set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_complete_with_the_same_placeholders_as_english(language: str) -> None:
    english, strings = CATALOG["en"], CATALOG[language]
    assert set(strings) == set(english)
    for key, entry in strings.items():
        assert placeholders(entry) == placeholders(english[key]), key
        if not isinstance(entry, str):
            assert "other" in entry, key


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("de-AT", "de"), ("pt_BR", "pt"), ("NL", "nl"), ("no", "nb"), ("xx", "en"), (None, "en")],
)
def test_catalog_language(tag: str | None, expected: str) -> None:
    assert catalog_language(tag) == expected


def test_plural_forms_follow_the_locale() -> None:
    assert Translator("en").plural("digest.subject", 1) == "1 new export alert"
    assert Translator("en").plural("digest.subject", 2) == "2 new export alerts"
    assert Translator("fr").plural("digest.subject", 1) == "1 nouvelle alerte export"
    assert Translator("fr").plural("digest.subject", 1_000_000).endswith("nouvelles alertes export")
    assert Translator("id").plural("digest.subject", 1) == "1 peringatan ekspor baru"


def test_dates_ranges_and_moments() -> None:
    de = Translator("de", "Europe/Berlin")
    assert de.days(date(2027, 10, 29), date(2027, 11, 2)) == "29. Okt.\u2009–\u20092. Nov. 2027"
    assert de.days(date(2027, 10, 9), date(2027, 10, 9)) == "9. Okt. 2027"
    assert de.moment(datetime(2027, 7, 1, 22, 30, tzinfo=UTC)) == "2. Juli 2027, 00:30 CEST"
    assert de.local_date(datetime(2027, 7, 1, 22, 30, tzinfo=UTC)) == date(2027, 7, 2)
    assert de.until(date(2027, 3, 1), date(2027, 3, 1)) == "heute"
    assert Translator("es").until(date(2027, 3, 15), date(2027, 3, 1)) == "dentro de 14 días"
