"""Subscription pages end to end: subscribe, the confirmation email, manage, unsubscribe."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from exportwatch.alerts.managing import subscription_unsubscribe_url
from exportwatch.alerts.subscribing import link_url, subscribe
from exportwatch.alerts.tokens import TokenPurpose, make_token
from exportwatch.model import Frequency, Subscriber, Subscription, utcnow
from exportwatch.services import Services, open_services
from exportwatch.settings import Settings
from exportwatch.web import create_app
from exportwatch.web.ratelimit import RateLimit
from exportwatch.web.subscription_guards import MAX_FORM_BYTES, SUBSCRIBE_ACTION
from exportwatch.web.subscription_pages import router
from tests.mockserver import SMTPServer

ROOT = Path(__file__).resolve().parents[3]
HOSTILE = json.loads((ROOT / "tests/fixtures/web/subscriptions/hostile_fields.json").read_text())
ANNA = {"email": "anna@molkerei.example", "name": "Anna", "sectors": "food.dairy", "markets": "DE"}


@pytest.fixture
def mailed(settings: Settings, smtp_server: SMTPServer) -> Iterator[Services]:
    """Services whose email goes to the real SMTP server of the test."""
    url = f"smtp://{smtp_server.host}:{smtp_server.port}?helo=localhost&timeout=5"
    opened = open_services(settings.model_copy(update={"smtp_url": SecretStr(url)}))
    yield opened
    opened.close()


@pytest.fixture
def app(mailed: Services) -> FastAPI:
    built = create_app(mailed)
    if not any(getattr(route, "path", "") == "/subscribe" for route in built.routes):
        built.include_router(router)  # until app.py registers the router
    return built


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as opened:
        yield opened


def csrf(client: TestClient, path: str = "/subscribe") -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def local(url: str) -> str:
    """The path and query of a link in an email (the test client serves the app itself)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def link_in(message: EmailMessage, purpose: str) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    found = re.search(rf"https?://\S+/subscriptions/{purpose}\?token=\S+", body.get_content())
    assert found, body.get_content()
    return local(found.group(0))


def form_of(page: str) -> dict[str, str]:
    """The hidden fields of a page's form, other than the CSRF token."""
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page)
    return {name: value for name, value in fields if name != "csrf_token"}


def subscribed(services: Services, email: str = ANNA["email"], *, confirmed: bool = True) -> int:
    fields = {"sectors": ["food.dairy"], "markets": ["DE"]}
    name = HOSTILE["name"]
    result = subscribe(services, {"email": email, "name": name}, fields, confirmed=confirmed)
    assert result.subscriber.id is not None
    return result.subscriber.id


def subscriber(services: Services, email: str = ANNA["email"]) -> Subscriber:
    found = services.store.get_subscriber(email)
    assert found is not None
    return found


# --- the form -------------------------------------------------------------------------------


def test_the_form_offers_every_sector_and_market_with_labels(
    client: TestClient, mailed: Services
) -> None:
    page = client.get("/subscribe")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.text
    for sector in mailed.taxonomy.sectors:
        assert f'name="sectors" value="{sector.code}"' in page.text
    for grouping in mailed.taxonomy.markets:
        assert f'name="markets" value="{grouping.code}"' in page.text
    assert 'name="markets" value="DE"> Germany' in page.text
    for field in ("email", "name", "organisation", "keywords", "timezone", "language"):
        assert f'<label for="field-{field}">' in page.text
    assert "subscribe.js" in page.text and "subscribe.css" in page.text


def test_a_search_link_prefills_the_form(client: TestClient) -> None:
    query = "?sector=food.dairy&market=DE,EU&kind=event&keywords=organic&email=x@evil.example"
    page = client.get(f"/subscribe{query}", headers={"Accept-Language": "de-AT,de;q=0.9"})
    assert 'name="sectors" value="food.dairy" checked>' in page.text
    assert 'name="markets" value="DE" checked>' in page.text
    assert 'name="markets" value="EU" checked>' in page.text
    assert 'name="markets" value="FR" checked>' not in page.text
    assert 'name="kinds" value="event" checked>' in page.text
    assert 'name="keywords" type="text" value="organic"' in page.text
    assert '<option value="de" selected>' in page.text
    assert "x@evil.example" not in page.text  # an address is never taken from a link


