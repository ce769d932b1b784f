"""Which sectors an item is about: HS codes, the source's labels and keywords in its text.

Evidence, strongest first (every returned code carries its reason):

- **HS codes** tag the sector that lists the chapter in ``config/sectors.yaml``: the sub-sector
  when exactly one of its sub-sectors lists it ("04" -> ``food.dairy``), else the sector ("84" ->
  ``machinery``). Sectors listing the chapter themselves come before sub-sectors whose parent
  does not ("87" is ``automotive``, not ``agriculture.machinery``). Well-known headings that are
  more precise than their chapter (8701 tractors, 8703 cars, 9018 medical instruments) are in
  ``HS_HEADINGS``.
- **Labels** (a source's categories) resolve through the source's ``lookups`` (compared folded;
  an empty list marks a label as known but sector-less), then as a sector name in any language,
  then as one whole keyword ("Käse"). Labels that resolve nowhere are returned as
  ``unknown_labels`` so that the source's owner can add a lookup.
- **Defaults** (the source's sectors) always apply.
- **Keywords** of ``config/sectors.yaml`` are matched in the title (and labels) and the body, in
  the document's language and in English, folded and stemmed as the search index does. A
  multi-word keyword matches consecutive words; the longest keyword wins where several overlap.
  Equal stems must come from forms of one word ("publicou" is not "publicidade", "las" is not
  "láser", though both pairs share a Snowball stem). Acronyms (REACH, LED, IT) match
  case-sensitively and a word in capitals ("SERV") only matches itself; words of up to four
  letters match with their accents (nb "fôr" is fodder, "for" is not; fr "maïs" is maize, "mais"
  is not). In German, Dutch and Norwegian a keyword of five letters or more also matches the
  start of a compound ("Milchprodukte" <- "Milch").

Keyword score, kept simple enough to explain to a user:

- A hit in the title or a label is worth ``TITLE_POINTS`` (2), a hit in the body ``BODY_POINTS``
  (1) per occurrence; a sector also collects its sub-sectors' points.
- A sector is tagged at ``THRESHOLD`` (2): a title mention or two body mentions. In a short body
  (up to ``SHORT_BODY_WORDS`` words, a calendar entry) one mention suffices, so a single passing
  mention in a longer text never tags a sector.
- When HS codes, labels or defaults already say what the item is about, a sector of another
  family (top-level sector) needs twice the threshold.
- A family with less than ``DOMINANCE`` (a third) of the points of the item's main family is a
  side remark ("Ministry of Agriculture" in a cheese notice) and is not tagged.
- Three tagged sub-sectors of one sector stand for the sector; so does a sector whose own
  keywords score at least twice as high as any of its tagged sub-sectors.

The result holds the most specific codes: a sector is dropped when one of its sub-sectors is
tagged (``food`` + ``food.dairy`` -> ``food.dairy``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from exportwatch.analysis import stem, tokenize
from exportwatch.taxonomy import LANGUAGES, Sectors

__all__ = [
    "BODY_POINTS",
    "DOMINANCE",
    "HS_HEADINGS",
    "SHORT_BODY_WORDS",
    "THRESHOLD",
    "TITLE_POINTS",
    "Classification",
    "SectorClassifier",
]

TITLE_POINTS = 2
BODY_POINTS = 1
THRESHOLD = 2
SHORT_BODY_WORDS = 25
DOMINANCE = 1 / 3

# HS headings (4 digits) and subheadings (6) whose sector is more precise than their chapter's.
HS_HEADINGS: dict[str, str] = {
    **dict.fromkeys(("0407", "0408", "0409", "0410"), "food"),  # eggs, honey: ch. 04 minus dairy
    **dict.fromkeys(("1601", "1602"), "food.meat"),
    **dict.fromkeys(("1604", "1605"), "fisheries.processing"),
    **dict.fromkeys(("1701", "1702", "1703", "1901", "1902", "1903", "1904"), "food"),
    **dict.fromkeys(("2103", "2104", "2105", "2106", "2209"), "food"),
    **dict.fromkeys(("2201", "2202"), "food.beverages"),
    **dict.fromkeys(("2203", "2204", "2205", "2206", "2208"), "food.wine-spirits"),
    "1209": "agriculture.inputs",
    "2309": "agriculture.livestock",
    "230910": "leisure.pets",
    "2716": "energy",
    "3002": "pharma.biotech",
    **dict.fromkeys(("3003", "3004"), "pharma.medicines"),
    **dict.fromkeys(("3005", "3006"), "medical.consumables"),
    "3301": "cosmetics.fragrances",
    "3303": "cosmetics.fragrances",
    "3304": "cosmetics.skin-care",
    "3305": "cosmetics.hair-care",
    **dict.fromkeys(("3306", "3307", "3401"), "cosmetics.hygiene"),
    "3808": "agriculture.inputs",
    "3822": "medical.diagnostics",
    "3826": "energy.bioenergy",
    "3923": "packaging.plastic",
    **dict.fromkeys((f"39{n:02d}" for n in range(1, 15)), "chemicals.plastics"),
    **dict.fromkeys(("4011", "4012", "4013"), "chemicals.rubber"),
    "440131": "energy.bioenergy",
    **dict.fromkeys(("4403", "4406", "4407"), "forestry.timber"),
    **dict.fromkeys(("4410", "4411", "4412", "4418"), "forestry.wood-products"),
    **dict.fromkeys(("4819", "4822"), "packaging.paper-board"),
    **dict.fromkeys((f"48{n:02d}" for n in range(1, 14)), "forestry.pulp-paper"),
    **dict.fromkeys(("6904", "6905", "6907", "6910"), "construction.materials"),
    **dict.fromkeys(("6911", "6912", "6913"), "furniture.homewares"),
    "7010": "packaging.glass-metal",
    **dict.fromkeys(("7013", "7323", "8211", "8215"), "furniture.homewares"),
    **dict.fromkeys(("7003", "7004", "7005", "7007", "7008", "7016"), "construction.materials"),
    **dict.fromkeys(("7304", "7305", "7306"), "metals.steel"),
    **dict.fromkeys(("7308", "7610"), "metals.fabricated"),
    **dict.fromkeys(("7310", "7612"), "packaging.glass-metal"),
    **dict.fromkeys(("7318", "8301", "8302"), "metals.tools-hardware"),
    **dict.fromkeys((f"82{n:02d}" for n in range(1, 8)), "metals.tools-hardware"),
    "8105": "mining.critical-raw-materials",
    **dict.fromkeys(("8413", "8414", "8481", "8482", "8412"), "machinery.fluid-power"),
    "8415": "construction.building-services",
    **dict.fromkeys(("8418", "8450", "8508", "8509", "8510", "8516"), "electronics.consumer"),
    **dict.fromkeys(("842211", "841451", "841460"), "electronics.consumer"),  # dishwashers, hoods
    "8422": "packaging.machinery",
    **dict.fromkeys(("8425", "8426", "8427", "8428", "8709"), "machinery.handling"),
    **dict.fromkeys(("8429", "8430"), "construction.machinery"),
    **dict.fromkeys(("8432", "8433", "8436", "8437", "8701"), "agriculture.machinery"),
    **dict.fromkeys(("8434", "8435", "8438"), "machinery.food-processing"),
    **dict.fromkeys((f"84{n}" for n in (*range(56, 66), 68)), "machinery.machine-tools"),
    "8467": "metals.tools-hardware",
    **dict.fromkeys(("8470", "8471", "8472", "8473"), "ict.hardware"),
    "8474": "mining.equipment",
    "847950": "machinery.automation",
    "8486": "electronics.components",
    **dict.fromkeys(
        ("8501", "8502", "8504", "8535", "8536", "8537", "8544"), "electronics.electrical"
    ),
    "850231": "energy.wind",
    **dict.fromkeys(("8506", "8507"), "energy.storage-grids"),
    **dict.fromkeys(("8511", "8512"), "automotive.parts"),
    "8517": "ict.telecom",
    **dict.fromkeys(("8518", "8519", "8521", "8528"), "electronics.consumer"),
    **dict.fromkeys(("8532", "8533", "8534", "8541", "8542"), "electronics.components"),
    **dict.fromkeys(("854142", "854143"), "energy.solar"),
    "8539": "electronics.lighting",
    "870120": "automotive.vehicles",
    **dict.fromkeys(
        ("8702", "8703", "8704", "8705", "8706", "8707", "8716"), "automotive.vehicles"
    ),
    "8708": "automotive.parts",
    **dict.fromkeys(("8711", "8712", "8714"), "automotive.two-wheelers"),
    "8710": "aerospace.defence",
    "8713": "medical.rehab",
    "8715": "leisure.toys",
    **dict.fromkeys(("8901", "8902", "8904", "8905", "8906"), "maritime.shipbuilding"),
    "8903": "maritime.boats",
    **dict.fromkeys(
        (f"90{n:02d}" for n in (*range(2, 18), *range(24, 34))), "electronics.instruments"
    ),
    **dict.fromkeys(("9018", "9020"), "medical"),
    **dict.fromkeys(("901841", "901849", "902121"), "medical.dental"),
    "901831": "medical.consumables",
    **dict.fromkeys(("9019", "9021"), "medical.rehab"),
    "9022": "medical.electromedical",
    "9405": "electronics.lighting",
    **dict.fromkeys(("9503", "9504"), "leisure.toys"),
    "9506": "leisure.sports",
}

_COMPOUND_LANGUAGES = frozenset({"de", "nl", "nb"})
_PREFIX_MIN = 5  # "Milch" opens "Milchprodukte"; four letters would let "Mode" open "Modell"
_COMPOUND_EXTRA = 3  # a compound is at least this much longer than the keyword in it
_SHORT_WORD = 4  # words this short match with their accents
# Two forms of one word differ in at most this many final letters; a word in the text may lack
# one letter fewer ("Schweine"/"Schwein", but not "blikjes"/"blik" or "farming"/"farms").
_INFLECTION = 3
_ACRONYM_MAX = 5
_COLLAPSE = 3
_DECISIVE = 1000  # sort keys: evidence that needs no points first, source defaults last
_DEFAULT = 500
_LANGUAGE_ALIASES = {"no": "nb", "nn": "nb"}
_TOKEN = re.compile(r"\w+")
# Per keyword word: the raw forms an acronym may take, or the accented prefix and least length
# a short word must have; None when the stem alone decides.
_Check = frozenset[str] | tuple[str, int] | None
_T = TypeVar("_T")
_CACHE_LIMIT = 200_000
_folded: dict[str, str] = {}  # accented word -> folded
_stems: dict[str, dict[str, str]] = {}  # language -> folded word -> stem


@dataclass(frozen=True, slots=True)
class Classification:
    """Sectors found for one item, the labels nothing resolved, and why each code was chosen."""

    sectors: list[str]
    unknown_labels: list[str]
    reasons: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Keyword:
    """One keyword of one language, ready to compare with a document's stems."""

    text: str  # as written in sectors.yaml, for reasons
    words: tuple[str, ...]  # folded
    stems: tuple[str, ...]
    checks: tuple[_Check, ...]  # per word: acronym forms, accent prefix
    codes: tuple[str, ...]


