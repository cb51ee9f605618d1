"""The conversation list in a browser: filter, bulk-resolve, and a new conversation appearing live."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.browsing import live, post_webhook, serving_product, signed_in
from tests.running import REPO

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"

SETUP = """
import json, django
django.setup()
from datetime import timedelta
from django.utils import timezone
from frontdesk.channels.api.setup import create_api_channel
from frontdesk.channels.models import ChannelKind
from frontdesk.conversations.models import ConversationLabel, Label, Priority
from frontdesk.core.models import Role
from tests.factories import make_channel, make_contact, make_conversation, make_member, make_team, make_user
from tests.factories import make_workspace
workspace = make_workspace("Harbour Air")
api = create_api_channel(workspace, "Booking site")
whatsapp = make_channel(workspace, ChannelKind.WHATSAPP, name="WhatsApp HK")
line = make_channel(workspace, ChannelKind.LINE, name="LINE TW")
members = {}
for email, language, name in (("ada@example.com", "en", "Ada Lee"), ("bo@example.com", "zh-hant", "Bo Chan")):
    members[email] = make_member(workspace, Role.SUPERVISOR, user=make_user(email, language=language, name=name))
team = make_team(workspace, "Refunds", members=list(members.values()))
vip = Label.all_workspaces.create(workspace=workspace, name="vip", color="#B91C1C")
refund = Label.all_workspaces.create(workspace=workspace, name="refund", color="#1D4ED8")
now = timezone.now()
rows = [
    ("陳大文", whatsapp, "航班 CX880 取消了，可以退款嗎？", 3, [vip, refund], 4, None),
    ("Mei Wong", line, "My bag did not arrive in Taipei", 9, [vip], 3, "ada@example.com"),
    ("林小美", line, "想改簽到明天的航班", 25, [refund], 2, None),
    ("Sam Patel", api, "Seat upgrade for order 10442?", 50, [vip], 0, "bo@example.com"),
    ("張志明", whatsapp, "收據寄到哪裡？", 120, [], 1, None),
]
for name, channel, text, minutes, labels, priority, assignee in rows:
    at = now - timedelta(minutes=minutes)
    conversation = make_conversation(
        workspace, contact=make_contact(workspace, name=name), channel=channel, subject=text[:24],
        last_message_preview=text, last_activity_at=at, waiting_since=at, priority=priority, team=team,
        assignee=members.get(assignee),
    )
    for label in labels:
        ConversationLabel.all_workspaces.create(workspace=workspace, conversation=conversation, label=label)
print(json.dumps({"hook": f"/hooks/api/{api.webhook_token}", "secret": api.secrets["signing_secret"],
                  "vip": vip.pk}))
