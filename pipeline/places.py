"""Places in items: markets named in free text, venue places, WTO notification symbols.

:class:`Places` builds, once, a trie over folded word tokens of every country and grouping
name the taxonomy knows (CLDR names in the working languages, pycountry, markets.yaml) plus
the adjectives, extra names and non-market expressions of ``data/demonyms.yaml``. A text is
split into tokens once and scanned left to right, longest match first, so finding the markets
of a page costs one dictionary look-up per word. Cities are never looked for in prose ("Nice",
"Split", "Essen" are words); :meth:`Places.parse_location` and :meth:`Places.city_country`
read structured place fields with the GeoNames gazetteer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Literal

from exportwatch.analysis import fold
from exportwatch.errors import ConfigError
from exportwatch.model import Venue
from exportwatch.pipeline.demonyms import Demonyms, Guards, load_demonyms
from exportwatch.pipeline.gazetteer import City, Gazetteer, city_key, load_gazetteer
from exportwatch.taxonomy import LANGUAGES, Markets, Taxonomy, alpha2_of, country_codes
from exportwatch.taxonomy.countries import cldr_names

__all__ = ["Places", "find_wto_symbols", "wto_market"]

Case = Literal["any", "capital", "upper"]
# Priorities among terms of one span and level: the lower wins.
BLOCKER, EXTRA_NAME, NAME, ADJECTIVE = 0, 1, 2, 3
# Regions too vague to be a market in prose ("global", "worldwide").
_NOT_IN_PROSE = frozenset({"M49-001"})

_SPLIT = re.compile(r"(\W+)")
_JOIN = re.compile(r"[ \u00a0\-\u2010-\u2013'\u2019.&]{1,3}")  # between the words of one name
_PHRASE_END = re.compile(r"[.,;:!?()\[\]\n]")
_INLINE = re.compile(r"[ \u00a0]+")
_UPPER_ASCII = re.compile(r"[A-Z]")
_CLAUSE_END = re.compile(r"[!?;()\[\]\n]")


@dataclass(frozen=True, slots=True)
class _Term:
    """What a run of tokens means: a market code, or None for a non-market expression."""

    code: str | None
    language: str | None
    case: Case
    priority: int
    key: str  # the folded tokens, space-separated


@dataclass(slots=True)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    terms: list[_Term] = field(default_factory=list)
    by_language: dict[str | None, tuple[_Term, ...]] = field(default_factory=dict)

    def ordered(self, language: str | None) -> tuple[_Term, ...]:
        """The terms that may apply in ``language``, in the order they are tried."""
        terms = self.by_language.get(language)
        if terms is None:
            ranked = sorted(
                (term for term in self.terms if _level(term, language) < 2),
                key=lambda term: (_level(term, language), term.priority),
            )
            seen: set[tuple[str | None, Case, int, bool]] = set()
            unique = []
            for term in ranked:  # one term per meaning and rule: 'China' is a name in 5 languages
                identity = (term.code, term.case, term.priority, term.language in (None, language))
                if identity not in seen:
                    seen.add(identity)
                    unique.append(term)
            terms = self.by_language[language] = tuple(unique)
        return terms


@dataclass(slots=True)
class _Text:
    """A text split once into folded tokens (even indexes) and the gaps between (odd ones).

    ``part`` gives the text as written: for ASCII text it is cut from the text on demand
    (lower-casing keeps lengths), so the common case splits the text once.
    """

    text: str
    folded: list[str]
    relaxed: bool  # no upper-case letter at all: capitals are no evidence
    parts: list[str] | None = None
    offsets: list[int] | None = None  # where each part starts in ``text``
    languages: set[int] = field(default_factory=set)  # tokens found to name a language

    def part(self, index: int) -> str:
        if not 0 <= index < len(self.folded):
            return ""
        if self.parts is not None:
            return self.parts[index]
        if self.offsets is None:
            self.offsets = list(accumulate(map(len, self.folded), initial=0))
        return self.text[self.offsets[index] : self.offsets[index + 1]]

    def folded_token(self, index: int) -> str:
        return self.folded[index] if 0 <= index < len(self.folded) else ""

    def gap(self, index: int) -> str:
        """The gap after token ``index`` (the empty string past the end)."""
        return self.part(index + 1)

    def before(self, start: int, count: int, stop: re.Pattern[str] = _PHRASE_END) -> list[str]:
        """Up to ``count`` folded tokens before ``start``, nearest last, up to a ``stop`` gap."""
        words: list[str] = []
        index = start - 2
        while index >= 0 and len(words) < count and not stop.search(self.part(index + 1)):
            if self.folded[index]:
                words.insert(0, self.folded[index])
            index -= 2
        return words

    def after(self, end: int, count: int) -> list[str]:
        """Up to ``count`` folded tokens after ``end``, crossing commas but not sentences."""
        words: list[str] = []
        index = end + 2
        while index < len(self.folded) and len(words) < count:
            gap = self.part(index - 1)
            if "\n" in gap or ". " in gap:
                break
            if self.folded[index]:
                words.append(self.folded[index])
            index += 2
        return words

    def token_indexes(self) -> list[int]:
        return [i for i in range(0, len(self.folded), 2) if self.folded[i]]


@lru_cache(maxsize=1 << 16)
def _fold_token(token: str) -> str:
    return fold(token)


def _split(text: str) -> _Text:
    if text.isascii():  # lower-casing is all the folding ASCII needs
        lowered = text.lower()
        return _Text(text, _SPLIT.split(lowered), relaxed=lowered == text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    lowered = text.lower()
    parts: list[str] | None = None
    offsets: list[int] | None = None
    if len(lowered) == len(text):  # as good as always: cut the written parts on demand
        folded = _SPLIT.split(lowered)
        offsets = list(accumulate(map(len, folded), initial=0))  # before folding changes lengths
    else:  # lower-casing changed a length ('İ' -> 'i' + dot above): split both
        parts = _SPLIT.split(text)
        folded = [part.lower() for part in parts]
    folded[::2] = [token if token.isascii() else _fold_token(token) for token in folded[::2]]
    return _Text(text, folded, relaxed=text == lowered, parts=parts, offsets=offsets)


def _tokens(name: str) -> list[str]:
    return [token for token in _split(name).folded[::2] if token]


def _case_of(written: str) -> Case:
    letters = [char for char in written if char.isalpha()]
    if len(letters) >= 2 and all(char.isupper() for char in letters):
        return "upper"
    return "capital" if letters and letters[0].isupper() else "any"


def _words(values: Iterable[str]) -> frozenset[str]:
    return frozenset(" ".join(_tokens(value)) for value in values)


def _sequences(values: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(_tokens(value)) for value in values)


def _ends_with(words: Sequence[str], sequences: Iterable[tuple[str, ...]]) -> bool:
    return any(seq and tuple(words[-len(seq) :]) == seq for seq in sequences)


def _starts_with(words: Sequence[str], sequences: Iterable[tuple[str, ...]]) -> bool:
    return any(seq and tuple(words[: len(seq)]) == seq for seq in sequences)


class _Checks:
    """The context rules of demonyms.yaml's ``guards``, folded for matching."""

    def __init__(self, guards: Guards) -> None:
        self.given_names = _words(guards.given_names)
        self.followers = _words(guards.name_followers)
        self.leaders = _words(guards.name_leaders)
        self.us_states = _words(guards.us_states)
        self.us_before = _sequences(guards.us_context_before)
        self.us_after = _sequences(guards.us_context_after)
        self.name_language_before = _words(guards.name_language_before)
        self.pronouns = _words(guards.pronouns)
        self.pronoun_leaders = frozenset(guards.pronoun_leaders)
        context = guards.languages
        self.before = {lang: _sequences(words) for lang, words in context.before.items()}
        self.conjunctions = _words(context.conjunctions)
        # Without a language, a word that is "and" somewhere ("en") proves nothing.
        self.before_any = tuple(
            seq for seqs in self.before.values() for seq in seqs if seq[-1] not in self.conjunctions
        )
        self.phrase_end = {lang: _words(words) for lang, words in context.before_phrase_end.items()}
        self.phrase_end_any = frozenset().union(*self.phrase_end.values())
        self.after = _words(context.after)
        self.language_words = _words(context.words)
        self.adjective_keys: frozenset[str] = frozenset()  # set by the matcher
        self.guarded_keys = self.given_names | self.us_states | self.pronouns

    def allow(self, term: _Term, text: _Text, start: int, end: int, language: str | None) -> bool:
        """Whether the context lets ``term`` at tokens ``start``-``end`` name a market."""
        if text.folded_token(start - 2) in self.name_language_before:
            return False
        if term.priority != ADJECTIVE and term.key not in self.guarded_keys:
            return True
        # A name that is also an adjective form in another language ("Nederlands", Norwegian
        # genitive of Nederland, is Dutch for "Dutch") may be a language name too.
        adjective = term.priority == ADJECTIVE or (
            term.key in self.adjective_keys and term.language not in (None, language)
        )
        if adjective and self._names_language(text, start, end, language):
            text.languages.add(start)
            return False
        if term.key in self.given_names and self._is_person(text, start, end):
            return False
        if term.key in self.us_states and self._is_us_state(text, start, end):
            return False
        return not (term.key in self.pronouns and self._is_pronoun(text, start))

    def _names_language(self, text: _Text, start: int, end: int, language: str | None) -> bool:
        before = text.before(start, 2)
        strong = self.before.get(language, ()) if language else self.before_any
        if _ends_with(before, strong):
            return True
        after = text.after(end, 1)
        if after and after[0] in self.after and not _PHRASE_END.search(text.gap(end)):
            return True
        weak = self.phrase_end.get(language, frozenset()) if language else self.phrase_end_any
        ends_phrase = not after or bool(_PHRASE_END.search(text.gap(end)))
        if before and before[-1] in weak and (ends_phrase or after[0] in self.conjunctions):
            return True
        return (
            len(before) == 2
            and before[-1] in self.conjunctions
            and (before[0] in self.language_words or start - 4 in text.languages)
        )

    def _is_person(self, text: _Text, start: int, end: int) -> bool:
        """'Michael Jordan said', 'Chad Smith': a capitalised word joined to the name."""

        def titled(index: int) -> bool:
            token = text.part(index)
            return bool(token) and token[0].isupper() and (len(token) == 1 or token[1:].islower())

        def joined(index: int) -> bool:  # the gap after token ``index`` is plain space
            return bool(_INLINE.fullmatch(text.gap(index)))

        prev, nxt, after_next = start - 2, end + 2, end + 4
        if prev >= 0 and joined(prev) and titled(prev):
            lowercase_after = nxt >= len(text.folded) or not titled(nxt) or not joined(end)
            title_case = prev - 2 >= 0 and joined(prev - 2) and titled(prev - 2)
            if text.folded[prev] not in self.leaders and lowercase_after and not title_case:
                return True
        if nxt < len(text.folded) and joined(end) and titled(nxt):
            lower_then = text.part(after_next)[:1].islower()
            return text.folded[nxt] not in self.followers and lower_then and joined(nxt)
        return False

    def _is_us_state(self, text: _Text, start: int, end: int) -> bool:
        return _ends_with(text.before(start, 3, _CLAUSE_END), self.us_before) or _starts_with(
            text.after(end, 2), self.us_after
        )

    def _is_pronoun(self, text: _Text, start: int) -> bool:
        previous = text.part(start - 2)
        return previous.isupper() and previous in self.pronoun_leaders


