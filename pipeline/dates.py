"""Dates in field values and free text, and the role each date plays in a document.

`date_scan` finds days, ranges and periods; this module reads field values (`parse_span`,
`parse_datetime`), gives dates in free text a role from the cue words around them
(`find_dates`) and picks a document's dates by its kind (`assign_dates`). Nothing here raises
on bad input: a failure is a returned problem or None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import timezone as fixed_zone
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exportwatch.model import Kind
from exportwatch.pipeline.date_patterns import (
    CUE,
    CUE_AFTER,
    CUE_FILLER,
    CUE_ROLES,
    GAZETTE_AFTER,
    RELATIVE_ANCHORED,
    RELATIVE_SPAN,
    SUBMISSION,
    TIME_AFTER,
    WINDOW_BEFORE,
    ZONE_AFTER,
    ZONE_OFFSETS,
    relative_words,
)
from exportwatch.pipeline.date_scan import (
    FALLBACK_MAX_CHARS,
    HAS_WORD,
    MIN_YEAR,
    Candidate,
    Context,
    DateSpan,
    Precision,
    amount,
    check_years,
    clean,
    dateparser_data,
    fallback_span,
    make_context,
    matches,
    relative_date,
    scan,
    shift,
    windows,
    year_after,
    year_before,
)

__all__ = [
    "AssignedDates",
    "DateRole",
    "DateSpan",
    "FoundDate",
    "Precision",
    "SpanResult",
    "assign_dates",
    "find_dates",
    "parse_datetime",
    "parse_span",
]


class DateRole(StrEnum):
    """What a date found in free text stands for, from the cue words before it."""

    PERIOD = "period"
    DEADLINE = "deadline"
    EFFECTIVE = "effective"
    PUBLISHED = "published"


@dataclass(frozen=True, slots=True)
class SpanResult:
    span: DateSpan | None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class FoundDate:
    span: DateSpan
    role: DateRole | None
    offset: int


@dataclass(frozen=True, slots=True)
class AssignedDates:
    """A document's dates, chosen from found dates by the document's kind."""

    starts_on: date | None = None
    ends_on: date | None = None
    deadline: date | None = None
    effective_on: date | None = None
    published_on: date | None = None


# --- field values --------------------------------------------------------------------------

_PROBLEM_EXCERPT = 60


def parse_span(
    text: str, *, languages: Sequence[str] = (), relative_to: datetime | None = None
) -> SpanResult:
    """The first day, range or period in a short field value, or the problem reading it.

    Relative dates count from `relative_to` (the fetch time; now when absent). Numbers are read
    day first unless that is impossible or `languages` is ("en-US",). A span is refused with a
    problem when its end is before its start or a year lies outside 1990 to 20 years ahead.
    """
    if not isinstance(text, str):
        return SpanResult(None, f"not text: {type(text).__name__}")
    ctx = make_context(languages, relative_to)
    text = clean(text)
    weak: Candidate | None = None
    for candidate in scan(text, ctx):
        if candidate.form == "by" and not candidate.is_range:
            weak = weak or candidate  # a bare year counts only when nothing better is there
            continue
        return SpanResult(candidate.span, candidate.problem)
    if relative := relative_date(text, ctx):
        return _checked(DateSpan(relative[1]), ctx)
    if weak is not None:
        return SpanResult(weak.span, weak.problem)
    if fallback := fallback_span(text, ctx):
        return _checked(fallback, ctx)
    excerpt = text.strip()[:_PROBLEM_EXCERPT]
    return SpanResult(None, f"no date found in {excerpt!r}")


def _checked(span: DateSpan, ctx: Context) -> SpanResult:
    problem = check_years(span, ctx)
    return SpanResult(None if problem else span, problem)


# --- timestamps ---------------------------------------------------------------------------

_ISO_TIME = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d)(?:[T ](?P<h>\d\d):(?P<mi>\d\d)"
    r"(?::(?P<s>\d\d)(?:[.,](?P<f>\d{1,9}))?)?)?\s*(?P<z>Z(?!\w)|[+-]\d\d(?::?\d\d)?)?"
)
_OFFSET = re.compile(r"(?:utc|gmt)?\s*(?P<sign>[+-])\s*(?P<h>\d{1,2}):?(?P<m>\d\d)?", re.I)


def _zone(name: str | None) -> tzinfo | None:
    """A zone from a name in text or an argument: offset, abbreviation or IANA name."""
    if not name:
        return None
    key = name.strip().lower()
    if key in ZONE_OFFSETS:
        return fixed_zone(timedelta(minutes=ZONE_OFFSETS[key]))
    if offset := _OFFSET.fullmatch(key):
        minutes = int(offset.group("h")) * 60 + int(offset.group("m") or 0)
        if minutes < 24 * 60:
            return fixed_zone(
                timedelta(minutes=-minutes if offset.group("sign") == "-" else minutes)
            )
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _aware(value: datetime, default: tzinfo) -> datetime | None:
    try:
        return (value if value.tzinfo else value.replace(tzinfo=default)).astimezone(UTC)
    except OverflowError:  # within hours of year 1 or 9999
        return None


def _time_of_day(match: re.Match[str]) -> tuple[int, int, int]:
    hour = int(match.group("h"))
    meridiem = (match.group("ap") or "").lower()[:1]
    if meridiem and hour <= 12:
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    return hour, int(match.group("mi") or 0), int(match.group("s") or 0)


def parse_datetime(
    text: str,
    *,
    languages: Sequence[str] = (),
    relative_to: datetime | None = None,
    timezone: str | None = None,
) -> datetime | None:
    """A timestamp as an aware UTC datetime; naive input is read in `timezone` (IANA) or UTC."""
    if not isinstance(text, str):
        return None
    ctx = make_context(languages, relative_to)
    default = _zone(timezone) or UTC
    text = clean(text)
    for candidate in scan(text, ctx):
        if candidate.form == "by" and not candidate.is_range:
            continue
        if candidate.span is None:
            return None
        return _with_time(text, candidate, default)
    value: datetime | None = None
    if relative := relative_date(text, ctx):
        value = datetime.combine(relative[1], ctx.now.timetz())
    elif len(text) <= FALLBACK_MAX_CHARS and HAS_WORD.search(text):
        found = dateparser_data(text.strip(), ctx)
        value = found[0] if found else None
        if value is not None and ctx.now.tzinfo and not value.tzinfo:
            value = value.replace(tzinfo=UTC)  # dateparser worked on the UTC base
    if value is None or not MIN_YEAR <= value.year <= ctx.max_year:
        return None
    return _aware(value, ctx.now.tzinfo or default)


def _with_time(text: str, candidate: Candidate, default: tzinfo) -> datetime | None:
    """The candidate's first day at the time of day and in the zone written after it."""
    assert candidate.span is not None
    day = candidate.span.start
    clock: tuple[int, int, int, int] = (0, 0, 0, 0)
    zone_text: str | None = None
    if candidate.form == "iso" and (iso := _ISO_TIME.match(text, candidate.start)):
        fraction = int((iso.group("f") or "0")[:6].ljust(6, "0"))
        hour, minute, second = (int(iso.group(name) or 0) for name in ("h", "mi", "s"))
        clock, zone_text = (hour, minute, second, fraction), iso.group("z")
        if zone_text is None and (after := ZONE_AFTER.match(text, iso.end())):
            zone_text = after.group("z")
    elif after_date := TIME_AFTER.match(text, candidate.end):
        clock, zone_text = (*_time_of_day(after_date), 0), after_date.group("z")
    try:
        moment = datetime(day.year, day.month, day.day, *clock)
    except ValueError:
        return None
    return _aware(moment, _zone(zone_text) or default)


