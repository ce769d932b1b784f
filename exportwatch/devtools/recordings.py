"""Serve a shipped source's recorded pages so its definition can run against them offline.

A source's recordings live in one folder, each file named by its URL's path on the publisher's
site: `https://www.exim.gov/solutions` is `solutions.html` (a path without an extension gets the
one of its content type, a path ending in `/` is `index.html` in that folder, and a query
`?page=1` is written `@page=1` before the extension). Each source gets a server of its own whose
root is that folder, so relative and root-relative links work as on the real site; absolute URLs
on the source's own hosts are rewritten to the local server, in the pages and the definition.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from exportwatch.crawlers import SourceDefinition
from exportwatch.devtools.fixture_server import CONTENT_TYPES, FixtureServer

__all__ = ["localized", "serve_recordings", "served_at", "source_hosts"]


def served_at(recording: PurePosixPath) -> list[str]:
    """The URL paths (with query) a recording answers, by the naming rule of this module."""
    stem, _, query = recording.stem.partition("@")
    folder = "" if str(recording.parent) == "." else f"{recording.parent}/"
    paths = [f"/{folder}{stem}{recording.suffix}"]
    if recording.suffix in CONTENT_TYPES:
        paths.append(f"/{folder}{stem}")
    if stem == "index":
        paths.append(f"/{folder}")
    return [f"{path}?{query}" for path in paths] if query else paths


def source_hosts(definition: SourceDefinition) -> set[str]:
    """The sites a definition fetches from: absolute links to them are rewritten."""
    return {urlsplit(url).netloc for url in definition.all_urls}


def localized(text: str, hosts: set[str], server: FixtureServer) -> str:
    """`text` with every absolute URL on `hosts` pointing at the local server instead."""
    local = server.url("").rstrip("/")
    for host in sorted(hosts):
        text = text.replace(f"https://{host}", local).replace(f"http://{host}", local)
    return text


def serve_recordings(server: FixtureServer, folder: Path, hosts: set[str]) -> None:
    """Answer every URL path of the recordings with the file, its absolute links localized."""
    for file in sorted(path for path in folder.rglob("*") if path.is_file()):
        relative = PurePosixPath(file.relative_to(folder).as_posix())
        body = localized(file.read_text(encoding="utf-8"), hosts, server).encode()
        content_type = CONTENT_TYPES.get(file.suffix, "application/octet-stream")
        for path in served_at(relative):
            server.set(path, body=body, headers={"Content-Type": content_type})
