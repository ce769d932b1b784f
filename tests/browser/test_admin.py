"""The admin area in a real browser: log in, add a source with its preview, see it listed."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from starlette.routing import NoMatchFound

from exportwatch.web.admin import router
from tests.browser.conftest import LiveServer
from tests.browser.test_accessibility import AXE_SCRIPT, FAILING_IMPACTS, describe, run_axe
from tests.mockserver import FixtureServer


@pytest.fixture
def server(live_server: LiveServer, tmp_path: Path) -> LiveServer:
    """The live server with the admin pages and a sources dir of the test's own."""
    try:
        live_server.app.url_path_for("sources_page")
    except NoMatchFound:
        live_server.app.include_router(router)  # until app.py registers the admin router
    folder = tmp_path / "sources"
    folder.mkdir()
    services = live_server.services
    services.settings = services.settings.model_copy(update={"sources_dir": folder})
    return live_server


def assert_accessible(page: Page) -> None:
    serious = [v for v in run_axe(page) if v["impact"] in FAILING_IMPACTS]
    assert not serious, describe(serious)


def test_log_in_add_a_source_with_preview_and_see_it_listed(
    server: LiveServer, page: Page, fixture_server: FixtureServer, console_errors: list[str]
) -> None:
    page.add_init_script(path=AXE_SCRIPT)
    page.goto(f"{server.url}/admin/sources/new")
    expect(page.get_by_role("heading", name="Admin login")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Admin token").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("That token is not right.")
    page.get_by_label("Admin token").fill(server.admin_token)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Add a source")).to_be_visible()  # back to next
    definition = (
        "id: browser-fairs\nname: Browser fair calendar\nkind: event\ntype: feed\n"
        f"url: {fixture_server.url('feeds/rss20-ttl.rss')}\n"
    )
    editor = page.get_by_label("Definition (YAML)")
    editor.fill("id: browser-fairs\nshedule: every 6h\n")
    page.get_by_role("button", name="Validate & preview").click()
    expect(page.locator("#definition-error")).to_contain_text("Line")
    expect(page.get_by_role("button", name="Save")).to_have_count(0)

    page.get_by_label("Definition (YAML)").fill(definition)
    page.set_default_timeout(60_000)  # the first preview of a process loads the NLP models
    page.get_by_role("button", name="Validate & preview").click()
    page.set_default_timeout(10_000)
    expect(page.get_by_role("heading", name="Preview: 3 item(s), nothing stored")).to_be_visible()
    expect(page.locator(".preview table")).to_contain_text("Anuga 2025")
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("The definition of browser-fairs is saved.")
    expect(page.get_by_role("table")).to_contain_text("Browser fair calendar")
    assert_accessible(page)
    saved = server.services.settings.sources_dir / "browser-fairs.yaml"
    assert saved.read_text(encoding="utf-8") == definition

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Admin login")).to_be_visible()
    page.goto(f"{server.url}/admin")
    expect(page.get_by_role("heading", name="Admin login")).to_be_visible()
    # The wrong token (403) and the bad definition (422) may be logged as failed loads.
    expected = ("status of 403", "status of 422")
    console_errors[:] = [e for e in console_errors if not any(c in e for c in expected)]


def test_the_sources_page_fits_a_phone(
    server: LiveServer, phone_page: Page, fixture_server: FixtureServer
) -> None:
    folder = server.services.settings.sources_dir
    (folder / "fairs.yaml").write_text(
        "id: fairs\nname: A fair calendar with a rather long name for a small screen\n"
        f"kind: event\ntype: feed\nurl: {fixture_server.url('feeds/rss20-ttl.rss')}\n"
    )
    phone_page.goto(f"{server.url}/admin")
    phone_page.get_by_label("Admin token").fill(server.admin_token)
    phone_page.get_by_role("button", name="Log in").click()
    expect(phone_page.get_by_role("heading", name="Sources")).to_be_visible()
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0  # the table scrolls inside its region, not the page
    expect(phone_page.get_by_role("button", name="Run now fairs")).to_be_visible()
