"""A real small filesystem (tmpfs) for the data dir, which the disk tests fill or make read-only.

Mounting needs root (as `make test` runs in CI); root ignores file permissions, so a read-only
mount, not `chmod`, is what makes the data dir unwritable for it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["fill", "remount", "small_filesystem"]


@contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[Path]:
    """Mount a tmpfs of `size` (e.g. "4m") on `path` for the block; unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def remount(path: Path, mode: str) -> None:
    """Make the filesystem at `path` "ro" or "rw"."""
    _mount("-o", f"remount,{mode}", str(path))


def fill(path: Path) -> Path:
    """Write a file into `path` until the filesystem is full; returns it (delete to free)."""
    filler = path / "filler.bin"
    chunk = b"\0" * 65536
    with filler.open("wb") as out:
        try:
            while True:
                out.write(chunk)
                out.flush()
        except OSError:
            pass
    return filler


def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(
            f"the disk fault tests need to mount a tmpfs (root): mount {' '.join(args)} said "
            f"{result.stderr.strip()}"
        )
