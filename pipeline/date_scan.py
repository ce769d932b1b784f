"""Scan text for dates: days, ranges, partial and relative dates, with their offsets.

A fast path (the patterns of `date_patterns`, built from CLDR month names) reads the common
forms in the working languages; only what it cannot read goes to `dateparser`, which is about a
hundred times slower. `dates` gives what is found here its roles and its public API.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from exportwatch.pipeline.date_patterns import (
    AND_BEFORE,
    ATOM,
    BETWEEN_BEFORE,
    CONNECTOR,
    END_OF_BEFORE,
    GAZETTE_AFTER,
    LANGUAGES,
    MONTHS,
    NO_DATE,
    ORDINALS,
    RELATIVE_ANCHORED,
    RELATIVE_SPAN,
    RISKY_MONTHS,
    SEASONS,
    relative_words,
)

__all__ = [
    "FALLBACK_MAX_CHARS",
    "HAS_WORD",
    "MAX_YEARS_AHEAD",
    "MIN_YEAR",
    "Candidate",
    "Context",
    "DateSpan",
    "Precision",
    "amount",
    "check_years",
    "clean",
    "dateparser_data",
    "fallback_span",
    "make_context",
    "matches",
    "nearest_year",
    "relative_date",
    "scan",
    "shift",
    "windows",
    "year_after",
    "year_before",
]

MIN_YEAR = 1990
MAX_YEARS_AHEAD = 20


class Precision(StrEnum):
    """How exactly a span is known: DAY is exact, the others name a period."""

    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    SEASON = "season"
    YEAR = "year"


_COARSENESS = {precision: rank for rank, precision in enumerate(Precision)}


@dataclass(frozen=True, slots=True)
class DateSpan:
    """A day, a range of days, or a period (`end` is then the period's last day)."""

    start: date
    end: date | None = None
    precision: Precision = Precision.DAY

    @property
    def imprecise(self) -> bool:
        return self.precision is not Precision.DAY

    @property
    def last(self) -> date:
        return self.end or self.start


@dataclass(frozen=True, slots=True)
class Context:
    """What reading a date depends on: the fetch time and the source's languages."""

    now: datetime
    today: date
    month_first: bool
    languages: tuple[str, ...]

    @property
    def max_year(self) -> int:
        return self.today.year + MAX_YEARS_AHEAD


@dataclass(slots=True)
class _Atom:
    """One matched piece of a date; ranges are two atoms joined by a connector."""

    form: str
    start: int
    end: int
    y: int | None = None
    m: int | None = None
    d: int | None = None
    span: DateSpan | None = None
    problem: str | None = None
    risky: bool = False  # "set 10", "15/03": not trusted in free text without a year
    yearless: bool = False  # the year was put nearest the fetch time


@dataclass(frozen=True, slots=True)
class Candidate:
    """A date found at `start:end`, or the problem with what looked like one."""

    span: DateSpan | None
    problem: str | None
    start: int
    end: int
    form: str
    is_range: bool = False
    risky: bool = False
    yearless: bool = False


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Control characters become spaces (offsets stay put); decomposed accents are composed."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _CONTROL.sub(" ", text)


_LANGUAGE_ALIASES = {"no": "nb", "nn": "nb", "in": "id"}
_FETCH_YEARS = (1000, 9000)


def make_context(languages: Sequence[str], relative_to: datetime | None) -> Context:
    now = relative_to if isinstance(relative_to, datetime) else datetime.now(UTC)
    if not _FETCH_YEARS[0] <= now.year <= _FETCH_YEARS[1]:
        now = datetime.now(UTC)  # no fetch happens in year 1 or 9999: the caller's bug
    codes = tuple(str(code).lower().replace("_", "-") for code in languages)
    bases = (code.split("-")[0] for code in codes)
    base = tuple(dict.fromkeys(_LANGUAGE_ALIASES.get(code, code) for code in bases))
    return Context(now, now.date(), codes == ("en-us",), base)


# --- atoms -------------------------------------------------------------------------------


def _month(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


def _full_year(digits: str, ctx: Context) -> int:
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if 2000 + year <= ctx.max_year else 1900
    return year


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _period(year: int, first_month: int, months: int, precision: Precision) -> DateSpan:
    end_year, end_month = divmod(year * 12 + first_month - 1 + months - 1, 12)
    return DateSpan(date(year, first_month, 1), _last_day(end_year, end_month + 1), precision)


def _part_of_year(match: re.Match[str]) -> DateSpan:
    """A quarter or half: "Q3 2027", "3. Quartal 2027", "H1 2027", "semester pertama 2027"."""
    parts = match.groupdict()
    form = match.lastgroup
    if form in ("qn", "hn"):
        number = int(parts[f"{form}_b"] or parts[f"{form}_c"])
        quarter = form == "qn"
    else:
        digits = parts["p_q"] or parts["p_h"] or parts["p_n"]
        number = int(digits) if digits else ORDINALS[(parts["p_w"] or parts["p_w2"]).lower()]
        quarter = bool(parts["p_q"] or parts["p_qw"] or parts["p_qw2"])
    year = int(parts[f"{form}_y"])
    if quarter:
        return _period(year, number * 3 - 2, 3, Precision.QUARTER)
    if number > 2:
        raise ValueError(f"a year has no half {number}")
    return _period(year, number * 6 - 5, 6, Precision.HALF)


def _season(match: re.Match[str], ctx: Context) -> DateSpan:
    season = SEASONS[" ".join(match.group("s_w").lower().split())]
    year = int(match.group("s_y"))
    if season == "winter":  # the winter that holds January of the year named last
        second = match.group("s_y2")
        last = _full_year(second, ctx) if second else year
        return _period(last - 1, 12, 3, Precision.SEASON)
    first_month = {"spring": 3, "summer": 6, "autumn": 9}[season]
    return _period(year, first_month, 3, Precision.SEASON)


def _numeric(first: int, second: int, ctx: Context) -> tuple[int, int]:
    """(day, month) of two numbers: day first unless impossible or the source is US."""
    day, month = (second, first) if ctx.month_first else (first, second)
    if month > 12 and day <= 12:
        day, month = month, day
    return day, month


def _decode(match: re.Match[str], ctx: Context) -> _Atom:
    form = match.lastgroup or ""
    atom = _Atom(form, match.start(), match.end())
    group = match.group
    try:
        if form == "iso":
            atom.y, atom.m, atom.d = int(group("iso_y")), int(group("iso_m")), int(group("iso_d"))
            if group("iso_d2"):
                first = date(atom.y, atom.m, atom.d)
                end_year = int(group("iso_y2") or atom.y)
                end = date(end_year, int(group("iso_m2") or atom.m), int(group("iso_d2")))
                atom.span = DateSpan(first, end)
        elif form == "isom":
            atom.y, atom.m = int(group("isom_y")), int(group("isom_m"))
        elif form == "num":
            atom.d, atom.m = _numeric(int(group("num_a")), int(group("num_b")), ctx)
            atom.y = _full_year(group("num_y"), ctx)
        elif form in ("p", "qn", "hn"):
            atom.span = _part_of_year(match)
        elif form == "s":
            atom.span = _season(match, ctx)
        elif form == "by":
            atom.span = _period(int(group("by_y")), 1, 12, Precision.YEAR)
        else:
            _decode_loose(match, form, atom, ctx)
    except (ValueError, KeyError) as error:
        atom.problem = f"invalid date {match.group()!r}: {error}"
    return atom


def _decode_loose(match: re.Match[str], form: str, atom: _Atom, ctx: Context) -> None:
    """Forms that may lack a part (year, month or day) and so may join a range."""
    group = match.group
    if form in ("tdmy", "mon"):
        word = group(f"{form}_m")
        atom.m = _month(word)
        atom.risky = word[:1].islower() and word.lower().rstrip(".") in RISKY_MONTHS
    if form in ("tdmy", "mon", "dy", "bd") and (day := group(f"{form}_d")):
        atom.d = int(day)
    if form in ("tdmy", "mon", "dy", "nmy") and (year := group(f"{form}_y")):
        atom.y = int(year)
    if form == "mon" and (year := group("mon_yy")):
        atom.y = int(year)
    if form == "nmy":
        atom.m = int(group("nmy_m"))
    elif form == "ndm":
        atom.d, atom.m = _numeric(int(group("ndm_a")), int(group("ndm_b") or group("ndm_c")), ctx)
        atom.risky = True


# --- candidates: single atoms and joined ranges ------------------------------------------


def nearest_year(month: int, day: int, today: date) -> int:
    """The year that puts a yearless day closest to the fetch time."""
    best: tuple[int, int] | None = None
    for year in (today.year, today.year + 1, today.year - 1):
        try:
            distance = abs((date(year, month, day) - today).days)
        except ValueError:
            continue
        if best is None or distance < best[0]:
            best = (distance, year)
    return best[1] if best else today.year


def year_after(month: int, day: int, after: date) -> int | None:
    """The first year that puts a yearless day on or after `after` (29 February waits)."""
    for year in range(after.year, after.year + 5):
        try:
            if date(year, month, day) >= after:
                return year
        except ValueError:
            continue
    return None


def year_before(month: int, day: int, before: date) -> int | None:
    """The last year that puts a yearless day on or before `before`."""
    for year in range(before.year, before.year - 5, -1):
        try:
            if date(year, month, day) <= before:
                return year
        except ValueError:
            continue
    return None


def check_years(span: DateSpan, ctx: Context) -> str | None:
    for year in (span.start.year, span.last.year):
        if year < MIN_YEAR or year > ctx.max_year:
            return f"year {year} out of range"
    return None


def _finish(span: DateSpan, ctx: Context, atom_a: _Atom, atom_b: _Atom | None) -> Candidate:
    last = atom_b or atom_a
    problem = check_years(span, ctx)
    risky = atom_a.risky and (atom_b is None or atom_b.risky)
    return Candidate(
        None if problem else span, problem, atom_a.start, last.end, atom_a.form,
        is_range=atom_b is not None, risky=risky, yearless=last.yearless,
    )  # fmt: skip


def _single(text: str, atom: _Atom, ctx: Context) -> Candidate | None:
    if atom.problem:
        return Candidate(None, atom.problem, atom.start, atom.end, atom.form)
    span = atom.span
    try:
        if span is None and atom.m is not None and atom.d is not None:
            if atom.y is None:
                atom.y, atom.yearless = nearest_year(atom.m, atom.d, ctx.today), True
            span = DateSpan(date(atom.y, atom.m, atom.d))
        elif span is None and atom.m is not None and atom.y is not None:
            span = _period(atom.y, atom.m, 1, Precision.MONTH)
    except ValueError as error:
        return Candidate(None, f"invalid date {text[atom.start : atom.end]!r}: {error}",
                          atom.start, atom.end, atom.form)  # fmt: skip
    if span is None:
        return None  # a bare day, month or "15, 2027": only meaningful inside a range
    if span.imprecise and END_OF_BEFORE.search(text, max(0, atom.start - 24), atom.start):
        span = DateSpan(span.last)
    return _finish(span, ctx, atom, None)


def _connected(text: str, a: _Atom, b: _Atom) -> bool:
    gap_end = b.start
    if gap_end - a.end > 40:
        return False
    if CONNECTOR.fullmatch(text, a.end, gap_end):
        return True
    return bool(
        AND_BEFORE.fullmatch(text, a.end, gap_end)
        and BETWEEN_BEFORE.search(text, max(0, a.start - 24), a.start)
    )


def _whole(atom: _Atom) -> DateSpan | None:
    if atom.span is not None:
        return atom.span
    if atom.y is None or atom.m is None:
        return None
    if atom.d is None:
        return _period(atom.y, atom.m, 1, Precision.MONTH)
    return DateSpan(date(atom.y, atom.m, atom.d))


def _join(a: _Atom, b: _Atom, ctx: Context) -> Candidate | None:
    """Two atoms joined by a connector, each lending the other the parts it lacks."""
    if a.problem or b.problem:
        return None
    if a.span is not None or b.span is not None:
        try:
            first, second = _whole(a), _whole(b)
        except ValueError:  # "31 June – 2027": the invalid day is reported on its own
            return None
        if first is None or second is None:
            return None
        coarser = max(first.precision, second.precision, key=_COARSENESS.__getitem__)
        return _ordered(first.start, second.last, coarser, False, ctx, a, b)
    if (a.m is None and b.m is None) or (a.d is None) != (b.d is None):
        return None  # two bare days, or a day and a month ("3 June – August", "31-MAR")
    if b.m is None and a.y is not None:
        return None  # "4 mars 2027 à 14 h": nothing follows a whole date without its month
    month_a, month_b = a.m or b.m, b.m or a.m
    year_b = b.y or a.y
    if year_b is None and month_b is not None:
        year_b, b.yearless = nearest_year(month_b, b.d or 1, ctx.today), True
    year_a, inherited = (a.y, False) if a.y is not None else (year_b, True)
    if year_a is None or year_b is None or month_a is None or month_b is None:
        return None
    try:
        start = date(year_a, month_a, a.d or 1)
        end = date(year_b, month_b, b.d) if b.d else _last_day(year_b, month_b)
        if start > end and inherited and a.m is not None:  # "28 Dec – 3 Jan 2027"
            start = start.replace(year=year_a - 1)
    except ValueError as error:
        return Candidate(None, f"invalid date: {error}", a.start, b.end, a.form)
    precision = Precision.DAY if a.d and b.d else Precision.MONTH
    return _ordered(start, end, precision, True, ctx, a, b)


def _ordered(
    start: date, end: date, precision: Precision, exact: bool, ctx: Context, a: _Atom, b: _Atom
) -> Candidate:
    if start > end:
        problem = f"end {end.isoformat()} is before start {start.isoformat()}"
        return Candidate(None, problem, a.start, b.end, a.form, is_range=True)
    same_day = exact and precision is Precision.DAY and start == end
    return _finish(DateSpan(start, None if same_day else end, precision), ctx, a, b)


def _iso_range(atom: _Atom, ctx: Context) -> Candidate:
    span = atom.span
    assert span is not None and span.end is not None
    if span.end < span.start:
        problem = f"end {span.end.isoformat()} is before start {span.start.isoformat()}"
        return Candidate(None, problem, atom.start, atom.end, atom.form, is_range=True)
    return _finish(DateSpan(span.start, span.end if span.end != span.start else None), ctx,
                   atom, atom)  # fmt: skip


_DIGITS = re.compile(r"\d+")
_WORD_TAIL = re.compile(r"\w*")
# Every date has a digit, and no form reaches further than this from its digits ("troisième
# trimestre de 2027"), so only windows around digits are scanned: most prose has few digits,
# and the date pattern costs far more per character than finding digits does.
_REACH_BEFORE, _REACH_AFTER = 40, 30


def windows(text: str) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for digits in _DIGITS.finditer(text):
        low, high = max(0, digits.start() - _REACH_BEFORE), digits.end() + _REACH_AFTER
        if merged and low <= merged[-1][1]:
            merged[-1][1] = high
        else:
            merged.append([low, high])
    # End windows at a word's end, so that a lookahead at the window's end sees what it would
    # see in the whole text (the lookbehinds see before a window's start anyway).
    return [(low, _word_end(text, min(high, len(text)))) for low, high in merged]


def _word_end(text: str, position: int) -> int:
    tail = _WORD_TAIL.match(text, position)
    return tail.end() if tail else position


def matches(
    pattern: re.Pattern[str], text: str, spans: list[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    """The matches of `pattern` within the given windows of `text`."""
    for low, high in spans:
        yield from pattern.finditer(text, low, high)


def scan(
    text: str, ctx: Context, spans: list[tuple[int, int]] | None = None
) -> Iterator[Candidate]:
    """Every date in `text` (or in the `windows` of it given), in order; ranges as one."""
    pending: _Atom | None = None
    for match in matches(ATOM, text, windows(text) if spans is None else spans):
        atom = _decode(match, ctx)
        if atom.form == "iso" and atom.span is not None and atom.problem is None:
            if pending is not None and (single := _single(text, pending, ctx)):
                yield single
            pending = None
            yield _iso_range(atom, ctx)
            continue
        if pending is not None:
            joined = _join(pending, atom, ctx) if _connected(text, pending, atom) else None
            if joined is not None:
                yield joined
                pending = None
                continue
            if single := _single(text, pending, ctx):
                yield single
        pending = atom
    if pending is not None and (single := _single(text, pending, ctx)):
        yield single


# --- relative dates ------------------------------------------------------------------------


def shift(day: date, count: int, unit: str) -> date:
    """`day` moved by `count` units; a month later than 31 January is the last of February."""
    try:
        if unit in ("day", "week"):
            return day + timedelta(days=count * (7 if unit == "week" else 1))
        months = count * (12 if unit == "year" else 1)
        year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
        return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
    except (ValueError, OverflowError):  # past year 9999: the year check rejects it anyway
        return date.max


def amount(match: re.Match[str]) -> tuple[int, str]:
    raw = match.group("n")
    count = int(raw) if raw.isdigit() else 1
    unit = next(name for name in ("day", "week", "month", "year") if match.group(f"u_{name}"))
    return count, unit


_RELATIVE_MAX_CHARS = 300


def relative_date(text: str, ctx: Context) -> tuple[int, date] | None:
    """The first relative date in a short text as (offset, day), against the fetch time."""
    text = text[:_RELATIVE_MAX_CHARS]
    found: list[tuple[int, date]] = []
    anchored = RELATIVE_ANCHORED.search(text)
    if anchored and not GAZETTE_AFTER.match(text, anchored.end()):  # a day still to come
        count, unit = amount(anchored)
        found.append((anchored.start(), shift(ctx.today, count, unit)))
    for spanned in RELATIVE_SPAN.finditer(text):
        sign = -1 if spanned.group("past") or spanned.group("past2") else 1
        if spanned.group("fut") or spanned.group("fut2") or sign < 0:
            count, unit = amount(spanned)
            found.append((spanned.start(), shift(ctx.today, sign * count, unit)))
            break
    pattern, offsets = relative_words(ctx.languages)
    if word := pattern.search(text):
        found.append((word.start(), shift(ctx.today, offsets[word.group().lower()], "day")))
    return min(found, key=lambda pair: pair[0]) if found else None


# --- dateparser fallback -------------------------------------------------------------------

FALLBACK_MAX_CHARS = 80
HAS_WORD = re.compile(r"\w")


def dateparser_data(text: str, ctx: Context) -> tuple[datetime, str] | None:
    """dateparser's reading of `text` as (value, period), only when it names a day or year."""
    from dateparser.date import DateDataParser  # imported late: loading it takes ~0.1 s

    languages = [code for code in ctx.languages if code in LANGUAGES] or list(LANGUAGES)
    base = ctx.now.astimezone(UTC).replace(tzinfo=None) if ctx.now.tzinfo else ctx.now
    settings = {"RELATIVE_BASE": base, "PREFER_DAY_OF_MONTH": "first"}
    try:
        data = DateDataParser(languages=languages, settings=settings).get_date_data(text)
    # dateparser has raised odd errors on odd input (OverflowError, ValueError, IndexError...);
    # the caller records "no date found", which is what the input amounts to.
    except Exception:
        return None
    parts = set(data.parts or ())
    if data.date_obj is None or not parts & {"day", "year"}:
        return None  # "May" or "1" alone would become this year's May or January
    return data.date_obj, data.period or "day"


def fallback_span(text: str, ctx: Context) -> DateSpan | None:
    if len(text) > FALLBACK_MAX_CHARS or not HAS_WORD.search(text) or NO_DATE.fullmatch(text):
        return None
    found = dateparser_data(text.strip(), ctx)
    if found is None:
        return None
    value, period = found
    if period == "year":
        return _period(value.year, 1, 12, Precision.YEAR)
    if period == "month":
        return _period(value.year, value.month, 1, Precision.MONTH)
    return DateSpan(value.date())
