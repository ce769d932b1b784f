"""What the local test servers (Elasticsearch, PostgreSQL) share: lifecycle, account, Ctrl-C.

`LocalServer` owns what does not depend on the server: the ``url`` and ``pid`` properties, the
context manager, the already-running guard, stopping the process and removing its temp dir.
Each server adds its own start (`LocalServer._start`) and error report (`LocalServer.failure`).
"""

from __future__ import annotations

import atexit
import logging
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import IO, ClassVar, NamedTuple, Self

from exportwatch.errors import ExportwatchError

__all__ = [
    "STOP_TIMEOUT",
    "Account",
    "LocalServer",
    "log_to_stderr",
    "reachable_by",
    "run_until_interrupted",
    "spawn",
    "stop_process",
    "system_account",
    "tail",
]

STOP_TIMEOUT = 30.0


class Account(NamedTuple):
    """The system user a server runs as when we are root (both servers refuse root)."""

    name: str
    uid: int
    gid: int


class LocalServer:
    """A server process in a temp dir of its own: `start()`, use `url`, `stop()` removes it all.

    A subclass sets the class attributes and implements `_start` and `failure`.
    """

    product: ClassVar[str]  # "PostgreSQL", for messages
    what: ClassVar[str]  # "the PostgreSQL server", for "… is not running"
    setup_error: ClassVar[type[ExportwatchError]]
    logger: ClassVar[logging.Logger]
    # Sent in turn (to the process group if _SIGNAL_GROUP) until it exits; then SIGKILL.
    _STOP_SIGNALS: ClassVar[tuple[signal.Signals, ...]] = (signal.SIGTERM,)
    _SIGNAL_GROUP: ClassVar[bool] = True

    run_dir: Path | None
    _url: str | None
    _process: subprocess.Popen[bytes] | None
    _output: IO[bytes] | None

    def __init__(self) -> None:
        self.run_dir = None
        self._url = None
        self._process = None
        self._output = None

    @property
    def url(self) -> str:
        """The address clients connect to."""
        if self._url is None:
            raise RuntimeError(f"{self.what} is not running")
        return self._url

    @property
    def pid(self) -> int | None:
        """The process id of the server's main process, None when it is not running."""
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the server and wait until it is ready, or raise the server's setup error."""
        if self._process is not None:
            raise RuntimeError(f"{self.what} is already running")
        self._start()

    def _start(self) -> None:
        """Prepare, launch and wait for the server; on failure use `_stopped_on_failure`."""
        raise NotImplementedError

    @contextmanager
    def _stopped_on_failure(self) -> Iterator[None]:
        """Stop the server at exit, or at once if the block fails (its temp dir goes too)."""
        atexit.register(self.stop)
        try:
            yield
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server (harder if it lingers) and remove its temp dir; safe to repeat."""
        atexit.unregister(self.stop)
        process, self._process, self._url = self._process, None, None
        if process is not None and process.poll() is None:
            started = time.monotonic()
            stop_process(
                process,
                self._STOP_SIGNALS,
                group=self._SIGNAL_GROUP,
                name=self.product,
                logger=self.logger,
            )
            self.logger.info("stopped %s in %.1f s", self.product, time.monotonic() - started)
        if self._output is not None:
            self._output.close()
            self._output = None
        if self.run_dir is not None:
            try:
                shutil.rmtree(self.run_dir)
            except OSError as exc:  # the server has stopped; only its files are left
                self.logger.warning("could not remove the run dir %s: %s", self.run_dir, exc)
            self.run_dir = None

    def wait(self) -> int:
        """Block until the server exits by itself; return its exit code."""
        if self._process is None:
            raise RuntimeError(f"{self.what} is not running")
        return self._process.wait()

    def failure(self, reason: str) -> ExportwatchError:
        """Build the error for a server that failed, with what its output says."""
        raise NotImplementedError


def run_until_interrupted(
    server: LocalServer, *, title: str, url_variable: str, stop_hint: str = ""
) -> int:
    """Start ``server``, print how to use it, and stop it on Ctrl-C or SIGTERM; an exit code."""
    log_to_stderr(server.logger)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with server:
            print(f"{title} is running at {server.url}", flush=True)
            print(f"export {url_variable}={server.url}", flush=True)
            print(f"Press Ctrl-C to stop it{stop_hint}.", flush=True)
            code = server.wait()
            raise server.failure(f"stopped by itself with exit code {code}")
    except KeyboardInterrupt:
        print(f"{server.product} stopped.", flush=True)
        return 0
    except server.setup_error as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into the same clean stop as Ctrl-C."""
    raise KeyboardInterrupt