@dataclass(slots=True)
class _Evidence:
    """Points and reasons collected for one document."""

    points: dict[str, int] = field(default_factory=dict)
    keywords: dict[str, list[str]] = field(default_factory=dict)
    decisive: dict[str, str] = field(default_factory=dict)

    def add_keyword(self, keyword: _Keyword, points: int, found: str | None = None) -> None:
        label = f"'{keyword.text}'" + (f" in '{found}'" if found else "")
        for code in keyword.codes:
            self.points[code] = self.points.get(code, 0) + points
            seen = self.keywords.setdefault(code, [])
            if label not in seen:
                seen.append(label)

    def add_decisive(self, code: str, reason: str) -> None:
        self.decisive.setdefault(code, reason)


@dataclass(slots=True)
class _Document:
    """A document's words in the three forms matching needs, aligned by position."""

    raw: tuple[str, ...]
    words: tuple[str, ...]  # folded
    stems: dict[str, tuple[str, ...]]
    title_words: int


class SectorClassifier:
    """Tags items with sector codes: build once (about 50 ms), then classify (~0.1 ms per 2 kB)."""

    def __init__(self, sectors: Sectors) -> None:
        self._sectors = sectors
        self._order = {sector.code: index for index, sector in enumerate(sectors)}
        self._phrases: dict[str, dict[str, list[_Keyword]]] = {}  # by first stem
        self._multi: dict[str, dict[tuple[str, ...], list[_Keyword]]] = {}  # by first 2 stems
        self._singles: dict[str, dict[str, _Keyword | None]] = {}  # raw word -> its keyword
        self._prefixes: dict[str, dict[str, list[_Keyword]]] = {}
        self._compounds: dict[str, dict[str, _Keyword | None]] = {}
        for language in LANGUAGES:
            self._index_language(language)
        self._by_chapter = {chapter: self._chapter_sectors(chapter) for chapter in _chapters()}
        self._by_heading = {
            code: sector for code, sector in HS_HEADINGS.items() if sector in sectors
        }

    # -- construction -------------------------------------------------------------------------

    def _index_language(self, language: str) -> None:
        texts: dict[tuple[str, ...], str] = {}
        codes_of: dict[tuple[str, ...], set[str]] = {}
        for sector in self._sectors:
            for text in sector.keywords.get(language, ()):
                words = tuple(tokenize(text))
                if words:
                    texts.setdefault(words, text)
                    codes_of.setdefault(words, set()).add(sector.code)
        phrases: dict[str, list[_Keyword]] = {}
        prefixes: dict[str, list[_Keyword]] = {}
        for words, text in texts.items():
            keyword = _make_keyword(text, words, language, self._most_specific(codes_of[words]))
            if keyword is None:
                continue
            phrases.setdefault(keyword.stems[0], []).append(keyword)
            stem0 = keyword.stems[0]
            if (
                len(words) == 1
                and keyword.checks[0] is None
                and language in _COMPOUND_LANGUAGES
                and len(stem0) >= _PREFIX_MIN
            ):
                prefixes.setdefault(stem0[:_PREFIX_MIN], []).append(keyword)
        for table in (phrases, prefixes):
            for candidates in table.values():
                candidates.sort(key=lambda keyword: (-len(keyword.stems), -len(keyword.stems[0])))
        self._phrases[language] = phrases
        multi: dict[tuple[str, ...], list[_Keyword]] = {}
        for candidates in phrases.values():  # longest first, so each list stays sorted
            for keyword in candidates:
                if len(keyword.stems) > 1:
                    multi.setdefault((keyword.stems[0], keyword.stems[1]), []).append(keyword)
        self._multi[language] = multi
        self._prefixes[language] = prefixes

    def _most_specific(self, codes: Iterable[str]) -> tuple[str, ...]:
        """The codes without those whose sub-sector is also present, in file order."""
        found = set(codes)
        parents = {self._sectors[code].parent for code in found}
        return tuple(sorted(found - parents, key=self._order.__getitem__))

    def _chapter_sectors(self, chapter: str) -> tuple[str, ...]:
        listing = self._sectors.by_hs_chapter(chapter)
        tops = [sector.code for sector in listing if sector.parent is None]
        parents = tops or list(dict.fromkeys(str(sector.parent) for sector in listing))
        chosen: list[str] = []
        for parent in parents:
            subs = [sector.code for sector in listing if sector.parent == parent]
            chosen.append(subs[0] if len(subs) == 1 else parent)
        return tuple(chosen)

    # -- classification -----------------------------------------------------------------------

    def classify(
        self,
        *,
        title: str,
        text: str,
        language: str | None,
        hs_codes: Sequence[str] = (),
        labels: Sequence[str] = (),
        lookups: Mapping[str, Sequence[str]] | None = None,
        defaults: Sequence[str] = (),
    ) -> Classification:
        """Sectors of one item (see the module docstring for the rules)."""
        languages = self._languages(language)
        evidence = _Evidence()
        for code in _strings(hs_codes):
            for sector in self._hs_sectors(code):
                evidence.add_decisive(sector, f"HS {code}")
        clean_labels = [label for label in _strings(labels) if label.strip()]
        unknown = self._resolve_labels(clean_labels, lookups, languages, evidence)
        title_zone = "\n".join([title if isinstance(title, str) else "", *clean_labels])
        body = text if isinstance(text, str) else ""
        document = _read(title_zone, body, languages)
        self._match_keywords(document, languages, evidence)
        body_words = len(document.raw) - document.title_words
        threshold = 1 if body_words <= SHORT_BODY_WORDS else THRESHOLD
        defaults_found = [code for code in _strings(defaults) if code in self._sectors]
        return self._decide(evidence, threshold, defaults_found, unknown)

    def _languages(self, language: str | None) -> tuple[str, ...]:
        """The document's keyword language (if it has keywords), then English."""
        if not isinstance(language, str):
            return ("en",)
        code = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
        code = _LANGUAGE_ALIASES.get(code, code)
        return (code, "en") if code in self._phrases and code != "en" else ("en",)

    def _hs_sectors(self, code: str) -> tuple[str, ...]:
        digits = code.replace(".", "").strip()
        if not digits.isdigit() or len(digits) < 2:
            return ()
        for prefix in (digits[:6], digits[:4]):
            if len(prefix) >= 4 and prefix in self._by_heading:
                return (self._by_heading[prefix],)
        return self._by_chapter.get(digits[:2], ())

    def _resolve_labels(
        self,
        labels: list[str],
        lookups: Mapping[str, Sequence[str]] | None,
        languages: tuple[str, ...],
        evidence: _Evidence,
    ) -> list[str]:
        usable = labels and isinstance(lookups, Mapping)
        folded = _fold_lookups(lookups) if usable and lookups else {}
        unknown: list[str] = []
        for label in labels:
            key = " ".join(tokenize(label))
            if key in folded:
                mapped = folded[key]
                valid = [code for code in mapped if code in self._sectors]
                for code in valid:
                    evidence.add_decisive(code, f"lookup '{label}'")
                if valid or not mapped:
                    continue  # an empty list marks a label known to carry no sector
            named = self._sectors.resolve(label.strip())
            codes = (named,) if named else self._whole_keyword(label, languages)
            if codes:
                for found in codes:
                    evidence.add_decisive(found, f"label '{label}'")
            elif label not in unknown:
                unknown.append(label)
        return unknown

    def _whole_keyword(self, label: str, languages: tuple[str, ...]) -> tuple[str, ...]:
        """Codes of the keyword a label is, in the document's languages first, then any."""
        raw = tuple(_TOKEN.findall(label))
        words = tuple(tokenize(label))
        if not words or len(raw) != len(words):
            return ()
        for language in dict.fromkeys((*languages, *LANGUAGES)):
            stems = _stem_words(words, language)
            for keyword in self._phrases[language].get(stems[0], ()):
                if (
                    keyword.stems == stems
                    and _checks_pass(keyword.checks, raw)
                    and _same_words(keyword, raw, words, stems, 0, language)
                ):
                    return keyword.codes
        return ()

    def _match_keywords(
        self, document: _Document, languages: tuple[str, ...], evidence: _Evidence
    ) -> None:
        covered: set[int] = set()
        for language in languages:
            self._match_phrases(document, language, covered, evidence)
        if languages[0] in _COMPOUND_LANGUAGES:
            self._match_compounds(document, languages[0], covered, evidence)

    def _match_phrases(
        self, document: _Document, language: str, covered: set[int], evidence: _Evidence
    ) -> None:
        table, multi = self._phrases[language], self._multi[language]
        stems, edge = document.stems[language], document.title_words
        free = 0  # the longest keyword wins: the next match starts after the last one
        for index in [index for index, root in enumerate(stems) if root in table]:
            if index < free or index in covered:
                continue
            found = None
            for keyword in multi.get(stems[index : index + 2], ()):
                stop = index + len(keyword.stems)
                if _matches(keyword, document, language, index, stop, covered):
                    found = keyword
                    break
            else:
                found = self._single(document.raw[index], document.words[index], language)
            if found is not None:
                stop = index + len(found.stems)
                evidence.add_keyword(found, TITLE_POINTS if index < edge else BODY_POINTS)
                covered.update(range(index, stop))
                free = stop

    def _single(self, raw: str, word: str, language: str) -> _Keyword | None:
        """The one-word keyword a word of the text is (cached per word and language)."""
        cache = self._singles.setdefault(language, {})
        if raw in cache:
            return cache[raw]
        root = _stem_words((word,), language)
        found = None
        for keyword in self._phrases[language].get(root[0], ()):
            if (
                len(keyword.stems) == 1
                and _checks_pass(keyword.checks, (raw,))
                and _same_words(keyword, (raw,), (word,), root, 0, language)
            ):
                found = keyword
                break
        _remember(cache, raw, found)
        return found

    def _match_compounds(
        self, document: _Document, language: str, covered: set[int], evidence: _Evidence
    ) -> None:
        stems = document.stems[language]
        shortest = _PREFIX_MIN + _COMPOUND_EXTRA
        found: dict[str, _Keyword] = {}
        for word in {word for word in set(stems) if len(word) >= shortest}:
            keyword = self._compound_keyword(word, language)
            if keyword is not None:
                found[word] = keyword
        for index in [index for index, word in enumerate(stems) if word in found] if found else ():
            if index not in covered:
                points = TITLE_POINTS if index < document.title_words else BODY_POINTS
                evidence.add_keyword(found[stems[index]], points, document.raw[index])

    def _compound_keyword(self, word: str, language: str) -> _Keyword | None:
        """The keyword that starts the compound ``word`` (a stem), cached per word.

        Only the start: the first part of a German, Dutch or Norwegian compound names its topic
        ("Milch|produkte"), the last often a generic head ("Bau|maschinen", "voedings|machines").
        """
        cache = self._compounds.setdefault(language, {})
        if word in cache:
            return cache[word]
        keyword = _compound_part(word, self._prefixes[language].get(word[:_PREFIX_MIN], ()))
        _remember(cache, word, keyword)
        return keyword

    def _decide(
        self, evidence: _Evidence, threshold: int, defaults: list[str], unknown: list[str]
    ) -> Classification:
        reasons: dict[str, str] = dict(evidence.decisive)
        scores: dict[str, int] = dict.fromkeys(evidence.decisive, _DECISIVE)
        for code, points in self._keyword_sectors(evidence, threshold, defaults).items():
            scores.setdefault(code, points)
        self._collapse(scores, reasons, evidence, threshold)
        for code in defaults:
            if code not in scores:
                scores[code] = _DEFAULT
                reasons[code] = "source default"
        parents = {self._sectors[code].parent for code in scores}
        chosen = sorted(
            (code for code in scores if code not in parents),
            key=lambda code: (-scores[code], self._order[code]),
        )
        explained = {
            code: reasons.get(code) or _keyword_reason(self._child_keywords(code, evidence))
            for code in chosen
        }
        return Classification(chosen, unknown, explained)

    def _keyword_sectors(
        self, evidence: _Evidence, threshold: int, defaults: list[str]
    ) -> dict[str, int]:
        """Codes whose keyword points pass the threshold, with their points."""
        known = {self._top(code) for code in (*evidence.decisive, *defaults)}
        totals = self._keyword_totals(evidence)
        families = {code: points for code, points in totals.items() if code == self._top(code)}
        main = max(families.values(), default=0)
        passed: dict[str, int] = {}
        for code, points in totals.items():
            family = self._top(code)
            needed = threshold if not known or family in known else 2 * threshold
            if points >= needed and families[family] >= DOMINANCE * main:
                passed[code] = points
        return passed

    def _keyword_totals(self, evidence: _Evidence) -> dict[str, int]:
        """Keyword points per code; a sector also collects its sub-sectors' points."""
        totals = dict(evidence.points)
        for code, points in evidence.points.items():
            parent = self._sectors[code].parent
            if parent is not None:
                totals[parent] = totals.get(parent, 0) + points
        return totals

    def _collapse(
        self, scores: dict[str, int], reasons: dict[str, str], evidence: _Evidence, threshold: int
    ) -> None:
        """Replace sub-sectors by their sector when the item is about the sector as a whole.

        That is when three sub-sectors of one sector are tagged, or when the sector's own keywords
        reach the threshold with at least twice the points of any tagged sub-sector (which is
        then a passing mention). Two sub-sectors named side by side stay as they are.
        """
        children: dict[str, list[str]] = {}
        for code in scores:
            parent = self._sectors[code].parent
            if parent is not None:
                children.setdefault(parent, []).append(code)
        for parent, found in children.items():
            own = evidence.points.get(parent, 0)
            strongest = max(scores[code] for code in found)
            named = own >= threshold and own >= 2 * strongest
            if len(found) >= _COLLAPSE or named:
                for code in found:
                    del scores[code]
                scores[parent] = max(scores.get(parent, 0), _DECISIVE - 1)
                if parent not in evidence.decisive and not own:
                    reasons[parent] = "sub-sectors " + ", ".join(found)

    def _top(self, code: str) -> str:
        return self._sectors[code].parent or code

    def _child_keywords(self, code: str, evidence: _Evidence) -> list[str]:
        found = list(evidence.keywords.get(code, ()))
        for child in self._sectors[code].children:
            found.extend(word for word in evidence.keywords.get(child, ()) if word not in found)
        return found


