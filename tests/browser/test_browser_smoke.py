"""The search page in a real browser: it fits a phone screen and finds seeded documents."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from exportwatch.model import Document
from tests.browser.conftest import LiveServer


def test_the_search_page_fits_a_phone_screen_without_sideways_scrolling(
    seeded_server: LiveServer, phone_page: Page
) -> None:
    phone_page.goto(f"{seeded_server.url}/?q=food")
    expect(phone_page.get_by_role("searchbox").first).to_be_visible()
    widths = phone_page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[1] == 360
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide on a 360 px screen"


def test_searching_a_seeded_word_shows_the_matching_titles(
    seeded_server: LiveServer, page: Page, browser_documents: dict[str, Document]
) -> None:
    page.goto(f"{seeded_server.url}/")
    box = page.locator("form input[name='q']")
    expect(box).to_have_accessible_name(page.locator("label[for='q']").inner_text())
    box.fill("dairy")
    box.press("Enter")
    page.wait_for_url("**/?*q=dairy*")
    main = page.locator("main")
    for expected in ("ev-anuga-2027", "ev-gulfood-2028"):
        expect(main).to_contain_text(browser_documents[expected].title)
    assert browser_documents["fi-exim-express-insurance"].title not in main.inner_text()
