"""Load source definitions from YAML files; every problem names the file, field and line.

`check_definitions` looks at every file and reports each one's outcome (the `sources check`
command); `load_definitions` is for the service, which refuses to start on the first problem.
Messages read `config/sources/x.yaml: schedule.every: interval '2m' is shorter than … (line 7)`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from exportwatch.crawlers.definitions import (
    FIELD_NAMES,
    SOURCE_TYPES,
    Lookups,
    SourceDefinition,
    validate_definition,
)
from exportwatch.errors import ConfigError
from exportwatch.taxonomy import Taxonomy
from exportwatch.yamlfile import (
    Loc,
    YamlDocument,
    describe_error,
    format_path,
    line_at,
    one_line,
    parse_yaml,
    read_yaml,
)

__all__ = [
    "DEFINITION_SUFFIXES",
    "CheckedFile",
    "check_definitions",
    "definition_files",
    "definition_from_yaml",
    "load_definition",
    "load_definitions",
]

DEFINITION_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """The outcome for one file: its definition, or the error that stopped it."""

    path: Path
    definition: SourceDefinition | None = None
    error: ConfigError | None = None


def definition_files(path: Path) -> list[Path]:
    """`path` itself if it is a file, else the `*.yaml`/`*.yml` files in it, sorted by name."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ConfigError("no such file or directory", file=path)
    return sorted(
        child
        for child in path.iterdir()
        if child.suffix in DEFINITION_SUFFIXES and child.is_file() and child.name[0] not in "._"
    )


def load_definition(path: Path, taxonomy: Taxonomy | None) -> SourceDefinition:
    """Read and validate one definition file; raises ConfigError naming file, field and line."""
    return _from_document(read_yaml(path), taxonomy)


def definition_from_yaml(
    text: str, taxonomy: Taxonomy | None, *, name: str = "definition"
) -> SourceDefinition:
    """Validate a definition given as YAML text (the admin form); `name` stands for the file."""
    return _from_document(parse_yaml(text, Path(name)), taxonomy)


def check_definitions(paths: Iterable[Path], taxonomy: Taxonomy | None) -> list[CheckedFile]:
    """Check every file (directories are expanded); a later file reusing an id is an error."""
    checked: list[CheckedFile] = []
    for path in paths:
        try:
            files = definition_files(path)
        except ConfigError as error:
            checked.append(CheckedFile(path, error=error))
            continue
        checked.extend(_check_file(file, taxonomy) for file in files)
    return _flag_duplicates(checked)


def load_definitions(
    paths: Path | Iterable[Path], taxonomy: Taxonomy | None
) -> list[SourceDefinition]:
    """Every definition under `paths`; raises the first file's ConfigError, duplicates included."""
    checked = check_definitions([paths] if isinstance(paths, Path) else paths, taxonomy)
    for outcome in checked:
        if outcome.error is not None:
            raise outcome.error
    return [outcome.definition for outcome in checked if outcome.definition is not None]


def _check_file(path: Path, taxonomy: Taxonomy | None) -> CheckedFile:
    try:
        return CheckedFile(path, definition=load_definition(path, taxonomy))
    except ConfigError as error:
        return CheckedFile(path, error=error)


def _flag_duplicates(checked: list[CheckedFile]) -> list[CheckedFile]:
    first: dict[str, Path] = {}
    flagged = []
    for outcome in checked:
        definition = outcome.definition
        if definition is not None and definition.id in first:
            line = _id_line(outcome.path)
            other = first[definition.id]
            problem = f"duplicate source id {definition.id!r}, already used by {other}"
            where = f" (line {line})" if line else ""
            error = ConfigError(problem + where, file=outcome.path, entry="id")
            outcome = CheckedFile(outcome.path, error=error)
        elif definition is not None:
            first[definition.id] = outcome.path
        flagged.append(outcome)
    return flagged


def _id_line(path: Path) -> int | None:
    try:
        return line_at(read_yaml(path), ("id",))
    except ConfigError:
        return None


def _from_document(document: YamlDocument, taxonomy: Taxonomy | None) -> SourceDefinition:
    if not isinstance(document.data, dict):
        problem = "the file is empty" if document.data is None else "expected a mapping of fields"
        raise ConfigError(problem, file=document.path)
    try:
        return validate_definition(document.data, taxonomy)
    except ValidationError as error:
        raise _config_error(error, document) from None


def _config_error(error: ValidationError, document: YamlDocument) -> ConfigError:
    details = error.errors()
    first = details[0]
    problem, loc = _describe(first, document)
    if len(details) > 1:
        problem += f"; {len(details) - 1} more problem(s) in this file"
    line = line_at(document, loc)
    where = f" (line {line})" if line else ""
    entry = format_path(loc) or None
    return ConfigError(one_line(problem) + where, file=document.path, entry=entry)


def _describe(error: ErrorDetails, document: YamlDocument) -> tuple[str, Loc]:
    """The problem and its path in the file, without the union's type tag and `[key]` marks."""
    loc: Loc = tuple(part for part in error["loc"] if part != "[key]")
    kind = error["type"]
    if kind == "union_tag_not_found":
        return "missing required field", ("type",)
    if kind == "union_tag_invalid":
        wanted = ", ".join(SOURCE_TYPES)
        return f"unknown type {document.data.get('type')!r} (one of: {wanted})", ("type",)
    if loc and loc[0] == document.data.get("type"):
        loc = loc[1:]
    if kind == "extra_forbidden":
        return _unknown_field(loc), loc
    return describe_error(error), loc


def _unknown_field(loc: Loc) -> str:
    name = str(loc[-1])
    if len(loc) == 2 and loc[0] == "lookups":
        return f"lookups cannot map field {name!r} (they map: {', '.join(Lookups.model_fields)})"
    close = difflib.get_close_matches(name, sorted(FIELD_NAMES), n=1, cutoff=0.75)
    return f"unknown field (did you mean {close[0]!r}?)" if close else "unknown field"
