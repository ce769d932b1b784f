"""XML documents in a publisher's own schema, read with the XPaths of an `xml` definition.

`records` selects the record elements; each field XPath is evaluated inside one record. A field
that selects elements gets their text (`body` keeps inner markup, for the pipeline to clean).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from lxml import etree

from exportwatch.crawlers.definitions import XmlRules
from exportwatch.crawlers.markup import local_name, parse_xml
from exportwatch.crawlers.records import (
    MAX_RECORDS,
    Extracted,
    Origin,
    Value,
    capped,
    make_item,
    unmatched_fields,
)

__all__ = ["read_xml_records"]

_SPACE = re.compile(r"\s+")
_PREFIXED = re.compile(r"\b[A-Za-z_][\w.-]*:[A-Za-z_]")


def read_xml_records(body: bytes, rules: XmlRules, origin: Origin) -> Extracted:
    """Read the records of an XML document into RawItems. Never raises for bad input."""
    parsed = parse_xml(body, origin.content_type)
    result = Extracted(problems=parsed.problems, notes=parsed.notes)
    if parsed.root is None:
        return result.fail(parsed.error or "no XML to read")
    try:
        found = parsed.root.xpath(rules.records, namespaces=rules.namespaces)
    except etree.XPathError as error:
        return result.fail(f"records XPath {rules.records!r} failed: {error}")
    records = (
        [node for node in found if isinstance(node, etree._Element)]
        if isinstance(found, list)
        else []
    )
    if not records:
        return result.fail(_nothing_matched(rules, parsed.root))
    if len(records) > MAX_RECORDS:
        result.problems.append(
            f"the document holds {len(records):,} records; read the first {MAX_RECORDS:,}"
        )
        records = records[:MAX_RECORDS]
    _read_records(records, rules, origin, result)
    return result


def _nothing_matched(rules: XmlRules, root: etree._Element) -> str:
    problem = f"records XPath {rules.records!r} matched nothing"
    name = local_name(root)
    if name == "html":
        return f"{problem}: the answer is an HTML page, not the XML export"
    default = root.nsmap.get(None)
    if default and default not in rules.namespaces.values() and not _PREFIXED.search(rules.records):
        return (
            f"{problem}: the document's elements are in the namespace {default!r}; declare it "
            f"under rules.namespaces (e.g. x: {default}) and write the XPath as //x:{name}"
        )
    return f"{problem}; the document's root element is <{name}>"


def _read_records(
    records: list[etree._Element], rules: XmlRules, origin: Origin, result: Extracted
) -> None:
    paths = {
        name: etree.XPath(path, namespaces=rules.namespaces) for name, path in rules.fields.items()
    }
    matched: Counter[str] = Counter()
    failures: list[str] = []
    for number, record in enumerate(records, start=1):
        values: dict[str, Value | None] = {}
        for name, path in paths.items():
            try:
                texts = _texts(path(record), markup=name == "body")
            except etree.XPathError as error:
                failures.append(f"record {number}: fields.{name} failed: {error}")
                continue
            if texts:
                matched[name] += 1
                values[name] = texts[0] if len(texts) == 1 else texts
        item = make_item(values, origin)
        if item is None:
            where = f"record {number} (line {record.sourceline})"
            failures.append(f"{where} has no title, text or link")
            continue
        result.items.append(item)
    result.failed += len(failures)
    result.problems.extend(capped(failures, "more records could not be read"))
    result.problems.extend(unmatched_fields(rules.fields, matched, len(records), "XPath"))


def _texts(found: Any, *, markup: bool) -> list[str]:
    if isinstance(found, bool):
        return ["true" if found else "false"]
    if isinstance(found, float):
        return [] if found != found else [str(int(found)) if found.is_integer() else str(found)]
    if isinstance(found, str):
        return [text] if (text := found.strip()) else []
    texts: list[str] = []
    for node in found if isinstance(found, list) else []:
        if isinstance(node, etree._Element):
            text = _inner_markup(node) if markup and len(node) else _element_text(node)
        else:
            text = str(node).strip()
        if text:
            texts.append(text)
    return texts


def _element_text(element: etree._Element) -> str:
    return _SPACE.sub(" ", "".join(element.itertext())).strip()


def _inner_markup(element: etree._Element) -> str:
    inner = [element.text or ""]
    inner += [etree.tostring(child, encoding="unicode", with_tail=True) for child in element]
    return "".join(inner).strip()