class _Matcher:
    """A token trie over every term; :meth:`scan` yields (start, end, code) of market mentions."""

    def __init__(self, terms: Iterable[tuple[list[str], _Term]], checks: _Checks) -> None:
        self._root: dict[str, _Node] = {}
        self._checks = checks
        self.size = 0
        adjectives: set[str] = set()
        for tokens, term in terms:
            self._insert(tokens, term)
            if term.priority == ADJECTIVE:
                adjectives.add(term.key)
        checks.adjective_keys = frozenset(adjectives)
        checks.guarded_keys |= checks.adjective_keys

    def _insert(self, tokens: list[str], term: _Term) -> None:
        if not tokens:
            return
        node = self._root.setdefault(tokens[0], _Node())
        for token in tokens[1:]:
            node = node.children.setdefault(token, _Node())
        if term not in node.terms:
            node.terms.append(term)
            self.size += 1

    def scan(self, text: _Text, language: str | None) -> Iterator[tuple[int, int, str]]:
        """Market mentions as (first token index, last token index, code), left to right.

        Indexes are into ``text.folded`` (tokens are at even indexes).
        """
        root, folded = self._root, text.folded
        count = len(folded)
        resume = 0
        # Most words start no name: find the few that may, in one pass at C speed.
        starts = [i for i, token in enumerate(folded[::2]) if token in root]
        for position in starts:
            index = position * 2
            if index < resume:
                continue
            node = root[folded[index]]
            if not node.terms and (index + 2 >= count or folded[index + 2] not in node.children):
                continue  # 'el', 'de', 'the' start names, but not here
            candidates: list[tuple[int, _Node]] = []
            end = index
            while True:
                if node.terms:
                    candidates.append((end, node))
                following = end + 2
                if not node.children or following >= count:
                    break
                child = node.children.get(folded[following])
                if child is None or not _JOIN.fullmatch(text.part(end + 1)):
                    break
                node, end = child, following
            chosen = self._longest(candidates, text, index, language) if candidates else None
            if chosen is None:
                continue
            last, term = chosen
            if term.code is not None:
                yield index, last, term.code
            resume = last + 2

    def _longest(
        self, candidates: list[tuple[int, _Node]], text: _Text, start: int, language: str | None
    ) -> tuple[int, _Term] | None:
        for end, node in reversed(candidates):
            term = self._choose(node, text, start, end, language)
            if term is not None:
                return end, term
        return None

    def _choose(
        self, node: _Node, text: _Text, start: int, end: int, language: str | None
    ) -> _Term | None:
        for term in node.ordered(language):
            if not _case_ok(term, text, start, end):
                continue
            if term.code is not None and not self._checks.allow(term, text, start, end, language):
                return None  # the context rules out every meaning of these words
            return term
        return None


