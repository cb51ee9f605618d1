"""Customer profiles in Chromium: typed attributes edited in place, a complaint recorded, business context live."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
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
from frontdesk.channels.models import ChannelKind
from frontdesk.contacts.attributes import create_definition
from frontdesk.contacts.context import upsert_context
from frontdesk.contacts.feedback import record_feedback
from frontdesk.core.models import Role
from frontdesk.core.tokens import issue_token
from tests.factories import (
    make_channel, make_contact, make_conversation, make_member, make_message, make_user, make_workspace,
)
workspace = make_workspace("Harbour Air")
members = []
for email, language, name in (("ada@example.com", "en", "Ada Lam"), ("bo@example.com", "zh-hant", "Bo Chan")):
    members.append(make_member(workspace, user=make_user(email, language=language, name=name)))
admin = make_member(workspace, Role.ADMIN, user=make_user("root@example.com", name="Root"))
create_definition(admin, key="tier", label="Membership tier", type="choice", choices=["Gold", "Silver", "Green"])
create_definition(admin, key="birthday", label="Birthday", type="date")
create_definition(admin, key="vip", label="VIP", type="boolean")
create_definition(admin, key="profile", label="Member page", type="url")
line = make_channel(workspace, ChannelKind.LINE, name="Harbour Air LINE")
contact = make_contact(
    workspace, name="Chan Tai Man", email="taiman@example.com", customer_id="HA-1001",
    attributes={"tier": "Silver", "profile": "javascript:alert(1)"},
)
earlier = make_conversation(workspace, contact=contact, channel=line, subject="Lost bag", status="resolved")
conversation = make_conversation(workspace, contact=contact, channel=line, subject="Flight HX-231 cancelled")
make_message(conversation, text="My flight tomorrow was cancelled. Can I rebook?")
record_feedback(
    members[1], contact, kind="compliment", text="Ground staff in Osaka were wonderful", source_conversation=earlier,
)
upsert_context(
    members[1], contact, kind="booking", external_id="7QKD2P", title="HKG → NRT <script>alert(3)</script>",
    status="confirmed", url="https://air.example/manage/7QKD2P",
    data={"flight": "HX-231", "date": "2026-12-08", "seat": "12A", "bags": 1, "meal": "VGML"},
)
print(json.dumps({"conversation": conversation.pk, "contact": contact.pk, "token": issue_token(members[0], "e2e")[1]}))
"""


@pytest.fixture(scope="module")
def running_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    with serving_product(tmp_path_factory.mktemp("profile"), SETUP) as running:
        yield running


def conversation_page(browser: Browser, base: str, email: str, conversation: int, width: int = 1280) -> Page:
    page = live(signed_in(browser, base, email, width, height=1400), f"{base}/inbox/conversations/{conversation}/")
    page.evaluate("window.__sameDocument = true")
    return page


