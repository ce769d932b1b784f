"""Subscription pages for SMEs: subscribe, confirm, manage and unsubscribe (page and one-click).

The pages are thin: `exportwatch.alerts.subscribing` and `.managing` do the work and their
signed link tokens prove who is asking. Form posts need a CSRF token (a mail client's RFC 8058
one-click unsubscribe excepted) and subscribing is rate limited per client address.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from exportwatch.alerts.managing import (
    add_subscription,
    manage_view,
    unsubscribe_subscription,
    update_details,
    update_subscription,
)
from exportwatch.alerts.subscribing import (
    ConfirmationNotSentError,
    LinkError,
    LinkOutcome,
    SubscriptionInputError,
    confirm,
    confirmable,
    link_url,
    send_confirmation,
    subscribe,
    unsubscribe,
    validate_input,
)
from exportwatch.alerts.tokens import TokenPurpose, make_token
from exportwatch.errors import ConfigError
from exportwatch.model import Subscriber
from exportwatch.services import Services
from exportwatch.store import DuplicateSubscriberError, normalize_email
from exportwatch.web.csrf import require_csrf
from exportwatch.web.subscription_choices import describe_subscription, form_choices
from exportwatch.web.subscription_forms import (
    SubscriptionForm,
    email_language,
    form_from_post,
    form_from_query,
    form_from_subscriber,
    form_from_subscription,
)
from exportwatch.web.subscription_guards import (
    csrf_unless_one_click,
    limit_form_size,
    subscribe_rate_limit,
)
from exportwatch.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
FORM_POST = [Depends(limit_form_size), Depends(require_csrf)]
#: The status of a page for a link that cannot be used, by `LinkError.reason`.
LINK_STATUS = {"invalid": 400, "expired": 410, "unknown": 410, "unsubscribed": 410}
FIELD_TITLES = {
    "email": "Email address",
    "name": "Your name",
    "organisation": "Organisation",
    "language": "Language of the emails",
    "timezone": "Time zone",
    "sectors": "Sectors",
    "markets": "Markets",
    "kinds": "What to hear about",
    "keywords": "Keywords",
    "languages": "Languages of the documents",
    "home_country": "Your home country",
    "frequency": "How often",
    "daily_hour": "At",
    "weekly_day": "On",
}
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
DONE_NOTICES = {
    "updated": "Your subscription was changed.",
    "added": "Your new subscription was added.",
    "ended": "That subscription was ended.",
    "details": "Your details were saved.",
}


# --- subscribe ------------------------------------------------------------------------------


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_page(request: Request) -> HTMLResponse:
    """The empty form, prefilled from `?sector=…&market=…&kind=…&keywords=…`."""
    language = email_language(request.headers.get("accept-language", ""))
    return _subscribe_form(request, form_from_query(request.query_params, language))


@router.post("/subscribe", response_class=HTMLResponse, dependencies=FORM_POST)
async def subscribe_post(request: Request) -> HTMLResponse:
    """Ask for confirmation by email; the answer never tells whether the address was known."""
    services = _services(request)
    form = form_from_post(await request.form())
    subscriber, subscription = form.subscriber_fields(), form.subscription_fields()
    try:
        validate_input(subscriber, subscription, services.taxonomy)
    except SubscriptionInputError as error:
        return _subscribe_form(request, form.add_problems(error.problems), 422)
    subscribe_rate_limit(request)  # only well-formed attempts count: typos cost no tries
    try:
        await run_in_threadpool(_subscribe, services, subscriber, subscription)
    except (ConfirmationNotSentError, ConfigError) as error:
        form.general.append(f"{error}. Please try again later.")
        return _subscribe_form(request, form, 503)
    return render(request, "subscription_sent.html", {"heading": "Check your inbox"})


def _subscribe(
    services: Services, subscriber: dict[str, object], subscription: dict[str, object]
) -> None:
    """Subscribe; an address awaiting confirmation gets a fresh confirmation link instead."""
    try:
        subscribe(services, subscriber, subscription)
    except DuplicateSubscriberError:
        known = services.store.get_subscriber(normalize_email(str(subscriber["email"])))
        if known is not None and known.confirmed_at is None and known.unsubscribed_at is None:
            send_confirmation(services, known)


def _subscribe_form(request: Request, form: SubscriptionForm, status: int = 200) -> HTMLResponse:
    return render(request, "subscription_form.html", _form_context(request, form), status)


# --- confirm --------------------------------------------------------------------------------


@router.get("/subscriptions/confirm", response_class=HTMLResponse)
def confirm_page(request: Request, token: str = "") -> HTMLResponse:
    """The confirmation link's page: a button that confirms, since a GET changes nothing.

    Mail scanners fetch every link in a message; if fetching one confirmed, anyone could
    subscribe an address whose scanner then confirms it.
    """
    services = _services(request)
    try:
        subscriber = confirmable(services, token)
    except LinkError as error:
        return _link_error(request, error, "confirmation")
    if subscriber.confirmed_at is not None:
        return _confirmed(request, subscriber, changed=False)
    context = {
        "heading": "Confirm your subscription",
        "token": token,
        "subscriber": subscriber,
        "subscriptions": _described(services, subscriber),
    }
    return _private(request, "subscription_confirm.html", context)


@router.post("/subscriptions/confirm", response_class=HTMLResponse, dependencies=FORM_POST)
async def confirm_post(request: Request) -> HTMLResponse:
    """Confirm: alerts start; confirming again changes nothing."""
    token = _text(await request.form(), "token")
    try:
        outcome = await run_in_threadpool(confirm, _services(request), token)
    except LinkError as error:
        return _link_error(request, error, "confirmation")
    assert outcome.subscriber is not None  # confirm raises otherwise
    return _confirmed(request, outcome.subscriber, changed=outcome.changed)


def _confirmed(request: Request, subscriber: Subscriber, *, changed: bool) -> HTMLResponse:
    """What a confirmed subscriber will hear about, and the link to manage it."""
    services = _services(request)
    assert subscriber.id is not None  # stored subscribers have ids
    context = {
        "heading": "Subscription confirmed",
        "changed": changed,
        "subscriber": subscriber,
        "subscriptions": _described(services, subscriber),
        "manage_url": link_url(services.settings, TokenPurpose.MANAGE, subscriber.id),
    }
    return _private(request, "subscription_confirmed.html", context)


# --- manage ---------------------------------------------------------------------------------


@router.get("/subscriptions/manage", response_class=HTMLResponse)
def manage_page(
    request: Request,
    token: str = "",
    edit: int | None = None,
    add: bool = False,
    details: bool = False,
    done: str = "",
) -> HTMLResponse:
    """Their subscriptions; `edit=<id>`, `add=1` or `details=1` shows the form for one."""
    services = _services(request)
    try:
        view = manage_view(services, token)
    except LinkError as error:
        return _link_error(request, error, "manage")
    if details and not view.unsubscribed:
        return _details_form(request, token, form_from_subscriber(view.subscriber))
    if add and not view.unsubscribed:
        return _edit_form(request, token, None, SubscriptionForm())
    if edit is not None:
        current = next((s for s in view.subscriptions if s.id == edit), None)
        if current is None:
            return _link_error(request, _not_theirs(), "manage")
        return _edit_form(request, token, edit, form_from_subscription(current))
    assert view.subscriber.id is not None
    context = {
        "heading": "Your email alerts",
        "token": token,
        "subscriber": view.subscriber,
        "unsubscribed": view.unsubscribed,
        "notice": DONE_NOTICES.get(done, ""),
        "subscriptions": [
            (s.id, describe_subscription(s, services.taxonomy, view.subscriber.timezone))
            for s in view.subscriptions
        ],
        "unsubscribe_token": make_token(
            TokenPurpose.UNSUBSCRIBE, view.subscriber.id, services.settings.signing_key
        ),
    }
    return _private(request, "subscription_manage.html", context)


@router.post("/subscriptions/manage/edit", response_class=HTMLResponse, dependencies=FORM_POST)
async def manage_edit(request: Request) -> Response:
    """Change one subscription (its id in the `subscription` field)."""
    posted = await request.form()
    token, subscription_id = _text(posted, "token"), _id(posted)
    form = form_from_post(posted)
    if subscription_id is None:
        return _link_error(request, _not_theirs(), "manage")
    try:
        await run_in_threadpool(
            update_subscription,
            _services(request),
            token,
            subscription_id,
            form.subscription_fields(),
        )
    except SubscriptionInputError as error:
        return _edit_form(request, token, subscription_id, form.add_problems(error.problems), 422)
    except LinkError as error:
        return _link_error(request, error, "manage")
    return _back_to_manage(token, "updated")


@router.post("/subscriptions/manage/add", response_class=HTMLResponse, dependencies=FORM_POST)
async def manage_add(request: Request) -> Response:
    """Add a subscription for the subscriber of the manage link."""
    posted = await request.form()
    token, form = _text(posted, "token"), form_from_post(posted)
    try:
        await run_in_threadpool(
            add_subscription, _services(request), token, form.subscription_fields()
        )
    except SubscriptionInputError as error:
        return _edit_form(request, token, None, form.add_problems(error.problems), 422)
    except LinkError as error:
        return _link_error(request, error, "manage")
    return _back_to_manage(token, "added")


@router.post("/subscriptions/manage/details", response_class=HTMLResponse, dependencies=FORM_POST)
async def manage_details(request: Request) -> Response:
    """Change the subscriber's name, organisation, email language and time zone."""
    posted = await request.form()
    token, form = _text(posted, "token"), form_from_post(posted)
    details = {name: form.value(name) for name in ("name", "organisation", "language", "timezone")}
    try:
        await run_in_threadpool(update_details, _services(request), token, details)
    except SubscriptionInputError as error:
        return _details_form(request, token, form.add_problems(error.problems), 422)
    except LinkError as error:
        return _link_error(request, error, "manage")
    return _back_to_manage(token, "details")


