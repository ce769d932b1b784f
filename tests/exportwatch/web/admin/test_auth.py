"""The admin area is reachable only with a session made from the right token."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from exportwatch.services import Services, open_services
from exportwatch.settings import Settings
from exportwatch.web.admin import auth, outbox, runs, source_editor, sources, subscribers
from exportwatch.web.admin.auth import SESSION_COOKIE, safe_next
from exportwatch.web.csrf import COOKIE_NAME
from exportwatch.web.ratelimit import RateLimit
from tests.exportwatch.web.admin.conftest import TOKEN, csrf, login, make_app

ADMIN_ROUTES = [
    (method, route.path.replace("{source_id}", "fairs").replace("{name}", "x.eml"))
    for part in (auth, outbox, runs, source_editor, sources, subscribers)
    for route in part.router.routes
    if isinstance(route, APIRoute)
    for method in sorted(route.methods or ())
]
OPEN_ROUTES = {("GET", "/admin/login"), ("POST", "/admin/login")}


def test_every_admin_route_is_listed() -> None:
    paths = {path for _, path in ADMIN_ROUTES}
    assert {"/admin", "/admin/runs", "/admin/subscribers", "/admin/outbox"} <= paths
    assert ("POST", "/admin/sources/fairs/run") in ADMIN_ROUTES


@pytest.mark.parametrize(("method", "path"), sorted(set(ADMIN_ROUTES) - OPEN_ROUTES))
def test_no_admin_route_is_reachable_without_a_session(
    anonymous: TestClient, method: str, path: str
) -> None:
    token = csrf(anonymous)
    response = anonymous.request(
        method, path, data={"csrf_token": token} if method == "POST" else None
    )
    if method == "GET":
        assert response.status_code == 303
        location = urlsplit(response.headers["location"])
        assert location.path == "/admin/login"
        assert parse_qs(location.query)["next"] == [path]
    else:
        assert response.status_code == 403


def test_a_forged_or_expired_cookie_is_no_session(anonymous: TestClient) -> None:
    anonymous.cookies.set(SESSION_COOKIE, "forged.value.here", path="/admin")
    assert anonymous.get("/admin").status_code == 303


def test_login_sets_a_strict_http_only_cookie_and_goes_to_next(anonymous: TestClient) -> None:
    response = login(anonymous, TOKEN, "/admin/runs?source=fairs")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/runs?source=fairs"
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie
    for part in ("HttpOnly", "SameSite=strict", "Path=/admin", "Max-Age=43200"):
        assert part.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # base_url is http in the tests
    assert anonymous.get("/admin").status_code == 200
    assert TOKEN not in anonymous.get("/admin").text


def test_https_base_url_makes_the_cookie_secure(
    settings: Settings, admin_services: Services
) -> None:
    secure = admin_services.settings.model_copy(update={"base_url": "https://exportwatch.example"})
    opened = open_services(secure)
    try:
        with TestClient(make_app(opened), follow_redirects=False) as client:
            response = login(client, TOKEN)
        assert "secure" in response.headers["set-cookie"].lower()
    finally:
        opened.close()


def test_a_wrong_token_is_refused_without_echo_and_rate_limited(app: FastAPI) -> None:
    app.state.rate_limits["admin login"] = RateLimit(3, 900)
    with TestClient(app, follow_redirects=False) as client:
        wrong = login(client, "not-the-token-<b>")
        assert wrong.status_code == 403
        assert "That token is not right." in wrong.text
        assert "not-the-token" not in wrong.text and TOKEN not in wrong.text
        assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
        login(client, "still-wrong")
        login(client, "wrong-again")
        limited = login(client, TOKEN)
        assert limited.status_code == 429
        assert "retry-after" in limited.headers
        assert client.get("/admin").status_code == 303


def test_login_post_needs_its_csrf_token(anonymous: TestClient) -> None:
    anonymous.get("/admin/login")
    response = anonymous.post("/admin/login", data={"token": TOKEN})
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_logout_ends_the_session(admin: TestClient) -> None:
    assert admin.get("/admin").status_code == 200
    missing_csrf = admin.post("/admin/logout", data={})
    assert missing_csrf.status_code == 403
    response = admin.post("/admin/logout", data={"csrf_token": csrf(admin, "/admin")})
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    assert admin.get("/admin").status_code == 303


@pytest.mark.parametrize(
    ("wanted", "kept"),
    [
        ("/admin/runs?source=x", "/admin/runs?source=x"),
        ("https://evil.example/admin", "/admin"),
        ("//evil.example/admin", "/admin"),
        ("/\\evil.example", "/admin"),
        ("/search", "/admin"),
        ("/admin/x y", "/admin"),
        ("", "/admin"),
    ],
)
def test_only_admin_paths_are_followed_after_login(wanted: str, kept: str) -> None:
    assert safe_next(wanted) == kept


def test_an_external_next_is_not_followed(anonymous: TestClient) -> None:
    response = login(anonymous, TOKEN, "https://evil.example/")
    assert response.headers["location"] == "/admin"


@pytest.fixture
def tokenless(settings: Settings) -> Iterator[TestClient]:
    opened = open_services(settings)  # no EXPORTWATCH_ADMIN_TOKEN
    with TestClient(make_app(opened), follow_redirects=False) as client:
        yield client
    opened.close()


@pytest.mark.parametrize(("method", "path"), sorted(set(ADMIN_ROUTES)))
def test_without_a_token_admin_is_disabled_everywhere(
    tokenless: TestClient, method: str, path: str
) -> None:
    response = tokenless.request(method, path, data={"token": ""} if method == "POST" else None)
    assert response.status_code == 403
    if method == "GET":
        assert "Admin is disabled" in response.text
        assert "EXPORTWATCH_ADMIN_TOKEN" in response.text


def test_an_empty_token_never_logs_in(tokenless: TestClient, settings: Settings) -> None:
    tokenless.get("/healthz")
    secret = tokenless.cookies[COOKIE_NAME].encode()
    key = settings.signing_key.encode()
    token = hmac.new(key, b"csrf:" + secret, hashlib.sha256).hexdigest()
    response = tokenless.post("/admin/login", data={"token": "", "csrf_token": token})
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
