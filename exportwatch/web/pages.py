"""The search page (GET /): a GET form of filters, facets, highlighted hits and paging.

Bad parameters re-render the form with the message next to the field (422); an unreachable
index still shows the form, with a notice (503).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from exportwatch.search import IndexUnavailableError, QueryError
from exportwatch.services import Services
from exportwatch.web.labels import KIND_LABELS, Labels, source_names
from exportwatch.web.search_params import FALSE_WORDS, Params, SearchParams
from exportwatch.web.search_view import feed_links, make_search_view, page_query
from exportwatch.web.select_options import options_html
from exportwatch.web.templating import render

__all__ = ["labels_for", "router"]

router = APIRouter(include_in_schema=False)

# QueryError.field -> the id of the form control the message belongs to.
FIELD_IDS = {
    "q": "q",
    "kind": "kind",
    "sector": "sector",
    "market": "market",
    "lang": "lang",
    "source": "source",
    "from": "from",
    "to": "to",
    "upcoming": "include-past",
    "sort": "sort",
    "page": "pages",
    "size": "pages",
}
SORT_OPTIONS = (
    ("", "Automatic"),
    ("relevance", "Best match"),
    ("date", "Newest first"),
    ("soonest", "Soonest first"),
)


def labels_for(services: Services) -> Labels:
    """Names for the codes pages show, from the taxonomy and the source definitions."""
    return Labels(services.taxonomy, source_names(services.settings.sources_dir))


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, params: Params) -> HTMLResponse:
    """Search results for the URL's parameters; upcoming items soonest first by default."""
    services: Services = request.app.state.services
    labels = labels_for(services)
    context = _form_context(params, labels)
    try:
        query = page_query(params)
        results = services.index.search(query)
    except QueryError as error:
        field = error.field if error.field in FIELD_IDS else "q"
        context["error"] = {"field": field, "id": FIELD_IDS[field], "message": error.message}
        return render(request, "search.html", context, status=422)
    except IndexUnavailableError:
        context["unavailable"] = True
        return render(request, "search.html", context, status=503)
    context["view"] = make_search_view(params, query, results, labels)
    return render(request, "search.html", context)


def _form_context(params: SearchParams, labels: Labels) -> dict[str, Any]:
    return {
        "params": params,
        "labels": labels,
        "include_past": params.upcoming.strip().lower() in FALSE_WORDS,
        "links": feed_links(params),
        "has_filters": any((params.kind, params.sector, params.market, params.lang, params.source))
        or bool(params.date_from or params.date_to),
        "chosen_values": {
            "kind": tuple(value.lower() for value in params.kind),
            "sector": params.sector,
            "market": tuple(value.upper() for value in params.market),
            "lang": tuple(value.lower() for value in params.lang),
            "source": params.source,
        },
        "kind_options": tuple(KIND_LABELS.items()),
        "sort_options": SORT_OPTIONS,
        "options_html": options_html,
        "error": None,
        "unavailable": False,
        "view": None,
    }
