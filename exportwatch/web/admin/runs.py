"""Run history: every crawl with its status, HTTP statuses, counts and problems, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from exportwatch.services import Services
from exportwatch.web.admin.auth import guarded_router
from exportwatch.web.admin.paging import PAGE_SIZE, Pager
from exportwatch.web.templating import render

__all__ = ["router"]

router = guarded_router()


@router.get("/runs", response_class=HTMLResponse)
def runs_page(
    request: Request,
    source: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """One page of runs, of every source or the one named by `source`."""
    services: Services = request.app.state.services
    store = services.store
    found = store.page_runs(source or None, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    known = sorted({state.source_id for state in store.list_source_states()} | {source} - {""})
    context = {
        "runs": found.rows,
        "source": source,
        "sources": known,
        "pager": Pager(page, found.total, filters=(("source", source),)),
    }
    return render(request, "admin_runs.html", context)