def _details_form(
    request: Request, token: str, form: SubscriptionForm, status: int = 200
) -> HTMLResponse:
    context = {**_form_context(request, form), "heading": "Your details", "token": token}
    return _private(request, "subscription_details.html", context, status)


@router.post("/subscriptions/manage/end", response_class=HTMLResponse, dependencies=FORM_POST)
async def manage_end(request: Request) -> Response:
    """End one subscription; ending the last one unsubscribes the address."""
    posted = await request.form()
    token, subscription_id = _text(posted, "token"), _id(posted)
    if subscription_id is None:
        return _link_error(request, _not_theirs(), "manage")
    try:
        await run_in_threadpool(
            unsubscribe_subscription, _services(request), token, subscription_id
        )
    except LinkError as error:
        return _link_error(request, error, "manage")
    return _back_to_manage(token, "ended")


def _edit_form(
    request: Request,
    token: str,
    subscription_id: int | None,
    form: SubscriptionForm,
    status: int = 200,
) -> HTMLResponse:
    context = {
        **_form_context(request, form),
        "heading": "Add a subscription" if subscription_id is None else "Change your subscription",
        "token": token,
        "subscription_id": subscription_id,
    }
    return _private(request, "subscription_edit.html", context, status)


def _back_to_manage(token: str, done: str) -> RedirectResponse:
    query = urlencode({"token": token, "done": done})
    return RedirectResponse(f"/subscriptions/manage?{query}", status_code=303)


