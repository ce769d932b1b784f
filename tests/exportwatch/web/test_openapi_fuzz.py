"""Schemathesis over /openapi.json: no operation answers 5xx, and answers match the schema.

The app runs in-process (ASGI) on the `services` fixture with a few documents stored, so
document, search and feed operations reach real data. The subscription rate limit is raised
out of the way; confirmation emails go to the outbox folder of the temp data dir. Each
operation gets positive and negative examples (values outside the schema must give 4xx).
schemathesis's pytest loader (`from_fixture`) does not run on pytest 9, so the operations
are walked here with the strategies schemathesis builds.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis import checks as registered

from exportwatch.model import Document
from exportwatch.search.sync import sync_outbox
from exportwatch.services import Services
from exportwatch.web import create_app
from exportwatch.web.ratelimit import RateLimit
from exportwatch.web.subscription_guards import SUBSCRIBE_ACTION
from tests.search.conftest import CORPUS

MAX_EXAMPLES = 25  # per operation and generation mode
#: Operations whose answers are not JSON described in the schema: only the 5xx check applies.
NOT_JSON = ("/feeds/", "/export/", ".ics", "/healthz", "/readyz")
#: Operations with parameters or a body that can be made invalid (negative examples).
WITH_INPUT = {
    "GET /api/search",
    "POST /api/subscriptions",
    "GET /feeds/search.atom",
    "GET /feeds/events.ics",
    "GET /export/search.csv",
}
OPERATIONS = WITH_INPUT | {"GET /api/documents/{document_id}", "GET /api/sources"}


@pytest.fixture
def api_schema(services: Services) -> Any:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[:6]
    services.store.save_documents(Document.from_json(json.loads(line)) for line in lines)
    sync_outbox(services.store, services.index)
    app = create_app(services)
    app.state.rate_limits[SUBSCRIBE_ACTION] = RateLimit(limit=1_000_000, window=1)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def fuzz(operation: Any, mode: GenerationMode) -> int:
    """Run the examples of one operation; returns how many ran."""
    checks = [registered.not_a_server_error]
    if not any(part in operation.path for part in NOT_JSON):
        checks.append(registered.response_schema_conformance)
    ran = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def examples(case: Any) -> None:
        nonlocal ran
        ran += 1
        if mode is GenerationMode.NEGATIVE:
            response = case.call()
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: 5xx"
        else:
            case.call_and_validate(checks=checks)

    try:
        examples()
    except Unsatisfiable:  # nothing can be made invalid (no parameters, no body)
        assert mode is GenerationMode.NEGATIVE
    return ran


def test_every_operation_survives_generated_requests(api_schema: Any) -> None:
    started = time.perf_counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    labels = {operation.label for operation in operations}
    assert labels >= OPERATIONS
    ran = {
        f"{operation.label} {mode.value}": fuzz(operation, mode)
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    }
    elapsed = time.perf_counter() - started
    print(f"schemathesis: {sum(ran.values())} examples, {len(labels)} operations, {elapsed:.1f} s")
    assert all(count > 0 for label, count in ran.items() if label.endswith("positive"))
    assert all(ran[f"{label} negative"] > 0 for label in WITH_INPUT)
