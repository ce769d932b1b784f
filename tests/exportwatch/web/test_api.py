"""The JSON API: search as the CLI prints it, documents, sources' freshness, subscriptions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from exportwatch.alerts.delivery import list_outbox
from exportwatch.cli import app as cli
from exportwatch.model import Document, Kind, RunStatus
from exportwatch.search import Query
from exportwatch.search.sync import sync_outbox
from exportwatch.services import Services
from exportwatch.store import RunCounts
from exportwatch.web import create_app
from exportwatch.web.api import DocumentResponse, SearchResponse, make_query
from tests.search.conftest import CORPUS

ROOT = Path(__file__).resolve().parents[3]


def build_app(services: Services) -> FastAPI:
    """The service's app, API router and error handlers included."""
    return create_app(services)


@pytest.fixture
def filled(services: Services) -> Services:
    """Store and index holding the 24-document search corpus."""
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    services.store.save_documents(Document.from_json(json.loads(line)) for line in lines)
    sync_outbox(services.store, services.index)
    return services


@pytest.fixture
def client(filled: Services) -> Iterator[TestClient]:
    with TestClient(build_app(filled)) as test_client:
        yield test_client


# --- /api/search ----------------------------------------------------------------------------


def test_search_filters_and_answers_the_results_shape(client: TestClient) -> None:
    response = client.get("/api/search", params={"market": "GCC", "size": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2 and body["pages"] == 2 and len(body["hits"]) == 1
    assert body["hits"][0]["document"]["id"] in {"e-gitex", "r-gcc-cosmetics"}
    assert {"kind", "sector", "country", "source", "language", "month"} <= set(body["facets"])
    SearchResponse.model_validate(body)  # the documented model matches what is sent


def test_search_highlights_text_matches(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "dairy", "kind": "regulation"}).json()
    assert [hit["document"]["id"] for hit in body["hits"]] == ["r-tbt-eu-dairy"]
    assert "<mark>" in body["hits"][0]["highlights"]["title"]


def test_search_repeatable_filters_and_dates(client: TestClient) -> None:
    params = {"kind": ["event", "finance"], "source": ["auma", "ukef"], "sort": "soonest"}
    body = client.get("/api/search", params=params).json()
    ids = {hit["document"]["id"] for hit in body["hits"]}
    assert ids == {"e-anuga", "e-biofach", "e-hannover", "e-medica", "f-ukef"}
    dated = client.get("/api/search", params={**params, "from": "2027-01-01"}).json()
    assert 0 < dated["total"] < body["total"]


@pytest.mark.parametrize(
    ("query", "arguments"),
    [
        ({"market": "GCC"}, ["--market", "GCC"]),
        (
            {"q": "dairy", "sector": "food", "lang": "en", "sort": "date", "size": "2"},
            ["dairy", "--sector", "food", "--lang", "en", "--sort", "date", "--size", "2"],
        ),
        (
            {"kind": ["event", "regulation"], "from": "2026-01-01", "to": "2027-12-31"},
            ["--kind=event", "--kind=regulation", "--from=2026-01-01", "--to=2027-12-31"],
        ),
    ],
)
def test_search_equals_the_cli_json(
    client: TestClient,
    filled: Services,
    monkeypatch: pytest.MonkeyPatch,
    query: dict[str, object],
    arguments: list[str],
) -> None:
    monkeypatch.setenv("EXPORTWATCH_DATA_DIR", str(filled.settings.data_dir))
    monkeypatch.setenv("EXPORTWATCH_CONFIG_DIR", str(ROOT / "config"))
    printed = CliRunner().invoke(cli, ["search", *arguments, "--json"])
    assert printed.exit_code == 0, printed.output
    served = client.get("/api/search", params=query)  # type: ignore[arg-type]
    assert served.status_code == 200
    assert served.json() == json.loads(printed.output)
    assert served.json()["total"] > 0


def test_make_query_turns_cli_datetimes_into_days() -> None:
    query = make_query("x", kinds=[Kind.EVENT], date_from=datetime(2027, 3, 1, tzinfo=UTC))
    assert query == Query(text="x", kinds=(Kind.EVENT,), date_from=datetime(2027, 3, 1).date())
    assert make_query() == Query()


def test_page_past_the_end_is_empty_not_an_error(client: TestClient) -> None:
    response = client.get("/api/search", params={"page": 50, "size": 10})
    assert response.status_code == 200
    assert response.json()["hits"] == []
    assert response.json()["total"] == 24


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sector": "no-such-sector"}, "sector"),
        ({"market": "XX"}, "market"),
        ({"page": 0}, "page"),
        ({"size": 1000}, "size"),
        ({"from": "2027-02-01", "to": "2027-01-01"}, "from"),
        ({"from": "next tuesday"}, "from"),
        ({"kind": "rumour"}, "kind"),
        ({"sort": "random"}, "sort"),
        ({"page": "two"}, "page"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(
    client: TestClient, params: dict[str, object], field: str
) -> None:
    response = client.get("/api/search", params=params)  # type: ignore[arg-type]
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field
    assert body["message"].startswith(f"{field}: ")
    assert body["errors"][0]["field"] == field


def test_index_down_is_503_with_a_message(unreachable_index: Services) -> None:
    with TestClient(build_app(unreachable_index)) as down:
        response = down.get("/api/search", params={"q": "fair"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert response.json()["message"].startswith("search is unavailable, try again later: ")
    assert "Connection refused" in response.json()["message"]
    assert response.json()["field"] is None


# --- /api/documents/{id} --------------------------------------------------------------------


def test_document_is_the_stored_json(client: TestClient, filled: Services) -> None:
    response = client.get("/api/documents/e-anuga")
    assert response.status_code == 200
    stored = filled.store.get_document("e-anuga")
    assert stored is not None
    assert response.json() == stored.to_json()
    DocumentResponse.model_validate(response.json())


def test_ids_with_slashes_are_found(client: TestClient, filled: Services) -> None:
    document = filled.store.get_document("e-anuga")
    assert document is not None
    filled.store.save_documents([replace(document, id="een/2027/anuga")])
    response = client.get("/api/documents/een/2027/anuga")
    assert (response.status_code, response.json()["id"]) == (200, "een/2027/anuga")


def test_unknown_document_is_404(client: TestClient) -> None:
    response = client.get("/api/documents/no-such-id")
    assert response.status_code == 404
    assert response.json()["message"] == "no document 'no-such-id'"


# --- /api/sources ---------------------------------------------------------------------------


def test_sources_report_health_and_freshness(client: TestClient, filled: Services) -> None:
    store = filled.store
    first_seen = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    document = Document(
        id="dbt-1", kind=Kind.EVENT, title="Fair", url="u", source_id="dbt-trade-shows"
    )
    store.save_documents([document], now=first_seen)
    ok = store.start_run("dbt-trade-shows", now=datetime(2026, 11, 21, 6, 0, tzinfo=UTC))
    store.finish_run(
        ok,
        RunStatus.SUCCESS,
        counts=RunCounts(seen=1),
        now=datetime(2026, 11, 21, 6, 1, tzinfo=UTC),
    )
    failed = store.start_run("dbt-trade-shows", now=datetime(2026, 11, 22, 6, 0, tzinfo=UTC))
    store.finish_run(
        failed,
        RunStatus.FAILED,
        first_error="HTTP 503",
        now=datetime(2026, 11, 22, 6, 1, tzinfo=UTC),
    )

    response = client.get("/api/sources")
    assert response.status_code == 200
    listed = {source["id"]: source for source in response.json()}
    assert len(listed) == len(list((ROOT / "config" / "sources").glob("*.yaml")))
    dbt = listed["dbt-trade-shows"]
    assert dbt["kind"] == "event" and dbt["type"] == "feed" and dbt["enabled"] is True
    assert dbt["publisher"]["name"]
    assert dbt["schedule"].startswith(("every ", "cron "))
    assert dbt["health"]["status"] == "failed"
    assert dbt["health"]["consecutive_failures"] == 1
    assert dbt["health"]["last_run_at"] == "2026-11-22T06:00:00Z"
    assert dbt["freshness"] == {
        "last_success_at": "2026-11-21T06:01:00Z",
        "last_import_at": "2026-11-20T08:00:00Z",
        "documents": 1,
    }
    never = listed["een-events"]
    assert never["health"]["status"] is None and never["health"]["last_run_at"] is None
    assert never["freshness"] == {"last_success_at": None, "last_import_at": None, "documents": 0}


def test_store_counts_documents_by_source(filled: Services) -> None:
    counts = filled.store.count_documents_by_source()
    assert counts["auma"] == 4 and counts["wto-eping"] == 2
    assert sum(counts.values()) == filled.store.count_documents() == 24


# --- /api/subscriptions ---------------------------------------------------------------------


def test_subscribing_sends_exactly_one_confirmation(client: TestClient, filled: Services) -> None:
    response = client.post(
        "/api/subscriptions",
        json={"email": "Anna@Example.org", "sectors": ["Produits laitiers"], "markets": ["DE"]},
    )
    assert response.status_code == 202
    assert response.json() == {"status": "confirmation_sent"}
    outbox = list_outbox(filled.settings.outbox_dir)
    assert len(outbox) == 1
    assert outbox[0].to == "anna@example.org"
    subscriber = filled.store.get_subscriber("anna@example.org")
    assert subscriber is not None and subscriber.confirmed_at is None
    assert subscriber.id is not None
    assert filled.store.subscriptions_of(subscriber.id)[0].sectors == ["food.dairy"]


def test_subscribing_twice_is_409(client: TestClient, filled: Services) -> None:
    assert client.post("/api/subscriptions", json={"email": "a@example.org"}).status_code == 202
    again = client.post("/api/subscriptions", json={"email": "A@example.org"})
    assert again.status_code == 409
    assert again.json()["field"] == "email"
    assert "already exists" in again.json()["message"]
    assert len(list_outbox(filled.settings.outbox_dir)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"email": "a@example.org", "sectors": ["no such sector"]}, "sectors"),
        ({"email": "a@example.org", "daily_hour": 25}, "daily_hour"),
        ({"email": "a@example.org", "colour": "blue"}, "colour"),
        ({"name": "no email"}, "email"),
    ],
)
def test_bad_subscriptions_are_422_naming_the_field(
    client: TestClient, filled: Services, body: dict[str, object], field: str
) -> None:
    response = client.post("/api/subscriptions", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response.json()["message"]
    assert list_outbox(filled.settings.outbox_dir) == []


# --- OpenAPI --------------------------------------------------------------------------------


def test_openapi_lists_every_route_with_models(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path, method in [
        ("/api/search", "get"),
        ("/api/documents/{document_id}", "get"),
        ("/api/sources", "get"),
        ("/api/subscriptions", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
    ]:
        assert method in paths[path], path
    for path in ("/api/search", "/api/documents/{document_id}", "/api/sources"):
        operation = paths[path]["get"]
        assert operation["summary"]
        assert "$ref" in json.dumps(operation["responses"]["200"])
    assert {"SearchResponse", "DocumentResponse", "SourceResponse", "ErrorResponse"} <= set(
        schema["components"]["schemas"]
    )
    search_params = {param["name"] for param in paths["/api/search"]["get"]["parameters"]}
    assert search_params == {
        "q", "kind", "sector", "market", "from", "to", "lang", "source", "upcoming", "sort",
        "page", "size",
    }  # fmt: skip
    assert client.get("/docs").status_code == 200
