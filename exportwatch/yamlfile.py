"""Read a configuration YAML file into plain data, remembering where every node came from.

Shared by the taxonomy and the source definitions, so both report problems the same way: the
file, the field path and the line. The loader differs from ``yaml.safe_load`` where YAML 1.1
surprises people editing config: ``NO`` (Norway) and ``yes``/``on`` stay strings (only
``true``/``false`` are booleans), dates stay strings (the schema parses them, so a bad date is
reported like any other field), and a key given twice in one mapping is an error instead of
silently keeping the last value.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from exportwatch.errors import ConfigError

try:  # libyaml's parser is ~10x faster; construction and checks below stay in Python
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

__all__ = [
    "Loc",
    "YamlDocument",
    "describe_error",
    "first_problem",
    "format_path",
    "line_at",
    "one_line",
    "parse_yaml",
    "read_yaml",
    "step",
]

#: A path into parsed data: mapping keys and list indexes, as pydantic reports them.
Loc = tuple[str | int, ...]

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_DROPPED_TAGS = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"}


@dataclass
class YamlDocument:
    """Parsed data plus the 1-based lines of its mappings, their keys and their list items."""

    path: Path
    data: Any
    lines: dict[int, int] = field(default_factory=dict)
    item_lines: dict[int, list[int]] = field(default_factory=dict)
    key_lines: dict[int, dict[Hashable, int]] = field(default_factory=dict)

    def line_of(self, node: object) -> int | None:
        """Line where a mapping of ``data`` starts, if ``node`` is one."""
        return self.lines.get(id(node))

    def item_line(self, node: object, index: int) -> int | None:
        """Line where item ``index`` of a list of ``data`` starts, if ``node`` is one."""
        lines = self.item_lines.get(id(node))
        return lines[index] if lines is not None and 0 <= index < len(lines) else None

    def key_line(self, node: object, key: object) -> int | None:
        """Line of ``key`` in a mapping of ``data``, if ``node`` is one and holds the key."""
        lines = self.key_lines.get(id(node))
        return lines.get(key) if lines is not None and isinstance(key, Hashable) else None


class _Loader(_BaseLoader):
    """Safe loader with strict booleans, string dates, duplicate-key checks and line tracking."""

    def __init__(self, stream: str, path: Path) -> None:
        super().__init__(stream)
        self.path = path
        self.mapping_lines: dict[int, int] = {}
        self.item_lines: dict[int, list[int]] = {}
        self.key_lines: dict[int, dict[Hashable, int]] = {}


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Iterator[dict[Hashable, Any]]:
    data: dict[Hashable, Any] = {}
    yield data
    keys: dict[Hashable, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, Hashable) and key in keys:
            raise ConfigError(f"key {key!r} given twice", file=loader.path, entry=f"line {line}")
        if isinstance(key, Hashable):
            keys[key] = line
    data.update(loader.construct_mapping(node, deep=True))
    loader.mapping_lines[id(data)] = node.start_mark.line + 1
    loader.key_lines[id(data)] = keys


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> Iterator[list[Any]]:
    data: list[Any] = []
    yield data
    data.extend(loader.construct_sequence(node, deep=True))
    loader.item_lines[id(data)] = [item.start_mark.line + 1 for item in node.value]


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def read_yaml(path: Path) -> YamlDocument:
    """Parse ``path``; a missing file or a syntax error is a ConfigError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read file: {one_line(str(error))}", file=path) from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> YamlDocument:
    """Parse YAML ``text`` that came from ``path`` (or a form; ``path`` then names it)."""
    loader = _Loader(text, path)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, path) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"YAML syntax error: {one_line(str(error))}", file=path) from None
    finally:
        loader.dispose()
    return YamlDocument(
        path=path,
        data=data,
        lines=loader.mapping_lines,
        item_lines=loader.item_lines,
        key_lines=loader.key_lines,
    )


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line (whitespace runs become one space), shortened to ``limit``."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else f"{flat[: limit - 1]}…"


def step(node: Any, part: str | int) -> Any:
    """The child of ``node`` at key or index ``part``, or None where there is none."""
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def format_path(parts: Sequence[str | int]) -> str:
    """``("publisher", "urls", 2)`` as ``publisher.urls[2]``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def line_at(document: YamlDocument, loc: Loc) -> int | None:
    """Line of the deepest node on the way to ``loc``: the key, list item or mapping."""
    node: Any = document.data
    line = document.line_of(node)
    for part in loc:
        if isinstance(node, dict):
            line = document.key_line(node, part) or document.line_of(node) or line
        elif isinstance(node, list) and isinstance(part, int):
            line = document.item_line(node, part) or line
        else:
            break
        node = step(node, part)
    return line


def describe_error(error: ErrorDetails) -> str:
    """One pydantic error as a short sentence for people editing YAML."""
    kind = error["type"]
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        return "unknown field"
    message = str(error["msg"])
    return f"{message[:1].lower()}{message[1:]} (got {one_line(repr(error['input']), 60)})"


def first_problem(error: ValidationError) -> tuple[str, Loc]:
    """The first problem of ``error`` as a sentence, with how many more there are, and its loc."""
    first = error.errors()[0]
    problem = describe_error(first)
    if error.error_count() > 1:
        problem += f"; {error.error_count() - 1} more problem(s) in this file"
    loc = tuple(part for part in first["loc"] if isinstance(part, str | int))
    return problem, loc


def _syntax_error(error: yaml.MarkedYAMLError, path: Path) -> ConfigError:
    mark, context_mark = error.problem_mark, error.context_mark
    where = mark or context_mark
    entry = f"line {where.line + 1}, column {where.column + 1}" if where else None
    context = error.context
    if context and context_mark and mark and context_mark.line != mark.line:
        context += f" started on line {context_mark.line + 1}"
    problem = "; ".join(part for part in (context, error.problem) if part)
    return ConfigError(
        f"YAML syntax error: {one_line(problem or str(error))}", file=path, entry=entry
    )
