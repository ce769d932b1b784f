"""Read ``pipeline/data/demonyms.yaml``: adjectives, extra names and non-market expressions.

Country and grouping names come from the taxonomy (CLDR, pycountry, markets.yaml); this file
holds what those lack and what :mod:`exportwatch.pipeline.places` needs to find markets in
prose with few false hits. Forms are returned as written (expanded, not folded): case says
how a form must be written in a text. See the file's header for its format.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from exportwatch.errors import ConfigError
from exportwatch.taxonomy import LANGUAGES
from exportwatch.yamlfile import first_problem, format_path, line_at, read_yaml

__all__ = [
    "DEMONYMS_FILE",
    "Demonyms",
    "Guards",
    "LanguageContext",
    "expand_forms",
    "load_demonyms",
]

DEMONYMS_FILE = Path(__file__).resolve().parent / "data" / "demonyms.yaml"
ALL = "all"  # the key for entries that hold in every language
_GROUP = re.compile(r"\(([^()]*)\)")

#: language (None: every language) -> market code -> forms
Forms = Mapping[str | None, Mapping[str, tuple[str, ...]]]


@dataclass(frozen=True)
class LanguageContext:
    """Words that make a country adjective the name of a language ("in German", "en français")."""

    before: Mapping[str, tuple[str, ...]]
    before_phrase_end: Mapping[str, tuple[str, ...]]
    after: tuple[str, ...]
    conjunctions: tuple[str, ...]
    words: tuple[str, ...]


@dataclass(frozen=True)
class Guards:
    """Names that count only in some contexts, and the words that tell those contexts apart."""

    given_names: tuple[str, ...]
    name_followers: tuple[str, ...]
    name_leaders: tuple[str, ...]
    us_states: tuple[str, ...]
    us_context_before: tuple[str, ...]
    us_context_after: tuple[str, ...]
    name_language_before: tuple[str, ...]
    pronouns: tuple[str, ...]
    pronoun_leaders: tuple[str, ...]
    languages: LanguageContext


@dataclass(frozen=True)
class Demonyms:
    """The file's content with inflections expanded; keys of ``names``/``not_markets``: language."""

    adjectives: Forms
    names: Forms
    not_markets: Mapping[str | None, tuple[str, ...]]
    guards: Guards


def expand_forms(form: str, endings: Sequence[str] = ()) -> list[str]:
    """Forms written as ``deutsch*`` (``*``: ``endings``) or ``italien(|ne|s|nes)``."""
    if form.endswith("*"):
        return [form[:-1] + ending for ending in endings]
    group = _GROUP.search(form)
    if group is None:
        return [form]
    head, tail = form[: group.start()], form[group.end() :]
    return [head + choice + tail for choice in group.group(1).split("|")]


@functools.cache
def load_demonyms(path: Path = DEMONYMS_FILE) -> Demonyms:
    """Load and check the file; a problem is a ConfigError naming file, field and line."""
    document = read_yaml(path)
    try:
        spec = _File.model_validate(document.data)
    except ValidationError as error:
        problem, loc = first_problem(error)
        line = line_at(document, loc)
        where = ", ".join(
            part for part in (format_path(loc), f"line {line}" if line else "") if part
        )
        raise ConfigError(f"{problem} ({where})", file=path) from None
    return Demonyms(
        adjectives={
            _language(language, path): _expanded(by_code, spec.endings.get(language, ()), path)
            for language, by_code in spec.adjectives.items()
        },
        names=_names_by_language(spec.names, path),
        not_markets=_words_by_language(spec.not_markets, path),
        guards=_guards(spec.guards),
    )


def _expanded(
    by_code: Mapping[str, Sequence[str]], endings: Sequence[str], path: Path
) -> dict[str, tuple[str, ...]]:
    result: dict[str, tuple[str, ...]] = {}
    for code, forms in by_code.items():
        if any(form.endswith("*") for form in forms) and not endings:
            raise ConfigError(
                f"{code}: a form ends in '*' but its language has no endings", file=path
            )
        result[code] = tuple(f for form in forms for f in expand_forms(form, endings))
    return result


def _language(language: str, path: Path) -> str:
    if language not in LANGUAGES:
        raise ConfigError(f"unknown language {language!r}", file=path)
    return language


def _languages_of(key: str, path: Path) -> list[str | None]:
    """``all`` -> [None]; ``en de`` -> ["en", "de"]; an unknown language is a ConfigError."""
    if key == ALL:
        return [None]
    return [_language(language, path) for language in key.split()]


def _names_by_language(
    entries: Mapping[str, Mapping[str, Sequence[str]]], path: Path
) -> dict[str | None, dict[str, tuple[str, ...]]]:
    result: dict[str | None, dict[str, tuple[str, ...]]] = {}
    for key, by_code in entries.items():
        for language in _languages_of(key, path):
            merged = result.setdefault(language, {})
            for code, names in by_code.items():
                merged[code] = (*merged.get(code, ()), *names)
    return result


def _words_by_language(
    entries: Mapping[str, Sequence[str]], path: Path
) -> dict[str | None, tuple[str, ...]]:
    result: dict[str | None, tuple[str, ...]] = {}
    for key, words in entries.items():
        for language in _languages_of(key, path):
            result[language] = (*result.get(language, ()), *words)
    return result


def _guards(spec: _GuardsSpec) -> Guards:
    languages = spec.languages
    return Guards(
        given_names=tuple(spec.given_names),
        name_followers=tuple(spec.name_followers),
        name_leaders=tuple(spec.name_leaders),
        us_states=tuple(spec.us_states),
        us_context_before=tuple(spec.us_context_before),
        us_context_after=tuple(spec.us_context_after),
        name_language_before=tuple(spec.name_language_before),
        pronouns=tuple(spec.pronouns),
        pronoun_leaders=tuple(spec.pronoun_leaders),
        languages=LanguageContext(
            before={k: tuple(v) for k, v in languages.before.items()},
            before_phrase_end={k: tuple(v) for k, v in languages.before_phrase_end.items()},
            after=tuple(languages.after),
            conjunctions=tuple(languages.conjunctions),
            words=tuple(languages.words),
        ),
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Words = list[str]


class _LanguagesSpec(_Strict):
    before: dict[str, Words]
    before_phrase_end: dict[str, Words]
    after: Words
    conjunctions: Words
    words: Words


class _GuardsSpec(_Strict):
    given_names: Words
    name_followers: Words
    name_leaders: Words
    us_states: Words
    us_context_before: Words
    us_context_after: Words
    name_language_before: Words
    pronouns: Words
    pronoun_leaders: Words
    languages: _LanguagesSpec


class _File(_Strict):
    endings: dict[str, Words]
    adjectives: dict[str, dict[str, list[str]]]
    names: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    not_markets: dict[str, Words] = Field(default_factory=dict)
    guards: _GuardsSpec
