"""`preview_source`: fetch and normalize without storing; report empty fields and trouble."""

from __future__ import annotations

import pytest

from exportwatch import previewing
from exportwatch.crawlers import definition_from_yaml
from exportwatch.crawlers.definitions import SourceDefinition
from exportwatch.model import RunStatus
from exportwatch.previewing import PREVIEW_FIELDS, preview_source
from exportwatch.services import Services
from tests.mockserver import FixtureServer


def feed(services: Services, url: str) -> SourceDefinition:
    text = f"id: fairs\nname: Fairs\nkind: event\ntype: feed\nurl: {url}\n"
    return definition_from_yaml(text, services.taxonomy)


def test_items_are_normalized_limited_and_not_stored(
    services: Services, fixture_server: FixtureServer
) -> None:
    definition = feed(services, fixture_server.url("feeds/rss20-ttl.rss"))
    shown = preview_source(definition, services.settings, services.taxonomy, limit=2)
    assert shown.status is RunStatus.SUCCESS and shown.error is None
    assert len(shown.items) == 2
    first = shown.items[0]
    assert first.document.source_id == "fairs" and "Anuga" in first.document.title
    assert set(first.empty) <= set(PREVIEW_FIELDS)
    assert "starts_on" not in first.empty  # the feed gives event dates
    assert shown.http_statuses == {"200": 1}
    assert services.store.count_documents() == 0
    assert services.store.get_source_state("fairs") is None


def test_the_ssrf_guard_applies(services: Services, fixture_server: FixtureServer) -> None:
    guarded = services.settings.model_copy(update={"allow_private_networks": False})
    definition = feed(services, fixture_server.url("feeds/rss20-ttl.rss"))
    shown = preview_source(definition, guarded, services.taxonomy)
    assert shown.status is RunStatus.FAILED and shown.items == []
    assert shown.error is not None and "loopback" in shown.error
    assert fixture_server.requests == []


def test_a_missing_feed_is_a_failed_preview(
    services: Services, fixture_server: FixtureServer
) -> None:
    definition = feed(services, fixture_server.url("feeds/does-not-exist.rss"))
    shown = preview_source(definition, services.settings, services.taxonomy)
    assert shown.status is RunStatus.FAILED
    assert shown.error and "404" in shown.error


def test_a_crash_is_reported_not_raised(
    services: Services, fixture_server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(previewing, "collect", broken)
    definition = feed(services, fixture_server.url("feeds/rss20-ttl.rss"))
    shown = preview_source(definition, services.settings, services.taxonomy)
    assert shown.status is RunStatus.FAILED
    assert shown.error == "internal error: RuntimeError: boom"
