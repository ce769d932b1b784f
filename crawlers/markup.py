"""Untrusted XML and HTML parsed with lxml so that it stays inert.

No entity is expanded (billion laughs), nothing is loaded from files or the network (XXE), and
libxml2's limits on depth and text size stay on. Broken XML is read again leniently, and a
wrong encoding declaration is corrected by decoding the bytes another way; each such step
leaves a problem or note saying what happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from exportwatch.crawlers.decoding import decode_text, normalize_encoding, sniff_bom

__all__ = ["ParsedMarkup", "local_name", "looks_like_html", "parse_html", "parse_xml"]

_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_POSITION = re.compile(r",?\s*line \d+, column \d+\s*$")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)


@dataclass(slots=True)
class ParsedMarkup:
    """A parsed document: `root` is None when nothing could be read, and `error` says why."""

    root: etree._Element | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def _xml_parser(*, recover: bool = False, encoding: str | None = None) -> etree.XMLParser:
    return etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(body: bytes, content_type: str | None = None) -> ParsedMarkup:
    """Parse XML bytes; the document's own encoding declaration is honoured. Never raises."""
    bom = sniff_bom(body)
    if not body[bom[1] if bom else 0 :].strip():
        return ParsedMarkup(error="empty response: there is no XML to read")
    try:
        return _finish(etree.fromstring(body.lstrip(), _xml_parser()), ParsedMarkup())
    except etree.XMLSyntaxError as error:
        return _after_syntax_error(body.lstrip(), content_type, error)


def _after_syntax_error(
    body: bytes, content_type: str | None, error: etree.XMLSyntaxError
) -> ParsedMarkup:
    message = _message(error)
    if "amplification" in message or "entity loop" in message.lower():
        return ParsedMarkup(
            error="refused: the XML declares entities that expand without bound "
            f"(a 'billion laughs' document): {message}"
        )
    parsed = ParsedMarkup()
    bom = sniff_bom(body)
    declared = bom[0] if bom else _declared_encoding(body)
    try:
        body.decode(declared or "utf-8")
    except (UnicodeDecodeError, LookupError):
        decoded = decode_text(body, content_type=content_type)
        parsed.notes.append(
            f"the XML says it is {declared or 'UTF-8'}, but it is not: read as {decoded.encoding}"
        )
        body = _XML_DECLARATION.sub("", decoded.text, count=1).encode("utf-8")
        try:
            return _finish(etree.fromstring(body, _xml_parser(encoding="utf-8")), parsed)
        except etree.XMLSyntaxError as again:
            error, message = again, _message(again)
    if looks_like_html(body):
        return ParsedMarkup(error="not XML: the answer is an HTML page")
    where = f"line {error.lineno}, column {error.position[1]}" if error.lineno else "the start"
    try:
        root = etree.fromstring(body, _xml_parser(recover=True, encoding=_recover_encoding(body)))
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        parsed.error = f"malformed XML at {where}: {message}; nothing could be read"
        parsed.problems.append(parsed.error)
        return parsed
    parsed.problems.append(f"malformed XML at {where}: {message}; read the rest leniently")
    return _finish(root, parsed)


def _message(error: etree.XMLSyntaxError) -> str:
    """lxml's message without the position it repeats at its end."""
    return _POSITION.sub("", str(error.msg or error)).strip()


def _recover_encoding(body: bytes) -> str | None:
    """utf-8 for bodies already re-encoded (no declaration left); else the document decides."""
    return None if _declared_encoding(body) or sniff_bom(body) else "utf-8"


def _finish(root: etree._Element | None, parsed: ParsedMarkup) -> ParsedMarkup:
    if root is None:
        parsed.error = parsed.error or "no XML element in the answer"
        parsed.problems.append(parsed.error)
        return parsed
    entities = list(root.iter(etree.Entity))
    if entities:
        # XPath's string() would expand a kept reference: remove them, keep the text around them.
        etree.strip_elements(root, etree.Entity, with_tail=False)
        names = sorted({str(entity.name) for entity in entities})
        parsed.notes.append(f"entity references left unexpanded: {', '.join(names)}")
    parsed.root = root
    return parsed


def _declared_encoding(body: bytes) -> str | None:
    match = _XML_ENCODING.match(body[:512])
    return normalize_encoding(match[1].decode("ascii")) if match else None


def parse_html(body: bytes, content_type: str | None = None) -> ParsedMarkup:
    """Parse an HTML page (leniently, as browsers do). Never raises."""
    meta = _META_CHARSET.search(body[:4096])
    decoded = decode_text(
        body, content_type=content_type, document=meta[1].decode("ascii") if meta else None
    )
    parsed = ParsedMarkup(notes=decoded.notes)
    if not decoded.text.strip():
        parsed.error = "empty response: there is no page to read"
        parsed.problems.append(parsed.error)
        return parsed
    parser = etree.HTMLParser(no_network=True, huge_tree=False, recover=True)
    try:
        # lxml refuses text that still declares an encoding (XHTML, or XML served as a page).
        parsed.root = etree.fromstring(_XML_DECLARATION.sub("", decoded.text, count=1), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as error:
        parsed.error = f"could not read the page: {error}"
    if parsed.root is None:
        parsed.error = parsed.error or "could not read the page: no HTML element in it"
        parsed.problems.append(parsed.error)
    return parsed


def looks_like_html(body: bytes) -> bool:
    """Whether the bytes start like an HTML page (after a BOM, blanks and comments)."""
    bom = sniff_bom(body)
    head = body[bom[1] if bom else 0 :][:2048]
    if bom and bom[0] != "utf-8":
        head = head.decode(bom[0], errors="replace").encode("utf-8")
    return _HTML_START.match(head) is not None


def local_name(element: etree._Element) -> str:
    """The tag without its namespace ("" for comments and processing instructions)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
