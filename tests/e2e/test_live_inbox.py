"""The agent's page stays live: what arrives elsewhere appears without a reload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browsing import calling_out_to, live, post_webhook, serving_product, signed_in
from tests.fake_receiver import FakeReceiver
from tests.running import wait_for

pytestmark = pytest.mark.browser

SETUP = """
import json, sys, django
django.setup()
from frontdesk.channels.api.setup import create_api_channel
from frontdesk.core.tokens import issue_token
from tests.factories import make_contact, make_conversation, make_identity, make_member, make_message, make_user
from tests.factories import make_workspace
workspace = make_workspace("Live Air")
channel = create_api_channel(workspace, "Booking site", callback_url=sys.argv[1])
user = make_user("live-agent@example.com", language="en")
member = make_member(workspace, user=user)
contact = make_contact(workspace, name="Wong Siu Ming")
make_identity(contact, channel, external_id="crm-880")
conversation = make_conversation(workspace, contact=contact, channel=channel, subject="Flight CX880")
make_message(conversation, text="My flight was cancelled")
print(json.dumps({
    "token": issue_token(member, "live")[1], "conversation": conversation.pk,
    "hook": f"/hooks/api/{channel.webhook_token}", "secret": channel.secrets["signing_secret"],
}))
"""


@pytest.fixture(scope="module")
def running_web(
    tmp_path_factory: pytest.TempPathFactory, receiver: FakeReceiver
) -> Iterator[tuple[str, dict[str, Any]]]:
    # Every role: the reply test needs the worker that delivers the outbox.
    var_dir = tmp_path_factory.mktemp("live")
    with serving_product(var_dir, SETUP, receiver.url(), env=calling_out_to(receiver)) as running:
        yield running


@pytest.fixture
def page(browser: Browser, running_web: tuple[str, dict[str, Any]]) -> Page:
    base, fixture = running_web
    return live(
        signed_in(browser, base, "live-agent@example.com"), f"{base}/inbox/conversations/{fixture['conversation']}/"
    )


def test_a_note_added_elsewhere_appears_without_reload(page: Page, running_web: tuple[str, dict[str, Any]]) -> None:
    base, fixture = running_web
    page.evaluate("window.__sameDocument = true")
    response = httpx.post(
        f"{base}/api/v1/conversations/{fixture['conversation']}/messages",
        json={"kind": "note", "text": "Rebooked on CX884 — 已改簽"},
        headers={"Authorization": f"Bearer {fixture['token']}"},
    )
    assert response.status_code == 201
    expect(page.locator("#timeline")).to_contain_text("Rebooked on CX884 — 已改簽", timeout=5_000)
    assert page.evaluate("window.__sameDocument") is True, "the page was not reloaded"


def test_agent_writes_a_note_in_the_composer(page: Page) -> None:
    page.evaluate("window.__sameDocument = true")
    page.check("input[name=kind][value=note]")
    page.fill("#composer-text", "Offered a lounge voucher")
    page.click("#composer button[type=submit]")
    expect(page.locator("#timeline .message-note").last).to_contain_text("Offered a lounge voucher")
    expect(page.locator("#composer-text")).to_have_value("")
    page.fill("#composer-text", "   ")
    page.click("#composer button[type=submit]")
    expect(page.locator("#composer-error")).to_have_text("A reply cannot be empty.")
    assert page.evaluate("window.__sameDocument") is True


def test_a_customer_message_from_a_webhook_appears_without_reload(
    page: Page, running_web: tuple[str, dict[str, Any]]
) -> None:
    base, fixture = running_web
    page.evaluate("window.__sameDocument = true")
    event = {
        "id": "evt-live-1",
        "type": "message",
        "contact": {"id": "crm-880", "name": "Wong Siu Ming"},
        "message": {"id": "m-live-1", "text": "請問幾時可以退款？"},
    }
    response = post_webhook(base, fixture["hook"], fixture["secret"], [event])
    assert response.status_code == 200, response.text
    expect(page.locator("#timeline .message-inbound").last).to_contain_text("請問幾時可以退款？", timeout=5_000)
    assert page.evaluate("window.__sameDocument") is True


def test_a_reply_typed_on_the_page_reaches_the_receiver(page: Page, receiver: FakeReceiver) -> None:
    page.check("input[name=kind][value=reply]")
    page.fill("#composer-text", "Your refund of HK$2,380 is on its way.")
    page.click("#composer button[type=submit]")
    expect(page.locator("#timeline .message-outbound").last).to_contain_text("HK$2,380")
    wait_for(lambda: any(b"HK$2,380" in request.body for request in receiver.received), 20, "the reply at the receiver")
    delivered = next(request for request in receiver.received if b"HK$2,380" in request.body)
    assert delivered.headers.get("Idempotency-Key") or delivered.headers.get("idempotency-key")
    expect(page.locator("#timeline .message-outbound").last).to_contain_text("Sent", timeout=10_000)
