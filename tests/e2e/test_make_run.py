"""The product as `make run` starts it: seeded demo, all roles, a real browser signing in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from frontdesk.demo import DEMO_ADMIN_EMAIL
from tests.e2e.browsing import choose_language, serve_demo, sign_in_to_demo
from tests.running import product_env

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def running_product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with product_env(tmp_path_factory.mktemp("product")) as env:
        yield from serve_demo(env)


@pytest.fixture
def page(browser: Browser) -> Page:
    return browser.new_context(viewport={"width": 1280, "height": 720}).new_page()


def test_demo_agent_signs_in_and_works_through_demo_conversations(running_product: str, page: Page) -> None:
    base = running_product
    csp_violations: list[str] = []
    page.on(
        "console", lambda message: csp_violations.append(message.text) if "Content Security" in message.text else None
    )
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/accounts/login/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "login-en.png"))
    sign_in_to_demo(page, base)
    choose_language(page, base, "en")
    page.goto(f"{base}/inbox/")
    topbar_colour = page.locator("header.topbar").evaluate("element => getComputedStyle(element).backgroundColor")
    assert topbar_colour == "rgb(17, 24, 39)", "the stylesheet is served and applied"
    rows = page.locator("[data-testid=conversation-list] li")
    assert rows.count() > 10, "the demo agent sees the demo conversations"
    assert page.locator("[data-testid=workspace-name]").inner_text() in {"Harbour Shop", "Skyward Airlines"}
    page.screenshot(path=str(SCREENSHOTS / "demo-inbox-en.png"))

    subject = rows.first.locator(".contact-name").inner_text()
    rows.first.locator("a").click()
    page.wait_for_url(f"{base}/inbox/conversations/*/")
    assert subject in page.locator("aside.sidebar h2").inner_text()
    assert page.locator("[data-testid=messages] li.message").count() >= 2
    page.screenshot(path=str(SCREENSHOTS / "demo-conversation-en.png"))

    page.goto(f"{base}/workspaces/")
    page.get_by_role("button", name="Skyward Airlines").click()
    page.wait_for_url(f"{base}/inbox/")
    assert page.locator("[data-testid=workspace-name]").inner_text() == "Skyward Airlines"
    assert csp_violations == []


def test_agent_reads_the_inbox_in_traditional_chinese(running_product: str, page: Page) -> None:
    base = running_product
    sign_in_to_demo(page, base)
    choose_language(page, base, "zh-hant")
    page.goto(f"{base}/inbox/")
    assert "收件匣" in page.locator("header.topbar").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "demo-inbox-zh-hant.png"))
    page.locator("[data-testid=conversation-list] li a").first.click()
    page.screenshot(path=str(SCREENSHOTS / "demo-conversation-zh-hant.png"))


def test_an_admin_finds_a_channels_webhook_url_and_copies_it(running_product: str, page: Page) -> None:
    base = running_product
    csp_violations: list[str] = []
    page.on(
        "console", lambda message: csp_violations.append(message.text) if "Content Security" in message.text else None
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    sign_in_to_demo(page, base, DEMO_ADMIN_EMAIL)
    choose_language(page, base, "en")
    page.goto(f"{base}/inbox/")
    page.get_by_test_id("settings-link").click()
    page.get_by_role("link", name="Channels").click()
    page.wait_for_url(f"{base}/settings/channels/")
    channels = page.locator("[data-testid=channels] tbody tr")
    assert channels.count() >= 6, "the demo workspace's channels are listed"
    page.screenshot(path=str(SCREENSHOTS / "channels-en.png"))

    page.locator("[data-testid=channels] a", has_text="WhatsApp").first.click()
    page.wait_for_url(f"{base}/settings/channels/*/")
    webhook_url = page.locator("[data-testid=webhook-url]").input_value()
    assert webhook_url.startswith("http") and "/hooks/whatsapp/" in webhook_url
    copy = page.get_by_role("button", name="Copy the webhook URL")
    copy.click()
    assert page.evaluate("navigator.clipboard.readText()") == webhook_url
    assert copy.inner_text() == "Copied"
    page.screenshot(path=str(SCREENSHOTS / "channel-en.png"), full_page=True)

    choose_language(page, base, "zh-hant")
    page.goto(f"{base}/settings/channels/")
    assert "連接渠道" in page.locator("main").inner_text()
    page.locator("[data-testid=channels] a", has_text="WhatsApp").first.click()
    assert "Webhook 網址" in page.locator("main").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "channel-zh-hant.png"), full_page=True)
    assert csp_violations == []
