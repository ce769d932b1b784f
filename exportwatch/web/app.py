"""Build the FastAPI application around already-opened services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from apscheduler.schedulers.base import BaseScheduler
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from exportwatch.services import Services
from exportwatch.web import (
    api,
    document_page,
    errors,
    feeds,
    health,
    pages,
    subscription_pages,
)
from exportwatch.web.admin import router as admin_router
from exportwatch.web.body_limit import BodySizeLimitMiddleware
from exportwatch.web.csrf import CsrfMiddleware
from exportwatch.web.timing import ServerTimingMiddleware

__all__ = ["create_app"]

STATIC_DIR = Path(__file__).parent / "static"


def create_app(services: Services, scheduler: BaseScheduler | None = None) -> FastAPI:
    """The app; when given a scheduler it is started and stopped with the app's lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None and scheduler.running:
                scheduler.shutdown(wait=True)

    app = FastAPI(title="exportwatch", version="0.1.0", lifespan=lifespan)
    app.state.services = services
    app.state.scheduler = scheduler
    app.state.rate_limits = {}
    app.add_middleware(CsrfMiddleware, secure=services.settings.base_url.startswith("https:"))
    app.add_middleware(BodySizeLimitMiddleware)
    app.add_middleware(ServerTimingMiddleware)
    app.include_router(health.router)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(document_page.router)
    app.include_router(feeds.router)
    app.include_router(subscription_pages.router)
    app.include_router(admin_router)
    for error, handler in errors.EXCEPTION_HANDLERS.items():
        app.add_exception_handler(error, handler)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
