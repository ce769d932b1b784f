"""`exportwatch run`: the web UI, the API and the scheduler in one process.

On SIGTERM or Ctrl-C the server stops accepting connections, lets requests in progress end,
then the scheduler lets running crawls and digests finish, all within the grace period. A job
still running after it is cut off when the process exits; the next start resumes it (see
`exportwatch.jobs.resume_interrupted`), so nothing it read is lost.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

import typer
import uvicorn
from sqlalchemy.engine import make_url

from exportwatch.jobs import record_failure, register_jobs
from exportwatch.scheduler import DEFAULT_GRACE_SECONDS, create_scheduler
from exportwatch.services import Services, open_services
from exportwatch.settings import Settings, load_settings
from exportwatch.web import create_app

__all__ = ["LOG_FORMAT", "configure_logging", "describe_backends", "open_url", "run", "serve"]

log = logging.getLogger("exportwatch")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run(
    host: str | None = typer.Option(None, help="Interface to listen on [EXPORTWATCH_HOST]."),
    port: int | None = typer.Option(None, help="Port to listen on [EXPORTWATCH_PORT]."),
    grace: float = typer.Option(
        DEFAULT_GRACE_SECONDS,
        min=0,
        envvar="EXPORTWATCH_SHUTDOWN_GRACE",
        help="Seconds running requests, crawls and digests get to finish on shutdown.",
    ),
) -> None:
    """Serve the web UI and API and run the scheduler until SIGTERM or Ctrl-C."""
    overrides = {key: value for key, value in {"host": host, "port": port}.items() if value}
    settings = load_settings(**overrides)
    configure_logging(settings)
    serve(open_services(settings), grace=grace)


def configure_logging(settings: Settings) -> None:
    """Log lines with time, level and logger to stderr at the configured level."""
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)


def serve(services: Services, *, grace: float = DEFAULT_GRACE_SECONDS) -> None:
    """Serve `services` with the scheduler until a stop signal; closes them at the end.

    Exits the process at once (status 0) when a job outlives the grace period, since its
    worker thread cannot be stopped and would otherwise hold the exit up.
    """
    settings = services.settings
    log.info(describe_backends(settings))
    scheduler = create_scheduler(services.store.engine, grace=grace, recorder=record_failure)
    register_jobs(scheduler, services)
    app = create_app(services, scheduler=scheduler)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        timeout_graceful_shutdown=max(int(grace), 1),
    )
    server = _AnnouncingServer(config, open_url(settings))
    with _stop_signals_end_quietly():
        server.run()
    if scheduler.cut_off:
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)
    services.close()
    if not server.started:
        raise typer.Exit(1)


def open_url(settings: Settings) -> str:
    """The address to open in a browser on this machine."""
    host = settings.host
    if host in ("", "0.0.0.0", "::"):  # every interface: this machine's is one of them
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}/"


class _AnnouncingServer(uvicorn.Server):
    """Says which URL to open once the socket is bound (not before: the port may be taken)."""

    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self.url = url

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(f"exportwatch is running: open {self.url}  (Ctrl-C stops it)", flush=True)


@contextmanager
def _stop_signals_end_quietly() -> Iterator[None]:
    """uvicorn handles the stop signals, then raises them again: let that end us cleanly."""
    previous = {signum: signal.signal(signum, _ignore) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _ignore(signum: int, frame: FrameType | None) -> None:
    log.info("stopped by %s", signal.Signals(signum).name)


def describe_backends(settings: Settings) -> str:
    """One log line naming the store, index and mail backends in use (no passwords)."""
    store = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    index = _without_password(settings.elasticsearch_url) or "embedded SQLite index"
    mail = "SMTP" if settings.smtp_url else f"outbox at {settings.outbox_dir}"
    return f"store {store}; index {index}; email to {mail}"


def _without_password(url: str | None) -> str | None:
    """`url` with the password of its user part replaced by `***`."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
