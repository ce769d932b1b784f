"""Turn the HTML and text that sources publish into clean plain text, titles and summaries.

Every function accepts anything a source may send (huge, broken, control characters, mixed
scripts) and returns a string; none raises. Work is bounded by capping the input first.
"""

from __future__ import annotations

import html as html_lib
import re
import sys
import threading
import unicodedata
from collections.abc import Iterable
from functools import cache

import nh3
from lxml import etree

__all__ = [
    "MAX_INPUT_CHARS",
    "clean_text",
    "clean_title",
    "html_to_text",
    "sanitize_html",
    "summarize",
]

MAX_INPUT_CHARS = 2_000_000  # about 2 MB: larger inputs are cut before any parsing
_ELLIPSIS = "…"

# --- plain text -------------------------------------------------------------------------------

_LINE_BREAK_CHARS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK = re.compile(r"\r\n?|[" + _LINE_BREAK_CHARS + "]")
_BLANK_LINES = re.compile(r"\n{3,}")
_DOUBLE_ESCAPED = re.compile(r"&(?:amp;|#0*38;|#x0*26;)+(?=#?\w+;)", re.IGNORECASE)
_MAX_UNESCAPE_ROUNDS = 8  # "&amp;amp;…" nested deeper than this is left as it is
# Invisible letters that are not format characters but only ever hide text (Hangul fillers,
# the combining grapheme joiner).
_INVISIBLE = "\u034f\u115f\u1160\u3164\uffa0"