# --- roles in free text --------------------------------------------------------------------

_CUE_WINDOW = 80  # any cue this many characters before a date applies to it
_CUE_REACH = 160  # how far back a cue is looked for at all
_CUE_GAP_WORDS = 15  # how many words a deadline, effective or notification cue may stand back
_CLOSE = 30  # a date that only looks like one ("15/03", "set 10") needs its cue this close
_SUBMISSION_REACH = 120  # how far before "until" a word for applying is looked for
# A yearless deadline up to this long before the fetch time has just passed (this year's).
_JUST_PASSED = timedelta(days=30)
_WINDOW_REACH = 60  # how far before a range "Applications are open from" is looked for
_FAR_KINDS = frozenset({"deadline", "effective", "notified"})
_PREPOSITIONS = frozenset({"until", "from", "signup"})
# A blank line, or a sentence's end: the first character tried is [\n.!?], which is fast.
_SENTENCE_BREAK = re.compile(r"[\n.!?](?:(?<=\n)\s*\n|(?<=[^\W\d]{3}[.!?])\s+(?=[A-ZÀ-Þ]))")
_WORD = re.compile(r"\w+")
_ROLE_OF_KIND = {
    "deadline": DateRole.DEADLINE, "until": DateRole.DEADLINE, "signup": DateRole.DEADLINE,
    "effective": DateRole.EFFECTIVE, "from": DateRole.EFFECTIVE, "period": DateRole.PERIOD,
    "published": DateRole.PUBLISHED, "notified": DateRole.PUBLISHED,
}  # fmt: skip
_PUBLICATION_ANCHORS = ("publica", "veröff", "publis", "publik")


