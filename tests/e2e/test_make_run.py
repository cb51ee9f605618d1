"""The product as `make run` starts it: seeded demo, all roles, a real browser signing in."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from frontdesk.demo import DEMO_ADMIN_EMAIL, DEMO_AGENT_EMAIL, DEMO_PASSWORD
from tests.running import free_port, frontdesk, is_healthy, launch_chromium, product_env, wait_for

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def running_product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with product_env(tmp_path_factory.mktemp("product")) as env:
        yield from serve(env)


def serve(env: dict[str, str]) -> Iterator[str]:
    frontdesk("migrate", "--no-input", env=env)
    seeded = frontdesk("seed-demo", "--if-empty", env=env)
    assert DEMO_AGENT_EMAIL in seeded.stdout, "seed-demo prints how to sign in"
    port = free_port()
    # To a file, not a pipe: nobody reads a pipe while the tests run, and a full one would stall the server.
    log = Path(env["FRONTDESK_VAR_DIR"]) / "run.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "frontdesk.cli", "run", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(partial(is_healthy, base), 60, "frontdesk run to serve")
    except AssertionError:
        process.kill()
        process.wait()
        pytest.fail(f"frontdesk run did not serve within 60 s:\n{log.read_text()}")
    yield base
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    assert process.returncode == 0, log.read_text()[-5000:]


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        yield context.new_page()
        browser.close()


def sign_in(page: Page, base: str, email: str = DEMO_AGENT_EMAIL) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/inbox/")


def choose_language(page: Page, base: str, language: str) -> None:
    page.goto(f"{base}/settings/profile/")
    page.select_option("select[name=language]", language)
    page.click("form.stacked button[type=submit]")


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
    sign_in(page, base)
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
    sign_in(page, base)
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
    sign_in(page, base, DEMO_ADMIN_EMAIL)
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
