"""One person across channels in Chromium: an agent merges a suggested duplicate from the sidebar, a supervisor
undoes it; both screens in English and Chinese, and at phone width."""

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
from frontdesk.channels.models import ChannelKind
from frontdesk.core.models import Role
from tests.factories import (
    make_channel, make_contact, make_conversation, make_identity, make_member, make_message, make_user, make_workspace,
)
workspace = make_workspace("Harbour Air")
make_member(workspace, user=make_user("ada@example.com", language="en", name="Ada Lam"))
make_member(workspace, Role.SUPERVISOR, user=make_user("bo@example.com", language="zh-hant", name="Bo Chan"))
whatsapp = make_channel(workspace, ChannelKind.WHATSAPP, name="Harbour Air WhatsApp")
mail = make_channel(workspace, ChannelKind.EMAIL, name="Support mailbox")
contact = make_contact(workspace, name="陳大文", phone="+85291234567")
make_identity(contact, whatsapp, external_id="85291234567")
conversation = make_conversation(workspace, contact=contact, channel=whatsapp, subject="Flight HX-231 cancelled")
make_message(conversation, text="我明天的航班取消了，可以改期嗎？")
other = make_contact(workspace, name="陈大文", phone="+8691234567", email="taiman@example.com")
make_identity(other, mail, external_id="taiman@example.com")
earlier = make_conversation(workspace, contact=other, channel=mail, subject="Refund for HX-204", status="resolved")
make_message(earlier, text="Where is my refund?")
workspace.cross_channel_cases = "offer"
workspace.save()
wong = make_contact(workspace, name="Ada Wong", email="ada.wong@example.com", phone="+85298765432")
make_identity(wong, whatsapp, external_id="85298765432")
make_identity(wong, mail, external_id="ada.wong@example.com")
first = make_conversation(workspace, contact=wong, channel=whatsapp, subject="Lost bag")
make_message(first, text="My bag did not arrive on HX-231.")
second = make_conversation(workspace, contact=wong, channel=mail, subject="Lost bag, photos")
make_message(second, text="Photos of the bag attached.", channel=mail)
print(json.dumps({"conversation": conversation.pk, "first": first.pk, "second": second.pk}))
"""


@pytest.fixture(scope="module")
def running_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    with serving_product(tmp_path_factory.mktemp("merging"), SETUP) as running:
        yield running


def conversation_page(browser: Browser, base: str, email: str, conversation: int, width: int = 1280) -> Page:
    return live(signed_in(browser, base, email, width), f"{base}/inbox/conversations/{conversation}/")


def test_an_agent_merges_a_duplicate_and_a_supervisor_undoes_it(
    browser: Browser, running_web: tuple[str, dict[str, Any]]
) -> None:
    base, fixture = running_web
    ada = conversation_page(browser, base, "ada@example.com", fixture["conversation"])
    duplicates = ada.get_by_test_id("sidebar-duplicates")
    expect(duplicates).to_contain_text("陈大文", timeout=30_000)
    expect(duplicates).to_contain_text("Same phone number with another country code")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ada.locator("#sidebar-duplicates").screenshot(path=str(SCREENSHOTS / "duplicates-en.png"))
    ada.get_by_role("button", name="Merge 陈大文 into this customer").click()
    form = ada.get_by_test_id("sidebar-merge-form")
    expect(form).to_contain_text("陳大文 is kept.")
    expect(form).to_contain_text("Conversations, with their messages: 1")
    assert serious_violations(ada) == []
    ada.locator("#sidebar-duplicates").screenshot(path=str(SCREENSHOTS / "merge-confirm-en.png"))
    form.get_by_role("button", name="Merge", exact=True).click()
    # The page loads again with everything the merged contact had (a whole page load: allow for a busy machine).
    expect(ada.get_by_test_id("sidebar-merges")).to_contain_text("陈大文 merged into 陳大文", timeout=30_000)
    expect(ada.get_by_test_id("sidebar-identities")).to_contain_text("taiman@example.com")
    expect(ada.get_by_test_id("sidebar-past")).to_contain_text("Refund for HX-204")
    expect(ada.get_by_test_id("sidebar-merges").get_by_role("button")).to_have_count(0)

    bo = conversation_page(browser, base, "bo@example.com", fixture["conversation"])
    merges = bo.get_by_test_id("sidebar-merges")
    expect(merges).to_contain_text("陈大文", timeout=30_000)
    bo.locator("#sidebar-duplicates").screenshot(path=str(SCREENSHOTS / "merge-history-zh-hant.png"))
    merges.get_by_role("button").click()
    expect(bo.get_by_test_id("sidebar-duplicates")).to_contain_text("陈大文", timeout=30_000)
    expect(bo.get_by_test_id("sidebar-merges")).to_contain_text("陈大文")
    expect(bo.get_by_test_id("sidebar-identities")).not_to_contain_text("taiman@example.com")
    expect(bo.get_by_test_id("sidebar-duplicates")).to_contain_text("陈大文")
    assert serious_violations(bo) == []


def test_the_duplicates_section_fits_a_phone(browser: Browser, running_web: tuple[str, dict[str, Any]]) -> None:
    base, fixture = running_web
    page = conversation_page(browser, base, "ada@example.com", fixture["conversation"], width=390)
    section = page.locator("#sidebar-duplicates")
    expect(section).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_second_channels_case_offers_to_join_the_open_one(
    browser: Browser, running_web: tuple[str, dict[str, Any]]
) -> None:
    base, fixture = running_web
    page = conversation_page(browser, base, "ada@example.com", fixture["second"], width=390)
    offer = page.get_by_test_id("case-offer")
    expect(offer).to_contain_text(f"open case #{fixture['first']} on WhatsApp", timeout=30_000)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    offer.screenshot(path=str(SCREENSHOTS / "case-offer-en.png"))
    offer.get_by_role("button", name=f"Join this conversation into case #{fixture['first']}").click()
    page.wait_for_url(f"{base}/inbox/conversations/{fixture['first']}/")
    expect(page.locator("#timeline")).to_contain_text("Photos of the bag attached.", timeout=30_000)
    expect(page.locator("#timeline")).to_contain_text("My bag did not arrive on HX-231.")
