"""`/readyz`: ready only when both the store and the search index answer."""

from __future__ import annotations

from fastapi.testclient import TestClient

from exportwatch.services import Services
from exportwatch.web import create_app


def test_ready_when_store_and_index_answer(services: Services) -> None:
    with TestClient(create_app(services)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"store": "ok", "index": "ok"}}


def test_not_ready_when_the_index_is_down(unreachable_index: Services) -> None:
    with TestClient(create_app(unreachable_index)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["store"] == "ok"
    assert body["checks"]["index"].startswith("error: IndexUnavailableError: ")


def test_not_ready_when_the_store_is_gone(services: Services) -> None:
    services.store.close()
    for path in services.settings.data_dir.glob("exportwatch.db*"):
        path.unlink()
    with TestClient(create_app(services)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["store"].startswith("error: ")
    assert response.json()["checks"]["index"] == "ok"
