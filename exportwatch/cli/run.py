"""`exportwatch run`: the web UI, the API and the scheduler in one process."""

from __future__ import annotations

import logging

import typer
import uvicorn
from sqlalchemy.engine import make_url

from exportwatch.jobs import register_jobs
from exportwatch.scheduler import create_scheduler
from exportwatch.services import open_services
from exportwatch.settings import Settings, load_settings
from exportwatch.web import create_app

__all__ = ["run"]

log = logging.getLogger("exportwatch")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def run(
    host: str | None = typer.Option(None, help="Interface to listen on [EXPORTWATCH_HOST]."),
    port: int | None = typer.Option(None, help="Port to listen on [EXPORTWATCH_PORT]."),
) -> None:
    """Serve the web UI and API and run the scheduler until interrupted."""
    overrides = {key: value for key, value in {"host": host, "port": port}.items() if value}
    settings = load_settings(**overrides)
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    services = open_services(settings)
    log.info(describe_backends(settings))
    scheduler = create_scheduler(services.store.engine)
    register_jobs(scheduler, services)
    app = create_app(services, scheduler=scheduler)
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
    finally:
        services.close()


def describe_backends(settings: Settings) -> str:
    """One log line naming the store, index and mail backends in use (no passwords)."""
    store = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    index = settings.elasticsearch_url or "embedded SQLite index"
    mail = "SMTP" if settings.smtp_url else f"outbox at {settings.outbox_dir}"
    return f"store {store}; index {index}; email to {mail}"
