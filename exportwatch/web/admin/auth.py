"""Who may use the admin pages: a login with `EXPORTWATCH_ADMIN_TOKEN` and a signed session.

The token is compared in constant time and never logged or echoed. A login sets a signed,
expiring cookie (12 h, HttpOnly, SameSite=Strict, Path=/admin). Every admin route depends on
`require_admin`: a page without a session redirects to the login (back to the page after it),
any other method gets 403, and without a configured token nothing is reachable at all.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, URLSafeTimedSerializer

from exportwatch.settings import Settings
from exportwatch.web.csrf import require_csrf
from exportwatch.web.ratelimit import rate_limited
from exportwatch.web.templating import render

__all__ = [
    "LOGIN_LIMIT",
    "LOGIN_PATH",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "AdminRoute",
    "guarded_router",
    "has_session",
    "require_admin",
    "router",
    "safe_next",
]

SESSION_COOKIE = "exportwatch_admin"
SESSION_SECONDS = 12 * 60 * 60
LOGIN_PATH = "/admin/login"
LOGIN_LIMIT = (10, 15 * 60)  # attempts per window (seconds) per client address
_SALT = "exportwatch-admin-session"
_NEXT = re.compile(r"/admin(?:[/?#][\x21-\x7e]*)?")


class AdminDisabledError(Exception):
    """No admin token is configured: the admin area does not exist."""


class LoginRequiredError(Exception):
    """A page was asked for without a session; `next` is where to return after logging in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class NoSessionError(Exception):
    """A non-GET request without a session."""


class AdminRoute(APIRoute):
    """A route whose access errors become the disabled page, a redirect to login, or 403."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except AdminDisabledError:
                return render(request, "admin_disabled.html", {}, status=403)
            except LoginRequiredError as error:
                target = f"{LOGIN_PATH}?next={quote(error.next_path, safe='')}"
                return RedirectResponse(target, status_code=303)
            except NoSessionError:
                context = {"heading": "Not allowed", "message": "Log in to the admin area first."}
                return render(request, "error.html", context, status=403)

        return guarded


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.services.settings
    return settings


def _token(settings: Settings) -> str | None:
    token = settings.admin_token.get_secret_value() if settings.admin_token else ""
    return token or None


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.signing_key, salt=_SALT)


def _fingerprint(settings: Settings, token: str) -> str:
    """Ties a session to the token it was made with: changing the token ends every session."""
    key = settings.signing_key.encode()
    return hmac.new(key, b"admin-token:" + token.encode(), hashlib.sha256).hexdigest()


def has_session(request: Request) -> bool:
    """True when the request carries a valid, unexpired admin session for the current token."""
    settings = _settings(request)
    token = _token(settings)
    cookie = request.cookies.get(SESSION_COOKIE)
    if token is None or not cookie:
        return False
    try:
        data = _serializer(settings).loads(cookie, max_age=SESSION_SECONDS)
    except BadSignature:
        return False
    sent = data.get("k") if isinstance(data, dict) else None
    return isinstance(sent, str) and hmac.compare_digest(sent, _fingerprint(settings, token))


def require_admin(request: Request) -> None:
    """Dependency of every admin route but the login: a session, or the matching refusal."""
    if _token(_settings(request)) is None:
        raise AdminDisabledError()
    if has_session(request):
        return
    if request.method in ("GET", "HEAD"):
        query = f"?{request.url.query}" if request.url.query else ""
        raise LoginRequiredError(safe_next(request.url.path + query))
    raise NoSessionError()


def safe_next(value: str | None) -> str:
    """`value` if it is a path inside the admin area, else the admin start page."""
    return value if value and _NEXT.fullmatch(value) else "/admin"


router = APIRouter(prefix="/admin", route_class=AdminRoute, include_in_schema=False)


def guarded_router(prefix: str = "/admin") -> APIRouter:
    """A router for admin pages: every route needs a session (`require_admin`)."""
    return APIRouter(
        prefix=prefix,
        route_class=AdminRoute,
        dependencies=[Depends(require_admin)],
        include_in_schema=False,
    )


def _require_token(request: Request) -> str:
    token = _token(_settings(request))
    if token is None:
        raise AdminDisabledError()
    return token


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/admin") -> Response:
    """The login form; someone already logged in goes straight on."""
    _require_token(request)
    if has_session(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "admin_login.html", {"next": safe_next(next)})


@router.post(
    "/login",
    dependencies=[Depends(rate_limited("admin login", *LOGIN_LIMIT)), Depends(require_csrf)],
)
def login(
    request: Request,
    token: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/admin",
) -> Response:
    """Check the token in constant time; on success set the session cookie and go on."""
    expected = _require_token(request)
    if not hmac.compare_digest(token.encode(), expected.encode()):
        context = {"next": safe_next(next), "error": "That token is not right."}
        return render(request, "admin_login.html", context, status=403)
    response = RedirectResponse(safe_next(next), status_code=303)
    settings = _settings(request)
    value = _serializer(settings).dumps({"k": _fingerprint(settings, expected)})
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_SECONDS,
        path="/admin",
        httponly=True,
        samesite="strict",
        secure=settings.base_url.startswith("https:"),
    )
    return response


@router.post("/logout", dependencies=[Depends(require_admin), Depends(require_csrf)])
def logout(request: Request) -> Response:
    """End the session."""
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    secure = _settings(request).base_url.startswith("https:")
    response.delete_cookie(
        SESSION_COOKIE, path="/admin", httponly=True, samesite="strict", secure=secure
    )
    return response