def _level(term: _Term, language: str | None) -> int:
    """0: the text's own language or any; 1: another language; 2: never (foreign adjective)."""
    if term.language is None or term.language == language:
        return 0
    if term.priority == ADJECTIVE and language is not None:
        return 2
    return 1


def _case_ok(term: _Term, text: _Text, start: int, end: int) -> bool:
    if term.case == "any":
        return True
    if term.case == "upper":
        return all(text.part(i).isupper() for i in range(start, end + 1, 2))
    return text.relaxed or text.part(start)[:1].isupper()


# --- building the terms ---------------------------------------------------------------------


def _taxonomy_terms(markets: Markets) -> Iterator[tuple[str, str, str | None]]:
    """(name, code, language) of every country and grouping name the taxonomy resolves."""
    import pycountry

    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = _uninverted(getattr(country, attribute, None) or "")
            if name and markets.resolve_country(name) == country.alpha_2:
                yield name, country.alpha_2, None
    for code in sorted(country_codes()):
        for language, name in cldr_names(code, LANGUAGES).items():
            for variant in _without_brackets(name):
                if markets.resolve_country(variant, language) == code:
                    yield variant, code, language
    for grouping in markets:
        if grouping.code in _NOT_IN_PROSE:
            continue
        for name in (grouping.code, *grouping.aliases):
            yield name, grouping.code, None
        for language, name in grouping.names.items():
            if markets.resolve_grouping(name) == grouping.code:
                yield name, grouping.code, language


