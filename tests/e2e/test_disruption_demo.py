"""Issue 7's promise, on the demo as `make run` serves it: a flight was cancelled and passengers are writing in.

The agent sees one case for the passenger who wrote on WhatsApp and then by email, answers the grouped
complaints at once, and finds messages whichever Chinese script the query is in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from frontdesk.demo.disruption import FLIGHT
from tests.e2e.browsing import choose_language, serve_demo, sign_in_to_demo
from tests.running import product_env

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def running_product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with product_env(tmp_path_factory.mktemp("disruption"), migrated=True) as env:
        yield from serve_demo(env)


def in_skyward(browser: Browser, base: str, language: str = "en") -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in_to_demo(page, base)
    choose_language(page, base, language)
    page.goto(f"{base}/workspaces/")
    page.get_by_role("button", name="Skyward Airlines").click()
    expect(page.locator("[data-testid=workspace-name]")).to_have_text("Skyward Airlines")
    return page


def test_one_case_for_a_passenger_on_whatsapp_and_email(running_product: str, browser: Browser) -> None:
    page = in_skyward(browser, running_product)
    page.goto(f"{running_product}/inbox/search/?q=nobody+has+answered+{FLIGHT}")
    page.locator("a[href*='/inbox/conversations/']").filter(has_text="half an hour ago").first.click()
    expect(page.locator("[data-testid=channel-marker].channel-email")).not_to_have_count(0)
    expect(page.locator("[data-testid=channel-marker].channel-whatsapp")).not_to_have_count(0)
    expect(page.get_by_text("nobody has answered yet")).to_be_visible()
    expect(page.get_by_text(re.compile(rf"my flight {FLIGHT} to Taipei tonight was cancelled"))).to_be_visible()


def test_search_finds_either_chinese_script(running_product: str, browser: Browser) -> None:
    page = in_skyward(browser, running_product, "zh-hant")
    # 請問 (Traditional) finds the Simplified passenger's 请问, highlighted in what they wrote.
    page.goto(f"{running_product}/inbox/search/?q={FLIGHT}+請問&kind=message")
    expect(page.locator("mark", has_text="请问").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "demo-search-zh-hant.png"))
    # 谢谢 (Simplified) finds the Hong Kong passenger's 謝謝.
    page.goto(f"{running_product}/inbox/search/?q={FLIGHT}+谢谢&kind=message")
    expect(page.locator("mark", has_text="謝謝").first).to_be_visible()


def test_answer_the_grouped_complaints_at_once(running_product: str, browser: Browser) -> None:
    page = in_skyward(browser, running_product)
    page.goto(f"{running_product}/inbox/incidents/")
    rows = page.locator("[data-testid=incident-row]")
    expect(rows).not_to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "demo-incidents-en.png"))
    rows.filter(has_text=FLIGHT).filter(has_text=re.compile("[\u4e00-\u9fff]")).first.get_by_role("link").first.click()
    conversations = page.locator("[data-testid=incident-conversation]")
    count = conversations.count()
    assert count >= 3, "the Traditional and Simplified complaints are one incident"
    page.fill(
        "#answer-text", "{{contact.name}}，您好：SW228 已取消，我們已為您改到明早 08:15 的 SW230，確認短訊稍後送到。"
    )
    page.locator("[data-testid=answer-all] button[type=submit]").click()
    outcome = page.locator("[data-testid=incident-outcome]")
    expect(outcome).to_contain_text(f"{count} conversations done")
    page.screenshot(path=str(SCREENSHOTS / "demo-incident-answered-en.png"), full_page=True)
    # Each passenger got their own message, with their own name filled in, on their own conversation.
    first = conversations.first.get_by_role("link").first
    name = first.inner_text().strip()
    first.click()
    expect(page.get_by_text(re.compile(rf"{re.escape(name)}，您好：SW228 已取消"))).to_be_visible()
