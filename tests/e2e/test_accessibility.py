"""The agent's pages are usable by everyone: no serious axe-core finding, in both languages, at desk and phone width.

axe-core (the engine behind Lighthouse's accessibility audit) ships inside
axe-playwright-python; it checks labels, names, contrast, landmarks and ARIA
use against WCAG 2.1 A and AA on each rendered page.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from frontdesk.demo import DEMO_ADMIN_EMAIL
from tests.e2e.accessibility import serious_violations
from tests.e2e.browsing import choose_language, serve_demo, sign_in_to_demo
from tests.running import product_env

# Markup and focus are the same whichever database serves the pages: checked in the SQLite pass only.
pytestmark = [pytest.mark.browser, pytest.mark.one_pass]

DESK = ViewportSize(width=1280, height=720)
PHONE = ViewportSize(width=390, height=844)


@pytest.fixture(scope="module")
def running_product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with product_env(tmp_path_factory.mktemp("a11y"), migrated=True) as env:
        yield from serve_demo(env)


def agent_pages(page: Page, base: str) -> list[str]:
    """The pages an agent works in all day, with a real conversation of the demo."""
    page.goto(f"{base}/inbox/")
    conversation = page.locator("[data-testid=conversation-list] a[href*='/inbox/conversations/']").first
    conversation_url = base + str(conversation.get_attribute("href"))
    return [
        f"{base}/inbox/",
        f"{base}/inbox/?view=unassigned",
        conversation_url,
        f"{base}/inbox/search/?q=flight",
        f"{base}/notifications/",
        f"{base}/settings/profile/",
        f"{base}/settings/workspace/",
        f"{base}/settings/members/",
        f"{base}/settings/teams/",
        f"{base}/settings/labels/",
        f"{base}/settings/canned-responses/",
    ]


@pytest.mark.parametrize("language", ["en", "zh-hant"])
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_agent_pages_have_no_serious_accessibility_problems(
    browser: Browser, running_product: str, language: str, viewport: ViewportSize
) -> None:
    base = running_product
    # axe is injected by the test; the product's CSP rightly forbids that script.
    page = browser.new_context(viewport=viewport, bypass_csp=True).new_page()
    sign_in_to_demo(page, base, DEMO_ADMIN_EMAIL)
    choose_language(page, base, language)
    problems: dict[str, list[str]] = {}
    overflowing: list[str] = []
    for url in agent_pages(page, base):
        response = page.goto(url)
        assert response is not None and response.ok, f"{url} answered {response and response.status}"
        page.wait_for_load_state("networkidle")
        if found := serious_violations(page):
            problems[url] = found
        # Usable at this width: nothing pushes the page sideways.
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
            overflowing.append(url)
    assert problems == {}, problems
    assert overflowing == [], f"these pages scroll sideways at {viewport['width']} px: {overflowing}"


def test_every_control_of_the_inbox_is_reachable_by_keyboard_with_a_visible_focus(
    browser: Browser, running_product: str
) -> None:
    base = running_product
    page = browser.new_context(viewport=DESK).new_page()
    sign_in_to_demo(page, base, DEMO_ADMIN_EMAIL)
    choose_language(page, base, "en")
    page.goto(f"{base}/inbox/")
    reached_conversation = False
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const element = document.activeElement;
                const style = getComputedStyle(element);
                const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
                return {href: element.getAttribute('href') || '', visible: outlined || style.boxShadow !== 'none'};
            }"""
        )
        assert focused["visible"], f"focus is invisible on {focused}"
        if "/inbox/conversations/" in focused["href"]:
            reached_conversation = True
            break
    assert reached_conversation, "a conversation can be reached with Tab"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/inbox/conversations/*/")