def _uninverted(name: str) -> str:
    """'Korea, Republic of' -> 'Republic of Korea', as prose puts it."""
    if ", " not in name:
        return name
    head, tail = name.split(", ", 1)
    return f"{tail.removeprefix('The ')} {head}"


def _without_brackets(name: str) -> list[str]:
    """'Myanmar (Burma)' -> ['Myanmar', 'Burma']; other names as they are."""
    match = re.fullmatch(r"(.+?)\s*\((.+)\)", name)
    return [match.group(1), match.group(2)] if match else [name]


def _variants(tokens: list[str], language: str | None) -> list[list[str]]:
    """Inflected forms: German genitive and adjective endings, Norwegian genitive and article."""
    variants = [tokens]
    if language == "de":
        *adjectives, noun = tokens
        stems = [_german_endings(token) for token in adjectives]
        nouns = [noun, noun + "n"] if noun.endswith("e") else [noun]
        if not noun.endswith(("s", "x", "z")):
            nouns.append(noun + "s")
        variants = [[*_pick(stems, i), n] for i in range(_combinations(stems)) for n in nouns]
    elif language == "nb":
        if len(tokens) > 1 and tokens[0] in ("den", "det", "de"):
            variants.append(tokens[1:])
        if not tokens[-1].endswith("s"):
            variants += [[*v[:-1], v[-1] + "s"] for v in list(variants)]
    return variants


