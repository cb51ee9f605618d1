"""Incidents end to end: similar customer messages from webhooks grouped live, then answered all at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.browsing import calling_out_to, choose_language, live, post_webhook, serving_product, signed_in
from tests.fake_receiver import FakeReceiver
from tests.running import REPO, wait_for

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"

SETUP = """
import json, sys, django
from datetime import timedelta
django.setup()
from django.utils import timezone
from frontdesk.channels.api.setup import create_api_channel
from frontdesk.channels.models import ChannelKind
from frontdesk.incidents.grouping import check_message
from tests.factories import make_channel, make_contact, make_conversation, make_identity, make_member, make_message
from tests.factories import make_user, make_workspace
workspace = make_workspace("Harbour Air")
channel = create_api_channel(workspace, "Booking site", callback_url=sys.argv[1])
make_member(workspace, user=make_user("ada@example.com", language="en", name="Ada"))
whatsapp = make_channel(workspace, ChannelKind.WHATSAPP, name="WhatsApp")
contact = make_contact(workspace, name="Wong Siu Ming")
make_identity(contact, whatsapp)
text = "我明天飛香港的CX880航班被取消了，可以退款或者改簽嗎？謝謝"
conversation = make_conversation(workspace, contact=contact, channel=whatsapp, last_message_preview=text)
# Wrote 30 hours ago: WhatsApp's 24-hour window is closed, so a free-text answer is refused.
check_message(make_message(conversation, text=text, created_at=timezone.now() - timedelta(hours=30)))
print(json.dumps({"hook": f"/hooks/api/{channel.webhook_token}", "secret": channel.secrets["signing_secret"]}))
"""

CUSTOMERS = [
    ("crm-1", "Chan Tai Man", "你好，我明天飛香港嘅CX880航班被取消咗，請問可以退款或者改簽嗎？"),
    ("crm-2", "Lin Mei", "你好，我明天飞香港的CX880航班被取消了，请问可以退款或者改签吗？"),
]


@pytest.fixture(scope="module")
def running_web(
    tmp_path_factory: pytest.TempPathFactory, receiver: FakeReceiver
) -> Iterator[tuple[str, dict[str, Any]]]:
    var_dir = tmp_path_factory.mktemp("incidents")
    with serving_product(var_dir, SETUP, receiver.url(), env=calling_out_to(receiver)) as running:
        yield running


def test_similar_messages_group_live_and_answer_all_reaches_each_customer_by_name(
    browser: Browser, running_web: tuple[str, dict[str, Any]], receiver: FakeReceiver
) -> None:
    base, fixture = running_web
    inbox = live(signed_in(browser, base, "ada@example.com"), f"{base}/inbox/")
    expect(inbox.get_by_test_id("incident-nav-count")).to_have_text("0")
    for number, (contact_id, name, text) in enumerate(CUSTOMERS):
        event = {
            "id": f"evt-{number}",
            "type": "message",
            "contact": {"id": contact_id, "name": name},
            "message": {"id": f"m-{number}", "text": text},
        }
        assert post_webhook(base, fixture["hook"], fixture["secret"], [event]).status_code == 200
    # Grouped as the messages arrive; the inbox's count and row badges follow without a reload.
    expect(inbox.get_by_test_id("incident-nav-count")).to_have_text("1", timeout=10_000)
    expect(inbox.get_by_test_id("row-incident")).to_have_count(3, timeout=10_000)

    inbox.get_by_role("link", name="Incidents").first.click()
    expect(inbox.get_by_test_id("incident-row")).to_have_count(1)
    inbox.screenshot(path=str(SCREENSHOTS / "incidents-list.png"), full_page=True)
    inbox.get_by_test_id("incident-row").get_by_role("link").click()
    expect(inbox.get_by_test_id("incident-conversation")).to_have_count(3)

    inbox.get_by_label("Message to every open conversation").fill(
        "{{ contact.name }}, CX880 is cancelled; we have rebooked you on CX882 at 10:40 at no cost."
    )
    inbox.screenshot(path=str(SCREENSHOTS / "incident.png"), full_page=True)
    inbox.get_by_role("button", name="Send to 3 conversations").click()
    outcome = inbox.get_by_test_id("incident-outcome")
    expect(outcome).to_contain_text("2 conversations done.")
    expect(inbox.get_by_test_id("incident-refused")).to_contain_text("Wong Siu Ming")
    expect(inbox.get_by_test_id("incident-refused")).to_contain_text("24-hour reply window")
    inbox.screenshot(path=str(SCREENSHOTS / "incident-answered.png"), full_page=True)

    def delivered() -> list[str] | None:
        texts = [json.loads(r.body).get("text", "") for r in receiver.received if b"CX882" in r.body]
        return texts if len(texts) == 2 else None

    texts = wait_for(delivered, 20, "both answers at the receiver")
    assert sorted(t.split(",")[0] for t in texts) == ["Chan Tai Man", "Lin Mei"]

    phone = live(signed_in(browser, base, "ada@example.com", width=390, height=844), f"{base}/inbox/incidents/")
    choose_language(phone, base, "zh-hant")
    phone.goto(f"{base}/inbox/incidents/")
    expect(phone.get_by_test_id("incident-row")).to_have_count(1)
    phone.screenshot(path=str(SCREENSHOTS / "incidents-list-zh-hant-390.png"), full_page=True)
    phone.get_by_test_id("incident-row").get_by_role("link").click()
    expect(phone.get_by_test_id("incident-conversation")).to_have_count(3)
    phone.screenshot(path=str(SCREENSHOTS / "incident-zh-hant-390.png"), full_page=True)
