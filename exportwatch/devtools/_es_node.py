"""Run a throwaway single-node Elasticsearch cluster on this machine."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import httpx

from exportwatch.devtools._es_common import ElasticsearchSetupError, error_lines, logger
from exportwatch.devtools._es_distribution import ensure_distribution, es_version
from exportwatch.devtools._java import JavaHome, find_java_home
from exportwatch.devtools._server import (
    Account,
    LocalServer,
    reachable_by,
    spawn,
    system_account,
    tail,
)

__all__ = ["CLUSTER_NAME", "DEFAULT_HEAP", "HEAP_ENV", "NODE_USER", "LocalNode"]

CLUSTER_NAME = "exportwatch-test"
DEFAULT_HEAP = "512m"
HEAP_ENV = "EXPORTWATCH_ES_HEAP"
# Elasticsearch refuses to run as root; as root we run it as this system user.
NODE_USER = "exportwatch-es"
# Variables we set for the node; inherited values would point it elsewhere.
_OWN_VARIABLES = (
    "CLI_JAVA_OPTS",
    "ES_JAVA_HOME",
    "ES_JAVA_OPTS",
    "ES_PATH_CONF",
    "ES_TMPDIR",
    "JAVA_HOME",
)


class LocalNode(LocalServer):
    """A single-node cluster in a fresh temp dir: `start()`, use `url`, `stop()` removes it all.

    The node listens on 127.0.0.1 only, on ports the OS picks when it binds (``http.port=0``;
    ``node.portsfile`` tells us which), so parallel runs never race for a port.
    """

    product = "Elasticsearch"
    what = "the Elasticsearch node"
    setup_error = ElasticsearchSetupError
    logger = logger

    def __init__(
        self,
        version: str | None = None,
        *,
        cache_dir: Path | None = None,
        heap: str | None = None,
        http_port: int | None = None,
        start_timeout: float = 120.0,
        user: str = NODE_USER,
    ) -> None:
        self.version = version or es_version()
        self.cache_dir = cache_dir
        self.heap = heap or os.environ.get(HEAP_ENV) or DEFAULT_HEAP
        self.http_port = http_port
        self.start_timeout = start_timeout
        self.user = user
        self.install_dir: Path | None = None
        self.java: JavaHome | None = None
        super().__init__()

    @property
    def url(self) -> str:
        """The node's HTTP address, e.g. ``http://127.0.0.1:43043``."""
        return super().url

    def _start(self) -> None:
        """Start the node and wait until it is healthy, or raise `ElasticsearchSetupError`."""
        home = ensure_distribution(self.version, self.cache_dir)
        self.java = find_java_home()
        account = system_account(
            (self.user,), product=self.product, error=self.setup_error, logger=logger
        )
        with self._stopped_on_failure():
            launched = time.monotonic()
            self._prepare(home, account)
            self._launch(account)
            self._url = self._wait_until_healthy(launched)
        logger.info(
            "Elasticsearch %s is up at %s after %.1f s (install %s, JDK %s = Java %d, run dir %s)",
            self.version,
            self._url,
            time.monotonic() - launched,
            self.install_dir,
            self.java.path,
            self.java.major,
            self.run_dir,
        )

    def failure(self, reason: str) -> ElasticsearchSetupError:
        """Build the error for a node that failed: its error lines and the tail of its output."""
        console = self.run_dir / "console.log" if self.run_dir else None
        errors = error_lines(console) if console else ""
        output = tail(console) if console else "(none: the node was never launched)"
        java = f"{self.java.path} (Java {self.java.major})" if self.java else "none"
        return ElasticsearchSetupError(
            f"Elasticsearch {self.version} {reason}.\n"
            f"Install: {self.install_dir}; JDK: {java}; heap: {self.heap}\n"
            + (f"Errors it reported:\n{errors}\n" if errors else "")
            + f"Last lines of the node's output:\n{output}"
        )

    def _prepare(self, home: Path, account: Account | None) -> None:
        """Create the run dir (config, data, logs, tmp) and pick an install dir the user reads."""
        self.run_dir = run_dir = Path(tempfile.mkdtemp(prefix="exportwatch-es-"))
        if account is not None and not reachable_by(run_dir.parent, account):
            raise ElasticsearchSetupError(
                f"the temp dir {run_dir.parent} is not reachable by the user {account.name} that "
                "runs Elasticsearch; set TMPDIR to a directory such as /tmp"
            )
        self.install_dir = _install_dir_for(home, run_dir, account)
        shutil.copytree(home / "config", run_dir / "config")
        for name in ("data", "logs", "tmp"):
            (run_dir / name).mkdir()
        if account is not None:  # not the install dir: its files are hard links into the cache
            os.chown(run_dir, account.uid, account.gid)
            for name in ("config", "data", "logs", "tmp"):
                _chown_tree(run_dir / name, account)

    def _launch(self, account: Account | None) -> None:
        """Start the node's process in its own session, output going to ``console.log``."""
        assert self.run_dir is not None and self.install_dir is not None
        self._output = (self.run_dir / "console.log").open("wb")
        command = [str(self.install_dir / "bin" / "elasticsearch")]
        command += [f"-E{name}={value}" for name, value in self._settings().items()]
        self._process = spawn(
            command,
            cwd=self.run_dir,
            env=self._environment(account),
            output=self._output,
            account=account,
        )

    def _settings(self) -> dict[str, str]:
        """Return the node settings passed as ``-E`` options."""
        assert self.run_dir is not None and self.install_dir is not None
        settings = {
            "cluster.name": CLUSTER_NAME,
            "discovery.type": "single-node",
            "network.host": "127.0.0.1",
            "http.port": str(self.http_port or 0),
            "transport.port": "0",
            "node.portsfile": "true",
            "path.data": str(self.run_dir / "data"),
            "path.logs": str(self.run_dir / "logs"),
            "xpack.security.enabled": "false",
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            "action.destructive_requires_name": "false",
        }
        # Unknown settings stop the node, and only a distribution with ML needs it switched off.
        if (self.install_dir / "modules" / "x-pack-ml").is_dir():
            settings["xpack.ml.enabled"] = "false"
        return settings

    def _environment(self, account: Account | None) -> dict[str, str]:
        """Return the node's environment: JDK, heap, config and temp dir."""
        assert self.run_dir is not None and self.java is not None
        env = {key: value for key, value in os.environ.items() if key not in _OWN_VARIABLES}
        env.update(
            ES_JAVA_HOME=str(self.java.path),
            ES_JAVA_OPTS=f"-Xms{self.heap} -Xmx{self.heap}",
            ES_PATH_CONF=str(self.run_dir / "config"),
            ES_TMPDIR=str(self.run_dir / "tmp"),
            # The launcher JVM leaves a final-flags* dir in its temp dir at every start.
            CLI_JAVA_OPTS=f"-Djava.io.tmpdir={self.run_dir / 'tmp'}",
        )
        if account is not None:
            env.update(HOME=str(self.run_dir), USER=account.name, LOGNAME=account.name)
        return env

    def _wait_until_healthy(self, launched: float) -> str:
        """Wait for the ports file and a yellow cluster; return the URL or raise with the log."""
        assert self._process is not None and self.run_dir is not None
        ports_file = self.run_dir / "logs" / "http.ports"
        deadline = launched + self.start_timeout
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                raise self.failure(f"exited with code {code} while starting")
            url = _read_url(ports_file)
            if url is not None and _is_healthy(url):
                return url
            time.sleep(0.2)
        raise self.failure(f"was not healthy {self.start_timeout:.0f} s after launch")


