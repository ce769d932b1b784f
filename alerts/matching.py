"""The alert matcher: which subscriptions a document matches, and why.

One matcher for every search backend, built as an inverted index over subscriptions. Each
subscription is filed, for each kind it accepts, under an *anchor*: the combination of its
conditions a document can be looked up by (market or home country, sector, language), as value
tuples; a subscription with keywords is filed under its keywords' first words instead, and one
without any such condition in a list of its own. A document looks up its own key tuples, and
only the candidates found are checked against every condition, so the work grows with the
number of matches, not with subscriptions × documents (`bench/matching.py` measures it).

A document matches when every condition the subscription sets holds (empty = any): its kind is
among `kinds`; it has no sector, or a sector equal to, below or above one of `sectors`; for
events and regulations, its countries and groupings (`countries`, venue country) share a code
with `markets`, or a country once groupings on both sides are expanded with their membership
on the document's reference day; for finance, its `eligible_countries` (expanded likewise) are
empty or include `home_country`; a keyword occurs in title, summary or body (a word as any of
its query stems or its stem in the document's language, a phrase as consecutive stems in one
field); its language is among `languages`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from exportwatch.alerts.reasons import Reason, encode_reasons
from exportwatch.analysis import (
    QUERY_LANGUAGES,
    STEMMER_LANGUAGES,
    query_stems,
    stem,
    stem_text,
    tokenize,
)
from exportwatch.coverage import expand_market, market_codes, reference_day
from exportwatch.model import Document, Kind, Subscription
from exportwatch.taxonomy import Taxonomy

__all__ = ["Match", "MatchStats", "Matcher"]

_Link = tuple[str, str | None]  # (code shown, broader code that linked it) for a Reason
_Dims = tuple[str, ...]  # names of anchor dimensions, in _DIMS order
_DIMS = ("market", "home", "sector", "language")  # most selective first
_MAY_BE_EMPTY = frozenset({"home", "sector"})  # a document without them passes every value
_ANCHOR_LIMIT = 16  # most postings one subscription gets in a table; fewer dimensions beyond
_CACHE_LIMIT = 1 << 16
_KIND_VALUES = frozenset(kind.value for kind in Kind)
_QUERY_ALGORITHMS = frozenset(STEMMER_LANGUAGES[language] for language in QUERY_LANGUAGES)


@dataclass(slots=True)
class Match:
    """A document matching one subscription, with the conditions it met."""

    subscription_id: int
    subscriber_id: int
    document_id: str
    reasons: list[Reason] = field(default_factory=list)

    @property
    def reason(self) -> str:
        """The reasons encoded for the store's `pending_alerts.reason` column."""
        return encode_reasons(self.reasons)


@dataclass(slots=True)
class MatchStats:
    """Work done so far: candidates checked per document stay close to matches per document."""

    documents: int = 0
    candidates: int = 0  # subscriptions checked against every condition
    matches: int = 0


@dataclass(frozen=True, slots=True)
class _Keyword:
    text: str  # as the subscriber wrote it, for the reason
    tokens: tuple[str, ...]  # folded; a phrase when there are several


@dataclass(frozen=True, slots=True)
class _Sub:
    """A subscription compiled for matching."""

    id: int
    subscriber_id: int
    sectors: tuple[str, ...]
    markets: tuple[str, ...]
    home_country: str | None
    kinds: frozenset[Kind]
    keywords: tuple[_Keyword, ...]
    languages: frozenset[str]


@dataclass(slots=True)
class _Postings:
    """The subscriptions accepting one kind, each filed under its anchor.

    `tables[(anchor, looked)]` maps value tuples of the `looked` dimensions to subscriptions
    anchored on `anchor`; `looked` leaves out the dimensions a document may leave empty (no
    sector, no eligibility limit), for documents that do, since every value passes then.
    """

    keyword: list[int] = field(default_factory=list)  # word-indexed per stemming language
    tables: dict[tuple[_Dims, _Dims], dict[tuple[str, ...], list[int]]] = field(
        default_factory=dict
    )
    always: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _DocView:
    """What matching needs of one document, derived once."""

    document: Document
    sectors: dict[str, _Link] | None  # None: no sector (cross-sector)
    markets: dict[str, _Link]
    eligible: dict[str, _Link] | None  # finance; None: open to applicants from anywhere
    keys: dict[str, list[str] | None]  # lookup values per anchor dimension; None: left empty
    stems: tuple[list[str], ...] | None = None  # per text field, computed on first need
    stem_set: frozenset[str] = frozenset()


