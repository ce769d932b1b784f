"""schema.org JSON-LD in pages: events, finance products and services, legislation.

Every `<script type="application/ld+json">` of a page (or a JSON-LD document itself) is read;
`@graph`s, lists, `ItemList`s and `@id` references are followed; each node of a known type
becomes one RawItem. Nothing needs configuring: the vocabulary says where everything is.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from exportwatch.crawlers.markup import parse_html
from exportwatch.crawlers.records import MAX_RECORDS, Extracted, Origin, Value, make_item

__all__ = ["FINANCE_TYPES", "REGULATION_TYPES", "SCHEMA_TYPES", "read_jsonld"]

FINANCE_TYPES = frozenset(
    {
        "FinancialProduct",
        "LoanOrCredit",
        "MortgageLoan",
        "PaymentService",
        "CurrencyConversionService",
        "InvestmentOrDeposit",
        "DepositAccount",
        "BankAccount",
        "Grant",
        "MonetaryGrant",
    }
)
REGULATION_TYPES = frozenset({"Legislation", "LegislationObject"})
SERVICE_TYPES = frozenset({"GovernmentService"})
EXTRA_EVENT_TYPES = frozenset({"Festival", "Hackathon"})
#: Types read besides Event and its subtypes (every type whose name ends in "Event").
SCHEMA_TYPES = FINANCE_TYPES | REGULATION_TYPES | SERVICE_TYPES | EXTRA_EVENT_TYPES

_SCRIPT_TYPE = "translate(@type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_SCRIPTS = f"//script[contains({_SCRIPT_TYPE}, 'ld+json')]"
_WRAPPERS = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$")
_MAX_NODES = 50_000  # nodes visited in one page's JSON-LD
_MAX_DEPTH = 12
_STATUS = {
    "EventCancelled": "cancelled",
    "EventPostponed": "postponed",
    "EventRescheduled": "rescheduled",
    "EventMovedOnline": "moved online",
    "EventScheduled": "scheduled",
}
_ATTENDANCE = {
    "OnlineEventAttendanceMode": "online",
    "OfflineEventAttendanceMode": "offline",
    "MixedEventAttendanceMode": "mixed",
}


@dataclass(slots=True)
class _Graph:
    """The nodes of one page: by `@id` for references, and the typed ones in page order."""

    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    found: list[dict[str, Any]] = field(default_factory=list)
    other_types: dict[str, None] = field(default_factory=dict)
    visited: int = 0
    language: str | None = None  # the page's <html lang>, for items that do not say


def read_jsonld(body: bytes, origin: Origin, *, expected: bool = True) -> Extracted:
    """Read the schema.org items of a page (HTML with JSON-LD scripts, or JSON-LD itself).

    With `expected=False` (a page reached through a sitemap) a page without such items is a
    note, not a problem. Never raises for bad input.
    """
    result = Extracted()
    graph = _Graph()
    scripts = _scripts(body, origin, graph, result)
    if result.error is not None:
        return result
    for number, script in enumerate(scripts, start=1):
        for data in _documents(script, number, result):
            _collect(data, graph, 0)
    if not graph.found:
        return _nothing_found(scripts, graph, origin, expected, result)
    if graph.visited > _MAX_NODES:
        result.problems.append(f"the JSON-LD holds more than {_MAX_NODES:,} nodes; read part")
    _read_nodes(graph, origin, result)
    return result


def _scripts(body: bytes, origin: Origin, graph: _Graph, result: Extracted) -> list[str]:
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"[") or "json" in (origin.content_type or "").lower():
        return [body.decode("utf-8-sig", errors="replace")]
    parsed = parse_html(body, origin.content_type)
    result.notes.extend(parsed.notes)
    if parsed.root is None:
        result.fail(parsed.error or "could not read the page")
        return []
    if _is_sitemap(parsed.root):
        result.fail("this is a sitemap, not a page: use a source of type sitemap to read its pages")
        return []
    graph.language = parsed.root.get("lang") or None
    return [script.text or "" for script in parsed.root.xpath(_SCRIPTS)]


def _is_sitemap(root: Any) -> bool:
    names = {str(element.tag).lower() for element in root.iter() if isinstance(element.tag, str)}
    return bool(names & {"urlset", "sitemapindex"}) and "script" not in names


def _documents(script: str, number: int, result: Extracted) -> Iterator[Any]:
    """The JSON values of one script (some sites put several objects in one)."""
    text = _WRAPPERS.sub("", html.unescape(script) if "&quot;" in script else script).strip()
    decoder = json.JSONDecoder(strict=False)  # raw line breaks inside strings are common
    position = 0
    while position < len(text):
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            problem = f"JSON-LD script {number}: malformed JSON at {where}: {error.msg}"
            result.problems.append(problem)
            return
        except RecursionError:
            result.problems.append(f"JSON-LD script {number}: nested too deeply to read")
            return
        yield value
        while position < len(text) and text[position] in " \t\r\n,;":
            position += 1


def _collect(value: Any, graph: _Graph, depth: int) -> None:
    graph.visited += 1
    if depth > _MAX_DEPTH or graph.visited > _MAX_NODES:
        return
    if isinstance(value, list):
        for item in value:
            _collect(item, graph, depth + 1)
        return
    if not isinstance(value, dict):
        return
    node_id = value.get("@id")
    if isinstance(node_id, str) and len(value) > 1:
        graph.by_id.setdefault(node_id, value)
    types = _types(value)
    if any(_wanted(name) for name in types):
        if not any(node is value for node in graph.found):
            graph.found.append(value)
        return
    for name in types:
        graph.other_types.setdefault(name, None)
    for key, item in value.items():
        if isinstance(item, dict | list) and key != "@context":
            _collect(item, graph, depth + 1)


def _nothing_found(
    scripts: list[str], graph: _Graph, origin: Origin, expected: bool, result: Extracted
) -> Extracted:
    if not scripts:
        message = f"{origin.url} has no JSON-LD"
    else:
        seen = ", ".join(list(graph.other_types)[:10]) or "no typed node"
        wanted = "schema.org Event, finance or legislation item"
        message = f"{origin.url} has no {wanted} (found {seen})"
    if expected:
        result.problems.append(message)
    else:
        result.notes.append(message)
    return result


def _read_nodes(graph: _Graph, origin: Origin, result: Extracted) -> None:
    seen: dict[str, tuple[str, str]] = {}
    for number, node in enumerate(graph.found[:MAX_RECORDS], start=1):
        item = make_item(_values(node, graph, origin), origin)
        if item is None:
            result.failed += 1
            result.problems.append(f"JSON-LD item {number} ({_label(node)}) has no name or URL")
            continue
        identity = (item.title, str(item.fields.get("starts", "")))
        guid = item.guid or ""
        if guid in seen:
            if seen[guid] == identity:
                continue  # the same item twice (two plugins writing the same JSON-LD)
            item.guid = f"{guid}#{_digest(*identity)}"
        seen[guid] = identity
        result.items.append(item)
    if len(graph.found) > MAX_RECORDS:
        result.problems.append(
            f"the page holds {len(graph.found):,} items; read the first {MAX_RECORDS:,}"
        )


def _values(node: dict[str, Any], graph: _Graph, origin: Origin) -> dict[str, Value | None]:
    kind_name = next((name for name in _types(node) if _wanted(name)), "")
    values: dict[str, Value | None] = {
        "title": _text(node.get("name")) or _text(node.get("headline")),
        "summary": _text(node.get("description")),
        "body": _text(node.get("articleBody")) or _text(node.get("text")),
        "url": _url(node, origin),
        "language": _language(node.get("inLanguage")) or graph.language,
        "published": _text(node.get("datePublished")),
        "updated": _text(node.get("dateModified")),
        "categories": _texts(node.get("keywords"), graph),
        "schema_type": kind_name,
    }
    if _is_event(kind_name):
        values |= _event_values(node, graph)
    elif kind_name in REGULATION_TYPES:
        values |= _legislation_values(node, graph)
    else:
        values |= _offer_values(node, graph, kind_name)
    values["guid"] = _guid(node, values, origin)
    return values


def _event_values(node: dict[str, Any], graph: _Graph) -> dict[str, Value | None]:
    values: dict[str, Value | None] = {
        "kind": "event",
        "starts": _text(node.get("startDate")),
        "ends": _text(node.get("endDate")),
        "organizer": _names(node.get("organizer"), graph) or None,
        "status": _STATUS.get(_local(_text(node.get("eventStatus")))),
        "attendance": _ATTENDANCE.get(_local(_text(node.get("eventAttendanceMode")))),
    }
    return values | _place(node.get("location"), graph)


def _place(value: Any, graph: _Graph) -> dict[str, Value | None]:
    places = [_resolve(place, graph) for place in _as_list(value)]
    if any(isinstance(place, str) and place.strip() for place in places):
        return {"location": next(p.strip() for p in places if isinstance(p, str) and p.strip())}
    physical = [p for p in places if isinstance(p, dict) and "VirtualLocation" not in _types(p)]
    if not physical:
        return {"location": "Online"} if places else {}
    place = physical[0]
    address = _resolve(place.get("address"), graph)
    if isinstance(address, str):
        name = _text(place.get("name"))
        return {"location": _join(name, address), "venue": name}
    address = address if isinstance(address, dict) else {}
    country = _resolve(address.get("addressCountry"), graph)
    country_text = _text(country.get("name")) if isinstance(country, dict) else _text(country)
    city = _text(address.get("addressLocality"))
    street = _text(address.get("streetAddress"))
    town = " ".join(part for part in (_text(address.get("postalCode")), city) if part)
    return {
        "location": _join(_text(place.get("name")), street, town, country_text),
        "venue": _text(place.get("name")),
        "city": city,
        "country": country_text,
    }


def _offer_values(node: dict[str, Any], graph: _Graph, kind_name: str) -> dict[str, Value | None]:
    areas = [*_as_list(node.get("areaServed")), *_as_list(node.get("eligibleRegion"))]
    audience = _resolve(node.get("audience"), graph)
    if isinstance(audience, dict):
        areas += _as_list(audience.get("geographicArea"))
    categories = _texts(node.get("category"), graph) + _texts(node.get("serviceType"), graph)
    return {
        "kind": "finance" if kind_name in FINANCE_TYPES else None,
        "provider": _names(node.get("provider"), graph)
        or _names(node.get("serviceOperator"), graph)
        or _names(node.get("funder"), graph)
        or None,
        "eligible_countries": _names(areas, graph),
        "categories": _texts(node.get("keywords"), graph) + categories,
        "amount": _amount(_resolve(node.get("amount"), graph)),
    }


def _legislation_values(node: dict[str, Any], graph: _Graph) -> dict[str, Value | None]:
    jurisdiction = [
        *_as_list(node.get("legislationJurisdiction")),
        *_as_list(node.get("spatialCoverage")),
    ]
    return {
        "kind": "regulation",
        "reference": _text(node.get("legislationIdentifier")),
        "countries": _names(jurisdiction, graph),
        "effective": _text(node.get("legislationDateOfApplicability")),
        "published": _text(node.get("datePublished")) or _text(node.get("legislationDate")),
        "categories": _texts(node.get("keywords"), graph)
        + _texts(node.get("legislationType"), graph),
        "status": _local(_text(node.get("legislationLegalForce"))) or None,
    }


def _url(node: dict[str, Any], origin: Origin) -> str:
    """The item's own page: `url`, `mainEntityOfPage`, else an `@id` that is a web address."""
    for value in (node.get("url"), node.get("mainEntityOfPage"), node.get("@id")):
        text = _text(value)
        if text and not text.startswith("_:"):
            return urljoin(origin.url, text)
    return ""


