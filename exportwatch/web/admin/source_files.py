"""Definition files of the sources dir as the admin editor reads and writes them.

Writes are atomic (a hidden temp file in the same dir, then a rename or a hard link), so the
scheduler never reads half a file; ids that would leave the dir are refused, and adding never
replaces an existing file.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from exportwatch.crawlers import CheckedFile

__all__ = ["MAX_DEFINITION_CHARS", "DefinitionFileError", "find_file", "write_definition"]

MAX_DEFINITION_CHARS = 64_000
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class DefinitionFileError(Exception):
    """The file cannot be written: a bad id, an existing file, or the disk refused."""


def find_file(checked: list[CheckedFile], source_id: str) -> Path | None:
    """The file defining `source_id`, or a broken file named after it."""
    for outcome in checked:
        if outcome.definition is not None and outcome.definition.id == source_id:
            return outcome.path
    for outcome in checked:
        if outcome.definition is None and outcome.path.stem == source_id:
            return outcome.path
    return None


def write_definition(directory: Path, source_id: str, text: str, *, replace: Path | None) -> Path:
    """Write `text` as `<directory>/<source_id>.yaml`, or over `replace` (an edited file)."""
    if not _ID.fullmatch(source_id):
        raise DefinitionFileError(f"{source_id!r} cannot be a file name")
    directory.mkdir(parents=True, exist_ok=True)
    target = replace or directory / f"{source_id}.yaml"
    if target.resolve().parent != directory.resolve():
        raise DefinitionFileError(f"{target.name} is not in the sources dir")
    if replace is None and (directory / f"{source_id}.yml").exists():
        raise DefinitionFileError(f"{source_id}.yml already exists")
    temp = directory / f".{source_id}.{secrets.token_hex(6)}.tmp"
    try:
        with temp.open("x", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        if replace is None:
            os.link(temp, target)  # fails if the file appeared meanwhile
        else:
            os.replace(temp, target)
    except FileExistsError:
        raise DefinitionFileError(f"{target.name} already exists") from None
    except OSError as error:
        raise DefinitionFileError(f"cannot write {target.name}: {error.strerror}") from None
    finally:
        temp.unlink(missing_ok=True)
    return target
