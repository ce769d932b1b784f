"""Liveness and readiness for operators and load balancers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

__all__ = ["router"]

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


def _store_check(services: Any) -> str:
    try:
        services.store.count_documents()
    except Exception as error:  # any store failure is reported, not raised, by a health check
        return f"error: {type(error).__name__}: {error}"
    return "ok"
