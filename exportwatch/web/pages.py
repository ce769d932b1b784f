"""Server-rendered HTML pages for support agencies."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from exportwatch.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, q: str = "") -> HTMLResponse:
    """The search page: query box and, until the index lands, the store's document count."""
    services = request.app.state.services
    context = {"q": q, "document_count": services.store.count_documents()}
    return render(request, "search.html", context)
