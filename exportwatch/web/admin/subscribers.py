"""Subscribers at a glance: how many in each state, and a paged list searchable by email.

Only what an operator needs to answer "is this person subscribed, to what?": no tokens, no
links that act for the subscriber.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from exportwatch.model import Subscriber, Subscription
from exportwatch.services import Services
from exportwatch.web.admin.auth import guarded_router
from exportwatch.web.admin.paging import PAGE_SIZE, Pager
from exportwatch.web.templating import render

__all__ = ["router", "subscriber_status", "summarize"]

router = guarded_router()


@router.get("/subscribers", response_class=HTMLResponse)
def subscribers_page(
    request: Request,
    q: Annotated[str, Query(max_length=320)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Counts by state and one page of subscribers whose address contains `q`."""
    services: Services = request.app.state.services
    store = services.store
    found = store.page_subscribers(q, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    ids = [subscriber.id for subscriber in found.rows if subscriber.id is not None]
    subscriptions = store.subscriptions_of_many(ids)
    rows = [
        {
            "subscriber": subscriber,
            "status": subscriber_status(subscriber),
            "subscriptions": summarize(subscriptions.get(subscriber.id or 0, [])),
        }
        for subscriber in found.rows
    ]
    context = {
        "counts": store.count_subscribers(),
        "q": q,
        "rows": rows,
        "pager": Pager(page, found.total, filters=(("q", q),)),
    }
    return render(request, "admin_subscribers.html", context)


def subscriber_status(subscriber: Subscriber) -> str:
    """`unsubscribed`, `confirmed` or `pending` (waiting for the confirmation link)."""
    if subscriber.unsubscribed_at is not None:
        return "unsubscribed"
    return "confirmed" if subscriber.confirmed_at is not None else "pending"


def summarize(subscriptions: list[Subscription]) -> list[str]:
    """One line per active subscription: frequency, then what it is about."""
    lines = []
    for subscription in subscriptions:
        parts = [str(subscription.frequency.value)]
        for label, values in (
            ("sectors", subscription.sectors),
            ("markets", subscription.markets),
            ("kinds", [kind.value for kind in subscription.kinds]),
            ("keywords", subscription.keywords),
        ):
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        if len(parts) == 1:
            parts.append("everything")
        lines.append(" · ".join(parts))
    return lines
