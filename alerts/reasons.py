"""Why a document matched a subscription, stored with the pending alert and shown in the digest.

A `Reason` holds codes, not words, so the digest can name them in the subscriber's language
later: `describe(reasons, taxonomy, "de")` -> "Sektor: Lebensmittel & Getränke · Markt:
Deutschland (EU)". Reasons travel through the store as compact JSON (`encode_reasons`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal, NamedTuple, Protocol, get_args

from babel import Locale, UnknownLocaleError

from exportwatch.model import Kind
from exportwatch.taxonomy import Taxonomy

__all__ = ["Reason", "ReasonKind", "decode_reasons", "describe", "encode_reasons"]

ReasonKind = Literal["sector", "market", "home_country", "keyword", "language", "kind"]
_KINDS: frozenset[str] = frozenset(get_args(ReasonKind))
SEPARATOR = " · "


class Reason(NamedTuple):
    """One condition a document met (a named tuple: immutable, and cheap to make per match).

    `code_or_text` is a sector or market code, a country, a kind, a language code or the
    keyword as the subscriber wrote it; "" for a sector or home-country condition met because
    the document sets none (cross-sector, open to applicants from anywhere). `via` names the
    broader code that linked both sides: the parent sector, or the grouping that contains the
    country ("Germany (EU)": code DE via EU, whichever side named the EU).
    """

    kind: ReasonKind
    code_or_text: str
    via: str | None = None


class _HasReasons(Protocol):
    @property
    def reasons(self) -> Sequence[Reason]: ...


def encode_reasons(reasons: Iterable[Reason]) -> str:
    """Compact JSON for the store: `[["sector","food.dairy","food"], ...]`."""
    rows = [[r.kind, r.code_or_text, r.via] if r.via else [r.kind, r.code_or_text] for r in reasons]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def decode_reasons(text: str) -> list[Reason]:
    """The reasons `encode_reasons` wrote; entries it cannot read are left out."""
    try:
        rows = json.loads(text)
    except ValueError:
        return []
    if not isinstance(rows, list):
        return []
    return [reason for row in rows if (reason := _reason(row)) is not None]


def _reason(row: object) -> Reason | None:
    if not isinstance(row, list) or len(row) not in (2, 3):
        return None
    kind, code, *via = row
    if kind not in _KINDS or not isinstance(code, str):
        return None
    if via and not isinstance(via[0], str | None):
        return None
    return Reason(kind, code, via[0] if via else None)


def describe(
    match_or_reasons: _HasReasons | Iterable[Reason] | str, taxonomy: Taxonomy, language: str
) -> str:
    """One line for the digest, in `language` where the taxonomy and CLDR have names.

    Accepts a match, its reasons, or the stored JSON; text that is not stored JSON is returned
    as it is (a reason written by hand or by an older version).
    """
    if isinstance(match_or_reasons, str):
        reasons: Iterable[Reason] = decode_reasons(match_or_reasons)
        if not reasons and match_or_reasons.strip() not in ("", "[]"):
            return match_or_reasons
    elif isinstance(match_or_reasons, Iterable):
        reasons = match_or_reasons
    else:
        reasons = match_or_reasons.reasons
    words = _words(language)
    return SEPARATOR.join(
        f"{words[reason.kind]}: {_value(reason, taxonomy, language)}" for reason in reasons
    )


def _value(reason: Reason, taxonomy: Taxonomy, language: str) -> str:
    words = _words(language)
    if reason.kind == "sector":
        if not reason.code_or_text:
            return words["cross_sector"]
        name = _sector_name(reason.code_or_text, taxonomy, language)
        via = reason.via and _sector_name(reason.via, taxonomy, language)
    elif reason.kind in ("market", "home_country"):
        if not reason.code_or_text:
            return words["any_country"]
        name = _market_name(reason.code_or_text, taxonomy, language)
        via = reason.via and _market_short_name(reason.via, taxonomy, language)
    elif reason.kind == "kind":
        return words.get(reason.code_or_text, reason.code_or_text)
    elif reason.kind == "language":
        return _language_name(reason.code_or_text, language)
    else:
        return reason.code_or_text
    return f"{name} ({via})" if via else name


def _sector_name(code: str, taxonomy: Taxonomy, language: str) -> str:
    return taxonomy.sectors.name(code, language) if code in taxonomy.sectors else code


def _market_name(code: str, taxonomy: Taxonomy, language: str) -> str:
    try:
        return taxonomy.markets.name(code, language)
    except KeyError:
        return code


def _market_short_name(code: str, taxonomy: Taxonomy, language: str) -> str:
    """A bloc by its acronym ("EU", "MERCOSUR") unless its name already says it ("Benelux")."""
    grouping = taxonomy.markets.get(code)
    if grouping is None or grouping.kind != "bloc" or not code.isalnum():
        return _market_name(code, taxonomy, language)
    name = grouping.name(language)
    in_name = code.casefold() in name.casefold().replace("-", " ").split()
    return name if in_name or code.casefold() == name.casefold() else code


@lru_cache(maxsize=256)
def _language_name(code: str, language: str) -> str:
    try:
        name = Locale.parse(language).languages.get(code)
    except (UnknownLocaleError, ValueError, TypeError):
        name = None
    return name or code


def _words(language: str) -> dict[str, str]:
    return _WORDS.get(language.split("_")[0].split("-")[0].lower(), _WORDS["en"])


_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "sector": "Sector", "market": "Market", "home_country": "Applicants from",
        "keyword": "Keyword", "language": "Language", "kind": "Type",
        "cross_sector": "all sectors", "any_country": "any country",
        Kind.EVENT: "trade fair or event", Kind.FINANCE: "export finance",
        Kind.REGULATION: "market regulation",
    },
    "de": {
        "sector": "Sektor", "market": "Markt", "home_country": "Antragsteller aus",
        "keyword": "Stichwort", "language": "Sprache", "kind": "Art",
        "cross_sector": "alle Sektoren", "any_country": "jedem Land",
        Kind.EVENT: "Messe oder Veranstaltung", Kind.FINANCE: "Exportfinanzierung",
        Kind.REGULATION: "Marktregulierung",
    },
    "fr": {
        "sector": "Secteur", "market": "Marché", "home_country": "Candidats de",
        "keyword": "Mot-clé", "language": "Langue", "kind": "Type",
        "cross_sector": "tous secteurs", "any_country": "tout pays",
        Kind.EVENT: "salon ou événement", Kind.FINANCE: "financement export",
        Kind.REGULATION: "réglementation de marché",
    },
    "es": {
        "sector": "Sector", "market": "Mercado", "home_country": "Solicitantes de",
        "keyword": "Palabra clave", "language": "Idioma", "kind": "Tipo",
        "cross_sector": "todos los sectores", "any_country": "cualquier país",
        Kind.EVENT: "feria o evento", Kind.FINANCE: "financiación a la exportación",
        Kind.REGULATION: "regulación de mercado",
    },
    "pt": {
        "sector": "Setor", "market": "Mercado", "home_country": "Candidatos de",
        "keyword": "Palavra-chave", "language": "Idioma", "kind": "Tipo",
        "cross_sector": "todos os setores", "any_country": "qualquer país",
        Kind.EVENT: "feira ou evento", Kind.FINANCE: "financiamento à exportação",
        Kind.REGULATION: "regulamentação de mercado",
    },
    "nl": {
        "sector": "Sector", "market": "Markt", "home_country": "Aanvragers uit",
        "keyword": "Trefwoord", "language": "Taal", "kind": "Soort",
        "cross_sector": "alle sectoren", "any_country": "elk land",
        Kind.EVENT: "beurs of evenement", Kind.FINANCE: "exportfinanciering",
        Kind.REGULATION: "marktregelgeving",
    },
    "nb": {
        "sector": "Sektor", "market": "Marked", "home_country": "Søkere fra",
        "keyword": "Søkeord", "language": "Språk", "kind": "Type",
        "cross_sector": "alle sektorer", "any_country": "alle land",
        Kind.EVENT: "messe eller arrangement", Kind.FINANCE: "eksportfinansiering",
        Kind.REGULATION: "markedsregulering",
    },
    "id": {
        "sector": "Sektor", "market": "Pasar", "home_country": "Pemohon dari",
        "keyword": "Kata kunci", "language": "Bahasa", "kind": "Jenis",
        "cross_sector": "semua sektor", "any_country": "negara mana pun",
        Kind.EVENT: "pameran atau acara", Kind.FINANCE: "pembiayaan ekspor",
        Kind.REGULATION: "regulasi pasar",
    },
}  # fmt: skip
_WORDS["no"] = _WORDS["nb"]