# --- subscribing and confirming -------------------------------------------------------------


def test_subscribing_confirming_and_managing_from_the_email(
    client: TestClient, mailed: Services, smtp_server: SMTPServer
) -> None:
    token = csrf(client)
    form = {**ANNA, "markets": ["DE", "EU"], "frequency": "weekly", "weekly_day": "2"}
    sent = client.post("/subscribe", data={**form, "csrf_token": token})
    assert sent.status_code == 200
    assert "Check your inbox" in sent.text
    [message] = smtp_server.wait_for(1)
    assert message.message["To"].endswith("<anna@molkerei.example>")
    assert subscriber(mailed).confirmed_at is None

    opened = client.get(link_in(message.message, "confirm"))  # what a mail scanner does too
    assert opened.status_code == 200 and "Confirm subscription" in opened.text
    assert "Weekly on Wednesday at 07:00" in opened.text
    assert subscriber(mailed).confirmed_at is None  # a GET changes nothing
    assert client.post("/subscriptions/confirm", data=form_of(opened.text)).status_code == 403
    confirmed = client.post(
        "/subscriptions/confirm", data={**form_of(opened.text), "csrf_token": csrf(client)}
    )
    assert confirmed.status_code == 200
    assert "anna@molkerei.example is confirmed" in confirmed.text
    assert "<dd>Dairy</dd>" in confirmed.text
    assert "Germany, European Union" in confirmed.text
    assert "Weekly on Wednesday at 07:00" in confirmed.text
    assert subscriber(mailed).confirmed_at is not None

    manage = re.search(r'href="(https?://[^"]+/subscriptions/manage\?token=[^"]+)"', confirmed.text)
    assert manage, confirmed.text
    page = client.get(local(manage.group(1).replace("&amp;", "&")))
    assert page.status_code == 200
    assert "Subscription 1" in page.text and "<dd>Dairy</dd>" in page.text

    again = client.get(link_in(message.message, "confirm"))
    assert "was already confirmed" in again.text and "Confirm subscription" not in again.text
    posted_again = client.post(
        "/subscriptions/confirm", data={**form_of(opened.text), "csrf_token": csrf(client)}
    )
    assert "was already confirmed" in posted_again.text


def test_the_answer_does_not_reveal_whether_the_address_was_known(
    client: TestClient, mailed: Services, smtp_server: SMTPServer
) -> None:
    subscribed(mailed, "known@example.org", confirmed=True)
    subscribed(mailed, "waiting@example.org", confirmed=False)
    smtp_server.wait_for(1)
    answers = []
    for email in ("new@example.org", "known@example.org", "waiting@example.org"):
        response = client.post("/subscribe", data={"email": email, "csrf_token": csrf(client)})
        answers.append((response.status_code, response.text))
    assert len(set(answers)) == 1
    recipients = [parseaddr(captured.message["To"])[1] for captured in smtp_server.wait_for(3)]
    assert recipients[1:] == ["new@example.org", "waiting@example.org"]  # a fresh link
    assert len(smtp_server.messages) == 3  # the confirmed address is sent nothing


def test_an_address_that_unsubscribed_can_subscribe_again_with_double_opt_in(
    client: TestClient, mailed: Services, smtp_server: SMTPServer
) -> None:
    subscriber_id = subscribed(mailed)
    mailed.store.unsubscribe_subscriber(subscriber_id, utcnow())
    response = client.post("/subscribe", data={**ANNA, "csrf_token": csrf(client)})
    assert response.status_code == 200
    assert len(smtp_server.wait_for(1)) == 1
    assert subscriber(mailed).unsubscribed_at is None
    assert subscriber(mailed).confirmed_at is None


