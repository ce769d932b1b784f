"""CSRF protection for the HTML forms: a per-browser secret cookie and a token derived from it.

Every page response carries the `exportwatch_csrf` cookie (random, HttpOnly, SameSite=Lax);
forms embed `csrf_field(request)`, an HMAC of that secret under the signing key. A POST is
accepted only when the form's token matches the cookie it came with, so another site cannot
forge one (it can neither read the cookie nor compute the HMAC). The JSON API does not use
cookies and is not covered; links that carry their own signed token (one-click unsubscribe)
need no CSRF token either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie

from fastapi import Request
from markupsafe import Markup, escape
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exportwatch.errors import ExportwatchError

__all__ = [
    "COOKIE_NAME",
    "FIELD_NAME",
    "CsrfError",
    "CsrfMiddleware",
    "csrf_field",
    "csrf_token",
    "require_csrf",
]

COOKIE_NAME = "exportwatch_csrf"
FIELD_NAME = "csrf_token"
COOKIE_MAX_AGE = 60 * 60 * 24 * 30


class CsrfError(ExportwatchError):
    """A form came without a valid CSRF token (old page, cookies off, or a forged post)."""

    def __init__(self) -> None:
        super().__init__(
            "this form has expired or did not come from this site: reload the page and "
            "submit it again (cookies must be enabled)"
        )


class CsrfMiddleware:
    """Give each browser a CSRF secret cookie and put it on `request.state.csrf_secret`."""

    def __init__(self, app: ASGIApp, *, secure: bool = False) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secret = _cookie(scope)
        fresh = secret is None
        secret = secret or secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf_secret"] = secret

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", self._set_cookie(secret).encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _set_cookie(self, secret: str) -> str:
        parts = [f"{COOKIE_NAME}={secret}", "Path=/", f"Max-Age={COOKIE_MAX_AGE}", "HttpOnly"]
        parts.append("SameSite=Lax")
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)


def csrf_token(request: Request) -> str:
    """The token forms of this browser must send back."""
    secret: str = request.state.csrf_secret
    return _sign(request, secret)


def csrf_field(request: Request) -> Markup:
    """The hidden form input carrying the token, for templates: `{{ csrf_field(request) }}`."""
    token = escape(csrf_token(request))
    return Markup(f'<input type="hidden" name="{FIELD_NAME}" value="{token}">')


async def require_csrf(request: Request) -> None:
    """FastAPI dependency for form posts: raise CsrfError unless the form's token is right."""
    form = await request.form()
    sent = form.get(FIELD_NAME)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token(request)):
        raise CsrfError()


def _sign(request: Request, secret: str) -> str:
    key = request.app.state.services.settings.signing_key.encode()
    return hmac.new(key, b"csrf:" + secret.encode(), hashlib.sha256).hexdigest()


def _cookie(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            morsel = SimpleCookie(value.decode("latin-1")).get(COOKIE_NAME)
            if morsel is not None and 16 <= len(morsel.value) <= 64:
                return morsel.value
    return None
