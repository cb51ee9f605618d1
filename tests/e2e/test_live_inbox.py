"""The agent's page stays live: what arrives elsewhere appears without a reload."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from frontdesk.channels.api.adapter import sign
from tests.fake_receiver import FakeReceiver, running_receiver
from tests.running import (
    launch_chromium,
    product_env,
    serving,
    set_up_product,
    wait_for,
)

pytestmark = pytest.mark.browser

PASSWORD = "live inbox passphrase 1"

SETUP = f"""
import json, sys, django
django.setup()
from frontdesk.channels.api.setup import create_api_channel
from frontdesk.core.tokens import issue_token
from tests.factories import make_contact, make_conversation, make_identity, make_member, make_message, make_user
from tests.factories import make_workspace
workspace = make_workspace("Live Air")
channel = create_api_channel(workspace, "Booking site", callback_url=sys.argv[1])
user = make_user("live-agent@example.com", language="en")
user.set_password({PASSWORD!r})
user.save()
member = make_member(workspace, user=user)
contact = make_contact(workspace, name="Wong Siu Ming")
make_identity(contact, channel, external_id="crm-880")
conversation = make_conversation(workspace, contact=contact, channel=channel, subject="Flight CX880")
make_message(conversation, text="My flight was cancelled")
print(json.dumps({{
    "token": issue_token(member, "live")[1], "conversation": conversation.pk,
    "hook": f"/hooks/api/{{channel.webhook_token}}", "secret": channel.secrets["signing_secret"],
}}))
"""


@pytest.fixture(scope="module")
def receiver() -> Iterator[FakeReceiver]:
    with running_receiver() as fake:
        yield fake


@pytest.fixture(scope="module")
def running_web(
    tmp_path_factory: pytest.TempPathFactory, receiver: FakeReceiver
) -> Iterator[tuple[str, dict[str, Any]]]:
    var_dir = tmp_path_factory.mktemp("live")
    with product_env(var_dir) as env:
        env = env | {
            "DJANGO_SETTINGS_MODULE": "frontdesk.settings",
            "FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS": receiver.host_port,
            "FRONTDESK_SCHEDULER_TICK": "0.5",
        }
        fixture = set_up_product(env, SETUP, receiver.url())
        # Every role: the reply test needs the worker that delivers the outbox.
        with serving(env, var_dir) as base:
            yield base, fixture


@pytest.fixture
def page(running_web: tuple[str, dict[str, Any]]) -> Iterator[Page]:
    base, fixture = running_web
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=login]", "live-agent@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/inbox/")
        page.goto(f"{base}/inbox/conversations/{fixture['conversation']}/")
        expect(page.locator("body")).to_have_attribute("data-live", "connected", timeout=10_000)
        yield page
        browser.close()


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
    body = json.dumps(
        {
            "events": [
                {
                    "id": "evt-live-1",
                    "type": "message",
                    "contact": {"id": "crm-880", "name": "Wong Siu Ming"},
                    "message": {"id": "m-live-1", "text": "請問幾時可以退款？"},
                }
            ]
        },
        ensure_ascii=False,
    ).encode()
    response = httpx.post(
        base + str(fixture["hook"]),
        content=body,
        headers={"Content-Type": "application/json", "X-Frontdesk-Signature": sign(str(fixture["secret"]), body)},
    )
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