def _make_keyword(
    text: str, words: tuple[str, ...], language: str, codes: tuple[str, ...]
) -> _Keyword | None:
    """A keyword with its stems and, per word, how its raw form must look (acronym, accents)."""
    raw_words = _TOKEN.findall(text)
    if len(words) != len(raw_words):
        return None  # folding split a word ("ﬁ½"): too odd to match reliably
    stems = tuple(stem(word, language) for word in words)
    checks = tuple(
        _check(raw, word, root) for raw, word, root in zip(raw_words, words, stems, strict=True)
    )
    return _Keyword(text, words, stems, checks, codes)


def _check(raw: str, word: str, root: str) -> _Check:
    uppers = sum(char.isupper() for char in raw)
    if uppers >= 2 and len(raw) <= _ACRONYM_MAX:
        return frozenset({raw, raw + "s"})  # REACH, not "reach"; LEDs
    if len(word) <= _SHORT_WORD:
        # "fôr" is not "for", "maïs" is not "mais", nb "mote" (fashion) is not "mot" (against)
        return raw.lower()[: len(root)], len(raw)
    return None


def _checks_pass(checks: tuple[_Check, ...], raw: tuple[str, ...]) -> bool:
    for check, word in zip(checks, raw, strict=False):
        if check is None:
            continue
        if isinstance(check, frozenset):
            if word not in check:
                return False
        elif len(word) < check[1] or not word.lower().startswith(check[0]):
            return False
    return True