def _german_endings(adjective: str) -> list[str]:
    """'vereinigte' -> also 'vereinigten'; 'vereinigtes', 'europaischer' -> also '-e', '-en'."""
    if adjective.endswith("e"):
        return [adjective, adjective + "n"]
    if adjective.endswith(("er", "es")):
        return [adjective, adjective[:-1], adjective[:-2] + "en"]
    return [adjective]


def _combinations(choices: list[list[str]]) -> int:
    total = 1
    for options in choices:
        total *= len(options)
    return total


def _pick(choices: list[list[str]], number: int) -> list[str]:
    picked = []
    for options in choices:
        number, position = divmod(number, len(options))
        picked.append(options[position])
    return picked


def _all_terms(markets: Markets, demonyms: Demonyms) -> Iterator[tuple[list[str], _Term]]:
    def make(
        written: str, code: str | None, language: str | None, priority: int
    ) -> Iterator[tuple[list[str], _Term]]:
        case = _case_of(written)
        base = _tokens(written)  # adjectives list their inflected forms themselves
        for tokens in [base] if priority == ADJECTIVE else _variants(base, language):
            if tokens:
                yield tokens, _Term(code, language, case, priority, " ".join(tokens))

    for language, words in demonyms.not_markets.items():
        for written in words:
            yield from make(written, None, language, BLOCKER)
    for language, by_code in demonyms.names.items():
        for code, names in by_code.items():
            for written in names:
                yield from make(written, _checked(code, markets), language, EXTRA_NAME)
    for written, code, language in _taxonomy_terms(markets):
        yield from make(written, code, language, NAME)
    for language, by_code in demonyms.adjectives.items():
        for code, forms in by_code.items():
            for written in forms:
                yield from make(written, _checked(code, markets), language, ADJECTIVE)


def _checked(code: str, markets: Markets) -> str:
    if code in markets or markets.is_country(code):
        return code
    raise ConfigError(f"unknown market code {code!r}", file="pipeline/data/demonyms.yaml")


# --- places ---------------------------------------------------------------------------------