def log_to_stderr(logger: logging.Logger) -> None:
    """Show ``logger``'s progress (download, start) when nothing else configured logging."""
    if not logging.getLogger().handlers and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def spawn(
    command: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    output: IO[bytes],
    account: Account | None,
) -> subprocess.Popen[bytes]:
    """Start ``command`` in a session of its own (so its group can be killed), as ``account``."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        user=account.uid if account else None,
        group=account.gid if account else None,
        extra_groups=[] if account else None,
    )


def stop_process(
    process: subprocess.Popen[bytes],
    signals: Sequence[signal.Signals],
    *,
    group: bool,
    name: str,
    logger: logging.Logger,
    timeout: float = STOP_TIMEOUT,
) -> None:
    """Send ``signals`` in turn until ``process`` exits, then SIGKILL its process group.

    Each signal goes to the process group if ``group``, else to the process alone, and gets
    ``timeout`` seconds to work.
    """
    for signum in signals:
        # Not yet reaped, so the group id is still ours (start_new_session made pid == pgid).
        if group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            logger.warning("%s ignored %s for %.0f s", name, signum.name, timeout)
        else:
            return
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def system_account(
    names: Sequence[str],
    *,
    product: str,
    error: type[ExportwatchError],
    logger: logging.Logger,
) -> Account | None:
    """Return the user to run ``product`` as when we are root, else None.

    The first of ``names`` that exists; if none does, the last is created as a system user.
    """
    if os.geteuid() != 0:
        return None
    for name in names:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return Account(name, entry.pw_uid, entry.pw_gid)
    name = names[-1]
    _create_system_user(name, product=product, error=error, logger=logger)
    entry = pwd.getpwnam(name)
    return Account(name, entry.pw_uid, entry.pw_gid)


def _create_system_user(
    user: str, *, product: str, error: type[ExportwatchError], logger: logging.Logger
) -> None:
    """Create a system user without home or login shell (``product`` refuses root)."""
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    command = [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise error(
            f"{product} refuses to run as root and {useradd} is missing to create the user "
            f"{user!r} (apt-get install passwd), or run the tests as a normal user"
        ) from exc
    try:
        pwd.getpwnam(user)  # another process may have created it meanwhile
    except KeyError:
        raise error(
            f"could not create the system user {user!r} to run {product} (it refuses to run "
            f"as root): {' '.join(command)} said: {result.stderr.strip()}"
        ) from None
    logger.info("created the system user %s to run %s", user, product)


def reachable_by(path: Path, account: Account) -> bool:
    """Tell whether ``account`` may enter ``path`` and every directory above it."""
    for directory in (path, *path.parents):
        info = directory.stat()
        if info.st_uid == account.uid:
            needed = stat.S_IXUSR
        elif info.st_gid == account.gid:
            needed = stat.S_IXGRP
        else:
            needed = stat.S_IXOTH
        if not info.st_mode & needed:
            return False
    return True


def tail(path: Path, lines: int = 40) -> str:
    """Return the last lines of a text file, or a note that it is missing or empty."""
    try:
        with path.open(encoding="utf-8", errors="replace") as file:
            last = deque(file, maxlen=lines)
    except OSError as exc:
        return f"({path} could not be read: {exc.strerror})"
    return "".join(last).rstrip() or f"({path} is empty)"
