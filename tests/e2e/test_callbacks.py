"""Callbacks end to end: requested through the API, live on two agents' queues, claimed by one, the call recorded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browsing import calling_out_to, live, serving_product, signed_in
from tests.fake_receiver import FakeReceiver
from tests.running import REPO, wait_for

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"

SETUP = """
import json, sys, django
django.setup()
from frontdesk.channels.api.setup import create_api_channel
from frontdesk.core.tokens import issue_token
from tests.factories import make_contact, make_identity, make_member, make_user, make_workspace
workspace = make_workspace("Harbour Shop")
channel = create_api_channel(workspace, "Shop site", callback_url=sys.argv[1])
members = []
for email, language in (("ada@example.com", "en"), ("bo@example.com", "zh-hant")):
    members.append(make_member(workspace, user=make_user(email, language=language, name=email.split("@")[0].title())))
contact = make_contact(workspace, name="Chan Tai Man")
make_identity(contact, channel, external_id="shop-4411")
print(json.dumps({"token": issue_token(members[0], "e2e")[1], "channel": channel.pk}))
"""


@pytest.fixture(scope="module")
def running_web(
    tmp_path_factory: pytest.TempPathFactory, receiver: FakeReceiver
) -> Iterator[tuple[str, dict[str, Any]]]:
    var_dir = tmp_path_factory.mktemp("callbacks")
    # A short target so the test sees the queue turn amber, then red.
    short_target = {"FRONTDESK_CALLBACK_AT_RISK_SECONDS": "2", "FRONTDESK_CALLBACK_TARGET_SECONDS": "4"}
    with serving_product(var_dir, SETUP, receiver.url(), env=calling_out_to(receiver) | short_target) as running:
        yield running


def queue_page(browser: Browser, base: str, email: str, width: int = 1280) -> Page:
    return live(signed_in(browser, base, email, width, 800), f"{base}/inbox/callbacks/")


def test_a_requested_callback_is_claimed_by_one_agent_and_leaves_the_others_queue(
    browser: Browser, running_web: tuple[str, dict[str, Any]], receiver: FakeReceiver
) -> None:
    base, fixture = running_web
    ada = queue_page(browser, base, "ada@example.com")
    bo = queue_page(browser, base, "bo@example.com", width=390)
    expect(ada.get_by_test_id("callbacks-empty")).to_be_visible()
    for page in (ada, bo):
        page.evaluate("window.__sameDocument = true")

    response = httpx.post(
        f"{base}/api/v1/callbacks",
        json={
            "identity": {"channel_id": fixture["channel"], "external_id": "shop-4411"},
            "phone": "9123 4567",
            "context": {"order": "HS-20931", "page": "https://shop.example/orders/HS-20931"},
        },
        headers={"Authorization": f"Bearer {fixture['token']}"},
    )
    assert response.status_code == 201, response.text
    callback_id = response.json()["id"]

    for page in (ada, bo):
        item = page.locator(f"#callback-{callback_id}")
        expect(item).to_contain_text("Chan Tai Man", timeout=5_000)
        expect(item).to_contain_text("+852 9123 4567")
        expect(item).to_contain_text("HS-20931")
        expect(item.locator("a.callback-phone")).to_have_attribute("href", "tel:+85291234567")
        assert page.evaluate("window.__sameDocument") is True, "the page was reloaded"
    # The clock counts up; past 2 s the request is at risk, past 4 s the target is missed.
    expect(ada.locator(f"#callback-{callback_id}")).to_have_class("callback at-risk", timeout=5_000)
    expect(ada.locator(f"#callback-{callback_id}")).to_have_class("callback breached", timeout=5_000)
    expect(ada.get_by_test_id("waiting-count")).to_have_class("callback-count breached")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ada.screenshot(path=str(SCREENSHOTS / "callbacks-en.png"), full_page=True)
    bo.screenshot(path=str(SCREENSHOTS / "callbacks-zh-hant.png"), full_page=True)

    # The customer was told on the channel they came from.
    wait_for(lambda: any(b"+852 9123 4567" in request.body for request in receiver.received), 20, "the confirmation")

    ada.locator(f"#callback-{callback_id}").get_by_role("button").click()
    mine = ada.get_by_test_id("callback-mine")
    expect(mine).to_contain_text("+852 9123 4567")
    expect(mine.locator("a.callback-call")).to_have_attribute("href", "tel:+85291234567")
    expect(bo.locator(f"#callback-{callback_id}")).to_have_count(0, timeout=5_000)
    expect(bo.get_by_test_id("callback-other")).to_contain_text("Chan Tai Man")
    expect(bo.get_by_test_id("callbacks-empty")).to_be_visible()
    assert bo.evaluate("window.__sameDocument") is True, "the second agent's page was reloaded"

    mine.locator("input[value=reached]").check()
    mine.locator("textarea[name=notes]").fill("Refund of HK$480 agreed")
    mine.get_by_role("button", name="Save the call").click()
    expect(ada.locator(".flash")).to_contain_text("The call is recorded.")
    expect(ada.get_by_test_id("callback-mine")).to_have_count(0)
    expect(bo.get_by_test_id("callback-other")).to_have_count(0, timeout=5_000)

    recorded = httpx.get(
        f"{base}/api/v1/callbacks/{callback_id}", headers={"Authorization": f"Bearer {fixture['token']}"}
    ).json()
    assert recorded["status"] == "reached"
    assert recorded["attempts"][0]["notes"] == "Refund of HK$480 agreed"
    assert recorded["seconds_to_claim"] > 0
    assert recorded["seconds_to_first_attempt"] >= recorded["seconds_to_claim"]


def test_the_inbox_navigation_count_turns_red_when_a_request_misses_its_target(
    browser: Browser, running_web: tuple[str, dict[str, Any]]
) -> None:
    base, fixture = running_web
    ada = queue_page(browser, base, "ada@example.com")
    ada.goto(f"{base}/inbox/")
    expect(ada.locator("body")).to_have_attribute("data-live", "connected", timeout=10_000)
    count = ada.locator("#callback-nav [data-testid=callback-nav-count]")
    expect(count).to_have_text("0")
    response = httpx.post(
        f"{base}/api/v1/callbacks",
        json={"identity": {"channel_id": fixture["channel"], "external_id": "shop-4411"}, "phone": "+852 6123 4567"},
        headers={"Authorization": f"Bearer {fixture['token']}"},
    )
    assert response.status_code == 201, response.text
    expect(count).to_have_text("1", timeout=5_000)
    expect(count).to_have_class(re.compile(r"\bbreached\b"), timeout=8_000)
    ada.locator("#callback-nav").click()
    ada.wait_for_url(f"{base}/inbox/callbacks/")
    expect(ada.get_by_test_id("callback-waiting")).to_contain_text("+852 6123 4567")
