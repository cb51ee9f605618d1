"""Working by keyboard in Chromium: shortcuts, the shortcut help and the command palette."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.browsing import serving_product, signed_in
from tests.running import REPO

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"

SETUP = """
import json, django
django.setup()
from datetime import timedelta
from django.utils import timezone
from tests.factories import make_channel, make_contact, make_conversation, make_member, make_message, make_user
from tests.factories import make_identity, make_workspace
workspace = make_workspace("Harbour Air")
channel = make_channel(workspace, name="Booking site")
for email, language in (("kit@example.com", "en"), ("mei@example.com", "zh-hant"), ("lang@example.com", "en")):
    make_member(workspace, user=make_user(email, language=language, name=email.split("@")[0].title()))
now = timezone.now()
conversations = []
for minutes, name, subject, text in (
    (1, "Amy Lau", "Seat change on CX880", "Can I move to an aisle seat?"),
    (2, "Ben Ho", "Lost baggage", "My bag did not arrive"),
    (3, "陳大文", "航班取消", "我的航班取消了，可以退款嗎？"),
):
    contact = make_contact(workspace, name=name)
    make_identity(contact, channel)
    conversation = make_conversation(
        workspace, contact=contact, channel=channel, subject=subject, last_activity_at=now - timedelta(minutes=minutes)
    )
    make_message(conversation, text=text)
    conversations.append(conversation.pk)
