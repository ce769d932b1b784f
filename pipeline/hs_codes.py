"""Harmonized System codes quoted in free text ("HS 0401", "Chapter 84", "CN code 0406 90 01").

Only numbers introduced by an HS cue are taken — an acronym (HS, SH, NCM, CN, KN, HTS, TARIC…),
a tariff word (tariff line, Zolltarifnummer, partida arancelaria, pos tarif…) or a chapter or
heading word (Chapter/Kapitel/bab, heading/Position/partida) — plus the list or range right after
one ("HS 0401, 0402 and 0406", "HS 02-04"). Years, dates, prices, phone and regulation numbers are
therefore never read as codes, and every code is checked against the real nomenclature (chapters
01-97 without 77; headings up to the last one of their chapter in HS 2022), which also rejects
"HS 2022" (the edition) or "Position 2024". National 8- and 10-digit lines are cut to the six
international digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["find_hs_codes", "hs_chapter"]

# Highest heading of each chapter in HS 2022 (chapter 77 is reserved and absent).
_LAST_HEADING = dict(
    zip(
        [f"{n:02d}" for n in range(1, 98) if n != 77],
        (
            *(6, 10, 9, 10, 11, 4, 14, 14, 10, 8, 9, 14, 2, 4, 22, 5, 4, 6, 5, 9),  # 01-20
            *(6, 9, 9, 4, 30, 21, 16, 53, 42, 6, 5, 15, 7, 7, 7, 6, 7, 27, 26, 17),  # 21-40
            *(15, 6, 4, 21, 4, 2, 7, 23, 11, 7, 13, 12, 11, 8, 16, 9, 5, 11, 11, 6),  # 41-60
            *(17, 17, 10, 6, 7, 3, 4, 15, 14, 20, 18, 29, 26, 19, 8, 16),  # 61-76
            *(6, 7, 7, 13, 15, 11, 87, 49, 9, 16, 7, 8, 33, 14, 9, 7, 6, 8, 20, 6),  # 78-97
        ),
        strict=True,
    )
)

_ACRONYM = r"H\.S\.|HS|SH|NCM|HTSUS|HTS|HSN|TARIC|CN|KN|GN|NC|GS(?=-)"
_CODE_WORD = (
    r"codes?|c[oó]digos?|kode|koder|nr\.?|no\.?|nos\.?|nummer|numbers?|nomor|headings?"
    r"|subheadings?|chapters?|kapitel|positions?|posten?|lines?|tariff|heading"
)
_TARIFF_WORD = (
    r"tariff\s+(?:lines?|headings?|subheadings?|items?|codes?|numbers?|positions?)"
    r"|customs\s+tariff\s+(?:codes?|numbers?)|(?:zolltarif|waren|tarif)nummer(?:n)?"
    r"|tolltariffnummer(?:e|en)?|varenummer(?:e|en)?|varenr\.?|kode\s+tarif"
    r"|pos\.?\s+tarif|c[oó]digos?\s+arancelarios?|fracci[oó]n(?:es)?\s+arancelarias?"
    r"|posici[oó]n(?:es)?\s+arancelarias?|positions?\s+tarifaires?|tariefpost(?:en)?"
    r"|goederencodes?|tollposisjon(?:er)?"
)
_HEADING_WORD = (
    r"(?:sub-?)?headings?|(?:unter|zolltarif|tarif)?position(?:en)?|sous-positions?"
    r"|positions?|(?:sub)?partidas?(?:\s+arancelarias?)?|(?:sub)?posi[cç](?:ão|ões|ao|oes)"
)
_CHAPTER_WORD = (
    r"chapters?|kapitel|chapitres?|cap[ií]tulos?|hoofdstuk(?:ken)?|kapittel|kapitler|bab"
)

_CUE = re.compile(
    rf"(?<![\w.])(?:(?P<acronym>{_ACRONYM})(?:[\s-]?(?i:{_CODE_WORD}))*"
    rf"|(?i:(?P<tariff>{_TARIFF_WORD})|(?P<heading>{_HEADING_WORD})|(?P<chapter>{_CHAPTER_WORD})))"
    r"(?![\w])"
)
_FILLER = r"(?:[\s:#(\[]|(?i:nos?\.|nr\.|no\b|ex\b))*"
_CUE_BEFORE = re.compile(rf"{_CUE.pattern}{_FILLER}\Z")
_CUE_WINDOW = 60  # longer than any cue with its filler ("customs tariff numbers No. ")
_FILLER_CHARS = frozenset(" \t\n\r\u00a0:#([.-")
# The last word of every cue above (what _word_before returns), to rule out most numbers cheaply.
_CUE_ENDING = re.compile(
    r"H|S|HS|SH|NCM|HTSUS|HTS|HSN|TARIC|CN|KN|GN|NC"
    r"|(?i:codes?|c[oó]digos?|kode|koder|nr|nos?|nummer|numbers?|nomor|(?:sub)?headings?"
    r"|chapters?|kapitel|kapittel|kapitler|chapitres?|cap[ií]tulos?|hoofdstuk(?:ken)?|bab"
    r"|\w*position(?:en|s)?|posten?|lines?|items?|tariff|tarif|\w*nummer(?:n|e|en)?|varenr"
    r"|arancelari[oa]s?|tarifaires?|tariefpost(?:en)?|goederencodes?|tollposisjon(?:er)?"
    r"|(?:sub)?partidas?|(?:sub)?posi[cç](?:ão|ões|ao|oes)|ex)"
)
_DIGITS = re.compile(r"\d+")
# A code: digits with dots ("8471.30.00") or CN-style spaced pairs ("0406 90 01"); a spaced pair
# followed by a unit or percent sign is a quantity, not part of the code.
_UNIT = r"\s?(?:%|kg\b|t\b|tonnes?\b|tons?\b|units?\b|eur\b|usd\b|€|\$)"
_NUMBER = re.compile(
    rf"\d{{2,10}}(?:\.\d{{1,4}}){{0,3}}(?:[ \u00a0]\d{{2}}(?!\d|{_UNIT})){{0,3}}(?![\d,.]?\d)"
)
_CHAPTER_NUMBER = re.compile(r"\d{1,2}(?![\d]|[.,]\d)")
_NOT_A_CODE_AFTER = re.compile(
    r"(?i)[\s-]?(?:digits?|-?digit|stellig|-stellig|chiffres|d[ií]gitos|cijfers|siffer|digit)\b"
    rf"|{_UNIT}"
)
_LIST = re.compile(
    r"(?i)\s*(?:[,;/&+]\s*)?(?:(?:and|or|und|oder|sowie|et|ou|y|o|e|en|of|og|eller|dan|atau|serta)"
    r"\s+)?(?:ex\s+)?(?=\d)"
)
_RANGE = re.compile(
    r"(?i)\s*(?:-|–|—|to|bis|à|a|al|hasta|até|tot|t/m|til|hingga|sampai|s\.d\.|s/d)\s*(?=\d)"
)
# "Chapter 3 of the Regulation", "Kapitel 5 der Verordnung", "Chapter 11 bankruptcy": not HS.
_LEGAL_AFTER = re.compile(
    r"(?i)\s*[,(]?\s*(?:(?:of|de|du|des|del|da|do|der|van|i|dari|in)\s+)?"
    r"(?:(?:the|this|that|la|le|el|die|dieser|diese|de|het|deze|ce|cette|este|esta)\s+)?"
    r"(?:regulation|directive|act|law|treaty|agreement|convention|decision|annex|protocol|rules"
    r"|guidelines?|standard|report|bankruptcy|verordnung|richtlinie|gesetz|gesetzes|abkommen"
    r"|anhang|règlement|loi|accord|annexe|traité|reglamento|directiva|ley|acuerdo|anexo"
    r"|regulamento|lei|acordo|verordening|richtlijn|wet|overeenkomst|bijlage|forordning|direktiv"
    r"|lov|loven|avtale|vedlegg|peraturan|undang|lampiran|keputusan)\b"
)
_HS_AFTER = re.compile(
    r"(?i)\s*[,(]?\s*(?:(?:of|de|du|des|del|da|do|der|van|i|dari|in)\s+)?"
    r"(?:(?:the|la|le|el|die|de|het|o|a)\s+)?(?:harmoni[sz]ed|harmonisierten|nomenclature"
    r"|nomenclatura|nomenklatur|combined|kombinierten|customs\s+tariff|zolltarif|tarif|arancel"
    r"|tolltariff|HS|SH|CN|KN|NC|BTKI)\b"
)
_TARIFF_CONTEXT = re.compile(
    r"\bHS\b|(?i:harmoni[sz]ed|nomenclat|nomenklatur|customs|zoll|douan|aduan|tarif|arancel"
    r"|pabean|cukai)"
)
_CHAPTER_IN_CUE = re.compile(r"(?i)chapter|kapitel")
_CHAPTER_ACRONYMS = frozenset({"HS", "H.S.", "SH"})
_EDITION_YEARS = frozenset({"2002", "2007"})  # HS editions that are also valid headings
_GROUP_SHAPES = frozenset(
    {(2,), (4,), (6,), (8,), (10,), (4, 2), (4, 4), (4, 2, 2), (4, 2, 4), (4, 2, 2, 2)}
    | {(6, 2), (6, 4), (8, 2), (2, 2, 2)}
)


def hs_chapter(code: str) -> str:
    """The two-digit chapter of an HS code: ``"847130"`` -> ``"84"``."""
    return code[:2]


def find_hs_codes(text: str) -> list[str]:
    """HS codes quoted in ``text``, normalized (digits only, at most six), in order, once each."""
    if not isinstance(text, str) or not text:
        return []
    found: dict[str, None] = {}
    resume = 0
    # Numbers are rarer than letters: find them first, then look for a cue right before each.
    for digits in _DIGITS.finditer(text):
        start = digits.start()
        if start < resume or not _CUE_ENDING.fullmatch(_word_before(text, start)):
            continue
        cue = _CUE_BEFORE.search(text, max(0, start - _CUE_WINDOW), start)
        if cue is not None:
            codes, resume = _codes_after(text, cue)
            found.update(dict.fromkeys(codes))
    return list(found)


def _word_before(text: str, start: int) -> str:
    """The letters right before ``start``, skipping the blanks and punctuation a cue may end in."""
    index = start
    while index > 0 and start - index < _CUE_WINDOW and text[index - 1] in _FILLER_CHARS:
        index -= 1
    end = index
    while index > 0 and end - index < _CUE_WINDOW and text[index - 1].isalpha():
        index -= 1
    return text[index:end]


def _codes_after(text: str, cue: re.Match[str]) -> tuple[list[str], int]:
    """The codes a cue introduces, and where the last one ends."""
    kind = _kind(cue)
    number = _read_number(text, cue.end(), kind)
    if number is None:
        return [], cue.end()
    raw, end = number
    first = _normalize(raw, kind)
    if first is None or not _plausible(text, cue, kind, raw, end):
        return [], end
    codes = [first]
    while step := _RANGE.match(text, end) or _LIST.match(text, end):
        number = _read_number(text, step.end(), kind)
        if number is None:
            break
        raw, next_end = number
        code = _normalize(raw, kind)
        if code is None or (len(code) == 2) != (len(first) == 2):
            break  # "HS 0401, 25 tonnes": a list keeps the granularity it started with
        codes.extend(_expand_range(codes[-1], code) if step.re is _RANGE else [code])
        end = next_end
    return codes, end


def _kind(cue: re.Match[str]) -> str:
    """'chapter' (1-2 digits follow), 'heading'/'tariff' (4+ digits) or 'acronym' (2+ digits)."""
    kind = cue.lastgroup or "acronym"
    if kind == "acronym" and _CHAPTER_IN_CUE.search(cue.group()):
        return "chapter"  # "HS chapter 3"
    return kind


def _read_number(text: str, start: int, kind: str) -> tuple[str, int] | None:
    pattern = _CHAPTER_NUMBER if kind == "chapter" else _NUMBER
    match = pattern.match(text, start)
    if match is None or _NOT_A_CODE_AFTER.match(text, match.end()):
        return None
    return match.group(), match.end()


def _plausible(text: str, cue: re.Match[str], kind: str, raw: str, end: int) -> bool:
    """Rule out what a cue and a valid number still do not make an HS code."""
    if kind == "chapter":
        if cue.group("acronym") or _HS_AFTER.match(text, end):
            return True
        if _LEGAL_AFTER.match(text, end):
            return False  # "Chapter 3 of the Regulation", "Kapitel 5 der Verordnung"
        # "Chapter 3" is also how guides are divided: a one-digit chapter needs tariff context.
        return len(raw) == 2 or _TARIFF_CONTEXT.search(text) is not None
    if kind == "acronym":
        if raw in _EDITION_YEARS:
            return False  # "HS 2007" is the 2007 edition far more often than jams
        if len(raw) == 2 and cue.group("acronym") not in _CHAPTER_ACRONYMS:
            return False  # "CN 28", "NC 27": only HS and SH quote bare chapters
    return True


def _normalize(raw: str, kind: str) -> str | None:
    """Digits of a valid code cut to six, or None ("0401.10" -> "040110")."""
    if kind == "chapter":
        chapter = raw.zfill(2)
        return chapter if chapter in _LAST_HEADING else None
    groups = re.split(r"[.\s\u00a0]", raw)
    shape = tuple(len(group) for group in groups)
    dotted_heading = shape == (2, 2) and "." in raw  # "84.71", the nomenclature's own notation
    if shape not in _GROUP_SHAPES and not dotted_heading:
        return None
    digits = "".join(groups)[:6]
    if len(digits) == 2 and kind in ("tariff", "heading"):
        return None  # "Position 2", "tariff line 12": headings and lines have four digits or more
    return digits if _is_valid(digits) else None


def _is_valid(digits: str) -> bool:
    last = _LAST_HEADING.get(digits[:2])
    if last is None:
        return False
    return len(digits) == 2 or 1 <= int(digits[2:4]) <= last


def _expand_range(low: str, high: str) -> Iterator[str]:
    """'02'-'04' -> 02, 03, 04; '0401'-'0406' -> each heading; other ranges -> their ends."""
    same_chapter = low[:2] == high[:2]
    if len(low) == len(high) == 2 and low < high:
        yield from (c for n in range(int(low), int(high) + 1) if (c := f"{n:02d}") in _LAST_HEADING)
    elif len(low) == len(high) == 4 and same_chapter and low < high:
        yield from (f"{low[:2]}{n:02d}" for n in range(int(low[2:]), int(high[2:]) + 1))
    else:
        yield high