def _guid(node: dict[str, Any], values: Mapping[str, Value | None], origin: Origin) -> str:
    node_id = node.get("@id")
    if isinstance(node_id, str) and node_id.strip() and not node_id.startswith("_:"):
        return urljoin(origin.url, node_id.strip())
    identifier = _text(node.get("identifier"))
    if identifier:
        return identifier
    url = _text(node.get("url"))
    if url:
        return urljoin(origin.url, url)
    title, starts = str(values.get("title") or ""), str(values.get("starts") or "")
    return f"{origin.url}#{_digest(title, starts)}"


# --- JSON-LD values -------------------------------------------------------------------------


def _types(node: dict[str, Any]) -> list[str]:
    return [_local(name) for name in _as_list(node.get("@type")) if isinstance(name, str)]


def _local(name: str) -> str:
    """`Event` from "Event", "schema:Event" or "https://schema.org/Event"."""
    return re.split(r"[/:#]", name.strip())[-1] if name else ""


def _wanted(name: str) -> bool:
    return _is_event(name) or name in SCHEMA_TYPES


def _is_event(name: str) -> bool:
    return name.endswith("Event") or name in EXTRA_EVENT_TYPES


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _resolve(value: Any, graph: _Graph) -> Any:
    """A `{"@id": …}` reference replaced by the node it names, if the page holds it."""
    if isinstance(value, dict) and set(value) == {"@id"}:
        return graph.by_id.get(str(value["@id"]), value)
    return value


