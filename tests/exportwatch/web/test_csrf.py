"""Form posts need the token derived from the browser's CSRF cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.testclient import TestClient
from pydantic import SecretStr

from exportwatch.services import Services
from exportwatch.settings import Settings
from exportwatch.web import create_app
from exportwatch.web.csrf import COOKIE_NAME, FIELD_NAME, csrf_field, require_csrf

router = APIRouter()


@router.get("/test-form", response_class=HTMLResponse)
def form(request: Request) -> HTMLResponse:
    return HTMLResponse(f"<form method=post>{csrf_field(request)}</form>")


@router.post("/test-form")
def post(request: Request, _: Annotated[None, Depends(require_csrf)]) -> PlainTextResponse:
    return PlainTextResponse("accepted")


def client_for(services: Services) -> TestClient:
    app = create_app(services)
    app.include_router(router)
    return TestClient(app)


def test_a_page_sets_the_cookie_and_its_token_is_accepted(services: Services) -> None:
    with client_for(services) as client:
        page = client.get("/test-form")
        cookie = page.cookies[COOKIE_NAME]
        assert "HttpOnly" in page.headers["set-cookie"]
        assert "SameSite=Lax" in page.headers["set-cookie"]
        token = page.text.split('value="')[1].split('"')[0]
        accepted = client.post("/test-form", data={FIELD_NAME: token})
        assert (accepted.status_code, accepted.text) == (200, "accepted")
        again = client.get("/test-form")
        assert "set-cookie" not in again.headers  # the browser keeps its secret
        assert client.cookies[COOKIE_NAME] == cookie


def test_missing_wrong_or_foreign_tokens_are_refused_with_a_page(services: Services) -> None:
    with client_for(services) as client:
        client.get("/test-form")
        missing = client.post("/test-form", data={})
        wrong = client.post("/test-form", data={FIELD_NAME: "0" * 64})
    with client_for(services) as other_browser:
        page = other_browser.get("/test-form")
        foreign = page.text.split('value="')[1].split('"')[0]
    with client_for(services) as client:
        client.get("/test-form")
        replayed = client.post("/test-form", data={FIELD_NAME: foreign})
    for response in (missing, wrong, replayed):
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "reload the page" in response.text


def test_a_token_is_only_good_under_the_key_that_made_it(services: Services) -> None:
    with client_for(services) as client:
        page = client.get("/test-form")
        cookie = client.cookies[COOKIE_NAME]
        token = page.text.split('value="')[1].split('"')[0]
    fields = services.settings.model_dump() | {"secret_key": SecretStr("another key")}
    rekeyed = Settings(_env_file=None, **fields)  # type: ignore[call-arg]
    other = Services(rekeyed, services.taxonomy, services.store, services.index)
    with client_for(other) as client:
        client.cookies.set(COOKIE_NAME, cookie)
        refused = client.post("/test-form", data={FIELD_NAME: token})
    assert refused.status_code == 403
