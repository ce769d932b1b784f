"""Fetch the Elasticsearch server from Maven Central once per machine and unpack it."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from exportwatch.devtools._es_common import ElasticsearchSetupError, logger

__all__ = [
    "CACHE_ENV",
    "DEFAULT_VERSION",
    "VERSION_ENV",
    "default_cache_dir",
    "ensure_distribution",
    "es_version",
]

# The server version the tests run against; keep its major equal to the client's in pyproject.
DEFAULT_VERSION = "9.3.2"
VERSION_ENV = "EXPORTWATCH_ES_VERSION"
CACHE_ENV = "EXPORTWATCH_ES_CACHE"

# The integ-test-zip is the real server (same binaries) with a minimal set of modules; it is the
# only server distribution Elastic publishes to Maven Central.
_ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
# Maven's default dependency plugin (2.8) cannot copy this artifact; 3.6.1 can.
_COPY_GOAL = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy"
_MVN_TIMEOUT = 900.0


def es_version() -> str:
    """Return the server version to use: ``EXPORTWATCH_ES_VERSION`` or the pinned default."""
    return os.environ.get(VERSION_ENV, "").strip() or DEFAULT_VERSION


def default_cache_dir() -> Path:
    """Return the per-machine cache: ``EXPORTWATCH_ES_CACHE``, else under the XDG cache home."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "exportwatch" / "elasticsearch"


def ensure_distribution(version: str | None = None, cache_dir: Path | None = None) -> Path:
    """Return the unpacked server for ``version``, downloading it first if not cached.

    Safe when several processes race: one downloads under a lock, the others wait for it, and
    the unpacked directory appears with an atomic rename, so it is never seen half-written.
    """
    version = version or es_version()
    version_dir = (cache_dir or default_cache_dir()) / version
    home = version_dir / f"elasticsearch-{version}"
    if _is_unpacked(home):
        return home
    try:
        version_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ElasticsearchSetupError(
            f"cannot create the Elasticsearch cache {version_dir}: {exc.strerror}; "
            f"set {CACHE_ENV} to a writable directory"
        ) from exc
    with _exclusive_lock(version_dir / ".lock"):
        if not _is_unpacked(home):
            with tempfile.TemporaryDirectory(prefix=".fetch-", dir=version_dir) as scratch:
                archive = _download(version, Path(scratch))
                _unpack(archive, home, Path(scratch))
    return home


def _is_unpacked(home: Path) -> bool:
    """Tell whether a complete distribution sits at ``home`` (it only appears complete)."""
    return (home / "bin" / "elasticsearch").is_file()


@contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` for the duration of the block."""
    with path.open("a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.info("waiting for another process to finish fetching into %s", path.parent)
            fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _download(version: str, directory: Path) -> Path:
    """Copy the distribution zip from Maven Central into ``directory`` with ``mvn``."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ElasticsearchSetupError(
            f"Maven (mvn) is needed to download Elasticsearch {version} from Maven Central, "
            "but it is not on PATH: install Maven: apt-get install maven"
        )
    artifact = _ARTIFACT.format(version=version)
    command = [mvn, "-B", "-q", "-U", _COPY_GOAL, f"-Dartifact={artifact}"]
    command.append(f"-DoutputDirectory={directory}")
    logger.info("downloading Elasticsearch %s (%s) with Maven ...", version, artifact)
    started = time.monotonic()
    try:
        result = subprocess.run(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=_MVN_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ElasticsearchSetupError(
            f"mvn did not finish downloading {artifact} within {_MVN_TIMEOUT:.0f} s"
        ) from exc
    archive = directory / f"elasticsearch-{version}.zip"
    if result.returncode != 0 or not archive.is_file():
        raise ElasticsearchSetupError(_mvn_failure_message(artifact, command, result))
    size_mb = archive.stat().st_size / 1e6
    logger.info("downloaded %s (%.0f MB) in %.1f s", archive.name, size_mb, _since(started))
    return archive


def _mvn_failure_message(
    artifact: str, command: list[str], result: subprocess.CompletedProcess[str]
) -> str:
    """Explain a failed download with the tail of Maven's output."""
    output = "\n".join(result.stdout.strip().splitlines()[-30:]) or "(no output)"
    return (
        f"mvn could not download {artifact} (exit code {result.returncode}). Check the version "
        f"(${VERSION_ENV}) exists on Maven Central and that Maven Central is reachable.\n"
        f"Command: {' '.join(command)}\nLast lines of its output:\n{output}"
    )


def _unpack(archive: Path, home: Path, scratch: Path) -> None:
    """Unpack ``archive`` next to ``home`` and move its top directory into place atomically."""
    started = time.monotonic()
    target = scratch / "unpacked"
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.infolist():
            _extract_readable(zipped, member, target)
    for directory, _, _ in os.walk(target):
        Path(directory).chmod(0o755)
    top = target / home.name
    if not (top / "bin" / "elasticsearch").is_file():
        raise ElasticsearchSetupError(f"{archive} does not hold {home.name}/bin/elasticsearch")
    top.rename(home)
    logger.info("unpacked Elasticsearch into %s in %.1f s", home, _since(started))


def _extract_readable(zipped: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path) -> None:
    """Extract one member keeping its executable bit, readable by everyone.

    ``zipfile`` drops Unix modes; the node may run as another user, so all is world-readable.
    """
    path = Path(zipped.extract(member, target))
    if not member.is_dir():
        executable = (member.external_attr >> 16) & 0o111
        path.chmod(0o755 if executable else 0o644)


def _since(started: float) -> float:
    """Return the seconds elapsed since the ``time.monotonic()`` value ``started``."""
    return time.monotonic() - started
