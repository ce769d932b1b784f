"""Server-rendered HTML pages for support agencies."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

__all__ = ["router", "templates"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, q: str = "") -> HTMLResponse:
    """The search page: query box and, until the index lands, the store's document count."""
    services = request.app.state.services
    context = {"q": q, "document_count": services.store.count_documents()}
    return templates.TemplateResponse(request, "search.html", context)
