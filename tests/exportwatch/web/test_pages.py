"""The web app serves the search page and health checks over the opened services."""

from __future__ import annotations

from fastapi.testclient import TestClient

from exportwatch.model import Document, Kind
from exportwatch.services import Services
from exportwatch.web import create_app


def test_healthz_reports_store_scheduler_and_index(services: Services) -> None:
    with TestClient(create_app(services)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"store": "ok", "scheduler": "stopped", "index": "embedded"},
    }


def test_healthz_is_degraded_when_the_store_is_gone(services: Services) -> None:
    services.store.close()
    for path in services.settings.data_dir.glob("exportwatch.db*"):
        path.unlink()
    with TestClient(create_app(services)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["store"].startswith("error: ")


def test_search_page_shows_the_form_and_document_count(services: Services) -> None:
    services.store.save_documents(
        [
            Document(id=f"d{n}", kind=Kind.EVENT, title="Fair", url="u", source_id="s")
            for n in range(3)
        ]
    )
    with TestClient(create_app(services)) as client:
        page = client.get("/", params={"q": '<script>alert("x")</script>'})
    assert page.status_code == 200
    assert '<label for="q">' in page.text
    assert "3 documents collected." in page.text
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text
