"""The web-chat widget on a business's own site: a customer chats with an agent, both live, in a real browser.

The host page is served by this test on another port than Frontdesk (another
origin), as a shop's site would be, and embeds the widget with one script tag.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.e2e.browsing import live, serving_product, sign_in, signed_in
from tests.running import REPO, free_port

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"
AGENT = "widget-agent@example.com"
ADMIN = "widget-admin@example.com"
# What a customer types is text everywhere: shown as typed, never run (RELIABILITY T-29).
HOSTILE = 'Where is my order? <img src=x onerror="window.__xss=1"> 我的訂單呢？'
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)

SETUP = f"""
import json, sys, django
django.setup()
from frontdesk.channels.webchat.setup import create_webchat_channel
from frontdesk.core.models import Role
from tests.factories import make_member, make_user, make_workspace
workspace = make_workspace("Widget Shop")
channel = create_webchat_channel(workspace, "Shop chat", sys.argv[1], greeting="Hello! 你好！")
make_member(workspace, user=make_user({AGENT!r}, language="en"))
make_member(workspace, Role.ADMIN, user=make_user({ADMIN!r}, language="en"))
print(json.dumps({{"token": channel.webhook_token, "secret": channel.secrets["identity_secret"]}}))
"""

PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>body {{ font: 16px Georgia, serif; background: #fafaf5; }} button {{ background: red !important; }}</style>
<script>
window.Frontdesk = window.Frontdesk
  || function () {{ (window.Frontdesk.q = window.Frontdesk.q || []).push(arguments); }};
{calls}
</script>
<script async src="{script}"></script>
</head><body><h1>{title}</h1><p>{body}</p></body></html>
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def shop_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The business's site: static pages on their own origin."""
    root = tmp_path_factory.mktemp("shop")
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", root
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def running_web(tmp_path_factory: pytest.TempPathFactory, shop_site: tuple[str, Path]) -> Iterator[tuple[str, str]]:
    shop, root = shop_site
    var_dir = tmp_path_factory.mktemp("widget")
    port = free_port()
    public_url = {"FRONTDESK_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    with serving_product(var_dir, SETUP, shop, env=public_url, port=port) as (base, fixture):
        script = f"{base}/widget/{fixture['token']}.js"
        pages = {
            "order.html": ("en", "Order HK-1042", "Frontdesk('context', {order_number: 'HK-1042'});"),
            "forged.html": (
                "en",
                "My account",
                "Frontdesk('identify', {user_id: 'cust-1', user_hash: '" + "0" * 64 + "', name: 'Mallory'});",
            ),
            "zh.html": ("zh-HK", "訂單 HK-2046", "Frontdesk('context', {order_number: 'HK-2046'});"),
        }
        for name, (lang, title, calls) in pages.items():
            (root / name).write_text(
                PAGE.format(lang=lang, title=title, calls=calls, script=script, body="Shop page"), encoding="utf-8"
            )
        yield base, shop


def new_page(browser: Browser) -> Page:
    return browser.new_context(viewport={"width": 1280, "height": 800}).new_page()


def open_widget(page: Page, url: str) -> None:
    page.goto(url)
    page.locator("[data-testid=fd-launcher]").click()
    expect(page.locator("[data-testid=fd-panel]")).to_be_visible()
    expect(page.locator("[data-testid=fd-panel]")).to_have_attribute("data-online", re_any(), timeout=10_000)


def re_any() -> Any:
    import re

    return re.compile(r"true|false")


def test_the_offline_form_shows_when_no_agent_is_online(browser: Browser, running_web: tuple[str, str]) -> None:
    _base, shop = running_web
    page = new_page(browser)
    open_widget(page, f"{shop}/order.html")
    expect(page.locator("[data-testid=fd-panel]")).to_have_attribute("data-online", "false")
    expect(page.locator("[data-testid=fd-offline]")).to_be_visible()
    expect(page.locator("[data-testid=fd-composer]")).to_be_hidden()
    page.fill("[data-testid=fd-offline-email]", "ada@example.com")
    page.fill("[data-testid=fd-offline-text]", "Please email me about HK-1042")
    page.click("[data-testid=fd-offline-send]")
    expect(page.locator("[data-testid=fd-log] li.customer")).to_contain_text("Please email me about HK-1042")
    expect(page.locator("[data-testid=fd-composer]")).to_be_visible()
    page.context.close()


def test_a_forged_identity_is_refused_and_the_visitor_chats_as_a_guest(
    browser: Browser, running_web: tuple[str, str]
) -> None:
    _base, shop = running_web
    page = new_page(browser)
    open_widget(page, f"{shop}/forged.html")
    notice = page.locator("[data-testid=fd-notice]")
    expect(notice).to_have_attribute("data-identity", "refused")
    expect(notice).to_have_text("We could not confirm your sign-in, so you are chatting as a guest.")
    page.context.close()


def test_a_traditional_chinese_page_gets_traditional_strings(browser: Browser, running_web: tuple[str, str]) -> None:
    _base, shop = running_web
    page = new_page(browser)
    open_widget(page, f"{shop}/zh.html")
    with translation.override("zh-hant"):
        title = translation.gettext("Chat with us")
    expect(page.locator("[data-testid=fd-launcher]")).to_have_text(title)
    expect(page.locator("[data-testid=fd-offline-send]")).to_be_visible()
    expect(page.locator("[data-testid=fd-offline] label span").first).to_have_text("電子郵件")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget-zh-hant.png"))
    page.context.close()


def test_a_customer_and_an_agent_chat_live_and_history_survives_a_reload(
    browser: Browser, running_web: tuple[str, str]
) -> None:
    base, shop = running_web
    agent = live(signed_in(browser, base, AGENT, height=800))
    customer = new_page(browser)
    open_widget(customer, f"{shop}/order.html")
    expect(customer.locator("[data-testid=fd-panel]")).to_have_attribute("data-online", "true")
    expect(customer.locator("[data-testid=fd-composer]")).to_be_visible()
    customer.fill("[data-testid=fd-text]", HOSTILE)
    customer.click("[data-testid=fd-send]")
    sent = customer.locator("[data-testid=fd-log] li.customer").last
    expect(sent).to_have_text(HOSTILE)
    expect(sent).not_to_have_class(re_sending(), timeout=10_000)

    # The new conversation appears in the agent's inbox by itself.
    link = agent.locator("a[href*='/inbox/conversations/']", has_text="Where is my order?")
    expect(link).to_be_visible(timeout=10_000)
    link.click()
    expect(agent.locator("#timeline .message-inbound").last).to_contain_text(HOSTILE)
    expect(agent.locator("[data-testid=context-order]")).to_have_text("HK-1042")
    expect(agent.locator("body")).to_have_attribute("data-live", "connected", timeout=10_000)

    customer.locator("[data-testid=fd-file]").set_input_files(
        files=[FilePayload(name="receipt.png", mimeType="image/png", buffer=PNG)]
    )
    expect(agent.locator("#timeline a.attachment", has_text="receipt.png")).to_be_visible(timeout=15_000)
    assert customer.evaluate("window.__xss") is None and agent.evaluate("window.__xss") is None

    customer.fill("[data-testid=fd-text]", "Also")
    expect(agent.locator("[data-testid=widget-typing]")).to_be_visible(timeout=10_000)

    agent.check("input[name=kind][value=reply]")
    agent.fill("#composer-text", "It ships today")
    expect(customer.locator("[data-testid=fd-typing]")).to_be_visible(timeout=10_000)
    agent.click("#composer button[type=submit]")
    expect(customer.locator("[data-testid=fd-log] li.agent").last).to_have_text("It ships today", timeout=15_000)
    expect(agent.locator("#timeline .message-outbound").last).to_contain_text("Delivered", timeout=15_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    customer.screenshot(path=str(SCREENSHOTS / "widget-en.png"))

    customer.reload()
    customer.locator("[data-testid=fd-launcher]").click()
    log = customer.locator("[data-testid=fd-log]")
    expect(log.locator("li.customer").first).to_have_text(HOSTILE, timeout=10_000)
    expect(log.locator("li.customer").last).to_contain_text("receipt.png")
    expect(log.locator("li.agent").last).to_have_text("It ships today")
    customer.context.close()
    agent.context.close()


def re_sending() -> Any:
    import re

    return re.compile(r"sending")


def test_call_me_asks_for_a_call_with_the_page_context(browser: Browser, running_web: tuple[str, str]) -> None:
    _base, shop = running_web
    page = new_page(browser)
    open_widget(page, f"{shop}/order.html")
    page.click("[data-testid=fd-call-toggle]")
    page.fill("[data-testid=fd-phone]", "12")
    page.click("[data-testid=fd-call-send]")
    expect(page.locator("[data-testid=fd-status]")).not_to_be_empty()
    page.fill("[data-testid=fd-phone]", "+852 9123 4567")
    page.click("[data-testid=fd-call-send]")
    expect(page.locator("[data-testid=fd-log] li.agent").last).to_have_text("Thank you. We will call you shortly.")
    expect(page.locator("[data-testid=fd-call]")).to_be_hidden()
    page.context.close()


def test_a_member_tries_the_chat_on_frontdesks_sample_page_under_its_strict_csp(
    browser: Browser, running_web: tuple[str, str]
) -> None:
    base, _shop = running_web
    page = new_page(browser)
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    sign_in(page, base, ADMIN)
    live(page)
    page.goto(f"{base}/settings/channels/")
    page.locator("a[href*='/settings/channels/']", has_text="Shop chat").first.click()
    preview_url = page.locator("[data-testid=widget-preview]").get_attribute("href")
    assert preview_url
    page.goto(base + preview_url if preview_url.startswith("/") else preview_url)
    # The admin keeps the inbox open in another tab, so the chat knows someone is there to answer.
    inbox = page.context.new_page()
    inbox.goto(f"{base}/inbox/")
    expect(inbox.locator("body")).to_have_attribute("data-live", "connected", timeout=10_000)
    launcher = page.locator("[data-testid=fd-launcher]")
    # The widget's look comes from a constructed style sheet, which a policy without 'unsafe-inline' allows.
    expect(launcher).to_have_css("background-color", "rgb(31, 111, 235)")
    launcher.click()
    expect(page.locator("[data-testid=fd-panel]")).to_have_attribute("data-online", "true")
    page.fill("[data-testid=fd-text]", "Trying the chat from the sample page")
    page.click("[data-testid=fd-send]")
    expect(page.locator("[data-testid=fd-log] li.customer").last).not_to_have_class(re_sending(), timeout=10_000)
    link = inbox.locator("a[href*='/inbox/conversations/']", has_text="Trying the chat")
    expect(link).to_be_visible(timeout=10_000)
    link.click()
    expect(inbox.locator("[data-testid=context-order]")).to_have_text("HS-20931")
    assert refused == []
    page.context.close()