"""


@pytest.fixture(scope="module")
def running_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    with serving_product(tmp_path_factory.mktemp("inbox-list"), SETUP) as running:
        yield running


def post_message(base: str, fixture: dict[str, Any], event_id: str, contact: dict[str, str], text: str) -> None:
    event = {"id": event_id, "type": "message", "contact": contact, "message": {"id": event_id, "text": text}}
    response = post_webhook(base, fixture["hook"], fixture["secret"], [event])
    assert response.status_code == 200, response.text


def test_agent_filters_and_resolves_two_rows_at_once(browser: Browser, running_web: tuple[str, Any]) -> None:
    base, fixture = running_web
    page = live(signed_in(browser, base, "ada@example.com"))
    rows = page.locator("[data-testid=conversation-row]")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("陳大文")
    expect(page.locator(".conversation-row.unread")).to_have_count(5)
    page.screenshot(path=str(SCREENSHOTS / "inbox-en.png"))

    page.select_option("#filter-label", str(fixture["vip"]))
    page.select_option("#filter-sort", "waiting")
    page.click("#filter-form button[type=submit]")
    page.wait_for_url(f"**/inbox/?label={fixture['vip']}&sort=waiting")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Sam Patel")  # waiting longest

    toolbar = page.locator("#bulk-form")
    expect(toolbar).to_be_hidden()
    rows.nth(0).locator(".row-check").check()
    rows.nth(1).locator(".row-check").check()
    expect(toolbar).to_be_visible()
    expect(page.locator("#bulk-count")).to_have_text("2")
    page.evaluate("window.__sameDocument = true")
    toolbar.locator("button[value=resolve]").click()
    expect(page.locator("#bulk-status")).to_have_text("2 conversations changed.")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("陳大文")
    expect(toolbar).to_be_hidden()
    expect(page.locator("[data-testid=conversation-count]")).to_have_text("1 conversation")
    expect(page.locator("#view-count-all")).to_have_text("3")  # the views count every open conversation
    assert page.evaluate("window.__sameDocument") is True

    page.select_option("#filter-status", "resolved")
    page.click("#filter-form button[type=submit]")
    expect(rows).to_have_count(2)
    page.context.close()


def test_a_new_conversation_appears_live_and_keeps_the_checked_rows(
    browser: Browser, running_web: tuple[str, Any]
) -> None:
    base, fixture = running_web
    page = live(signed_in(browser, base, "ada@example.com"))
    rows = page.locator("[data-testid=conversation-row]")
    before = rows.count()
    checked_id = rows.last.get_attribute("data-conversation-id")
    rows.last.locator(".row-check").check()
    page.evaluate("window.__sameDocument = true")
    post_message(base, fixture, "evt-list-1", {"id": "crm-77", "name": "Lam Ka Yan"}, "行李延誤，請幫忙追蹤")
    # A fresh product indexing its first message loads the converter and the segmenter: seconds when loaded.
    expect(rows.first).to_contain_text("Lam Ka Yan", timeout=20_000)
    expect(rows.first).to_contain_text("行李延誤")
    expect(rows.first).to_have_class("conversation-row waiting unread")
    expect(rows).to_have_count(before + 1)
    expect(page.locator("#view-count-unassigned")).not_to_have_text("0")
    expect(page.locator(f'.conversation-row[data-conversation-id="{checked_id}"] .row-check')).to_be_checked()
    expect(page.locator("#bulk-count")).to_have_text("1")
    assert page.evaluate("window.__sameDocument") is True

    # A burst of events is gathered into a few refreshes, not one per event.
    page.evaluate(
        """() => {
            window.__events = 0;
            document.addEventListener("frontdesk:event", () => { window.__events += 1; });
        }"""
    )
    refreshes: list[str] = []
    page.on("request", lambda request: refreshes.append(request.url) if "partial=rows" in request.url else None)
    contact = {"id": "crm-77", "name": "Lam Ka Yan"}
    with ThreadPoolExecutor(max_workers=5) as pool:
        posts = [
            pool.submit(post_message, base, fixture, f"evt-burst-{number}", contact, f"追問 {number}")
            for number in range(5)
        ]
    for post in posts:
        post.result()
    expect(page.locator("[data-testid=conversation-row]", has_text="追問")).to_have_count(1, timeout=5_000)
    page.wait_for_timeout(1_000)  # the last refresh of the burst
    events = page.evaluate("window.__events")
    assert events >= 5, events
    assert 1 <= len(refreshes) < events / 2, (len(refreshes), events)
    page.context.close()


def test_chinese_screens_and_the_phone_layout(browser: Browser, running_web: tuple[str, Any]) -> None:
    base, _fixture = running_web
    page = live(signed_in(browser, base, "bo@example.com"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hant")
    page.screenshot(path=str(SCREENSHOTS / "inbox-zh-hant.png"))
    page.context.close()

    phone = live(signed_in(browser, base, "ada@example.com", width=390, height=844))
    filters = phone.locator("#inbox-filters")
    expect(filters).to_be_hidden()
    expect(phone.locator("[data-testid=conversation-row]").first).to_be_visible()
    phone.screenshot(path=str(SCREENSHOTS / "inbox-phone-en.png"))
    toggle = phone.locator("#filters-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(filters).to_be_visible()
    expect(phone.locator("#filter-status")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.context.close()
