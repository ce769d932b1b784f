"""The subscription flow in a real browser: subscribe, the email's link, manage, unsubscribe."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest
from playwright.sync_api import Page, expect

from exportwatch.model import Frequency
from exportwatch.web.subscription_pages import router
from tests.browser.conftest import LiveServer
from tests.browser.test_accessibility import AXE_SCRIPT, FAILING_IMPACTS, describe, run_axe


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    """The live server with the subscription pages (until app.py registers their router)."""
    if not any(getattr(route, "path", "") == "/subscribe" for route in live_server.app.routes):
        live_server.app.include_router(router)
    return live_server


def confirm_link(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    found = re.search(r"https?://\S+/subscriptions/confirm\?token=\S+", body.get_content())
    assert found, body.get_content()
    return found.group(0)


def assert_accessible(page: Page) -> None:
    serious = [v for v in run_axe(page) if v["impact"] in FAILING_IMPACTS]
    assert not serious, describe(serious)


def test_subscribe_confirm_change_and_unsubscribe(server: LiveServer, page: Page) -> None:
    page.add_init_script(path=AXE_SCRIPT)
    page.goto(f"{server.url}/subscribe?sector=food.dairy")
    page.get_by_label("Email address (required)").fill("anna@molkerei.example")
    page.get_by_label("Your name", exact=True).fill("Anna Schmidt")
    expect(page.get_by_role("button", name="Remove Dairy")).to_be_visible()  # prefilled chip
    page.get_by_label("Filter markets").fill("germ")
    expect(page.get_by_role("checkbox", name="France", exact=True)).to_be_hidden()
    page.get_by_role("checkbox", name="Germany", exact=True).check()
    expect(page.get_by_role("button", name="Remove Germany")).to_be_visible()
    page.get_by_role("radio", name="Weekly digest").check()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    [mail] = server.smtp.wait_for(1)
    page.goto(confirm_link(mail.message))
    expect(page.get_by_role("heading", name="Confirm your subscription")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm subscription").click()
    expect(page.get_by_role("heading", name="Subscription confirmed")).to_be_visible()
    expect(page.locator("dl.summary")).to_contain_text("Dairy")
    expect(page.locator("dl.summary")).to_contain_text("Germany")

    page.get_by_role("link", name="Change or add subscriptions").click()
    assert_accessible(page)
    page.get_by_role("link", name="Change subscription 1").click()
    assert_accessible(page)
    page.get_by_role("button", name="Remove Dairy").click()
    page.get_by_label("Filter sectors").fill("meat")
    page.get_by_role("checkbox", name="Meat & poultry", exact=True).check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Your subscription was changed.")
    expect(page.locator("dl.summary")).to_contain_text("Meat & poultry")
    subscriber = server.services.store.get_subscriber("anna@molkerei.example")
    assert subscriber is not None and subscriber.id is not None
    [stored] = server.services.store.subscriptions_of(subscriber.id)
    assert (stored.sectors, stored.markets) == (["food.meat"], ["DE"])
    assert stored.frequency is Frequency.WEEKLY

    page.get_by_role("button", name="Unsubscribe from all alerts").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    subscriber = server.services.store.get_subscriber("anna@molkerei.example")
    assert subscriber is not None and subscriber.unsubscribed_at is not None


def test_the_form_is_accessible_and_fits_a_phone_also_with_errors(
    server: LiveServer, phone_page: Page, console_errors: list[str]
) -> None:
    phone_page.add_init_script(path=AXE_SCRIPT)
    phone_page.goto(f"{server.url}/subscribe?sector=food.dairy&market=EU")
    assert_accessible(phone_page)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360

    phone_page.get_by_label("Email address (required)").fill("anna@")
    phone_page.get_by_role("button", name="Subscribe").click()
    expect(phone_page.locator("#error-summary")).to_be_focused()
    expect(phone_page.get_by_label("Email address (required)")).to_have_value("anna@")
    assert_accessible(phone_page)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert [error for error in console_errors if "422" not in error] == []
    console_errors.clear()  # the re-shown form is a 422 on purpose
