"""Guards of the subscription forms: the shared subscribe rate limit, form size, CSRF or one-click.

The page and `POST /api/subscriptions` count against one limit per client address, so a script
cannot send more confirmation emails by switching between them.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from exportwatch.web.csrf import require_csrf
from exportwatch.web.ratelimit import rate_limited

__all__ = [
    "MAX_FORM_BYTES",
    "ONE_CLICK_FIELD",
    "ONE_CLICK_VALUE",
    "SUBSCRIBE_ACTION",
    "SUBSCRIBE_LIMIT",
    "SUBSCRIBE_WINDOW",
    "csrf_unless_one_click",
    "limit_form_size",
    "subscribe_rate_limit",
]

SUBSCRIBE_ACTION = "subscribe"
SUBSCRIBE_LIMIT = 5  # confirmation requests per client address and window
SUBSCRIBE_WINDOW = 60 * 60  # seconds
MAX_FORM_BYTES = 64 * 1024  # a full form with every sector and market ticked is ~20 KB
ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"  # RFC 8058: what mail clients post to the List-Unsubscribe URL

#: FastAPI dependency (or a plain call) counting one subscribe request of the client address.
subscribe_rate_limit = rate_limited(SUBSCRIBE_ACTION, SUBSCRIBE_LIMIT, SUBSCRIBE_WINDOW)


async def limit_form_size(request: Request) -> None:
    """Refuse bodies over MAX_FORM_BYTES with 413 before anything parses them."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise _too_large()
    size = 0
    chunks: list[bytes] = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise _too_large()
        chunks.append(chunk)
    # Starlette replays a read body from `_body` to later readers (request.form()).
    request._body = b"".join(chunks)


async def csrf_unless_one_click(request: Request) -> None:
    """CSRF check for the unsubscribe form; a mail client's RFC 8058 one-click post needs none.

    The one-click post comes without cookies; the signed token in its URL authorizes it.
    """
    form = await request.form()
    if form.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE:
        return
    await require_csrf(request)


def _too_large() -> HTTPException:
    kilobytes = MAX_FORM_BYTES // 1024
    return HTTPException(413, f"this form is too large (at most {kilobytes} KB): shorten it")