def test_typed_attributes_feedback_and_context_in_the_sidebar(
    browser: Browser, running_web: tuple[str, dict[str, Any]]
) -> None:
    base, fixture = running_web
    ada = conversation_page(browser, base, "ada@example.com", fixture["conversation"])
    bo = conversation_page(browser, base, "bo@example.com", fixture["conversation"])
    sidebar = ada.get_by_test_id("customer-sidebar")
    attributes = sidebar.get_by_test_id("sidebar-attributes")
    # Defined attributes first, in order; the stored javascript: link is text, never a link.
    expect(attributes.locator("dt").first).to_have_text("Membership tier")
    expect(attributes).to_contain_text("javascript:alert(1)")
    assert sidebar.locator("a[href^='javascript:']").count() == 0

    sidebar.get_by_role("button", name="Edit Membership tier").click()
    expect(ada.locator("select#sidebar-attribute-value")).to_be_focused()
    ada.select_option("select#sidebar-attribute-value", "Gold")
    ada.get_by_test_id("sidebar-attribute-form").get_by_role("button", name="Save").click()
    expect(attributes).to_contain_text("Gold")

    sidebar.get_by_role("button", name="Edit Birthday").click()
    ada.fill("input#sidebar-attribute-value[type=date]", "1990-05-01")
    ada.keyboard.press("Enter")
    expect(attributes.locator("time")).to_have_text("May 1, 1990")

    sidebar.get_by_role("button", name="Edit VIP").click()
    ada.check("input#sidebar-attribute-value[type=checkbox]")
    ada.get_by_test_id("sidebar-attribute-form").get_by_role("button", name="Save").click()
    expect(attributes.locator(".attribute-row", has_text="VIP")).to_contain_text("Yes")

    sidebar.get_by_role("button", name="Edit Member page").click()
    ada.fill("input#sidebar-attribute-value[type=url]", "https://air.example/members/HA-1001")
    ada.keyboard.press("Enter")
    link = attributes.get_by_role("link", name="https://air.example/members/HA-1001")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(link).to_have_attribute("target", "_blank")

    # A complaint, said in this conversation; the counts follow.
    feedback = sidebar.locator("#sidebar-feedback")
    feedback.get_by_role("button", name="Record a complaint").click()
    expect(ada.locator("#sidebar-feedback-text")).to_be_focused()
    ada.fill("#sidebar-feedback-text", "Second cancellation this month, no notice")
    ada.get_by_test_id("sidebar-feedback-form").get_by_role("button", name="Save").click()
    expect(feedback.get_by_test_id("feedback-count-complaint")).to_have_text("1")
    expect(feedback.get_by_test_id("feedback-count-compliment")).to_have_text("1")
    items = feedback.get_by_test_id("sidebar-feedback")
    expect(items.locator("li").first).to_contain_text("said in this conversation")
    expect(items.locator("li").first).to_contain_text("added by Ada Lam")
    expect(items.locator("li").nth(1)).to_contain_text("said in conversation #")

    context = sidebar.get_by_test_id("sidebar-context")
    expect(context).to_contain_text("7QKD2P")
    expect(context).to_contain_text("<script>alert(3)</script>")
    expect(context.get_by_role("link")).to_have_attribute("href", "https://air.example/manage/7QKD2P")

    # The business's system changes the booking: both open sidebars show it without a reload.
    answer = httpx.put(
        f"{base}/api/v1/context/booking/7QKD2P",
        json={
            "contact": {"customer_id": "HA-1001"},
            "title": "HKG → NRT",
            "status": "cancelled",
            "url": "https://air.example/manage/7QKD2P",
            "data": {"flight": "HX-231", "date": "2026-12-08", "rebooked": False},
        },
        headers={"Authorization": f"Bearer {fixture['token']}"},
    )
    assert answer.status_code == 200, answer.text
    expect(context.locator(".context-status")).to_have_text("cancelled", timeout=5_000)
    other = bo.get_by_test_id("customer-sidebar")
    expect(other.get_by_test_id("sidebar-context").locator(".context-status")).to_have_text("cancelled", timeout=5_000)
    expect(other.get_by_test_id("feedback-count-complaint")).to_have_text("1", timeout=5_000)
    expect(other.get_by_test_id("sidebar-attributes")).to_contain_text("Gold")
    assert bo.evaluate("window.__sameDocument") is True, "the page was reloaded"

    for page in (ada, bo):
        assert serious_violations(page, within=".customer-sidebar") == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sidebar.screenshot(path=str(SCREENSHOTS / "customer-profile-en.png"))
    other.screenshot(path=str(SCREENSHOTS / "customer-profile-zh-hant.png"))


def test_the_profile_sections_fit_a_phone(browser: Browser, running_web: tuple[str, dict[str, Any]]) -> None:
    base, fixture = running_web
    page = conversation_page(browser, base, "ada@example.com", fixture["conversation"], width=390)
    sidebar = page.get_by_test_id("customer-sidebar")
    sidebar.locator("#sidebar-feedback").get_by_role("button", name="Record a compliment").click()
    expect(page.locator("#sidebar-feedback-text")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways"
    sidebar.locator("#sidebar-context").screenshot(path=str(SCREENSHOTS / "customer-profile-context-phone.png"))


def test_an_admin_defines_attributes_in_settings(browser: Browser, running_web: tuple[str, dict[str, Any]]) -> None:
    base, _fixture = running_web
    page = signed_in(browser, base, "root@example.com")
    page.goto(f"{base}/settings/")
    page.get_by_role("link", name="Contact attributes").click()
    expect(page.get_by_test_id("attribute-list")).to_contain_text("Membership tier")
    page.get_by_role("link", name="New attribute").click()
    page.get_by_label("Label", exact=True).fill("Seat preference")
    page.get_by_label("Key", exact=True).fill("seat_pref")
    page.get_by_label("Type", exact=True).select_option("choice")
    page.get_by_label("Choices", exact=True).fill("Window\nAisle")
    page.get_by_role("button", name="Save").click()
    rows = page.get_by_test_id("attribute-row")
    expect(rows.last).to_contain_text("Window, Aisle")
    page.get_by_role("button", name="Move Seat preference up").click()
    expect(rows.nth(3)).to_contain_text("Seat preference")
    assert serious_violations(page, within=".settings-content") == []
    page.screenshot(path=str(SCREENSHOTS / "settings-contact-attributes.png"), full_page=True)
