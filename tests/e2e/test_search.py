"""Search end to end: customers' webhooks in both Chinese scripts, found by either, highlighted, in two languages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.browsing import calling_out_to, post_webhook, serving_product, signed_in
from tests.fake_receiver import FakeReceiver
from tests.running import REPO

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"

SETUP = """
import json, sys, django
django.setup()
from frontdesk.channels.api.setup import create_api_channel
from tests.factories import make_member, make_user, make_workspace
workspace = make_workspace("Search Air")
channel = create_api_channel(workspace, "Booking site", callback_url=sys.argv[1])
for email, language in (("ada@example.com", "en"), ("bo@example.com", "zh-hant")):
    make_member(workspace, user=make_user(email, language=language, name=email.split("@")[0].title()))
print(json.dumps({"hook": f"/hooks/api/{channel.webhook_token}", "secret": channel.secrets["signing_secret"]}))
"""

MESSAGES = [
    ("crm-1", "陳大文", "我的航班CX880取消了，請幫我退款，訂單號HS-20931"),
    ("crm-2", "李小明", "我的航班CX882取消了，请帮我退款，谢谢"),
    ("crm-3", "Ada Wong", "My flight CX880 was cancelled, when do I get my refund?"),
    ("crm-4", "Mallory", "<script>alert('退款')</script> 退款 please"),
    ("crm-5", "黃太", "行李還沒有到，行李牌 CX-2231"),
]


@pytest.fixture(scope="module")
def running_web(
    tmp_path_factory: pytest.TempPathFactory, receiver: FakeReceiver
) -> Iterator[tuple[str, dict[str, Any]]]:
    var_dir = tmp_path_factory.mktemp("search")
    with serving_product(var_dir, SETUP, receiver.url(), env=calling_out_to(receiver)) as running:
        base, fixture = running
        for number, (contact_id, name, text) in enumerate(MESSAGES):
            event = {
                "id": f"evt-search-{number}",
                "type": "message",
                "contact": {"id": contact_id, "name": name},
                "message": {"id": f"m-search-{number}", "text": text},
            }
            assert post_webhook(base, fixture["hook"], fixture["secret"], [event]).status_code == 200
        yield running


def wait_until_indexed(base: str, page: Any) -> None:
    """The worker processes the webhooks; search hears of each message after it is stored."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        body = page.request.get(f"{base}/inbox/search/results.json?q=CX-2231").json()
        if body["messages"]:
            return
        time.sleep(0.3)
    raise AssertionError("the webhooks' messages were not indexed in 15 s")


def test_messages_from_webhooks_are_found_in_either_script_and_highlighted(
    browser: Browser, running_web: tuple[str, dict[str, Any]]
) -> None:
    base, _fixture = running_web
    ada = signed_in(browser, base, "ada@example.com")
    wait_until_indexed(base, ada)

    ada.goto(f"{base}/inbox/search/")
    ada.get_by_label("Search contacts, conversations and messages").fill("退款")
    ada.keyboard.press("Enter")
    messages = ada.get_by_test_id("search-messages")
    expect(messages.locator(".search-result")).to_have_count(3)
    # The Traditional and the Simplified message, each highlighted in its own script; the script tag is text.
    expect(messages).to_contain_text("請幫我退款")
    expect(messages).to_contain_text("请帮我退款")
    expect(messages.locator("mark").first).to_have_text("退款")
    expect(messages).to_contain_text("<script>alert('退款')</script>")
    assert ada.evaluate("typeof window.alert === 'function' && !document.querySelector('main script')")

    # One kind, ranked, reached by keyboard.
    ada.get_by_role("link", name="Message", exact=True).focus()
    ada.keyboard.press("Enter")
    expect(ada.get_by_test_id("search-ranked").locator(".search-result")).to_have_count(3)
    ada.get_by_label("Search contacts, conversations and messages").fill("canc")
    ada.keyboard.press("Enter")
    expect(ada.get_by_test_id("search-ranked")).to_contain_text("cancelled")
    expect(ada.get_by_test_id("search-ranked").locator("mark")).to_have_text(["cancelled"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ada.goto(f"{base}/inbox/search/?q=CX880")
    expect(ada.get_by_test_id("search-messages").locator(".search-result")).to_have_count(2)
    ada.screenshot(path=str(SCREENSHOTS / "search-en.png"), full_page=True)

    bo = signed_in(browser, base, "bo@example.com", width=390, height=844)
    bo.goto(f"{base}/inbox/search/?q=退款")
    expect(bo.get_by_test_id("search-messages").locator(".search-result")).to_have_count(3)
    expect(bo.get_by_role("heading", name="搜尋")).to_be_visible()
    width = bo.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px ({width} px)"
    bo.screenshot(path=str(SCREENSHOTS / "search-zh-hant.png"), full_page=True)

    # Simplified finds the Traditional, and the contact the pipeline made by name, by character.
    bo.goto(f"{base}/inbox/search/?q=陈大文")
    expect(bo.get_by_test_id("search-contacts")).to_contain_text("陳大文")
    bo.goto(f"{base}/inbox/search/?q=大文&kind=contact")
    expect(bo.get_by_test_id("search-ranked")).to_contain_text("陳大文")


def test_the_api_search_answers_with_escaped_snippets(running_web: tuple[str, dict[str, Any]]) -> None:
    base, _fixture = running_web
    response = httpx.get(f"{base}/api/v1/search", params={"q": "退款"})
    assert response.status_code == 401