# Separators of a place's parts; a slash only with spaces ("Frankfurt/Main" is one place).
_PLACE_SPLIT = re.compile(r"\s*(?:[,;|()\[\]\n\u00b7\u2022]|\s[-/\u2013\u2014]\s)\s*")
_REGION_CODE = re.compile(r"[A-Z]{2,3}")  # 'ON', 'NSW', 'SP' after a city
_POSTAL = re.compile(r"\b(?:[A-Z]{1,2}-)?\d[\d\s-]*\b")
# Words of a place field that say there is no place ("Online", "Virtual event", "TBA").
# fmt: off
_ONLINE = frozenset((
    "online", "virtual", "virtuell", "virtuelle", "virtuel", "virtueel", "digital", "digitale",
    "webinar", "webinaire", "livestream", "daring", "remote", "ligne", "linea", "linha", "tba",
    "tbd", "tbc", "event", "events", "veranstaltung", "evenement", "evento", "eventos", "acara",
    "arrangement", "only", "nur", "seulement", "solo", "apenas", "format", "en", "em", "to",
    "be", "announced", "confirmed", "na", "n", "a",
))
_ONLINE_CORE = frozenset((
    "online", "virtual", "virtuell", "virtuelle", "virtuel", "virtueel", "digital", "digitale",
    "webinar", "webinaire", "livestream", "daring", "ligne", "linea", "linha", "tba", "tbd",
    "tbc", "announced",
))
# fmt: on
_STREET = re.compile(
    r"(?i)\d.*\b(?:stra(?:ss|ß)e|str\.|street|st\.|avenue|ave\.?|road|rd\.|rue|calle|avenida|"
    r"rua|weg|laan|gate|vei|veien|jalan|jl\.|boulevard|blvd|platz|plein|allee|via|viale|"
    r"piazza|place)\b|(?:stra(?:ss|ß)e|straat|platz|plein|gata|gaten|vegen|weg|laan)\s*\d"
)
_HALL = re.compile(r"(?i)^(?:hall|halle|hal|hala|stand|booth|room|salle|sala|level|floor)\b")
# Capitalised words of venue names that are no city even where GeoNames knows a place so named.
# fmt: off
_VENUE_WORDS = frozenset((
    "messe", "fair", "expo", "exhibition", "center", "centre", "centro", "convention",
    "congress", "hall", "halle", "palace", "palais", "palacio", "park", "parque", "world",
    "trade", "international", "fira", "feria", "foire", "nord", "sud", "north", "south", "east",
    "west", "gran", "grand", "via", "new",
))
# fmt: on
_LIST_SEPARATORS = re.compile(r"\s*(?:[,;/|+&]|\band\b|\bund\b|\bet\b|\by\b|\bog\b)\s*")
_MAX_PHRASE_TOKENS = 4  # a structured value longer than this is not read as a phrase
_MIN_CITY_IN_NAME = 100_000  # a city found inside a venue name by an alternate name


@dataclass(slots=True)
class _PlaceParts:
    parts: list[str]
    used: set[int] = field(default_factory=set)
    country: str | None = None
    city: str | None = None