def _matches(
    keyword: _Keyword, document: _Document, language: str, index: int, stop: int, covered: set[int]
) -> bool:
    stems = document.stems[language]
    return (
        stems[index:stop] == keyword.stems
        and (index >= document.title_words or stop <= document.title_words)  # not title+body
        and covered.isdisjoint(range(index + 1, stop))
        and _checks_pass(keyword.checks, document.raw[index:stop])
        and _same_words(
            keyword, document.raw[index:stop], document.words[index:stop], stems, index, language
        )
    )


def _same_words(
    keyword: _Keyword,
    raw: tuple[str, ...],
    words: tuple[str, ...],
    stems: tuple[str, ...],
    start: int,
    language: str,
) -> bool:
    """Whether equal stems come from forms of the same word, not from overstemming.

    Snowball reduces "publicou" and "publicidade" to "public", and Spanish "las" and "láser" to
    "las": the words must share all but their last few letters. The Indonesian stemmer strips
    prefixes as well ("pengemasan" -> "emas", gold), so there a bare stem in the text does not
    match a keyword that had affixes.
    """
    for offset, (wanted, found) in enumerate(zip(keyword.words, words, strict=True)):
        if wanted == found:
            continue
        if raw[offset].isupper() and len(raw[offset]) > 1:
            return False  # "SERV" (an agency) is not "Server": capitals are names and acronyms
        if language == "en":
            wanted, found = _singular(wanted), _singular(found)  # "fisheries" / "fishery"
        if language == "id":
            if found == stems[start + offset] and wanted != keyword.stems[offset]:
                return False
            continue
        shared = _shared_prefix(wanted, found)
        lacking = _INFLECTION - 1 if len(found) < len(wanted) else _INFLECTION
        if shared < len(wanted) - lacking or shared < len(found) - _INFLECTION:
            return False
    return True