@dataclass(frozen=True, slots=True)
class _Cue:
    kind: str  # a role, or "notified", "until", "from", "signup" (see date_patterns)
    distance: int  # characters between the cue's end and the date


@dataclass(frozen=True, slots=True)
class _Found:
    span: DateSpan
    kind: str | None
    offset: int
    yearless: bool = False

    @property
    def role(self) -> DateRole | None:
        return _ROLE_OF_KIND[self.kind] if self.kind else None


@dataclass(frozen=True, slots=True)
class _CueReader:
    """Reads cues in one text; its lower-case copy makes the cue pattern twice as fast."""

    text: str
    lower: str
    masked: Sequence[range] = ()  # relative dates: "notification" in them is not a cue

    @classmethod
    def of(cls, text: str, masked: Sequence[range]) -> _CueReader:
        lower = text.lower()
        if len(lower) != len(text):  # "İ" lower-cases to two characters: keep offsets
            lower = "".join(char if len(char.lower()) > 1 else char.lower() for char in text)
        return cls(text, lower, masked)

    def cue(self, start: int, end: int, floor: int, *, single: bool) -> _Cue | None:
        """The nearest cue before the date at `start:end` that applies to it, in its sentence.

        Any cue applies within `_CUE_WINDOW` characters, and deadline, effective and
        notification cues up to `_CUE_GAP_WORDS` words back on the same line. Prepositions
        ("until", "ab") apply only right before a single date, and "until" only after a word
        for applying; elsewhere they are passed over. "tritt … in Kraft" is a cue after a date.
        """
        text, lower = self.text, self.lower
        sentence = self._sentence_start(start, _CUE_REACH)
        found = list(CUE.finditer(lower, max(floor, sentence), start))
        ends = False  # "vigente hasta el …", "valid until …": an end, only a deadline may be one
        for cue in reversed(found):
            if any(cue.start() in span for span in self.masked):
                continue
            kind = CUE_ROLES.get(" ".join(cue.group().split()), "deadline")  # -frist compounds
            if kind in _PREPOSITIONS:
                adjacent = single and CUE_FILLER.fullmatch(lower, cue.end(), start) is not None
                if adjacent and (kind != "until" or self.after_submission(cue.start(), sentence)):
                    return _Cue(kind, start - cue.end())
                ends = ends or (adjacent and kind == "until")
                continue
            if ends and kind != "deadline":
                return None
            near = cue.start() >= start - _CUE_WINDOW
            if near or (kind in _FAR_KINDS and _within_gap(text, cue.end(), start)):
                return _Cue(kind, start - cue.end())
            return None
        if not ends and CUE_AFTER.match(text, end, end + 30):
            return _Cue("effective", 0)
        return None

    def after_submission(self, position: int, sentence: int) -> bool:
        """Whether a word for applying or registering comes shortly before `position`."""
        low = max(sentence, position - _SUBMISSION_REACH)
        return SUBMISSION.search(self.lower, low, position) is not None

    def window_kind(self, start: int) -> str:
        """A range's kind without a cue: an application window ("Aanvragen: van 1 februari
        tot en met 31 maart") right after a word for applying is a deadline, else a period."""
        low = max(0, start - _WINDOW_REACH)
        return "deadline" if WINDOW_BEFORE.search(self.lower, low, start) else "period"

    def _sentence_start(self, position: int, reach: int) -> int:
        start = max(0, position - reach)
        for sentence_break in _SENTENCE_BREAK.finditer(self.text, start, position):
            start = sentence_break.end()
        return start