class Places:
    """Markets in free text, venue places and city countries; build once, use from any thread."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self._markets = taxonomy.markets
        demonyms = load_demonyms()
        self._checks = _Checks(demonyms.guards)
        self._matcher = _Matcher(_all_terms(self._markets, demonyms), self._checks)

    @property
    def term_count(self) -> int:
        """How many (phrase, meaning) entries the matcher holds."""
        return self._matcher.size

    @property
    def gazetteer(self) -> Gazetteer:
        """The GeoNames gazetteer, loaded on first use and shared by every instance."""
        return load_gazetteer()

    # --- markets in text -------------------------------------------------------------------

    def find_markets(self, text: str, *, language: str | None = None) -> list[str]:
        """Country (alpha-2) and grouping codes named in ``text``, in order, each once."""
        if not isinstance(text, str) or not text:
            return []
        codes: dict[str, None] = {}
        for _start, _end, code in self._matcher.scan(_split(text), _language(language)):
            codes.setdefault(code, None)
        return list(codes)

    def resolve_markets(
        self, values: Iterable[str], *, language: str | None = None
    ) -> tuple[list[str], list[str]]:
        """Codes for structured values ("Germany", "DEU", "EU", "Gulf states"), and unknowns."""
        codes: dict[str, None] = {}
        unknown: list[str] = []
        for value in values:
            if not isinstance(value, str) or not value.strip():
                continue
            found = self._resolve_value(value.strip(), _language(language))
            if found:
                codes.update(dict.fromkeys(found))
            else:
                unknown.append(value)
        return list(codes), unknown

    def _resolve_value(self, value: str, language: str | None) -> list[str]:
        """One value: a market, a list of markets ('US & Canada'), or a short phrase naming one."""
        pieces = [p for p in _LIST_SEPARATORS.split(value) if p.strip()]
        if len(pieces) > 1:
            resolved = [self._resolve_value(piece, language) for piece in pieces]
            if all(resolved):
                return [code for found in resolved for code in found]
        code = self._markets.resolve_market(value, language) or self._whole_term(value, language)
        if code:
            return [code]
        found = self.find_markets(value, language=language)
        short = len(_tokens(value)) <= _MAX_PHRASE_TOKENS
        return found if short and len(found) == 1 else []  # 'EU member states', 'German firms'

    def _whole_term(self, value: str, language: str | None) -> str | None:
        """The market a value names when a name or adjective covers all of it."""
        text = _split(value)
        text.relaxed = True
        tokens = text.token_indexes()
        for start, end, code in self._matcher.scan(text, language):
            if tokens and start == tokens[0] and end == tokens[-1]:
                return code
        return None

    # --- cities and venues -----------------------------------------------------------------

    def city_country(self, city: str, *, country_hint: str | None = None) -> str | None:
        """ISO alpha-2 country of a city ("Köln" -> "DE"); the hint picks among namesakes."""
        if not isinstance(city, str) or not city.strip():
            return None
        hint = self._country(country_hint) if country_hint else None
        gazetteer = self.gazetteer
        for candidate in _city_candidates(city):
            code = gazetteer.country_of(candidate, country_hint=hint)
            if code:
                return code
        return None

    def parse_location(self, text: str, *, language: str | None = None) -> Venue:
        """Venue name, city and country from a free-text place; nothing for online events."""
        if not isinstance(text, str):
            return Venue()
        parts = [p.strip(" .\t") for p in _PLACE_SPLIT.split(text)]
        place = _PlaceParts([p for p in parts if p and not _is_online(p)])
        if not place.parts:
            return Venue()
        lang = _language(language)
        self._find_country(place, lang)
        self._find_city(place)
        name = next(
            (p for i, p in enumerate(place.parts) if i not in place.used and not self._detail(p)),
            None,
        )
        if name is None and place.city is None and place.country is None:
            name = place.parts[0]
        return Venue(name=name, city=place.city, country=place.country)

    def _find_country(self, place: _PlaceParts, language: str | None) -> None:
        """The country: the last part that is a country, or a US state after a US city."""
        gazetteer = self.gazetteer
        for index in range(len(place.parts) - 1, -1, -1):
            part = place.parts[index]
            previous = place.parts[index - 1] if index > 0 else None
            state = gazetteer.us_state(part)
            us_city_before = previous is not None and _has_country(gazetteer, previous, "US")
            code = "US" if state and us_city_before else self._part_country(part, language)
            if code is None and state and previous is not None:
                code = "US"  # 'Springfield, Illinois': a state that is no country
            if code:
                place.country = code
                place.used.add(index)
                return
        last = len(place.parts) - 1
        code, rest = self._trailing_country(place.parts[last], language)
        if code:
            place.country = code
            place.parts[last] = rest
            if not rest:
                place.used.add(last)

    def _part_country(self, part: str, language: str | None) -> str | None:
        """The country a whole place part names (a name, alias or code), or None."""
        if re.fullmatch(r"[A-Z]{2,3}", part):
            code = self._markets.resolve_country(part)
            return code if code and self._markets.is_country(code) else None
        text = _split(part)
        text.relaxed = True
        hits = list(self._matcher.scan(text, language))
        tokens = text.token_indexes()
        if hits:  # a name inside ('Düsseldorf Germany') is left to _trailing_country
            start, end, code = hits[0]
            whole = len(hits) == 1 and (start, end) == (tokens[0], tokens[-1])
            return code if whole and self._markets.is_country(code) else None
        if len(tokens) <= 3 and not self.gazetteer.lookup(part):
            code = self._markets.resolve_country(part, language)
            return code if code and self._markets.is_country(code) else None
        return None

    def _trailing_country(self, part: str, language: str | None) -> tuple[str | None, str]:
        """'Düsseldorf Germany' -> ('DE', 'Düsseldorf')."""
        text = _split(part)
        text.relaxed = True
        last_token = max(text.token_indexes(), default=-1)
        for start, end, code in self._matcher.scan(text, language):
            if end == last_token and self._markets.is_country(code):
                return code, "".join(text.part(i) for i in range(start)).strip(" ,-")
        return None, part

    def _find_city(self, place: _PlaceParts) -> None:
        gazetteer = self.gazetteer
        for index in range(len(place.parts) - 1, -1, -1):
            if index in place.used:
                continue
            for candidate in _city_candidates(place.parts[index]):
                if gazetteer.lookup(candidate):
                    place.city = candidate
                    place.used.add(index)
                    self._country_from_city(place, candidate)
                    return
        for index, part in enumerate(place.parts):
            found = None if index in place.used else self._city_inside(part, place.country)
            if found:
                place.city = found
                self._country_from_city(place, found)
                return

    def _country_from_city(self, place: _PlaceParts, city: str) -> None:
        if place.country is None:
            place.country = self.gazetteer.country_of(city)

    def _city_inside(self, part: str, country: str | None) -> str | None:
        """A city named inside a venue name: 'Paris Nord Villepinte' -> 'Paris'."""
        words = part.split()
        for size in (3, 2, 1):
            for first in range(len(words) - size + 1):
                run = words[first : first + size]
                if not all(w[:1].isupper() and fold(w) not in _VENUE_WORDS for w in run):
                    continue
                name = " ".join(run).strip(".,()")
                cities = self.gazetteer.lookup(name)
                if any(_plausible(c, name) and country in (None, c.country) for c in cities):
                    return name
        return None

    def _detail(self, part: str) -> bool:
        """An address, hall, postal code, region code or state: not the venue's name."""
        return _is_detail(part) or bool(
            _REGION_CODE.fullmatch(part) or self.gazetteer.us_state(part)
        )

    def _country(self, value: str) -> str | None:
        code = self._markets.resolve_country(value.strip())
        return code if code and self._markets.is_country(code) else None


