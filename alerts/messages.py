"""Build the emails: a subscriber's digest and the double opt-in confirmation request.

Each is a multipart/alternative `EmailMessage` (plain text first, then HTML with inline styles)
in the subscriber's language. Scraped text is untrusted: it is stripped of control characters
and collapsed to one line before it reaches a template, and the HTML templates autoescape, so
a title can neither inject markup nor forge lines, headers or links.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from exportwatch.alerts.digest_model import KIND_ORDER, Confirmation, Digest, DigestItem
from exportwatch.alerts.i18n import Translator, translator
from exportwatch.model import Document, Kind, Subscriber
from exportwatch.taxonomy.countries import country_name

__all__ = [
    "TEMPLATES_DIR",
    "clean_text",
    "confirmation_message",
    "digest_message",
    "render_digest",
    "safe_url",
]

TEMPLATES_DIR = Path(__file__).parent / "templates"
CLOSING_SOON_DAYS = 14  # a deadline this close gets an "in N days" note
_TITLE_LIMIT = 200
_SUMMARY_LIMIT = 280
_PLACE_COUNTRIES = 6  # more markets than this are summarised as "…"
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")
# Unicode categories never shown: controls (CR, LF, NUL...), format characters (bidi overrides
# that reorder a line, zero-width joiners), unassigned and private-use code points.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs"})


@dataclass(frozen=True, slots=True)
class _ItemView:
    """One item as the templates show it: every string cleaned, dates formatted."""

    title: str
    url: str | None
    summary: str
    facts: list[tuple[str, str]]
    reason: str
    reason_label: str


@dataclass(frozen=True, slots=True)
class _SectionView:
    title: str
    items: list[_ItemView]


def digest_message(digest: Digest, *, mail_from: str) -> EmailMessage:
    """The digest email: headers for one-click unsubscribe, a text part and an HTML part.

    Raises ValueError when the caller's data cannot make a valid message (no items, recipient
    address, Message-ID or link URLs); scraped document text never causes an error.
    """
    if digest.is_empty:
        raise ValueError("an empty digest is never sent")
    subscriber = digest.subscriber
    t = translator(subscriber.language, subscriber.timezone)
    unsubscribe_url = _required_url(digest.unsubscribe_url, "unsubscribe_url")
    _required_url(digest.manage_url, "manage_url")
    message = _base_message(
        subscriber,
        t,
        mail_from=mail_from,
        subject=_digest_subject(digest, t),
        message_id=_required_message_id(digest.message_id),
        sent_at=digest.generated_at,
    )
    targets = [f"<{unsubscribe_url}>"]
    if digest.unsubscribe_mailto:
        targets.append(f"<{_required_mailto(digest.unsubscribe_mailto)}>")
    message["List-Unsubscribe"] = ", ".join(targets)
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text, html = render_digest(digest)
    _set_bodies(message, text, html, t)
    return message


def confirmation_message(confirmation: Confirmation, *, mail_from: str) -> EmailMessage:
    """The double opt-in request: a link to confirm, valid for `confirmation.valid_for`.

    Raises ValueError for an unusable recipient address, confirm URL or Message-ID.
    """
    subscriber = confirmation.subscriber
    t = translator(subscriber.language, subscriber.timezone)
    confirm_url = _required_url(confirmation.confirm_url, "confirm_url")
    message_id = confirmation.message_id or make_msgid(
        "confirm", domain=urlsplit(confirm_url).hostname or "localhost"
    )
    message = _base_message(
        subscriber,
        t,
        mail_from=mail_from,
        subject=t("confirm.subject"),
        message_id=_required_message_id(message_id),
        sent_at=confirmation.generated_at,
    )
    name = clean_text(subscriber.name, 80)
    context = {
        "greeting": t("confirm.greeting_name", name=name) if name else t("confirm.greeting"),
        "email": clean_text(subscriber.email, 320),
        "confirm_url": confirm_url,
        "expires": t.moment(confirmation.generated_at + confirmation.valid_for),
        "subject": str(message["Subject"]),
        "preheader": t("confirm.heading"),
    }
    text, html = _render("confirmation", t, context)
    _set_bodies(message, text, html, t)
    return message


def render_digest(digest: Digest) -> tuple[str, str]:
    """The digest's text and HTML bodies (for the email, or a preview in the admin UI)."""
    t = translator(digest.subscriber.language, digest.subscriber.timezone)
    today = t.local_date(digest.generated_at)
    view = functools.partial(_item_view, t=t, today=today, sources=digest.source_names)
    count = digest.new_count
    intro = t.plural("digest.intro", count) if count else t("digest.intro_none")
    context = {
        "intro": intro,
        "preheader": intro,
        "subject": _digest_subject(digest, t),
        "closing_soon": [view(item) for item in digest.closing_soon],
        "sections": [
            _SectionView(_section_title(kind, t), [view(item) for item in items])
            for kind, items in digest.sections.items()
            if items
        ],
        "manage_url": digest.manage_url,
        "unsubscribe_url": digest.unsubscribe_url,
        "generated": t.moment(digest.generated_at),
        "more_waiting": digest.more_waiting,
    }
    return _render("digest", t, context)