def _within_gap(text: str, low: int, high: int) -> bool:
    gap = text[low:high]
    return "\n" not in gap and len(_WORD.findall(gap)) <= _CUE_GAP_WORDS


def find_dates(
    text: str,
    *,
    languages: Sequence[str] = (),
    relative_to: datetime | None = None,
    published_on: date | None = None,
) -> list[FoundDate]:
    """Every date in free text with the role its cue words give it, in text order.

    Offsets index `text` (or its NFC form when it is not NFC already). Bare years and dates
    that read like words ("set 10", "15/03") are skipped unless a cue stands right before them.
    A yearless deadline takes the year that puts it before the event the text dates, else the
    first ahead of the fetch time (or one that passed less than 30 days before it). Relative
    words count only after a cue; "60 days from notification" counts from the notification
    date the text gives, else its publication date, else `published_on`, else the fetch time.
    """
    if not isinstance(text, str):
        return []
    ctx = make_context(languages, relative_to)
    text = clean(text)
    spans = windows(text)
    anchored = list(matches(RELATIVE_ANCHORED, text, spans))
    reader = _CueReader.of(text, [range(match.start(), match.end()) for match in anchored])
    found: list[_Found] = []
    floor = 0
    for candidate in scan(text, ctx, spans):
        if candidate.span is None or (candidate.form == "by" and candidate.span.imprecise):
            continue
        single = not candidate.is_range
        cue = reader.cue(candidate.start, candidate.end, floor, single=single)
        if candidate.form == "by" and cue is None:
            continue  # "end of 2025" in passing
        if candidate.risky and (cue is None or cue.distance > _CLOSE):
            continue
        kind = cue.kind if cue else (None if single else reader.window_kind(candidate.start))
        found.append(_Found(candidate.span, kind, candidate.start, candidate.yearless))
        floor = candidate.end
    found = _with_deadline_years(found, ctx)
    found.extend(_relative_found(reader, ctx, found, anchored, spans, published_on))
    found.sort(key=lambda item: item.offset)
    return [FoundDate(item.span, item.role, item.offset) for item in found]


def _with_deadline_years(found: list[_Found], ctx: Context) -> list[_Found]:
    """Yearless deadlines moved to the year that puts them before the event the text dates,
    else to the first year ahead of the fetch time (or that just passed it)."""
    event = next((item.span for item in found if item.kind == "period" and not item.yearless), None)
    moved: list[_Found] = []
    for item in found:
        span = item.span
        if item.yearless and item.role is DateRole.DEADLINE and span.end is None:
            day = span.start
            if event is not None:
                year = year_before(day.month, day.day, event.start)
            else:
                year = year_after(day.month, day.day, ctx.today - _JUST_PASSED)
            if year is not None:
                item = _Found(DateSpan(day.replace(year=year)), item.kind, item.offset)
        moved.append(item)
    return moved