def test_bad_input_is_shown_next_to_each_field_with_the_values_kept(
    client: TestClient, smtp_server: SMTPServer
) -> None:
    form = {
        "email": "anna@",
        "name": "Anna",
        "sectors": ["food.dairy", "Dairyy"],
        "daily_hour": "25",
    }
    response = client.post("/subscribe", data={**form, "csrf_token": csrf(client)})
    assert response.status_code == 422
    text = response.text
    assert 'class="error-summary"' in text and 'href="#field-sectors"' in text
    sectors_error = re.search(r'<p class="field-error" id="sectors-error">(.*?)</p>', text, re.S)
    assert sectors_error and "unknown sector &#39;Dairyy&#39;" in sectors_error.group(1)
    assert "did you mean &#39;food.dairy&#39;" in sectors_error.group(1)
    assert re.search(r'id="field-sectors"[^>]*aria-describedby="sectors-error sectors-hint"', text)
    assert re.search(r'id="field-email"[^>]*aria-invalid="true"', text)
    assert 'id="email-error"' in text and 'id="daily_hour-error"' in text
    assert 'value="anna@"' in text and 'value="Anna"' in text
    assert 'name="sectors" value="Dairyy" checked>' in text
    assert 'name="sectors" value="food.dairy" checked>' in text
    assert smtp_server.messages == []


def test_hostile_input_is_rendered_inert(client: TestClient) -> None:
    form = {**HOSTILE, "email": "not an address", "sectors": "<i>x</i>"}
    response = client.post("/subscribe", data={**form, "csrf_token": csrf(client)})
    assert response.status_code == 422
    for value in (*HOSTILE.values(), "<i>x</i>"):
        assert value not in response.text
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in response.text
    assert "<img src=x" not in response.text and "<svg" not in response.text


def test_a_form_without_csrf_token_is_refused(client: TestClient, smtp_server: SMTPServer) -> None:
    client.get("/subscribe")
    response = client.post("/subscribe", data=ANNA)
    assert response.status_code == 403
    assert "reload the page" in response.text
    forged = client.post("/subscribe", data={**ANNA, "csrf_token": "0" * 64})
    assert forged.status_code == 403
    assert smtp_server.messages == []


def test_subscribing_is_rate_limited_together_with_the_api(
    client: TestClient, app: FastAPI, smtp_server: SMTPServer
) -> None:
    app.state.rate_limits[SUBSCRIBE_ACTION] = RateLimit(2, 600)
    bad = {"email": "nope", "csrf_token": csrf(client)}
    assert client.post("/subscribe", data=bad).status_code == 422  # a typo costs no try
    first = client.post("/subscribe", data={**ANNA, "csrf_token": csrf(client)})
    assert first.status_code == 200
    api = client.post("/api/subscriptions", json={"email": "b@example.org"})
    assert api.status_code == 202
    page = client.post("/subscribe", data={"email": "c@example.org", "csrf_token": csrf(client)})
    assert page.status_code == 429
    assert page.headers["Retry-After"].isdigit() and int(page.headers["Retry-After"]) > 0
    assert "too many subscribe requests" in page.text
    again = client.post("/api/subscriptions", json={"email": "d@example.org"})
    assert again.status_code == 429 and "Retry-After" in again.headers
    assert len(smtp_server.wait_for(2)) == 2


def test_an_oversized_form_is_refused(client: TestClient, mailed: Services) -> None:
    keywords = "k" * (MAX_FORM_BYTES + 1)
    form = {**ANNA, "keywords": keywords, "csrf_token": csrf(client)}
    response = client.post("/subscribe", data=form)
    assert response.status_code == 413
    assert "too large" in response.text
    assert mailed.store.get_subscriber(ANNA["email"]) is None


