"""The search page in a real browser: a filter from the form, then a facet click, then a hit."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from exportwatch.model import Document
from exportwatch.web.document_page import router
from tests.browser.conftest import LiveServer
from tests.browser.test_accessibility import AXE_SCRIPT, FAILING_IMPACTS, describe, run_axe

ROUTE = "/documents/{document_id:path}"


def _with_document_page(server: LiveServer) -> LiveServer:
    if not any(getattr(route, "path", "") == ROUTE for route in server.app.routes):
        server.app.include_router(router)  # until app.py registers the router
    return server


def test_a_filter_then_a_facet_click_narrow_the_results(
    seeded_server: LiveServer, page: Page, browser_documents: dict[str, Document]
) -> None:
    server = _with_document_page(seeded_server)
    page.goto(f"{server.url}/")
    expect(page.locator("details#filters")).to_have_attribute("open", "")  # opened on desktop
    page.get_by_label("Market (country or region)").select_option("FR")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/?*market=FR*")
    results = page.locator(".hits")
    expect(results).to_contain_text(browser_documents["ev-sial-2028"].title)
    expect(results).to_contain_text(browser_documents["ev-vivatech-2027"].title)
    expect(results).not_to_contain_text(browser_documents["ev-anuga-2027"].title)

    page.get_by_role("navigation", name="Refine results").get_by_role("link", name="Dairy").click()
    page.wait_for_url("**sector=food.dairy*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["market"] == ["FR"] and query["sector"] == ["food.dairy"]
    expect(page.locator(".hits > li")).to_have_count(1)
    expect(page.get_by_role("link", name="Remove filter: Dairy").first).to_be_visible()

    page.get_by_role("link", name=browser_documents["ev-sial-2028"].title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        browser_documents["ev-sial-2028"].title
    )
    expect(page.locator(".document-meta")).to_contain_text("France")


def test_filters_stay_folded_on_a_phone_until_opened(
    seeded_server: LiveServer, phone_page: Page
) -> None:
    phone_page.goto(f"{seeded_server.url}/?q=food")
    filters = phone_page.locator("details#filters")
    expect(filters).not_to_have_attribute("open", "")
    expect(phone_page.locator("select#sector")).to_be_hidden()
    filters.locator("summary").click()
    expect(phone_page.locator("select#sector")).to_be_visible()


def test_a_form_error_page_is_accessible_and_points_at_the_field(
    seeded_server: LiveServer, page: Page
) -> None:
    page.add_init_script(path=AXE_SCRIPT)
    response = page.goto(f"{seeded_server.url}/?q=food&from=2027-13-40")
    assert response is not None and response.status == 422
    date_input = page.locator("input#from")
    expect(date_input).to_have_attribute("aria-invalid", "true")
    expect(date_input).to_have_accessible_description(re.compile("is not a date"))
    page.get_by_role("alert").get_by_role("link").click()
    assert page.url.endswith("#from")
    violations = [v for v in run_axe(page) if v["impact"] in FAILING_IMPACTS]
    assert not violations, describe(violations)
