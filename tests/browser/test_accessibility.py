"""Accessibility in a real browser: axe-core's WCAG 2 A/AA rules and keyboard-only search.

axe-core is vendored in tests/fixtures/browser/axe.min.js (MPL-2.0, see the LICENSE beside it),
so the check runs offline. Only "serious" and "critical" violations fail a test. Other browser
tests check the pages of their flows with `AXE_SCRIPT`, `run_axe`, `FAILING_IMPACTS`, `describe`.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import FIXTURES, LiveServer

AXE_SCRIPT = FIXTURES / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}
# Every kind of page of the public UI (document pages of each kind: their fields differ).
PAGES = [
    "/",
    "/?q=food",
    "/documents/ev-anuga-2027",
    "/documents/fi-bpi-caution-export",
    "/documents/rg-eu-deforestation",
    "/subscribe",
    "/admin/login",
]
MAX_TABS = 30


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2 A/AA violations on the loaded page (axe must have been injected)."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results: dict[str, Any] = page.evaluate(
        "async (options) => await axe.run(document, options)", options
    )
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """One block per violated rule: impact, rule, what to fix, and where."""
    blocks = []
    for violation in violations:
        lines = [f"[{violation['impact']}] {violation['id']}: {violation['help']}"]
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"  at {target}: {node['html'][:200]}")
            summary = node.get("failureSummary") or ""
            lines.extend(f"      {line.strip()}" for line in summary.splitlines() if line.strip())
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_serious_accessibility_violations(
    seeded_server: LiveServer, page: Page, path: str
) -> None:
    page.add_init_script(path=AXE_SCRIPT)
    response = page.goto(seeded_server.url + path)
    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    violations = [v for v in run_axe(page) if v["impact"] in FAILING_IMPACTS]
    assert not violations, f"axe-core found on {path}:\n{describe(violations)}"


def test_axe_reports_a_serious_violation_on_a_broken_page(page: Page) -> None:
    """The check itself works: an unlabelled input and low-contrast text are caught."""
    broken = (
        '<!doctype html><html lang="en"><title>t</title><main><input type="text">'
        '<p style="color:#aaa;background:#fff">faint</p></main></html>'
    )
    page.route(
        "http://broken.test/", lambda route: route.fulfill(body=broken, content_type="text/html")
    )
    page.add_init_script(path=AXE_SCRIPT)
    page.goto("http://broken.test/")
    found = {v["id"] for v in run_axe(page) if v["impact"] in FAILING_IMPACTS}
    assert {"label", "color-contrast"} <= found


def _focused(page: Page) -> dict[str, str]:
    described: dict[str, str] = page.evaluate(
        """() => {
            const e = document.activeElement;
            return {tag: e.tagName.toLowerCase(), name: e.getAttribute('name') || '',
                    type: e.getAttribute('type') || '', cls: e.getAttribute('class') || '',
                    href: e.getAttribute('href') || '', text: e.textContent.trim()};
        }"""
    )
    return described


def _tab_to(page: Page, target: Locator, seen: list[dict[str, str]]) -> None:
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        seen.append(_focused(page))
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{MAX_TABS} presses of Tab never reached {target}; focus went through {seen}")


def test_keyboard_alone_reaches_the_skip_link_and_submits_a_search(
    seeded_server: LiveServer, page: Page
) -> None:
    page.goto(seeded_server.url + "/")
    seen: list[dict[str, str]] = []
    page.keyboard.press("Tab")
    seen.append(_focused(page))
    assert seen[0]["href"] == "#main", f"the first Tab stop is {seen[0]}, not the skip link"
    skip_link = page.locator("a[href='#main']").first
    expect(skip_link).to_be_in_viewport()  # shown when focused, even if hidden otherwise

    search_form = page.locator("form:has(input[name='q'])").first
    _tab_to(page, search_form.locator("input[name='q']"), seen)
    page.keyboard.type("dairy")
    _tab_to(page, search_form.locator("button[type='submit'], input[type='submit']").first, seen)
    page.keyboard.press("Enter")
    page.wait_for_url("**/?*q=dairy*")
    expect(page.locator("main")).to_contain_text("Anuga 2027")


def test_the_skip_link_moves_keyboard_focus_to_the_main_content(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
