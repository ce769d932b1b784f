"""The Jinja2 environment every HTML page renders with (autoescaping on, shared globals)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from exportwatch.web.csrf import csrf_field

__all__ = ["render", "templates"]

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["csrf_field"] = csrf_field


def render(
    request: Request, name: str, context: Mapping[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Template `name` rendered for `request`; scraped text in `context` is escaped."""
    return templates.TemplateResponse(request, name, dict(context or {}), status_code=status)
