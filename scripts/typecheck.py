"""Run mypy over the whole `exportwatch` namespace, including the mapped top-level folders.

setuptools maps crawlers/, pipeline/, search/ and alerts/ into `exportwatch.*` with an import
hook that mypy cannot follow, so we give mypy a symlink view of the package as installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPED_FOLDERS = ("crawlers", "pipeline", "search", "alerts")
# A separate view per caller (EXPORTWATCH_TYPECHECK_VIEW) lets several checks run at once.
VIEW = Path(os.environ.get("EXPORTWATCH_TYPECHECK_VIEW", ROOT / "build" / "typecheck"))


def build_view() -> Path:
    """Recreate build/typecheck/exportwatch: links to exportwatch/* plus the mapped folders."""
    package = VIEW / "exportwatch"
    package.mkdir(parents=True, exist_ok=True)
    for link in package.iterdir():
        link.unlink()
    for entry in (ROOT / "exportwatch").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for folder in MAPPED_FOLDERS:
        (package / folder).symlink_to(ROOT / folder, target_is_directory=True)
    return package


def main() -> int:
    package = build_view()
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
    return subprocess.call([*command, str(package)], cwd=VIEW)


if __name__ == "__main__":
    sys.exit(main())
