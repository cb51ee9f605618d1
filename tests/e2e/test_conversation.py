"""The conversation page end to end: an @mention, a failed reply retried, send and resolve after a takeover."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.e2e.browsing import calling_out_to, live, serving_product, signed_in
from tests.fake_receiver import FakeReceiver
from tests.running import REPO

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"

SETUP = """
import json, sys, django
from datetime import timedelta
django.setup()
from django.utils import timezone
from frontdesk.channels.api.setup import create_api_channel
from frontdesk.core.models import Role
from tests.factories import make_contact, make_conversation, make_identity, make_member, make_message, make_team
from tests.factories import make_user, make_workspace
workspace = make_workspace("Harbour Shop")
channel = create_api_channel(workspace, "Shop app", callback_url=sys.argv[1])
for email, language, name, role in (
    ("ada@example.com", "en", "Ada Wong", Role.SUPERVISOR),
    ("bo@example.com", "zh-hant", "Bo Chan", Role.SUPERVISOR),
    ("ana@example.com", "en", "Ana Lee", Role.AGENT),
):
    make_member(workspace, role, user=make_user(email, language=language, name=name))
make_team(workspace, "Billing")
from frontdesk.canned.models import CannedResponse
CannedResponse.all_workspaces.create(
    workspace=workspace, shortcut="shipped", title="Parcel shipped",
    text="Hi {{contact.name}}, your parcel ships today.",
)
contact = make_contact(workspace, name="Chan Tai Man")
make_identity(contact, channel, external_id="shop-4411")
now = timezone.now()
earlier = make_conversation(workspace, contact=contact, channel=channel, subject="Wrong size",
                            created_at=now - timedelta(days=20), status="resolved")
make_message(earlier, text="The shoes are too small", created_at=now - timedelta(days=20))
conversation = make_conversation(workspace, contact=contact, channel=channel, subject="Parcel HS-20931")
make_message(conversation, text="Where is my parcel HS-20931? 我個包裹去咗邊？")
print(json.dumps({"conversation": conversation.pk}))
"""


@pytest.fixture(scope="module")
def running_web(
    tmp_path_factory: pytest.TempPathFactory, receiver: FakeReceiver
) -> Iterator[tuple[str, dict[str, Any]]]:
    var_dir = tmp_path_factory.mktemp("conversation")
    with serving_product(var_dir, SETUP, receiver.url(), env=calling_out_to(receiver)) as running:
        yield running


def conversation_page(browser: Browser, base: str, conversation: int, email: str, width: int, height: int) -> Page:
    return live(signed_in(browser, base, email, width, height), f"{base}/inbox/conversations/{conversation}/")


def test_an_agent_mentions_a_teammate_retries_a_failed_reply_then_takes_over_and_resolves(
    browser: Browser, running_web: tuple[str, dict[str, Any]], receiver: FakeReceiver
) -> None:
    base, fixture = running_web
    page = conversation_page(browser, base, fixture["conversation"], "ada@example.com", 1280, 720)
    timeline = page.locator("#timeline")

    # A private note with an @mention chosen from the picker by keyboard, sent with Ctrl+Enter.
    page.get_by_label("Private note").check()
    text = page.locator("#composer-text")
    text.click()
    text.press_sequentially("@An")
    option = page.get_by_role("option", name="@Ana Lee")
    expect(option).to_be_visible()
    expect(option).to_have_attribute("aria-selected", "true")
    text.press("Enter")
    expect(text).to_have_value("@Ana Lee ")
    text.press_sequentially("please call the courier")
    text.press("Control+Enter")
    expect(timeline.locator(".message-note mark.mention")).to_have_text("@Ana Lee")
    expect(text).to_have_value("")

    # The provider refuses the reply; the agent reads why and sends it again.
    receiver.then(422, {"error": "recipient temporarily unknown"})
    page.get_by_label("Reply to the customer").check()
    text.press_sequentially("/ship")
    expect(page.get_by_role("option", name="/shipped · Parcel shipped")).to_be_visible()
    text.press("Enter")
    expect(text).to_have_value("Hi Chan Tai Man, your parcel ships today.")
    page.locator("[data-action=send]").click()
    failure = timeline.get_by_test_id("message-failure")
    expect(failure).to_contain_text("recipient temporarily unknown", timeout=15_000)
    page.get_by_role("button", name="Show earlier conversations (1)").click()
    expect(page.get_by_test_id("earlier-conversation")).to_contain_text("The shoes are too small")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "conversation-en.png"))
    failure.get_by_role("button", name="Retry").click()
    expect(timeline.get_by_test_id("message-failure")).to_have_count(0)
    expect(timeline.locator(".message-outbound").last.get_by_test_id("delivery")).to_contain_text(
        "Sent", timeout=15_000
    )

    # Someone else has the case now: sending asks first, and "assign to yourself" takes it, sends and resolves.
    page.get_by_label("Assign to").select_option(label="Ana Lee")
    expect(page.get_by_test_id("conversation-assignee")).to_contain_text("Ana Lee")
    text.fill("All sorted, thank you! ")
    page.set_input_files(
        "#composer-files",
        files=[
            FilePayload(name="receipt.pdf", mimeType="application/pdf", buffer=b"%PDF-1.4\n" + b"0" * 1500),
            FilePayload(name="wrong-file.pdf", mimeType="application/pdf", buffer=b"%PDF-1.4\n" + b"1" * 900),
        ],
    )
    chosen = page.get_by_role("list", name="Files to send")
    expect(chosen.get_by_role("listitem")).to_have_count(2)
    chosen.get_by_role("button", name="Remove wrong-file.pdf").click()
    expect(chosen.get_by_role("listitem")).to_have_count(1)
    page.get_by_role("button", name="Insert emoji").click()
    page.get_by_role("button", name="Thumbs up").click()
    expect(text).to_have_value("All sorted, thank you! 👍")
    page.locator("[data-action=send-and-resolve]").click()
    dialog = page.get_by_test_id("takeover-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Assigned to Ana Lee.")
    dialog.get_by_role("button", name="Assign to yourself and send").click()
    expect(timeline.locator(".message-outbound").last).to_contain_text("All sorted, thank you! 👍")
    expect(timeline.locator(".message-outbound").last.locator("a.attachment")).to_have_text(["receipt.pdf (1.5 KB)"])
    expect(page.get_by_test_id("conversation-assignee")).to_contain_text("Ada Wong", timeout=5_000)
    expect(page.get_by_test_id("conversation-status")).to_have_text("Resolved", timeout=5_000)
    expect(page.locator("[data-action=reopen]")).to_be_visible()

    zh = conversation_page(browser, base, fixture["conversation"], "bo@example.com", 1280, 720)
    expect(zh.locator("[data-action=reopen]")).to_be_visible()
    zh.screenshot(path=str(SCREENSHOTS / "conversation-zh-hant.png"))
    phone = conversation_page(browser, base, fixture["conversation"], "ada@example.com", 390, 844)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    phone.screenshot(path=str(SCREENSHOTS / "conversation-phone-en.png"))

    # By keyboard: the header is redrawn after a change, and the focus lands on the control that replaced the one used.
    page.locator("[data-action=reopen]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-action=resolve]")).to_be_focused()
    expect(page.get_by_test_id("conversation-status")).to_have_text("Open")
