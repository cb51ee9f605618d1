"""A supervisor builds "passengers on flight CX123 on 2026-12-01" in a browser and sees who matches."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.accessibility import serious_violations
from tests.e2e.browsing import choose_language, serving_product, signed_in
from tests.running import REPO

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"

SETUP = """
import json, django
django.setup()
from frontdesk.channels.models import ChannelKind
from frontdesk.contacts.models import ContextObject, ContactFeedback
from frontdesk.core.models import Role
from tests.factories import make_channel, make_contact, make_conversation, make_identity, make_member, make_user
from tests.factories import make_workspace
workspace = make_workspace("Harbour Air")
make_member(workspace, Role.SUPERVISOR, user=make_user("mei@example.com", language="en", name="Mei Chan"))
whatsapp = make_channel(workspace, ChannelKind.WHATSAPP, name="WhatsApp")
passengers = [
    ("陳大文", "zh-Hant", "2026-12-01"), ("Alice Lam", "en", "2026-12-01"), ("王小明", "zh-Hans", "2026-12-02")
]
for number, (name, language, date) in enumerate(passengers):
    contact = make_contact(workspace, name=name, language=language, email=f"p{number}@example.com")
    make_identity(contact, whatsapp)
    make_conversation(workspace, contact=contact, channel=whatsapp)
    ContextObject.all_workspaces.create(workspace=workspace, contact=contact, kind="booking",
        external_id=f"BK{number}", status="confirmed", data={"flight": "CX123", "date": date})
make_contact(workspace, name="No booking")
print(json.dumps({"workspace": workspace.pk}))
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving_product(tmp_path_factory.mktemp("segments"), SETUP) as (url, _fixture):
        yield url


def test_supervisor_builds_a_flight_segment_and_sees_its_count(browser: Browser, base: str) -> None:
    # axe-core is injected into the page, which the product's CSP refuses unless bypassed for the test.
    page = signed_in(browser, base, "mei@example.com", bypass_csp=True)
    page.get_by_test_id("settings-link").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Segments").click()
    expect(page.get_by_text("No segments yet.")).to_be_visible()
    page.get_by_role("link", name="New segment").click()
    expect(page.get_by_test_id("segment-preview")).to_contain_text("Add a rule to see who matches.")
    page.get_by_label("Name", exact=True).fill("CX123 on 1 December")

    # Keyboard only: choose what the rule looks at; the row takes that field's operators and value.
    field = page.get_by_label("Rule 1: what it looks at")
    field.focus()
    field.select_option("context")
    value = page.get_by_label("Rule 1: value")
    expect(value).to_have_attribute("placeholder", "booking flight=CX123 date=2026-12-01")
    value.focus()
    page.keyboard.type("booking flight=CX123 date=2026-12-01")
    preview = page.get_by_test_id("segment-preview")
    expect(page.get_by_test_id("segment-preview-count")).to_have_text("2 contacts")
    expect(preview).to_contain_text("陳大文")
    expect(preview).to_contain_text("Alice Lam")
    expect(preview).not_to_contain_text("王小明")

    page.get_by_role("button", name="Add a rule").click()
    second = page.get_by_label("Rule 2: what it looks at")
    expect(second).to_be_visible()
    # Choosing a field re-draws the rules for it (a new value box): type once that has happened, as a person
    # sees it. The default field is already "language", so the re-draw may not come at all.
    before = page.get_by_label("Rule 2: value").element_handle()
    second.select_option("language")
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function("box => !box.isConnected", arg=before, timeout=5_000)
    page.get_by_label("Rule 2: value").fill("zh")
    expect(page.get_by_test_id("segment-preview-count")).to_have_text("1 contact")
    assert serious_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "segments-edit-en.png"), full_page=True)

    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/settings/segments/\d+/$"), timeout=20_000)
    expect(page.locator(".flash")).to_contain_text("The segment CX123 on 1 December was saved.")
    page.get_by_role("link", name="← Segments").click()
    expect(page.get_by_test_id("segment-count")).to_have_text("1")
    page.screenshot(path=str(SCREENSHOTS / "segments-list-en.png"), full_page=True)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=page.context.storage_state())
    small = phone.new_page()
    small.goto(page.url)
    small.get_by_role("link", name="CX123 on 1 December").first.click()
    expect(small.get_by_test_id("segment-preview-count")).to_have_text("1 contact")
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the editor scrolls sideways at 390 px ({width} px wide)"
    small.screenshot(path=str(SCREENSHOTS / "segments-edit-390.png"), full_page=True)

    choose_language(page, base, "zh-hant")
    page.goto(small.url)
    expect(page.get_by_test_id("segment-preview-count")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "segments-edit-zh-hant.png"), full_page=True)