def clean_text(text: str) -> str:
    """Unescape entities, drop control/format/zero-width characters, NFC, collapse spaces.

    Line breaks survive: paragraphs stay separated by one blank line ("\\n\\n").
    """
    if not isinstance(text, str) or not text:
        return ""
    text = _unescape(text[:MAX_INPUT_CHARS])
    if any(char in text for char in _LINE_BREAK_CHARS):
        text = _LINE_BREAK.sub("\n", text)
    text = _strip_invisible(text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    return text[:MAX_INPUT_CHARS].rstrip()  # NFC may lengthen text; keep the bound


def _unescape(text: str) -> str:
    """Decode entities until none is left, so that cleaning twice changes nothing."""
    for _ in range(_MAX_UNESCAPE_ROUNDS):
        if "&" not in text:
            break
        decoded = html_lib.unescape(_DOUBLE_ESCAPED.sub("&", text))
        if decoded == text:
            break
        text = decoded
    return text


def _strip_invisible(text: str) -> str:
    if text.replace("\n", "").replace(" ", "").isprintable() and not _has_invisible(text):
        return text  # the common case, checked in C: no control, format or odd space
    return _invisible_chars().sub("", text.replace("\t", " "))


def _has_invisible(text: str) -> bool:
    return not text.isascii() and any(char in text for char in _INVISIBLE)


@cache
def _invisible_chars() -> re.Pattern[str]:
    """Control (except \\n), format, surrogate and private-use characters, plus _INVISIBLE."""
    codes = [
        code
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in {"Cc", "Cf", "Cs", "Co"} and code != 0x0A
    ]
    codes.extend(ord(char) for char in _INVISIBLE)
    return re.compile("[" + "".join(_char_ranges(sorted(codes))) + "]")


def _char_ranges(codes: list[int]) -> Iterable[str]:
    start = previous = codes[0]
    for code in [*codes[1:], -1]:
        if code == previous + 1:
            previous = code
            continue
        yield re.escape(chr(start)) + ("-" + re.escape(chr(previous)) if previous > start else "")
        start = previous = code


def _cut(text: str, limit: int) -> str:
    """`text[:limit]` moved back so that a combining mark is not split from its letter."""
    while 0 < limit < len(text) and unicodedata.combining(text[limit]):
        limit -= 1
    return text[:limit]


def _shorten(text: str, limit: int) -> str:
    """Cut one-line text at a word boundary so that, with "…", it fits in `limit`."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return _ELLIPSIS[:limit]
    head = _cut(text, limit - 1)
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:-–—/(|") + _ELLIPSIS


# --- titles -----------------------------------------------------------------------------------

_TAG = re.compile(r"</?[a-zA-Z][^<>]*>|<[!?][^<>]*>")
_BREAKING_TAG = re.compile(r"</?(?:br|p|div|li|h[1-6]|tr|td|th|dt|dd)\b[^<>]*>", re.IGNORECASE)
_MAX_TAG_ROUNDS = 4
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)


def clean_title(text: str, limit: int = 300) -> str:
    """One clean line without tags, cut at a word boundary with "…" to fit in `limit`."""
    if not isinstance(text, str) or not text or limit <= 0:
        return ""
    text = clean_text(text[: limit * 20 + 1000])
    for _ in range(_MAX_TAG_ROUNDS):  # removing tags can reveal new ones: "<<b>b>"
        if "<" not in text or not _TAG.search(text):
            break
        text = clean_text(_TAG.sub("", _BREAKING_TAG.sub(" ", _SCRIPT.sub(" ", text))))
    else:
        if _TAG.search(text):  # nested on purpose: defuse what is left
            text = text.replace("<", "‹")
    return _shorten(" ".join(text.split()), limit)


# --- summaries --------------------------------------------------------------------------------

_TERMINAL = ".!?…:;。！？"
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)|[。！？]+[」』”）]*|(?<=\S)(?= · )")
# fmt: off
_ABBREVIATIONS = frozenset({
    "approx", "art", "abs", "bzw", "ca", "cf", "co", "dr", "e.g", "etc.al", "ggf", "i.e", "inc",
    "incl", "inkl", "jr", "mr", "mrs", "ms", "mt", "nr", "no", "nos", "p", "pp", "prof", "resp",
    "sr", "st", "u.a", "usw", "vgl", "vs", "z.b", "zb",
})
# fmt: on


def summarize(text: str, limit: int = 400) -> str:
    """The first sentences of `text` in one line of at most `limit` characters.

    Paragraphs that do not end a sentence (headings, list items) are joined with " · ". The
    cut falls after a sentence when one ends past 40% of the limit; otherwise at a word
    boundary, marked with "…".
    """
    if not isinstance(text, str) or not text or limit <= 0:
        return ""
    text = _summary_line(text[: limit * 20 + 1000])
    if len(text) <= limit:
        return text
    end = _last_sentence_end(text, limit)
    if end >= limit * 0.4:
        return text[:end]
    return _shorten(text, limit)


def _summary_line(text: str) -> str:
    parts: list[str] = []
    for line in clean_text(text).split("\n"):
        line = " ".join(line.split())
        if line:
            if parts:
                parts.append(" " if parts[-1][-1] in _TERMINAL else " · ")
            parts.append(line)
    return "".join(parts)


def _last_sentence_end(text: str, limit: int) -> int:
    last = 0
    for match in _SENTENCE_END.finditer(text, 0, limit + 1):
        end = match.end()
        if end <= limit and _ends_sentence(text, match.start(), end):
            last = end
    return last


def _ends_sentence(text: str, start: int, end: int) -> bool:
    if start == end or text[start] in "。！？":
        return True
    following = text[end + 1 : end + 2]
    if following and following.islower():
        return False
    word = text[text.rfind(" ", 0, start) + 1 : start].lstrip("(\"'“‘«[").lower()
    if text[start] == "." and (
        word in _ABBREVIATIONS or len(word) == 1 or ("." in word and len(word) <= 6)
    ):
        return False
    return not (text[start] == "." and word.isdigit() and len(word) <= 2)  # "am 30. April"


# --- HTML to text -----------------------------------------------------------------------------

_FULL_PAGE = re.compile(r"<(?:html|head|body)\b", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_PARSER_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0]")
_CELL = "\ufdd0"  # a noncharacter, removed from the input, marks table cell boundaries
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")

# fmt: off
_NEVER_TEXT = (
    "head", "script", "style", "noscript", "template", "svg", "math", "iframe", "frame",
    "frameset", "object", "embed", "applet", "canvas", "audio", "video", "map", "select",
    "textarea", "input", "button",
)
_PARAGRAPH = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote", "pre",
    "section", "article", "main", "header", "footer", "aside", "nav", "figure", "form",
    "fieldset", "address", "details", "hr", "hgroup",
})
_LINE = frozenset({
    "div", "li", "tr", "dt", "dd", "caption", "figcaption", "summary", "legend", "option",
    "center", "br",
})
_BOILERPLATE_TAGS = frozenset({"nav", "aside", "form", "footer", "dialog"})
_BOILERPLATE_ROLES = frozenset({
    "navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog",
    "menu", "menubar", "toolbar",
})
_BOILERPLATE_TOKENS = frozenset({
    "nav", "navbar", "navigation", "subnav", "menu", "menubar", "sidebar", "share", "sharing",
    "social", "newsletter", "skip", "related", "breadcrumb", "breadcrumbs", "advert",
    "advertisement", "ads", "popup", "modal", "toolbar", "pagination", "pager", "topbar",
})
# fmt: on
_BOILERPLATE_WORDS = ("cookie", "consent", "gdpr", "breadcrumb", "onetrust")
_PAGE_FRAME = re.compile(r"^(?:site|page|global|main)?[-_]?(?:header|footer|masthead)$")
_CONTENT_TOKENS = frozenset({"content", "main", "article", "post", "entry", "story", "body"})
_TOKEN_SPLIT = re.compile(r"[\s_-]+")
_STRING = etree.XPath("string()")


def html_to_text(html: str) -> str:
    """Plain text of an HTML page's main content, or of a fragment or plain text.

    Block elements become line breaks, paragraphs are separated by "\\n\\n", table cells by
    " | ". Full pages (with <html>/<head>/<body>) lose navigation, headers, footers, sidebars,
    forms and cookie banners, and keep <main>, a single <article> or the content container.
    """
    if not isinstance(html, str) or not html:
        return ""
    html = _PARSER_UNSAFE.sub("", html[:MAX_INPUT_CHARS])
    if "<" not in html:
        return clean_text(html)
    body = _parse_body(html)
    if body is None:
        return clean_text(_TAG.sub(" ", html))
    _drop_all(body.xpath(_xpath_for_tags(_NEVER_TEXT)))
    _drop_all(body.xpath(".//*[@hidden or @aria-hidden='true']"))
    if not _FULL_PAGE.search(html):
        return _render(body)
    _drop_all(_boilerplate(body))
    return _render(_main_content(body)) or _render(body)


_local = threading.local()  # lxml parsers must not be shared between threads


def _parser() -> etree.HTMLParser:
    parser: etree.HTMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.HTMLParser(
            encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
        )
        _local.parser = parser
    return parser


def _parse_body(html: str) -> etree._Element | None:
    data = _XML_DECLARATION.sub("", html).encode("utf-8")
    try:
        root = etree.fromstring(data, parser=_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    body = root.find("body")
    return root if body is None else body


def _xpath_for_tags(tags: Iterable[str]) -> str:
    return " | ".join(f".//{tag}" for tag in tags)


def _drop_all(elements: Iterable[etree._Element]) -> None:
    for element in elements:
        parent = element.getparent()
        if parent is None:
            continue
        if element.tail:  # the text that follows the element stays
            previous = element.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + element.tail
            else:
                parent.text = (parent.text or "") + element.tail
        parent.remove(element)


def _text_length(element: etree._Element) -> int:
    return len(_STRING(element))


def _boilerplate(body: etree._Element) -> list[etree._Element]:
    """Navigation, page headers/footers, sidebars, forms, share bars and cookie banners."""
    half_of_text = _text_length(body) / 2
    found = []
    for element in body.iterdescendants():
        if isinstance(element.tag, str) and _looks_like_boilerplate(element):
            # An unclosed <div class="menu"> or an ASP.NET page-wide <form> holds the content.
            holds_content = element.find(".//h1") is not None or element.find(".//main") is not None
            if not holds_content and _text_length(element) <= half_of_text:
                found.append(element)
    return found


def _looks_like_boilerplate(element: etree._Element) -> bool:
    tag = element.tag
    if tag in _BOILERPLATE_TAGS:
        return True
    if tag == "header":  # an article's own header holds its title and dates
        return not any(parent.tag in ("article", "main") for parent in element.iterancestors())
    if element.get("role", "").strip().lower() in _BOILERPLATE_ROLES:
        return True
    names = f"{element.get('id', '')} {element.get('class', '')}".lower()
    if not names.strip():
        return False
    if any(word in names for word in _BOILERPLATE_WORDS):
        return True
    if any(_PAGE_FRAME.match(name) for name in names.split()):
        return True
    return not _BOILERPLATE_TOKENS.isdisjoint(_TOKEN_SPLIT.split(names))


def _main_content(body: etree._Element) -> etree._Element:
    """<main>, else the only <article>, else the smallest content container with most text."""
    mains = body.xpath(".//main | .//*[@role='main']")
    if mains:
        return max(mains, key=lambda element: _text_length(element))
    articles = body.xpath(".//article")
    if len(articles) == 1:
        return articles[0]
    most_text = _text_length(body) / 2
    best, best_size = body, _text_length(body)
    for element in body.xpath(".//*[@id or @class]"):
        names = f"{element.get('id', '')} {element.get('class', '')}".lower()
        if _CONTENT_TOKENS.isdisjoint(_TOKEN_SPLIT.split(names)):
            continue
        size = _text_length(element)
        if most_text <= size < best_size:
            best, best_size = element, size
    return best


class _TextWriter:
    """Collects text runs and line breaks; adjacent breaks merge into the strongest one."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = 0  # newlines owed before the next text: 0, 1 or 2

    def text(self, text: str | None, *, preformatted: bool = False) -> None:
        if not text:
            return
        text = text.replace(_CELL, "")
        if not preformatted:
            text = _HTML_SPACE.sub(" ", text)
        if not text.strip():
            if self.parts and not self.pending and text:
                self.parts.append(" ")
            return
        self.flush()
        self.parts.append(text)

    def cell(self) -> None:
        self.parts.append(_CELL)

    def newline(self, count: int) -> None:
        self.pending = max(self.pending, count)

    def flush(self) -> None:
        if self.pending and self.parts:
            self.parts.append("\n" * self.pending)
        self.pending = 0

    def result(self) -> str:
        text = "".join(self.parts)
        if _CELL in text:
            text = "\n".join(_join_cells(line) for line in text.split("\n"))
        return clean_text(text)


def _join_cells(line: str) -> str:
    return " | ".join(part for part in (cell.strip() for cell in line.split(_CELL)) if part)


def _render(root: etree._Element) -> str:
    writer = _TextWriter()
    preformatted = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            preformatted += tag == "pre"
            writer.newline(_break_after(tag))
            if tag in ("td", "th"):
                writer.cell()
            writer.text(element.text, preformatted=preformatted > 0)
            continue
        preformatted -= tag == "pre"
        writer.newline(_break_after(tag))
        if tag in ("td", "th"):
            writer.cell()
        if element is not root:
            writer.text(element.tail, preformatted=preformatted > 0)
    return writer.result()


def _break_after(tag: str) -> int:
    if tag in _PARAGRAPH:
        return 2
    return 1 if tag in _LINE else 0


# --- HTML for display -------------------------------------------------------------------------

# fmt: off
_ALLOWED_TAGS = frozenset({
    "p", "br", "ul", "ol", "li", "b", "strong", "i", "em", "a", "h2", "h3", "h4",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
})
# fmt: on
_ALLOWED_ATTRIBUTES = {"a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


_MAX_HTML_DEPTH = 256  # deeper markup is shown as escaped text (lxml's own default limit)
_NESTING_TAG = re.compile(r"<(/?)([a-zA-Z][^\s/>]*)[^>]*>")
# Void elements, and those an HTML parser closes by itself when the next one starts.
# fmt: off
_NOT_NESTING = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option",
})
# fmt: on


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(_ALLOWED_TAGS),
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object"},
        attributes={tag: set(names) for tag, names in _ALLOWED_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def sanitize_html(html: str) -> str:
    """HTML safe to show: a small allowlist of tags, links with rel="noopener noreferrer
    nofollow", no scripts, event handlers, styles or javascript: URLs."""
    if not isinstance(html, str) or not html:
        return ""
    html = _PARSER_UNSAFE.sub("", html[:MAX_INPUT_CHARS])
    if _nested_deeper_than(html, _MAX_HTML_DEPTH):  # nh3's time grows with depth squared
        paragraphs = html_to_text(html).split("\n\n")
        return "".join(f"<p>{html_lib.escape(part)}</p>" for part in paragraphs if part)
    return _cleaner().clean(html).strip()


def _nested_deeper_than(html: str, limit: int) -> bool:
    """Whether open elements nest deeper than `limit` (void and self-closing tags aside)."""
    if html.count("<") <= limit:
        return False
    depth = 0
    for match in _NESTING_TAG.finditer(html):
        name = match[2].lower()
        if name in _NOT_NESTING or match[0].endswith("/>"):
            continue
        if match[1]:
            depth = max(depth - 1, 0)
            continue
        depth += 1
        if depth > limit:
            return True
    return False
