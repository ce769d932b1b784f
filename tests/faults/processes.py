"""The `exportwatch` command as a real process for the fault tests: run, spawn, kill -9, wait."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from exportwatch.settings import Settings

__all__ = [
    "ROOT",
    "Service",
    "free_port",
    "run_cli",
    "service_env",
    "spawn_cli",
    "wait_until",
]

ROOT = Path(__file__).resolve().parents[2]
COMMAND = (sys.executable, "-m", "exportwatch")


def service_env(settings: Settings, **values: str) -> dict[str, str]:
    """The environment of a child `exportwatch`: this one without EXPORTWATCH_*, plus `values`.

    Data and sources dirs come from `settings`; `values` use the names without the prefix.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("EXPORTWATCH_") or key.startswith("EXPORTWATCH_TEST_")
    }
    wanted = {
        "DATA_DIR": str(settings.data_dir),
        "CONFIG_DIR": str(ROOT / "config"),
        "SOURCES_DIR": str(settings.sources_dir),
        "SECRET_KEY": "fault-tests-secret",
        "ALLOW_PRIVATE_NETWORKS": "true",
        "MAIL_FROM": "exportwatch <alerts@exportwatch.example>",
        **values,
    }
    env.update({f"EXPORTWATCH_{name}": value for name, value in wanted.items()})
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_cli(
    env: dict[str, str], *args: str, timeout: float = 90.0, user: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `exportwatch args…` to the end (as uid `user` if given); never raises on exit codes."""
    return subprocess.run(
        [*COMMAND, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        user=user,
        group=_group_of(user),
        extra_groups=[] if user is not None else None,
    )


class Service:
    """A running `exportwatch` child with its output in a log file."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path, output: IO[bytes]) -> None:
        self.process = process
        self.log = log
        self._output = output

    @property
    def output(self) -> str:
        """What the process printed so far (stdout and stderr)."""
        if not self._output.closed:
            self._output.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill9(self) -> None:
        """`kill -9` the process group: no handler, no cleanup, no flush."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self._output.close()

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then SIGKILL if it lingers; returns the exit code."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        if not self._output.closed:
            self._output.close()
        return self.process.returncode

    def wait(self, timeout: float) -> int:
        """Wait for the process to end by itself; returns the exit code."""
        code = self.process.wait(timeout)
        if not self._output.closed:
            self._output.close()
        return code


def spawn_cli(env: dict[str, str], *args: str, log: Path) -> Service:
    """Start `exportwatch args…` in a session of its own (so kill -9 reaches its children)."""
    output = log.open("wb")
    process = subprocess.Popen(
        [*COMMAND, *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Service(process, log, output)


def wait_until(condition: Callable[[], object], *, timeout: float, what: str) -> float:
    """Poll `condition` until it is truthy; returns the seconds it took, fails after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _group_of(user: int | None) -> int | None:
    if user is None:
        return None
    import pwd

    return pwd.getpwuid(user).pw_gid