def _plausible(city: City, name: str) -> bool:
    return city_key(city.name) == city_key(name) or city.population >= _MIN_CITY_IN_NAME


def _has_country(gazetteer: Gazetteer, city: str, country: str) -> bool:
    return any(c.country == country for c in gazetteer.lookup(_clean_city(city)))


def _city_candidates(text: str) -> list[str]:
    """The text, without postal codes, and its first part before a slash or bracket."""
    candidates = [text.strip(), _clean_city(text)]
    head = re.split(r"[/(,]", text, maxsplit=1)[0]
    candidates.append(_clean_city(head))
    return [c for i, c in enumerate(candidates) if c and c not in candidates[:i]]


def _clean_city(text: str) -> str:
    return " ".join(_POSTAL.sub(" ", text).split()).strip(" ,.-")


def _is_online(part: str) -> bool:
    words = _tokens(part)
    return bool(words) and set(words) <= _ONLINE and bool(_ONLINE_CORE & set(words))


def _is_detail(part: str) -> bool:
    """A street address, hall or stand number, or a bare postal code: not a venue name."""
    return bool(_STREET.search(part) or _HALL.match(part) or not _clean_city(part))


def _language(language: str | None) -> str | None:
    if not language:
        return None
    base = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    return {"no": "nb", "nn": "nb", "in": "id"}.get(base, base)


# --- WTO notifications ----------------------------------------------------------------------

_WTO_SYMBOL = re.compile(
    r"\bG/(?:TBT|SPS)/N/[A-Z]{2,4}(?:/[A-Z]{3,4})*/\d+(?:/(?:Add|Rev|Corr|Suppl)\.\d+)*", re.ASCII
)
_WTO_MEMBER = re.compile(r"G/(?:TBT|SPS)/N/([A-Z]{2,4})/", re.ASCII)
# WTO member symbols that are no ISO alpha-3 code.
_WTO_MEMBERS = {"TPKM": "TW", "EEC": "EU"}


def find_wto_symbols(text: str) -> list[str]:
    """WTO TBT/SPS notification symbols in ``text`` ("G/TBT/N/EU/1234/Add.1"), each once."""
    if not isinstance(text, str):
        return []
    return list(dict.fromkeys(match.group() for match in _WTO_SYMBOL.finditer(text)))


def wto_market(symbol: str, markets: Markets) -> str | None:
    """The notifying market of a symbol: "G/SPS/N/BRA/2345" -> "BR", "G/TBT/N/EU/1" -> "EU"."""
    if not isinstance(symbol, str):
        return None
    match = _WTO_MEMBER.match(symbol.strip().upper())
    if match is None:
        return None
    member = match.group(1)
    if member in markets:
        return member
    special = _WTO_MEMBERS.get(member)
    if special:
        return special
    return alpha2_of(member) or markets.resolve_grouping(member)