def _singular(word: str) -> str:
    return word[:-3] + "y" if word.endswith("ies") else word


def _shared_prefix(first: str, second: str) -> int:
    length = min(len(first), len(second))
    for index in range(length):
        if first[index] != second[index]:
            return index
    return length


def _compound_part(word: str, candidates: Iterable[_Keyword]) -> _Keyword | None:
    for keyword in candidates:
        part = keyword.stems[0]
        if len(word) >= len(part) + _COMPOUND_EXTRA and word.startswith(part):
            return keyword
    return None


def _read(title: str, body: str, languages: tuple[str, ...]) -> _Document:
    raw = _TOKEN.findall(title)
    title_words = len(raw)
    raw += _TOKEN.findall(body)
    words = _fold_words(raw)
    stems = {language: _stem_words(words, language) for language in languages}
    return _Document(tuple(raw), words, stems, title_words)


def _fold_words(raw: list[str]) -> tuple[str, ...]:
    """Each word folded as ``analysis.fold`` does, one per word; accented words are cached."""
    lowered = [word.lower() for word in raw]
    if all(map(str.isascii, lowered)):
        return tuple(lowered)
    folded = _folded
    return tuple(
        [word.lower() if word.isascii() else folded.get(word) or _fold_new(word) for word in raw]
    )


