"""The body size cap: declared or streamed, an oversized body is a 413 before it is parsed."""

from __future__ import annotations

import time
from collections.abc import Iterator

from fastapi.testclient import TestClient

from exportwatch.services import Services
from exportwatch.web import create_app
from exportwatch.web.body_limit import BodySizeLimitMiddleware

SUBSCRIPTION = b'{"email": "anna@exportwatch-test.org", "name": "'


def client(services: Services, max_bytes: int = 64 * 1024) -> TestClient:
    app = create_app(services)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_bytes)  # app.py will add it
    return TestClient(app)


def test_a_declared_oversized_body_is_refused_unread(services: Services) -> None:
    body = SUBSCRIPTION + b"x" * 50_000_000 + b'"}'
    with client(services) as test_client:
        started = time.perf_counter()
        response = test_client.post(
            "/api/subscriptions", content=body, headers={"Content-Type": "application/json"}
        )
        elapsed = time.perf_counter() - started
    assert response.status_code == 413
    assert response.json() == {"message": "the request body is too large (at most 64 KB)"}
    assert elapsed < 2


def test_a_streamed_oversized_body_is_cut_off(services: Services) -> None:
    """No Content-Length (chunked): the body is counted as the app reads it."""

    def chunks() -> Iterator[bytes]:
        yield SUBSCRIPTION
        for _ in range(100):
            yield b"x" * 65536

    with client(services) as test_client:
        response = test_client.post(
            "/api/subscriptions", content=chunks(), headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 413
    assert response.json()["message"].startswith("the request body is too large")


def test_a_small_body_passes(services: Services) -> None:
    with client(services) as test_client:
        response = test_client.post("/api/subscriptions", json={"email": "not an address"})
    assert response.status_code == 422