def test_an_oversized_form_without_a_declared_length_is_refused(client: TestClient) -> None:
    token = csrf(client)
    chunks = (b"keywords=" + b"k" * 1024 for _ in range(MAX_FORM_BYTES // 1024 + 1))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = client.post(f"/subscribe?csrf_token={token}", content=chunks, headers=headers)
    assert response.request.headers.get("Content-Length") is None  # sent chunked
    assert response.status_code == 413
    small = (part.encode() for part in (f"csrf_token={token}&", "email=anna%40example.org"))
    assert client.post("/subscribe", content=small, headers=headers).status_code == 200


def test_when_the_mail_relay_is_down_nothing_is_kept_and_the_form_says_so(
    client: TestClient, mailed: Services, smtp_server: SMTPServer
) -> None:
    smtp_server.down()
    response = client.post("/subscribe", data={**ANNA, "csrf_token": csrf(client)})
    smtp_server.up()
    assert response.status_code == 503
    assert "not sent" in response.text and "try again later" in response.text
    assert 'value="anna@molkerei.example"' in response.text
    assert mailed.store.get_subscriber(ANNA["email"]) is None


@pytest.mark.parametrize(
    ("age", "tamper", "status", "words"),
    [
        (timedelta(days=8), False, 410, "has expired"),
        (timedelta(0), True, 400, "not valid"),
    ],
)
def test_an_expired_or_altered_confirmation_link_explains_what_to_do(
    client: TestClient,
    mailed: Services,
    age: timedelta,
    tamper: bool,
    status: int,
    words: str,
) -> None:
    subscriber_id = subscribed(mailed, confirmed=False)
    key = mailed.settings.signing_key
    token = make_token(TokenPurpose.CONFIRM, subscriber_id, key, now=utcnow() - age)
    token = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB") if tamper else token
    opened = client.get("/subscriptions/confirm", params={"token": token})
    posted = client.post(
        "/subscriptions/confirm", data={"token": token, "csrf_token": csrf(client)}
    )
    for response in (opened, posted):
        assert response.status_code == status
        assert words in response.text
        assert 'href="/subscribe">Subscribe again</a>' in response.text
    assert subscriber(mailed).confirmed_at is None


# --- unsubscribing --------------------------------------------------------------------------


def test_the_unsubscribe_link_asks_first_and_a_get_changes_nothing(
    client: TestClient, mailed: Services
) -> None:
    subscriber_id = subscribed(mailed)
    url = local(link_url(mailed.settings, TokenPurpose.UNSUBSCRIBE, subscriber_id))
    page = client.get(url)
    assert page.status_code == 200
    assert "Stop all email alerts" in page.text and 'name="csrf_token"' in page.text
    assert subscriber(mailed).unsubscribed_at is None

    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    form = {"token": token.group(1), "csrf_token": csrf(client, url)}
    done = client.post("/subscriptions/unsubscribe", data=form)
    assert done.status_code == 200
    assert "You will receive no more alert emails" in done.text
    assert subscriber(mailed).unsubscribed_at is not None
    assert client.post("/subscriptions/unsubscribe", data=form).status_code == 200  # idempotent


def test_the_unsubscribe_page_needs_its_csrf_token(client: TestClient, mailed: Services) -> None:
    subscriber_id = subscribed(mailed)
    url = local(link_url(mailed.settings, TokenPurpose.UNSUBSCRIBE, subscriber_id))
    client.get(url)
    assert client.post(url, data={"List-Unsubscribe": "Other"}).status_code == 403
    assert subscriber(mailed).unsubscribed_at is None


def test_one_click_unsubscribe_works_without_cookies(app: FastAPI, mailed: Services) -> None:
    subscriber_id = subscribed(mailed)
    url = local(link_url(mailed.settings, TokenPurpose.UNSUBSCRIBE, subscriber_id))
    with TestClient(app) as mail_client:
        first = mail_client.post(url, data={"List-Unsubscribe": "One-Click"})
        again = mail_client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert first.status_code == again.status_code == 200
    assert subscriber(mailed).unsubscribed_at is not None


def test_one_click_ends_only_the_subscription_of_its_link(app: FastAPI, mailed: Services) -> None:
    subscriber_id = subscribed(mailed)
    [first] = mailed.store.subscriptions_of(subscriber_id)
    second = mailed.store.add_subscription(
        Subscription(id=None, subscriber_id=subscriber_id, markets=["FR"])
    )
    assert first.id is not None and second.id is not None
    url = subscription_unsubscribe_url(mailed.settings, subscriber_id, first.id)
    with TestClient(app) as mail_client:
        response = mail_client.post(local(url), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "your other subscriptions continue" in response.text
    assert [s.id for s in mailed.store.subscriptions_of(subscriber_id)] == [second.id]
    assert subscriber(mailed).unsubscribed_at is None


def test_a_one_click_post_with_an_altered_token_is_refused(app: FastAPI, mailed: Services) -> None:
    subscriber_id = subscribed(mailed)
    url = local(link_url(mailed.settings, TokenPurpose.UNSUBSCRIBE, subscriber_id))
    with TestClient(app) as mail_client:
        response = mail_client.post(url + "x", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400
    assert "not valid" in response.text
    assert subscriber(mailed).unsubscribed_at is None


# --- managing -------------------------------------------------------------------------------


def manage_url(services: Services, subscriber_id: int) -> str:
    return local(link_url(services.settings, TokenPurpose.MANAGE, subscriber_id))


def manage_token(services: Services, subscriber_id: int) -> str:
    return make_token(TokenPurpose.MANAGE, subscriber_id, services.settings.signing_key)


def test_the_manage_page_shows_subscriptions_and_escapes_names(
    client: TestClient, mailed: Services
) -> None:
    subscriber_id = subscribed(mailed)
    page = client.get(manage_url(mailed, subscriber_id))
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"  # the URL carries the manage token
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in page.text
    assert HOSTILE["name"] not in page.text
    assert "<dd>Dairy</dd>" in page.text and "<dd>Germany</dd>" in page.text
    assert "edit=" in page.text and "add=1" in page.text
    assert 'action="/subscriptions/manage/end"' in page.text
    assert 'action="/subscriptions/unsubscribe"' in page.text


def test_changing_a_subscription(client: TestClient, mailed: Services) -> None:
    subscriber_id = subscribed(mailed)
    [current] = mailed.store.subscriptions_of(subscriber_id)
    url = f"{manage_url(mailed, subscriber_id)}&edit={current.id}"
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert 'name="sectors" value="food.dairy" checked>' in form_page.text
    form = {
        "token": manage_token(mailed, subscriber_id),
        "subscription": str(current.id),
        "sectors": ["food.meat"],
        "frequency": "weekly",
        "weekly_day": "4",
        "daily_hour": "9",
        "csrf_token": csrf(client, url),
    }
    response = client.post("/subscriptions/manage/edit", data=form, follow_redirects=False)
    assert response.status_code == 303
    shown = client.get(response.headers["location"])
    assert "Your subscription was changed." in shown.text
    assert "Weekly on Friday at 09:00" in shown.text
    [changed] = mailed.store.subscriptions_of(subscriber_id)
    assert changed.sectors == ["food.meat"] and changed.frequency is Frequency.WEEKLY


def test_a_bad_change_is_shown_next_to_the_field(client: TestClient, mailed: Services) -> None:
    subscriber_id = subscribed(mailed)
    [current] = mailed.store.subscriptions_of(subscriber_id)
    form = {
        "token": manage_token(mailed, subscriber_id),
        "subscription": str(current.id),
        "sectors": "Dairyy",
        "csrf_token": csrf(client),
    }
    response = client.post("/subscriptions/manage/edit", data=form)
    assert response.status_code == 422
    assert re.search(r'id="sectors-error"><span>unknown sector &#39;Dairyy&#39;', response.text)
    assert f'name="subscription" value="{current.id}"' in response.text
    assert mailed.store.subscriptions_of(subscriber_id)[0].sectors == ["food.dairy"]


def test_adding_and_ending_subscriptions(client: TestClient, mailed: Services) -> None:
    subscriber_id = subscribed(mailed)
    token = manage_token(mailed, subscriber_id)
    add_page = client.get(f"{manage_url(mailed, subscriber_id)}&add=1")
    assert 'action="/subscriptions/manage/add"' in add_page.text
    form = {"token": token, "markets": ["FR"], "kinds": ["finance"], "csrf_token": csrf(client)}
    added = client.post("/subscriptions/manage/add", data=form)
    assert "Your new subscription was added." in added.text
    first, second = mailed.store.subscriptions_of(subscriber_id)
    assert second.markets == ["FR"]

    end = {"token": token, "subscription": str(first.id), "csrf_token": csrf(client)}
    ended = client.post("/subscriptions/manage/end", data=end)
    assert "That subscription was ended." in ended.text
    assert [s.id for s in mailed.store.subscriptions_of(subscriber_id)] == [second.id]

    last = client.post("/subscriptions/manage/end", data={**end, "subscription": str(second.id)})
    assert "You have unsubscribed" in last.text
    assert subscriber(mailed).unsubscribed_at is not None


def test_changing_name_language_and_time_zone(client: TestClient, mailed: Services) -> None:
    subscriber_id = subscribed(mailed)
    token = manage_token(mailed, subscriber_id)
    page = client.get(f"{manage_url(mailed, subscriber_id)}&details=1")
    assert 'action="/subscriptions/manage/details"' in page.text
    assert f'value="{subscriber(mailed).timezone}"' in page.text
    form = {
        "token": token,
        "name": "Anna <b>Berg</b>",
        "organisation": "",
        "language": "de",
        "timezone": "Europe/Vienna",
        "csrf_token": csrf(client),
    }
    saved = client.post("/subscriptions/manage/details", data=form)
    assert "Your details were saved." in saved.text
    assert "Anna &lt;b&gt;Berg&lt;/b&gt;" in saved.text
    now = subscriber(mailed)
    assert (now.name, now.organisation, now.language, now.timezone) == (
        "Anna <b>Berg</b>",
        None,
        "de",
        "Europe/Vienna",
    )
    assert now.email == ANNA["email"]


def test_a_bad_time_zone_is_shown_next_to_the_field(client: TestClient, mailed: Services) -> None:
    subscriber_id = subscribed(mailed)
    before = subscriber(mailed)
    form = {
        "token": manage_token(mailed, subscriber_id),
        "timezone": "Mars/Olympus",
        "csrf_token": csrf(client),
    }
    response = client.post("/subscriptions/manage/details", data=form)
    assert response.status_code == 422
    assert 'id="timezone-error"' in response.text
    assert 'value="Mars/Olympus"' in response.text
    assert subscriber(mailed).timezone == before.timezone
    refused = client.post("/subscriptions/manage/details", data={**form, "csrf_token": "x"})
    assert refused.status_code == 403


def test_someone_elses_subscription_cannot_be_changed(client: TestClient, mailed: Services) -> None:
    anna = subscribed(mailed)
    other = subscribed(mailed, "other@example.org")
    [theirs] = mailed.store.subscriptions_of(other)
    form = {
        "token": manage_token(mailed, anna),
        "subscription": str(theirs.id),
        "sectors": "food.meat",
        "csrf_token": csrf(client),
    }
    assert client.post("/subscriptions/manage/edit", data=form).status_code == 410
    assert client.post("/subscriptions/manage/end", data=form).status_code == 410
    assert client.get(f"{manage_url(mailed, anna)}&edit={theirs.id}").status_code == 410
    assert mailed.store.subscriptions_of(other)[0].sectors == ["food.dairy"]


def test_manage_posts_need_csrf_and_a_valid_link(client: TestClient, mailed: Services) -> None:
    subscriber_id = subscribed(mailed)
    form = {"token": manage_token(mailed, subscriber_id), "markets": "FR"}
    assert client.post("/subscriptions/manage/add", data=form).status_code == 403
    altered = {**form, "token": form["token"] + "x", "csrf_token": csrf(client)}
    response = client.post("/subscriptions/manage/add", data=altered)
    assert response.status_code == 400 and "not valid" in response.text
    assert client.get("/subscriptions/manage?token=nonsense").status_code == 400
    assert len(mailed.store.subscriptions_of(subscriber_id)) == 1