class Matcher:
    """Match documents against a fixed set of subscriptions (rebuild it when they change).

    Subscriptions without an id or subscriber id cannot be stored and are left out; each is
    named in `problems`.
    """

    def __init__(self, subscriptions: Iterable[Subscription], taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.problems: list[str] = []
        self.stats = MatchStats()
        self._subs: list[_Sub] = []
        for subscription in subscriptions:
            compiled = self._compile(subscription)
            if compiled is not None:
                self._subs.append(compiled)
        self._subs.sort(key=lambda sub: sub.id)
        self._postings = {kind: _Postings() for kind in Kind}
        for position, sub in enumerate(self._subs):
            for kind in sub.kinds or frozenset(Kind):
                self._file(self._postings[kind], position, sub, kind)
        self._keyword_index: dict[tuple[Kind, str | None], dict[str, list[int]]] = {}
        self._variants: dict[tuple[str, str | None], frozenset[str]] = {}
        self._market_links: dict[tuple[str, date | None], tuple[tuple[str, _Link], ...]] = {}

    @classmethod
    def build(cls, subscriptions: Iterable[Subscription], taxonomy: Taxonomy) -> Matcher:
        """The same as `Matcher(subscriptions, taxonomy)`."""
        return cls(subscriptions, taxonomy)

    def __len__(self) -> int:
        return len(self._subs)

    def match(self, document: Document, today: date | None = None) -> list[Match]:
        """Every subscription `document` matches, by subscription id, each with its reasons.

        Groupings are expanded with their membership on the document's reference day (an
        event's start, else its deadline or publication); `today` stands in when it has none.
        """
        postings = self._postings.get(document.kind)
        if postings is None:
            return []
        view = self._view(document, reference_day(document) or today)
        candidates = self._candidates(postings, view)
        matches: list[Match] = []
        for position in sorted(candidates):
            sub = self._subs[position]
            reasons = self._check(sub, view)
            if reasons is not None:
                matches.append(Match(sub.id, sub.subscriber_id, document.id, reasons))
        self.stats.documents += 1
        self.stats.candidates += len(candidates)
        self.stats.matches += len(matches)
        return matches

    def match_all(self, documents: Iterable[Document], today: date | None = None) -> list[Match]:
        """`match` for each document, concatenated."""
        return [found for document in documents for found in self.match(document, today)]

    # Building

    def _compile(self, subscription: Subscription) -> _Sub | None:
        if subscription.id is None or subscription.subscriber_id is None:
            self.problems.append(f"subscription {subscription!r} has no id: left out")
            return None
        kinds = {kind for kind in subscription.kinds if kind in _KIND_VALUES}
        if len(kinds) < len(set(subscription.kinds)):
            self.problems.append(
                f"subscription {subscription.id}: unknown kind in {subscription.kinds!r}"
            )
            if not kinds:
                return None
        keywords = tuple(
            _Keyword(text, tuple(tokenize(text))) for text in dict.fromkeys(subscription.keywords)
        )
        return _Sub(
            id=subscription.id,
            subscriber_id=subscription.subscriber_id,
            sectors=tuple(dict.fromkeys(subscription.sectors)),
            markets=tuple(dict.fromkeys(subscription.markets)),
            home_country=subscription.home_country or None,
            kinds=frozenset(Kind(kind) for kind in kinds),
            keywords=keywords,
            languages=frozenset(subscription.languages),
        )

    @staticmethod
    def _file(postings: _Postings, position: int, sub: _Sub, kind: Kind) -> None:
        if sub.keywords:
            postings.keyword.append(position)
            return
        values = _anchor_values(sub, kind)
        if not values:
            postings.always.append(position)
            return
        anchor = tuple(values)
        for looked in _lookups(anchor):
            table = postings.tables.setdefault((anchor, looked), {})
            for key in itertools.product(*(values[dim] for dim in looked)):
                table.setdefault(key, []).append(position)

    def _keywords_for(self, kind: Kind, language: str | None) -> dict[str, list[int]]:
        """Keyword-anchored subscriptions by every stem variant of each keyword's first word."""
        key = (kind, _stemming_class(language))
        index = self._keyword_index.get(key)
        if index is None:
            index = {}
            for position in self._postings[kind].keyword:
                for keyword in self._subs[position].keywords:
                    if keyword.tokens:
                        for variant in self._variants_of(keyword.tokens[0], key[1]):
                            index.setdefault(variant, []).append(position)
            self._keyword_index[key] = index
        return index

    def _variants_of(self, token: str, language: str | None) -> frozenset[str]:
        """The stems a keyword word may take: as a query word, plus in the document's language."""
        key = (token, language)
        found = self._variants.get(key)
        if found is None:
            found = frozenset(query_stems(token) | {stem(token, language)})
            self._variants[key] = found
        return found

    # Matching

    def _candidates(self, postings: _Postings, view: _DocView) -> set[int]:
        found: set[int] = set(postings.always)
        if postings.keyword:
            self._stem(view)
            index = self._keywords_for(view.document.kind, view.document.language)
            for word in view.stem_set:
                found.update(index.get(word, ()))
        keys = view.keys
        for (anchor, looked), table in postings.tables.items():
            if looked != tuple(dim for dim in anchor if keys[dim] is not None):
                continue  # this table serves documents that leave other dimensions empty
            for key in itertools.product(*(keys[dim] or () for dim in looked)):
                found.update(table.get(key, ()))
        return found

    def _check(self, sub: _Sub, view: _DocView) -> list[Reason] | None:
        """The reasons `view` meets every condition of `sub`, or None if one fails."""
        reasons: list[Reason] = []
        document = view.document
        if sub.sectors:
            if view.sectors is None:
                reasons.append(Reason("sector", ""))
            elif (link := _first_link(sub.sectors, view.sectors)) is not None:
                reasons.append(Reason("sector", *link))
            else:
                return None
        if document.kind is Kind.FINANCE:
            if sub.home_country:
                if view.eligible is None:
                    reasons.append(Reason("home_country", ""))
                elif (link := view.eligible.get(sub.home_country)) is not None:
                    reasons.append(Reason("home_country", *link))
                else:
                    return None
        elif sub.markets:
            if (link := _first_link(sub.markets, view.markets)) is None:
                return None
            reasons.append(Reason("market", *link))
        if sub.keywords:
            if (keyword := self._keyword_found(sub.keywords, view)) is None:
                return None
            reasons.append(Reason("keyword", keyword))
        if sub.kinds:
            if document.kind not in sub.kinds:
                return None
            reasons.append(Reason("kind", document.kind.value))
        if sub.languages:
            if document.language not in sub.languages:
                return None
            reasons.append(Reason("language", document.language or ""))
        return reasons

    def _keyword_found(self, keywords: Sequence[_Keyword], view: _DocView) -> str | None:
        stems = self._stem(view)
        language = _stemming_class(view.document.language)
        for keyword in keywords:
            if not keyword.tokens:
                continue
            variants = [self._variants_of(token, language) for token in keyword.tokens]
            if len(variants) == 1:
                if not variants[0].isdisjoint(view.stem_set):
                    return keyword.text
            elif any(_has_phrase(field_stems, variants) for field_stems in stems):
                return keyword.text
        return None

    def _stem(self, view: _DocView) -> tuple[list[str], ...]:
        if view.stems is None:
            document = view.document
            language = document.language
            view.stems = tuple(
                stem_text((text,), language).split()
                for text in (document.title, document.summary, document.body)
            )
            view.stem_set = frozenset(word for field_stems in view.stems for word in field_stems)
        return view.stems

    # Document keys

    def _view(self, document: Document, on: date | None) -> _DocView:
        eligible: dict[str, _Link] | None = None
        if document.kind is Kind.FINANCE:
            if document.eligible_countries:
                eligible = self._eligible_links(document.eligible_countries, on)
            markets: dict[str, _Link] = {}
        else:
            markets = self._market_links_of(market_codes(document), on)
        sectors = self._sector_links(document.sectors) if document.sectors else None
        keys: dict[str, list[str] | None] = {
            "market": list(markets),
            "home": None if eligible is None else list(eligible),
            "sector": None if sectors is None else list(sectors),
            "language": [document.language] if document.language else [],
        }
        return _DocView(document, sectors, markets, eligible, keys)

    def _sector_links(self, codes: Sequence[str]) -> dict[str, _Link]:
        """Subscription sector -> (sub-sector, parent) pair that links it to the document."""
        sectors = self.taxonomy.sectors
        links: dict[str, _Link] = {code: (code, None) for code in codes}
        for code in codes:
            if code not in sectors:
                continue
            for ancestor in sectors.ancestors(code):  # a parent subscription covers the child
                links.setdefault(ancestor, (code, ancestor))
            for child in sectors.expand((code,)) - {code}:  # a child accepts its parent
                links.setdefault(child, (child, code))
        return links

    def _market_links_of(self, codes: Sequence[str], on: date | None) -> dict[str, _Link]:
        """Subscription market -> (country or code, grouping) pair that links it to the document.

        Direct codes first, so a subscription naming the document's own code says just that.
        """
        links: dict[str, _Link] = {code: (code, None) for code in codes}
        for code in codes:
            for key, link in self._links_of_market(code, on):
                links.setdefault(key, link)
        return links

    def _links_of_market(self, code: str, on: date | None) -> tuple[tuple[str, _Link], ...]:
        cache_key = (code, on)
        cached = self._market_links.get(cache_key)
        if cached is not None:
            return cached
        markets = self.taxonomy.markets
        pairs: list[tuple[str, _Link]] = []
        if markets.get(code) is not None:  # an EU-level item reaches DE, and other groupings
            members = sorted(markets.members(code, on=on))
            pairs.extend((country, (country, code)) for country in members)
            for country in members:
                pairs.extend((other, (code, other)) for other in markets.groupings_of(country, on))
        else:  # a country reaches the groupings it belongs to on the day
            pairs.extend(
                (grouping, (code, grouping)) for grouping in markets.groupings_of(code, on)
            )
        if len(self._market_links) > _CACHE_LIMIT:
            self._market_links.clear()
        result = tuple(pairs)
        self._market_links[cache_key] = result
        return result

    def _eligible_links(self, codes: Sequence[str], on: date | None) -> dict[str, _Link]:
        """Home country -> (country, grouping it is eligible through)."""
        links: dict[str, _Link] = {}
        for code in codes:
            for country in sorted(expand_market(code, self.taxonomy.markets, on)):
                links.setdefault(country, (country, None if country == code else code))
        return links


def _first_link(wanted: Sequence[str], links: dict[str, _Link]) -> _Link | None:
    """The link of the first wanted code, preferring a direct one (same code on both sides)."""
    found: _Link | None = None
    for code in wanted:
        link = links.get(code)
        if link is not None:
            if link[1] is None:
                return link
            found = found or link
    return found


def _has_phrase(stems: Sequence[str], variants: Sequence[frozenset[str]]) -> bool:
    first, rest = variants[0], variants[1:]
    last_start = len(stems) - len(variants)
    return any(
        stems[start] in first
        and all(stems[start + 1 + offset] in words for offset, words in enumerate(rest))
        for start in range(last_start + 1)
    )


def _anchor_values(sub: _Sub, kind: Kind) -> dict[str, Sequence[str]]:
    """The anchor dimensions of `sub` for documents of `kind`, with the subscription's values.

    Every condition the kind applies takes part, most selective first, as long as the product
    of their value counts stays within _ANCHOR_LIMIT (the rest is checked on the candidates).
    """
    finance = kind is Kind.FINANCE
    conditions: dict[str, Sequence[str]] = {
        "market": () if finance else sub.markets,
        "home": (sub.home_country,) if finance and sub.home_country else (),
        "sector": sub.sectors,
        "language": sorted(sub.languages),
    }
    values: dict[str, Sequence[str]] = {}
    size = 1
    for dim in _DIMS:
        wanted = conditions[dim]
        if wanted and (not values or size * len(wanted) <= _ANCHOR_LIMIT):
            values[dim] = wanted
            size *= len(wanted)
    return values


def _lookups(anchor: _Dims) -> list[_Dims]:
    """The dimensions a document looks up in, for each way it may leave some of them empty."""
    optional = [dim for dim in anchor if dim in _MAY_BE_EMPTY]
    return [
        tuple(dim for dim in anchor if dim not in left_empty)
        for count in range(len(optional) + 1)
        for left_empty in itertools.combinations(optional, count)
    ]


def _stemming_class(language: str | None) -> str | None:
    """The document language when its stemmer adds variants to the query languages' ones."""
    algorithm = STEMMER_LANGUAGES.get(language or "")
    return language if algorithm is not None and algorithm not in _QUERY_ALGORITHMS else None
