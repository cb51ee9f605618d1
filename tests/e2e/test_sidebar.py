"""The customer sidebar in Chromium: edited in place by one agent, seen live by another, in English and Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.browsing import live, serving_product, signed_in
from tests.running import REPO

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"

SETUP = """
import json, django
django.setup()
from datetime import timedelta
from django.utils import timezone
from frontdesk.channels.models import ChannelKind
from frontdesk.contacts.actions import add_contact_note, add_preference
from tests.factories import (
    make_channel, make_contact, make_conversation, make_identity, make_label, make_member, make_message, make_user,
    make_workspace,
)
workspace = make_workspace("Harbour Air")
members = []
for email, language, name in (("ada@example.com", "en", "Ada Lam"), ("bo@example.com", "zh-hant", "Bo Chan")):
    members.append(make_member(workspace, user=make_user(email, language=language, name=name)))
line = make_channel(workspace, ChannelKind.LINE, name="Harbour Air LINE")
mail = make_channel(workspace, ChannelKind.EMAIL, name="Support mailbox")
contact = make_contact(
    workspace, name="Chan Tai Man", email="taiman@example.com", phone="+85291234567", language="zh-hant",
    attributes={"tier": "Gold", "<script>alert(1)</script>": "javascript:alert(2)"},
)
make_identity(contact, line, external_id="U4f1c0a")
make_identity(contact, mail, external_id="taiman@example.com")
earlier = make_conversation(
    workspace, contact=contact, channel=mail, subject="Refund for HX-204", status="resolved",
    last_activity_at=timezone.now() - timedelta(days=12),
)
conversation = make_conversation(workspace, contact=contact, channel=line, subject="Flight HX-231 cancelled")
make_message(conversation, text="My flight tomorrow was cancelled. Can I rebook?")
make_label(workspace, "rebooking")
make_label(workspace, "VIP")
add_preference(contact, members[1], "dislike", "phone calls", conversation=earlier)
add_contact_note(contact, members[1], "Flew with us 40 times last year.")
print(json.dumps({"conversation": conversation.pk}))
"""


@pytest.fixture(scope="module")
def running_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    with serving_product(tmp_path_factory.mktemp("sidebar"), SETUP) as running:
        yield running


def conversation_page(browser: Browser, base: str, email: str, conversation: int, width: int = 1280) -> Page:
    page = live(signed_in(browser, base, email, width), f"{base}/inbox/conversations/{conversation}/")
    page.evaluate("window.__sameDocument = true")
    return page


def test_an_agent_edits_the_customer_in_place_and_a_colleague_sees_it_live(
    browser: Browser, running_web: tuple[str, dict[str, Any]]
) -> None:
    base, fixture = running_web
    ada = conversation_page(browser, base, "ada@example.com", fixture["conversation"])
    bo = conversation_page(browser, base, "bo@example.com", fixture["conversation"])
    sidebar = ada.get_by_test_id("customer-sidebar")
    expect(sidebar.get_by_test_id("sidebar-identities")).to_contain_text("U4f1c0a")
    expect(sidebar.get_by_test_id("sidebar-past")).to_contain_text("Refund for HX-204")
    expect(sidebar.get_by_test_id("sidebar-dislikes")).to_contain_text("phone calls")
    # The hostile attribute is text, not a script and not a link.
    expect(sidebar.get_by_test_id("sidebar-attributes")).to_contain_text("<script>alert(1)</script>")
    assert sidebar.locator("a[href^='javascript:']").count() == 0
    sidebar.get_by_role("button", name="Remove <script>alert(1)</script>").click()
    expect(sidebar.get_by_test_id("sidebar-attributes")).not_to_contain_text("alert")

    # The colleague is on the profile's button: a live refresh of the profile leaves the focus there.
    bo.locator("#sidebar-profile .sidebar-edit").focus()

    # Edit, then change one's mind: Escape puts the profile back and the focus on its button.
    edit = sidebar.get_by_role("button", name="Edit the profile")
    edit.click()
    expect(ada.locator("#sidebar-name")).to_be_focused()
    ada.keyboard.press("Escape")
    expect(ada.locator("#sidebar-name")).to_have_count(0)
    expect(sidebar.get_by_role("button", name="Edit the profile")).to_be_focused()

    # A wrong phone number is refused beside its field; the name typed is kept.
    sidebar.get_by_role("button", name="Edit the profile").click()
    ada.fill("#sidebar-name", "陳大文 Chan Tai Man")
    ada.fill("#sidebar-phone", "12")
    ada.get_by_test_id("sidebar-profile-form").get_by_role("button", name="Save").click()
    expect(ada.locator("#sidebar-phone-error")).to_contain_text("not a valid phone number")
    expect(ada.locator("#sidebar-phone")).to_be_focused()
    ada.fill("#sidebar-phone", "6123 4567")
    ada.get_by_test_id("sidebar-profile-form").get_by_role("button", name="Save").click()
    expect(sidebar.get_by_test_id("sidebar-contact-name")).to_have_text("陳大文 Chan Tai Man")
    expect(sidebar.get_by_test_id("sidebar-phone")).to_have_text("+852 6123 4567")
    expect(sidebar.get_by_test_id("sidebar-phone").locator("a")).to_have_attribute("href", "tel:+85261234567")

    sidebar.get_by_role("button", name="Add an attribute").click()
    ada.fill("#sidebar-attribute-key", "Booking")
    ada.fill("#sidebar-attribute-value", "HX-231 / 7QKD2P")
    ada.keyboard.press("Enter")
    expect(sidebar.get_by_test_id("sidebar-attributes")).to_contain_text("HX-231 / 7QKD2P")

    sidebar.get_by_role("button", name="Add something the customer likes").click()
    ada.fill("#sidebar-preference-text", "vegetarian meal")
    ada.keyboard.press("Enter")
    likes = sidebar.get_by_test_id("sidebar-likes")
    expect(likes).to_contain_text("vegetarian meal")
    expect(likes).to_contain_text("said in this conversation")
    expect(likes).to_contain_text("added by Ada Lam")

    sidebar.get_by_label("New staff note").fill("Offered lounge access for the delay.")
    sidebar.get_by_role("button", name="Add the note").click()
    notes = sidebar.get_by_test_id("sidebar-notes")
    expect(notes.locator("li").first).to_contain_text("Offered lounge access for the delay.")
    expect(notes.locator("li").first).to_contain_text("Ada Lam")

    sidebar.get_by_role("button", name="Add a label").click()
    ada.fill("#sidebar-label", "VIP")
    ada.keyboard.press("Enter")
    expect(sidebar.get_by_test_id("sidebar-labels")).to_contain_text("VIP")

    # The colleague's page followed every change without a reload, in Chinese.
    other = bo.get_by_test_id("customer-sidebar")
    expect(other.get_by_test_id("sidebar-contact-name")).to_have_text("陳大文 Chan Tai Man", timeout=5_000)
    expect(bo.locator("#sidebar-profile .sidebar-edit")).to_be_focused()
    expect(other.get_by_test_id("sidebar-attributes")).to_contain_text("HX-231 / 7QKD2P")
    expect(other.get_by_test_id("sidebar-likes")).to_contain_text("vegetarian meal")
    expect(other.get_by_test_id("sidebar-notes")).to_contain_text("Offered lounge access for the delay.")
    expect(other.get_by_test_id("sidebar-labels")).to_contain_text("VIP")
    assert bo.evaluate("window.__sameDocument") is True, "the page was reloaded"

    # Only the author (or an admin) may delete a note: Ada may delete hers, not Bo's.
    expect(notes.get_by_role("button", name="Delete this note")).to_have_count(1)

    for page in (ada, bo):
        assert serious_violations(page, within=".customer-sidebar") == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ada.screenshot(path=str(SCREENSHOTS / "sidebar-en.png"), full_page=True)
    bo.screenshot(path=str(SCREENSHOTS / "sidebar-zh-hant.png"), full_page=True)


def test_the_sidebar_fits_a_phone(browser: Browser, running_web: tuple[str, dict[str, Any]]) -> None:
    base, fixture = running_web
    page = conversation_page(browser, base, "ada@example.com", fixture["conversation"], width=390)
    sidebar = page.get_by_test_id("customer-sidebar")
    sidebar.get_by_role("button", name="Edit the profile").click()
    expect(page.locator("#sidebar-name")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways"