def _relative_found(
    reader: _CueReader,
    ctx: Context,
    found: list[_Found],
    anchored: list[re.Match[str]],
    spans: list[tuple[int, int]],
    published_on: date | None,
) -> Iterator[_Found]:
    notified = next((item.span.start for item in found if item.kind == "notified"), None)
    published = next((item.span.start for item in found if item.kind == "published"), None)
    for match in anchored:
        cue = reader.cue(match.start(), match.end(), 0, single=True)
        anchor = match.group("anchor").lower()
        if anchor in ("today", "now"):
            base: date | None = ctx.today
        elif anchor == "receipt":
            continue  # of an application or a document: a day no text can tell
        elif not anchor.startswith(_PUBLICATION_ANCHORS):
            base = notified or published or published_on
        elif published is not None:
            base = published
        elif (cue and cue.kind == "effective") or GAZETTE_AFTER.match(reader.text, match.end()):
            continue  # "6 months after publication (in the gazette)": a day still to come
        else:
            base = published_on
        count, unit = amount(match)
        span = DateSpan(shift(base or ctx.today, count, unit))
        if check_years(span, ctx) is None:
            yield _Found(span, cue.kind if cue else None, match.start())
    yield from _relative_words_found(reader, ctx, spans)


def _relative_words_found(
    reader: _CueReader, ctx: Context, spans: list[tuple[int, int]]
) -> Iterator[_Found]:
    """Relative words ("morgen", "in 3 weeks") right after a cue: in prose they are far more
    often not dates at all."""
    for spanned in matches(RELATIVE_SPAN, reader.text, spans):
        cue = reader.cue(spanned.start(), spanned.end(), max(0, spanned.start() - 30), single=True)
        if cue is not None and (relative := relative_date(spanned.group(), ctx)):
            yield _Found(DateSpan(relative[1]), cue.kind, spanned.start())
    pattern, offsets = relative_words(ctx.languages)
    if not any(word in reader.lower for word in offsets):
        return
    for word in pattern.finditer(reader.text):
        cue = reader.cue(word.start(), word.end(), max(0, word.start() - 30), single=True)
        if cue is not None:
            day = shift(ctx.today, offsets[word.group().lower()], "day")
            yield _Found(DateSpan(day), cue.kind, word.start())


# --- a document's dates --------------------------------------------------------------------


def assign_dates(found: Sequence[FoundDate], kind: Kind | str) -> AssignedDates:
    """Choose a document's start/end, deadline, effective and published dates by its kind.

    The first date of each role counts, except that a deadline or effective date given as a
    period ("ab August 2028") gives way to a day within it ("ab dem 12. August 2028"). Finance
    and regulations take only what cues name; an event's dates may be the first unnamed ones.
    """
    first: dict[DateRole | None, DateSpan] = {}
    for item in found:
        held = first.get(item.role)
        if held is None or (item.role in _REFINED and _refines(item.span, held)):
            first[item.role] = item.span
    period = first.get(DateRole.PERIOD)
    deadline = first.get(DateRole.DEADLINE)
    effective = first.get(DateRole.EFFECTIVE)
    published = first.get(DateRole.PUBLISHED)
    if kind == Kind.EVENT:
        period = period or first.get(None)
    elif kind != Kind.FINANCE:
        period = None  # a regulation's dates are its deadline and entry into force
    return AssignedDates(
        starts_on=period.start if period else None,
        ends_on=period.last if period else None,
        deadline=deadline.last if deadline else None,
        effective_on=effective.start if effective else None,
        published_on=published.start if published else None,
    )


_REFINED = frozenset({DateRole.DEADLINE, DateRole.EFFECTIVE})


def _refines(span: DateSpan, held: DateSpan) -> bool:
    """Whether `span` is a day within the period `held`."""
    return held.imprecise and not span.imprecise and held.start <= span.start <= held.last