from frontdesk.search.indexing import reindex
reindex(workspace.pk)  # rows made directly announce nothing to the search index
print(json.dumps({"conversations": conversations}))
"""


@pytest.fixture(scope="module")
def running_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    with serving_product(tmp_path_factory.mktemp("shortcuts"), SETUP) as running:
        yield running


def marked_row(page: Page) -> Any:
    return page.locator(".conversation-row.shortcut-current")


def test_j_and_k_move_through_the_list_and_enter_opens(browser: Browser, running_web: tuple[str, Any]) -> None:
    base, fixture = running_web
    first, second, third = fixture["conversations"]
    page = signed_in(browser, base, "kit@example.com")

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")

    expect(marked_row(page)).to_have_count(1)
    expect(marked_row(page)).to_contain_text("Seat change on CX880")
    expect(marked_row(page).locator("a").first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/inbox/conversations/{first}/")

    # On a conversation, j and k walk the list seen last; Esc goes back to it with the row still marked.
    page.keyboard.press("j")
    page.wait_for_url(f"{base}/inbox/conversations/{second}/")
    page.keyboard.press("j")
    page.wait_for_url(f"{base}/inbox/conversations/{third}/")
    page.keyboard.press("k")
    page.wait_for_url(f"{base}/inbox/conversations/{second}/")
    page.keyboard.press("Escape")
    page.wait_for_url(f"{base}/inbox/")
    expect(marked_row(page)).to_contain_text("Lost baggage")
    page.keyboard.press("o")
    page.wait_for_url(f"{base}/inbox/conversations/{second}/")
    page.context.close()


def test_keys_are_left_alone_while_typing_composing_or_with_other_modifiers(
    browser: Browser, running_web: tuple[str, Any]
) -> None:
    base, _fixture = running_web
    page = signed_in(browser, base, "kit@example.com")

    # A key an input method is composing with (Chinese input) is never a shortcut.
    page.evaluate(
        """document.body.dispatchEvent(new KeyboardEvent("keydown", {key: "j", isComposing: true, bubbles: true}))"""
    )
    page.keyboard.press("Alt+j")
    page.keyboard.press("Control+j")
    expect(marked_row(page)).to_have_count(0)
    # Typing in the list's search box types; "/" came here, Esc leaves the box.
    page.keyboard.press("/")
    expect(page.locator("main form[role=search] input[type=search]")).to_be_focused()
    page.keyboard.type("jk")
    expect(page.locator("main form[role=search] input[type=search]")).to_have_value("jk")
    expect(marked_row(page)).to_have_count(0)
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    expect(marked_row(page)).to_have_count(1)
    page.context.close()


def test_reply_and_note_keys_prepare_the_composer_and_ctrl_enter_sends(
    browser: Browser, running_web: tuple[str, Any]
) -> None:
    base, fixture = running_web
    page = signed_in(browser, base, "kit@example.com")
    page.goto(f"{base}/inbox/conversations/{fixture['conversations'][2]}/")

    page.keyboard.press("r")
    expect(page.locator("input[name=kind][value=reply]")).to_be_checked()
    expect(page.locator("#composer-text")).to_be_focused()
    expect(page.locator("#composer-text")).to_have_value("")
    page.keyboard.press("Escape")
    expect(page.locator("#composer-text")).not_to_be_focused()
    page.keyboard.press("n")
    expect(page.locator("input[name=kind][value=note]")).to_be_checked()
    expect(page.locator("#composer-text")).to_be_focused()
    page.keyboard.type("已致電乘客，改簽 CX884")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#timeline")).to_contain_text("已致電乘客，改簽 CX884")
    # The palette's "Reply to the customer" does what r does.
    page.locator("#composer-text").blur()
    page.keyboard.press("Control+k")
    page.locator("#palette-input").press_sequentially("reply")
    page.keyboard.press("Enter")
    expect(page.locator("input[name=kind][value=reply]")).to_be_checked()
    expect(page.locator("#composer-text")).to_be_focused()
    page.context.close()


def test_assign_and_resolve_keys_press_the_header_buttons(browser: Browser, running_web: tuple[str, Any]) -> None:
    base, fixture = running_web
    page = signed_in(browser, base, "kit@example.com")
    page.goto(f"{base}/inbox/conversations/{fixture['conversations'][1]}/")

    page.keyboard.press("a")
    expect(page.get_by_test_id("conversation-assignee")).to_contain_text("Kit")
    expect(page.locator('[data-action="assign-to-me"]')).to_have_count(0)
    page.keyboard.press("e")
    expect(page.get_by_test_id("conversation-heading")).to_have_attribute("data-status", "resolved")
    expect(page.locator('[data-action="reopen"]')).to_be_visible()
    page.context.close()


def test_question_mark_opens_the_shortcut_help_with_the_focus_kept_inside(
    browser: Browser, running_web: tuple[str, Any]
) -> None:
    base, _fixture = running_web
    page = signed_in(browser, base, "kit@example.com")

    page.keyboard.press("?")

    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Next / previous conversation")
    expect(help_dialog).to_contain_text("Assign to me")
    for _ in range(4):
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('shortcut-help').contains(document.activeElement)")
    page.screenshot(path=str(SCREENSHOTS / "shortcuts-en.png"))
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    page.keyboard.press("g")
    page.keyboard.press("i")
    page.wait_for_url(f"{base}/inbox/")
    page.context.close()


def palette_finds_and_opens(page: Page, base: str, conversation: int, screenshot: str, name: str) -> None:
    page.keyboard.press("Control+k")
    palette = page.get_by_role("dialog", name=name)
    expect(palette).to_be_visible()
    combobox = palette.get_by_role("combobox")
    expect(combobox).to_be_focused()
    combobox.press_sequentially("大文")
    result = palette.locator(".palette-result").first
    expect(result).to_contain_text("陳大文")
    expect(result.locator("mark")).to_have_text("大文")
    expect(result).to_have_attribute("aria-selected", "true")
    assert combobox.get_attribute("aria-activedescendant") == result.get_attribute("id")
    page.screenshot(path=str(SCREENSHOTS / screenshot))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/inbox/conversations/{conversation}/")


def test_the_palette_finds_a_contact_by_chinese_name_and_opens_it(
    browser: Browser, running_web: tuple[str, Any]
) -> None:
    base, fixture = running_web
    page = signed_in(browser, base, "kit@example.com")
    palette_finds_and_opens(page, base, fixture["conversations"][2], "palette-en.png", "Command palette")
    page.context.close()

    page = signed_in(browser, base, "mei@example.com")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hant")
    page.keyboard.press("Control+k")
    page.keyboard.press("Escape")
    palette_finds_and_opens(page, base, fixture["conversations"][2], "palette-zh-hant.png", "指令面板")
    page.context.close()


def test_the_palette_runs_commands_with_the_arrow_keys(browser: Browser, running_web: tuple[str, Any]) -> None:
    base, _fixture = running_web
    page = signed_in(browser, base, "lang@example.com")

    page.keyboard.press("Control+k")
    palette = page.get_by_role("dialog", name="Command palette")
    palette.get_by_role("combobox").press_sequentially("go to")
    options = page.locator("#palette-options [role=option]:visible")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/inbox/?view=unassigned")

    page.keyboard.press("Control+k")
    palette.get_by_role("combobox").press_sequentially("繁體")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hant")
    assert page.url == f"{base}/inbox/?view=unassigned"
    page.context.close()


def test_search_page_works_at_phone_width(browser: Browser, running_web: tuple[str, Any]) -> None:
    base, fixture = running_web
    page = signed_in(browser, base, "kit@example.com", width=390, height=844)
    page.goto(f"{base}/inbox/search/")

    page.get_by_label("Search contacts, conversations and messages").fill("航班")
    page.keyboard.press("Enter")

    messages = page.get_by_test_id("search-messages")
    expect(messages).to_contain_text("我的航班取消了")
    expect(messages.locator("mark").first).to_have_text("航班")
    box = page.locator(".search-page").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    messages.get_by_role("link").first.click()
    page.wait_for_url(f"{base}/inbox/conversations/{fixture['conversations'][2]}/#message-*")
    expect(page.locator(".message:target")).to_contain_text("我的航班取消了")
    page.context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_palette_and_the_help_pass_axe(browser: Browser, running_web: tuple[str, Any], width: int) -> None:
    base, _fixture = running_web
    page = signed_in(browser, base, "lang@example.com", width=width, bypass_csp=True)

    page.keyboard.press("Control+k")
    page.locator("#palette-input").press_sequentially("航班")
    expect(page.locator(".palette-result").first).to_be_visible()
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("command-palette")).to_be_hidden()
    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcut-help")).to_be_visible()
    assert serious_violations(page) == []
    page.context.close()
