"""Error answers: JSON for the API, feeds and exports, an HTML page for the web UI.

API errors answer `ErrorResponse` ({"message", "field", "errors"}), so a client (or a form)
shows the message next to the field it names; `field` is null when no field is to blame. A
browser on a page gets the same message on an error page with the same status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.responses import Response

from exportwatch.alerts.subscribing import ConfirmationNotSentError, SubscriptionInputError
from exportwatch.search import IndexUnavailableError, QueryError
from exportwatch.store import DuplicateSubscriberError, NotFoundError
from exportwatch.web.csrf import CsrfError
from exportwatch.web.ratelimit import RateLimitedError
from exportwatch.web.templating import render

__all__ = ["EXCEPTION_HANDLERS", "ErrorResponse", "FieldError", "error_response"]

RETRY_AFTER_SECONDS = "30"  # what a 503 asks clients to wait before trying again


class FieldError(BaseModel):
    """One problem with one request field."""

    field: str | None
    message: str


class ErrorResponse(BaseModel):
    """The body of every API error; `errors` lists all problems when there are several."""

    message: str
    field: str | None = None
    errors: list[FieldError] = []


JSON_PREFIXES = ("/api/", "/feeds/", "/export/", "/healthz", "/readyz")
HEADINGS = {
    403: "Not allowed",
    404: "Not found",
    409: "Already there",
    422: "Please check your input",
    429: "Too many requests",
    503: "Temporarily unavailable",
}


def error_response(
    status: int,
    message: str,
    field: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """An `ErrorResponse` with `status`; `errors` defaults to the one problem described."""
    listed = errors if errors is not None else [FieldError(field=field, message=message)]
    body = ErrorResponse(message=message, field=field, errors=listed)
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _answer(
    request: Request,
    status: int,
    message: str,
    field: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """`error_response` for API clients; the same message as an HTML page for a browser."""
    if request.url.path.startswith(JSON_PREFIXES):
        return error_response(status, message, field, errors, headers)
    context = {"heading": HEADINGS.get(status, "Something went wrong"), "message": message}
    page = render(request, "error.html", context, status=status)
    page.headers.update(headers or {})
    return page


async def _query_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, QueryError)
    return _answer(request, 422, f"{error.field}: {error.message}", error.field)


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [
        FieldError(field=_location(item.get("loc", ())), message=str(item.get("msg", "")))
        for item in error.errors()
    ]
    first = problems[0] if problems else FieldError(field=None, message="invalid request")
    message = f"{first.field}: {first.message}" if first.field else first.message
    return _answer(request, 422, message, first.field, problems)


async def _subscription_input(request: Request, error: Exception) -> Response:
    assert isinstance(error, SubscriptionInputError)
    problems = [
        FieldError(field=problem.field or None, message=problem.message)
        for problem in error.problems
    ]
    field = problems[0].field if problems else None
    return _answer(request, 422, str(error), field, problems)


async def _duplicate_subscriber(request: Request, error: Exception) -> Response:
    return _answer(request, 409, str(error), "email")


async def _not_found(request: Request, error: Exception) -> Response:
    return _answer(request, 404, str(error))


async def _unavailable(request: Request, error: Exception) -> Response:
    message = f"search is unavailable, try again later: {error}"
    return _answer(request, 503, message, headers={"Retry-After": RETRY_AFTER_SECONDS})


async def _not_sent(request: Request, error: Exception) -> Response:
    return _answer(request, 503, str(error), headers={"Retry-After": RETRY_AFTER_SECONDS})


async def _http(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return _answer(request, error.status_code, str(error.detail), headers=dict(error.headers or {}))


async def _csrf(request: Request, error: Exception) -> Response:
    return _answer(request, 403, str(error), "csrf_token")


async def _rate_limited(request: Request, error: Exception) -> Response:
    assert isinstance(error, RateLimitedError)
    return _answer(request, 429, str(error), headers={"Retry-After": str(error.retry_after)})


def _location(loc: object) -> str | None:
    """The parameter name from a location such as ("query", "sector", 0) or ("body", "email")."""
    parts = [str(part) for part in loc] if isinstance(loc, list | tuple) else []
    names = parts[1:] if len(parts) > 1 and parts[0] in ("query", "path", "body") else parts
    return names[0] if names else None


Handler = Callable[[Request, Exception], Awaitable[Response]]

#: Install with `app.add_exception_handler(error, handler)` for each item.
EXCEPTION_HANDLERS: dict[type[Exception], Handler] = {
    QueryError: _query_error,
    RequestValidationError: _validation_error,
    SubscriptionInputError: _subscription_input,
    DuplicateSubscriberError: _duplicate_subscriber,
    NotFoundError: _not_found,
    IndexUnavailableError: _unavailable,
    ConfirmationNotSentError: _not_sent,
    CsrfError: _csrf,
    HTTPException: _http,
    RateLimitedError: _rate_limited,
}
