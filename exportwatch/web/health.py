"""Liveness and readiness for operators and load balancers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

__all__ = ["ReadinessResponse", "router"]

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    """The process is up; reports whether the store answers and the scheduler runs."""
    services = request.app.state.services
    scheduler = request.app.state.scheduler
    checks: dict[str, Any] = {
        "store": _store_check(services),
        "scheduler": "running" if scheduler is not None and scheduler.running else "stopped",
        "index": "elasticsearch" if services.settings.elasticsearch_url else "embedded",
    }
    status = "ok" if checks["store"] == "ok" else "degraded"
    return JSONResponse({"status": status, "checks": checks}, status_code=200)


class ReadinessResponse(BaseModel):
    """`ready` when every check is `ok`; a failed check holds its error."""

    status: str
    checks: dict[str, str]


@router.get(
    "/readyz",
    response_model=ReadinessResponse,
    summary="Ready to serve",
    responses={503: {"model": ReadinessResponse, "description": "The store or index is down."}},
)
def readyz(request: Request) -> JSONResponse:
    """Both the store and the search index answer; 503 names the one that does not."""
    services = request.app.state.services
    checks = {"store": _store_check(services), "index": _index_check(services)}
    if all(check == "ok" for check in checks.values()):
        return JSONResponse({"status": "ready", "checks": checks}, status_code=200)
    return JSONResponse({"status": "not ready", "checks": checks}, status_code=503)


def _index_check(services: Any) -> str:
    try:
        services.index.count()
    except Exception as error:  # any index failure is reported, not raised, by a health check
        return f"error: {type(error).__name__}: {error}"
    return "ok"


def _store_check(services: Any) -> str:
    try:
        services.store.count_documents()
    except Exception as error:  # any store failure is reported, not raised, by a health check
        return f"error: {type(error).__name__}: {error}"
    return "ok"
