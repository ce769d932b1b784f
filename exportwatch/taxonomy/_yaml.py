"""Read a taxonomy YAML file into plain data, remembering the line of every mapping.

The loader differs from ``yaml.safe_load`` where YAML 1.1 surprises people editing config:
``NO`` (Norway) and ``yes``/``on`` stay strings (only ``true``/``false`` are booleans), dates
stay strings (the schema parses them, so a bad date is reported like any other field), and a
key given twice in one mapping is an error instead of silently keeping the last value.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from exportwatch.errors import ConfigError

try:  # libyaml's parser is ~10x faster; construction and checks below stay in Python
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

__all__ = ["YamlDocument", "one_line", "read_yaml"]

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_DROPPED_TAGS = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"}


@dataclass
class YamlDocument:
    """Parsed data plus the 1-based lines of its mappings and of the items of its lists."""

    path: Path
    data: Any
    lines: dict[int, int] = field(default_factory=dict)
    item_lines: dict[int, list[int]] = field(default_factory=dict)

    def line_of(self, node: object) -> int | None:
        """Line where a mapping of ``data`` starts, if ``node`` is one."""
        return self.lines.get(id(node))

    def item_line(self, node: object, index: int) -> int | None:
        """Line where item ``index`` of a list of ``data`` starts, if ``node`` is one."""
        lines = self.item_lines.get(id(node))
        return lines[index] if lines is not None and 0 <= index < len(lines) else None


class _Loader(_BaseLoader):
    """Safe loader with strict booleans, string dates, duplicate-key checks and line tracking."""

    def __init__(self, stream: str, path: Path) -> None:
        super().__init__(stream)
        self.path = path
        self.mapping_lines: dict[int, int] = {}
        self.item_lines: dict[int, list[int]] = {}


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Iterator[dict[Hashable, Any]]:
    data: dict[Hashable, Any] = {}
    yield data
    seen: set[object] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            line = key_node.start_mark.line + 1
            raise ConfigError(f"key {key!r} given twice", file=loader.path, entry=f"line {line}")
        seen.add(key)
    data.update(loader.construct_mapping(node, deep=True))
    loader.mapping_lines[id(data)] = node.start_mark.line + 1


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
        path=path, data=data, lines=loader.mapping_lines, item_lines=loader.item_lines
    )


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line (whitespace runs become one space), shortened to ``limit``."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else f"{flat[: limit - 1]}…"


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