def _text(value: Any) -> str:
    """The first text of a value: a string, a number, {"@value": …} or a list of those."""
    for item in _as_list(value):
        if isinstance(item, dict):
            item = item.get("@value", item.get("@id"))
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            text = html.unescape(str(item)).strip()
            if text:
                return text
    return ""


def _texts(value: Any, graph: _Graph) -> list[str]:
    texts: list[str] = []
    for item in _as_list(value):
        resolved = _resolve(item, graph)
        if isinstance(resolved, dict):
            text = _text(resolved.get("name")) or _text(resolved)
        else:
            text = _text(resolved)
        if text:
            texts.extend(part.strip() for part in text.split(",") if part.strip())
    return texts


def _names(value: Any, graph: _Graph) -> list[str]:
    names: list[str] = []
    for item in _as_list(value):
        resolved = _resolve(item, graph)
        if isinstance(resolved, dict):
            name = _text(resolved.get("name")) or _text(resolved.get("alternateName"))
            address = _resolve(resolved.get("address"), graph)
            if not name and isinstance(address, dict):
                name = _text(address.get("addressCountry"))
        else:
            name = _text(resolved)
        if name and name not in names:
            names.append(name)
    return names


def _language(value: Any) -> str | None:
    for item in _as_list(value):
        if isinstance(item, dict):
            text = _text(item.get("alternateName")) or _text(item.get("name"))
        else:
            text = _text(item)
        if text:
            return text
    return None


def _amount(value: Any) -> str | None:
    if not isinstance(value, dict):
        return _text(value) or None
    currency = _text(value.get("currency"))
    low, high = _text(value.get("minValue")), _text(value.get("maxValue"))
    single = _text(value.get("value"))
    figure = single or (f"{low}–{high}" if low and high else high or low)
    return " ".join(part for part in (currency, figure) if part) or None


def _join(*parts: str) -> str:
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return ", ".join(seen)


def _label(node: dict[str, Any]) -> str:
    return "/".join(_types(node)) or "untyped"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