def _fold_new(word: str) -> str:
    folded = "".join(tokenize(word)) or word.lower()  # 'ǆ' -> 'dz'; a lone mark stays itself
    _remember(_folded, word, folded)
    return folded


def _stem_words(words: tuple[str, ...], language: str) -> tuple[str, ...]:
    """Stems as the search index makes them (``analysis.stem``), through a per-language cache."""
    cache = _stems.setdefault(language, {})
    known = cache.get
    return tuple([known(word) or _stem_new(word, language, cache) for word in words])


def _stem_new(word: str, language: str, cache: dict[str, str]) -> str:
    root = stem(word, language) or word
    _remember(cache, word, root)
    return root


def _remember(cache: dict[str, _T], key: str, value: _T) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()  # a crude bound: vocabularies are Zipfian, the cache refills quickly
    cache[key] = value


def _fold_lookups(lookups: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    folded: dict[str, list[str]] = {}
    for label, codes in lookups.items():
        if isinstance(label, str):
            folded.setdefault(" ".join(tokenize(label)), list(_strings(codes)))
    return folded


def _keyword_reason(keywords: list[str]) -> str:
    if len(keywords) == 1:
        return f"keyword {keywords[0]}"
    return "keywords " + ", ".join(keywords[:3])


def _strings(values: object) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        return []
    return [value for value in values if isinstance(value, str)]


def _chapters() -> list[str]:
    return [f"{n:02d}" for n in range(1, 98) if n != 77]