# --- unsubscribe ----------------------------------------------------------------------------


@router.get("/subscriptions/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str = "", subscription: str = "") -> HTMLResponse:
    """A page with a confirm button: a GET changes nothing (mail scanners fetch links)."""
    context = {"heading": "Unsubscribe", "token": token, "subscription": subscription}
    return _private(request, "subscription_unsubscribe.html", context)


@router.post(
    "/subscriptions/unsubscribe",
    response_class=HTMLResponse,
    dependencies=[Depends(limit_form_size), Depends(csrf_unless_one_click)],
)
async def unsubscribe_post(request: Request) -> HTMLResponse:
    """Unsubscribe from everything, or from `subscription` only; again changes nothing."""
    posted = await request.form()
    query = request.query_params
    token = _text(posted, "token") or query.get("token", "")
    chosen = _text(posted, "subscription") or query.get("subscription", "")
    services = _services(request)
    try:
        if chosen:
            if not chosen.isdigit():
                raise _not_theirs()
            outcome: LinkOutcome = await run_in_threadpool(
                unsubscribe_subscription, services, token, int(chosen)
            )
        else:
            outcome = await run_in_threadpool(unsubscribe, services, token)
    except LinkError as error:
        return _link_error(request, error, "unsubscribe")
    subscriber = outcome.subscriber
    context = {
        "heading": "You are unsubscribed" if not chosen else "Subscription ended",
        "one_subscription": bool(chosen),
        "everything": subscriber is None or subscriber.unsubscribed_at is not None,
    }
    return render(request, "subscription_unsubscribed.html", context)


# --- helpers --------------------------------------------------------------------------------


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _form_context(request: Request, form: SubscriptionForm) -> dict[str, Any]:
    choices = form_choices(_services(request).taxonomy)
    extras = {
        name: [item for item in form.selected(name) if item not in choices.known(name)]
        for name in ("sectors", "markets", "kinds", "languages")
    }
    return {
        "heading": "Email alerts",
        "form": form,
        "choices": choices,
        "extras": extras,
        "titles": FIELD_TITLES,
    }


def _described(services: Services, subscriber: Subscriber) -> list[list[tuple[str, str]]]:
    assert subscriber.id is not None
    return [
        describe_subscription(subscription, services.taxonomy, subscriber.timezone)
        for subscription in services.store.subscriptions_of(subscriber.id)
    ]


def _link_error(request: Request, error: LinkError, link: str) -> HTMLResponse:
    headings = {"expired": "This link has expired", "unsubscribed": "You have unsubscribed"}
    context = {
        "heading": headings.get(error.reason, "This link cannot be used"),
        "message": str(error),
        "reason": error.reason,
        "link": link,
    }
    status = LINK_STATUS.get(error.reason, 400)
    return _private(request, "subscription_link_error.html", context, status)


def _private(
    request: Request, name: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A page whose URL or forms carry a link token: not cached, not sent on as a referrer."""
    page = render(request, name, context, status)
    page.headers.update(PRIVATE_HEADERS)
    return page


def _not_theirs() -> LinkError:
    return LinkError("unknown", "this subscription is not (or no longer) part of your alerts")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _id(form: FormData) -> int | None:
    text = _text(form, "subscription")
    return int(text) if text.isdigit() and len(text) < 12 else None