def clean_text(text: str | None, limit: int | None = None) -> str:
    """One line of displayable text: controls and invisible format characters dropped,
    whitespace collapsed, cut at a word boundary with "…" beyond `limit` characters."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    if not text.isprintable():  # rare: look at each character only then
        text = "".join(
            " " if char.isspace() else char
            for char in text
            if char.isspace() or unicodedata.category(char) not in _DROPPED_CATEGORIES
        )
    line = " ".join(text.split())
    if limit is None or len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–") + "…"


def safe_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) URL with a host and nothing invisible; else None."""
    if not url or len(url) > 2048 or any(c.isspace() or c in '<>"' for c in url):
        return None
    if any(unicodedata.category(c) in _DROPPED_CATEGORIES for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def _base_message(
    subscriber: Subscriber,
    t: Translator,
    *,
    mail_from: str,
    subject: str,
    message_id: str,
    sent_at: datetime,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = _required_header(mail_from, "mail_from")
    message["To"] = _recipient(subscriber)
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=UTC))
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message["X-Auto-Response-Suppress"] = "OOF, AutoReply"  # the same, for Exchange/Outlook
    return message


def _set_bodies(message: EmailMessage, text: str, html: str, t: Translator) -> None:
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = t.language  # after set_content, which drops Content-* headers


def _digest_subject(digest: Digest, t: Translator) -> str:
    if digest.new_count:
        return t.plural("digest.subject", digest.new_count)
    return t.plural("digest.subject_closing", len(digest.closing_soon))


def _section_title(kind: Kind, t: Translator) -> str:
    return t(f"section.{kind.value}") if kind in KIND_ORDER else t("section.other")


def _item_view(
    item: DigestItem, *, t: Translator, today: date, sources: Mapping[str, str]
) -> _ItemView:
    document = item.document
    title = clean_text(document.title, _TITLE_LIMIT) or clean_text(document.url, 80)
    summary = clean_text(document.summary or document.body, _SUMMARY_LIMIT)
    if summary == title:
        summary = ""
    return _ItemView(
        title=title,
        url=safe_url(document.url),
        summary=summary,
        facts=[(label, value) for label, value in _facts(document, t, today, sources) if value],
        reason=clean_text(item.reason_text, 300),
        reason_label=t("label.why"),
    )


def _facts(
    document: Document, t: Translator, today: date, sources: Mapping[str, str]
) -> Iterable[tuple[str, str]]:
    """The key dates, place, source and reference of one document, labelled."""
    if document.kind is Kind.EVENT and document.starts_on:
        yield t("label.dates"), t.days(document.starts_on, document.ends_on)
    if document.deadline:
        yield t("label.deadline"), _deadline(document.deadline, t, today)
    if document.effective_on:
        yield t("label.effective"), t.day(document.effective_on)
    if document.kind is Kind.REGULATION and document.published_at:
        yield t("label.published"), t.day(t.local_date(document.published_at))
    yield t("label.place"), _place(document, t)
    yield t("label.source"), _source(document, sources)
    yield t("label.reference"), clean_text(document.reference, 80)


def _deadline(day: date, t: Translator, today: date) -> str:
    left = (day - today).days
    if 0 <= left <= CLOSING_SOON_DAYS:
        return f"{t.day(day)} ({t.until(day, today)})"
    return t.day(day)


def _place(document: Document, t: Translator) -> str:
    venue = document.venue
    country = venue.country if venue else None
    if venue and (venue.name or venue.city):
        parts = [clean_text(venue.name, 100), clean_text(venue.city, 60)]
        parts.append(_country(country, t) if country else "")
        return ", ".join(dict.fromkeys(part for part in parts if part))
    codes = [country] if country else document.countries
    names = [_country(code, t) for code in codes[:_PLACE_COUNTRIES]]
    return ", ".join(names) + (", …" if len(codes) > _PLACE_COUNTRIES else "")


def _country(code: str, t: Translator) -> str:
    try:
        return country_name(code.upper(), t.language)
    except (KeyError, LookupError, AttributeError):
        return clean_text(code, 20)


def _source(document: Document, sources: Mapping[str, str]) -> str:
    name = clean_text(sources.get(document.source_id) or document.source_id, 80)
    by = clean_text(document.organizer or document.provider, 80)
    return f"{name} – {by}" if by and by.casefold() != name.casefold() else name


def _recipient(subscriber: Subscriber) -> Address:
    email = subscriber.email.strip()
    try:
        if any(not c.isprintable() or c.isspace() for c in email):
            raise ValueError("control or space characters")
        # "=?" would start an RFC 2047 encoded word, which the email package decodes when it
        # writes the header: "=?utf-8?q?=0D=0ABcc:...?=" would become a raw CR LF header line.
        name = clean_text(subscriber.name, 78).replace("=?", "= ?")
        return Address(display_name=name, addr_spec=email)
    except (ValueError, HeaderParseError) as error:
        raise ValueError(f"unusable recipient address {email!r}: {error}") from None


def _required_url(url: str, what: str) -> str:
    checked = safe_url(url)
    if checked is None:
        raise ValueError(f"{what} must be an absolute http(s) URL, not {url!r}")
    return checked


def _required_mailto(url: str) -> str:
    if not url.startswith("mailto:") or any(c.isspace() or c in "<>," for c in url):
        raise ValueError(f"unsubscribe_mailto must be a mailto: URL, not {url!r}")
    return url


def _required_message_id(message_id: str) -> str:
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"Message-ID must look like <left@domain>, not {message_id!r}")
    return message_id


def _required_header(value: str, what: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError(f"{what} must be one line")
    return value


def _render(name: str, t: Translator, context: Mapping[str, Any]) -> tuple[str, str]:
    env = _environment()
    values = {**context, "t": t, "lang": t.language}
    text = env.get_template(f"{name}.txt").render(values)
    html = env.get_template(f"{name}.html").render(values)
    return text, html


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"], ["txt"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