def _read_url(ports_file: Path) -> str | None:
    """Return the HTTP URL from the node's ports file, None until it is written."""
    try:
        lines = ports_file.read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return None
    return f"http://{lines[0]}" if lines else None


def _is_healthy(url: str) -> bool:
    """Tell whether the cluster at ``url`` answers with status yellow or green."""
    health = f"{url}/_cluster/health?wait_for_status=yellow&timeout=1s"
    try:
        response = httpx.get(health, timeout=5.0)
    except httpx.TransportError:
        return False
    return response.status_code == 200 and response.json().get("status") in ("yellow", "green")


def _install_dir_for(home: Path, run_dir: Path, account: Account | None) -> Path:
    """Return ``home`` if the node's user can read it, else a hard-linked copy in ``run_dir``.

    Root's cache (``/root/.cache``) is closed to other users; linking costs well under a second.
    """
    if account is None or reachable_by(home, account):
        return home
    staged = run_dir / "install"
    shutil.copytree(home, staged, symlinks=True, copy_function=_link_or_copy)
    logger.info("%s is closed to user %s; using a hard-linked copy", home, account.name)
    return staged


def _link_or_copy(source: str, target: str) -> None:
    """Hard-link ``source`` to ``target``, copying when linking is impossible."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _chown_tree(path: Path, account: Account) -> None:
    """Give ``path`` and everything under it to ``account``."""
    os.chown(path, account.uid, account.gid)
    for directory, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(Path(directory) / name, account.uid, account.gid)
