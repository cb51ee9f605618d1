"""Two agents at once on the demo: each sees the other on a conversation; an assignment rings the bell."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from frontdesk.demo import DEMO_ADMIN_EMAIL, DEMO_AGENT_EMAIL
from tests.e2e.browsing import choose_language, live, serve_demo, sign_in_to_demo
from tests.running import product_env

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESK: ViewportSize = {"width": 1280, "height": 720}


@pytest.fixture(scope="module")
def running_product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with product_env(tmp_path_factory.mktemp("two-agents"), migrated=True) as env:
        yield from serve_demo(env)


def signed_in(browser: Browser, base: str, email: str, language: str = "en") -> Page:
    page = browser.new_context(viewport=DESK).new_page()
    sign_in_to_demo(page, base, email)
    choose_language(page, base, language)
    return page


def test_two_agents_see_each_other_and_an_assignment_rings_the_bell(running_product: str, browser: Browser) -> None:
    base = running_product
    ana = signed_in(browser, base, DEMO_AGENT_EMAIL)  # an agent
    sam = signed_in(browser, base, DEMO_ADMIN_EMAIL)  # the owner, who may assign to others
    ana_name = ana.locator(".whoami").inner_text().strip()
    sam_name = sam.locator(".whoami").inner_text().strip()

    live(ana, f"{base}/inbox/?view=unassigned")
    row = ana.locator("[data-testid=conversation-row]").first
    conversation_id = row.get_attribute("data-conversation-id")
    url = f"{base}/inbox/conversations/{conversation_id}/"
    unread_before = int(ana.locator("[data-testid=bell-count]").text_content() or 0)

    live(ana, url)
    live(sam, f"{base}/inbox/?view=unassigned")
    badge = sam.locator(f"[data-conversation-id='{conversation_id}'] [data-testid=presence-badge]")
    expect(badge).to_contain_text(ana_name, timeout=5_000)

    live(sam, url)
    expect(sam.locator("#presence")).to_contain_text(f"{ana_name} is also viewing", timeout=5_000)
    expect(ana.locator("#presence")).to_contain_text(f"{sam_name} is also viewing", timeout=5_000)
    # Nobody is shown to themselves.
    expect(sam.locator("#presence")).not_to_contain_text(sam_name)

    ana.locator("#composer-text").press_sequentially("Checking the booking", delay=20)
    expect(sam.locator("#presence")).to_contain_text(f"{ana_name} is typing…", timeout=5_000)
    sam.screenshot(path=str(SCREENSHOTS / "two-agents-en.png"))
    expect(sam.locator("#presence")).to_contain_text(f"{ana_name} is also viewing", timeout=10_000)

    sam.select_option("#header-assignee", label=ana_name)
    expect(ana.locator("[data-testid=bell-count]")).to_have_text(str(unread_before + 1), timeout=5_000)
    expect(ana.locator("#bell-button")).to_have_attribute("aria-label", f"Notifications, {unread_before + 1} unread")

    ana.click("#bell-button")
    item = ana.locator("#notification-panel .notification-item").first
    expect(item).to_contain_text(f"{sam_name} assigned you a conversation")
    ana.screenshot(path=str(SCREENSHOTS / "notifications-en.png"))
    ana.keyboard.press("Escape")
    expect(ana.locator("#notification-panel")).to_be_hidden()

    # Sam leaves: Ana no longer sees them.
    sam.close()
    expect(ana.locator("#presence")).not_to_contain_text(sam_name, timeout=5_000)

    choose_language(ana, base, "zh-hant")
    live(ana, f"{base}/inbox/")
    ana.click("#bell-button")
    expect(ana.locator("#notification-panel .notification-item.unread")).to_have_count(unread_before + 1)
    ana.screenshot(path=str(SCREENSHOTS / "notifications-zh-hant.png"))
    ana.locator("#notification-panel .notification-item a").first.click()
    ana.wait_for_url(url)
    expect(ana.locator("[data-testid=bell-count]")).to_be_hidden()
