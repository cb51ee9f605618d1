"""Workspace administration in a browser: an admin invites a member who signs up from the emailed link,
then creates a label and a canned response."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.browsing import serving_product, signed_in
from tests.running import REPO, free_port, wait_for

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"

SETUP = """
import json, django
django.setup()
from frontdesk.core.models import Role
from tests.factories import make_member, make_team, make_user, make_workspace
workspace = make_workspace("Harbour Shop")
user = make_user("ada@example.com", language="en", name="Ada Wong")
ada = make_member(workspace, Role.OWNER, user=user)
bo = make_member(workspace, Role.AGENT, user=make_user("bo@example.com", name="陳寶兒"))
make_team(workspace, "Billing", members=[bo])
make_team(workspace, "Returns")
print(json.dumps({"workspace": workspace.pk}))
"""


@pytest.fixture(scope="module")
def running_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    var_dir = tmp_path_factory.mktemp("admin")
    port = free_port()
    # Emails print to the web log (embedded mode); their links point at this server.
    public_url = {"FRONTDESK_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    with serving_product(var_dir, SETUP, env=public_url, port=port) as (base, _fixture):
        yield base, var_dir / "web.log"


def invitation_link(log: Path, address: str) -> str | None:
    """The accept link of the last invitation emailed to ``address`` (printed by the console mail backend)."""
    web_lines = [
        line.split("| ", 1)[1] for line in log.read_text(errors="replace").splitlines() if line.startswith("web ")
    ]
    for block in reversed("\n".join(web_lines).split("-" * 79)):
        start = block.find("Content-Type:")
        if start < 0 or f"To: {address}" not in block:
            continue
        message = email.message_from_string(block[start:].strip())
        body = message.get_payload(decode=True)
        assert isinstance(body, bytes)
        found = re.search(r"https?://\S+/invitations/\S+/", body.decode())
        return found.group(0) if found else None
    return None


def test_admin_invites_a_member_who_signs_up_then_sets_up_labels_and_canned_responses(
    browser: Browser, running_web: tuple[str, Path]
) -> None:
    base, log = running_web
    admin = signed_in(browser, base, "ada@example.com")
    admin.get_by_test_id("settings-link").click()
    admin.get_by_role("navigation", name="Settings").get_by_role("link", name="Members").click()
    expect(admin.get_by_test_id("member-list")).to_contain_text("陳寶兒")

    admin.get_by_test_id("invite-form").get_by_label("Email address").fill("mei@example.com")
    admin.get_by_test_id("invite-form").get_by_label("Role").select_option("supervisor")
    admin.get_by_label("Returns").check()
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_test_id("pending-invitations")).to_contain_text("mei@example.com")
    admin.screenshot(path=str(SCREENSHOTS / "settings-members-en.png"), full_page=True)

    link = wait_for(lambda: invitation_link(log, "mei@example.com"), 10, "the invitation email", log)
    assert link.startswith(base + "/invitations/")
    invitee = browser.new_context(viewport={"width": 390, "height": 800}).new_page()
    invitee.goto(link)
    expect(invitee.get_by_test_id("invitation-summary")).to_contain_text("Supervisor")
    assert serious_violations(invitee) == []
    invitee.get_by_label("Your name").fill("Mei Chan")
    invitee.locator("#id_password1").fill("a fresh passphrase 77")
    invitee.get_by_label("Password (again)").fill("a fresh passphrase 77")
    invitee.get_by_role("button", name="Create account and join").click()
    invitee.wait_for_url(f"{base}/inbox/")
    expect(invitee.get_by_test_id("workspace-name")).to_have_text("Harbour Shop")
    invitee.goto(link)
    expect(invitee.get_by_test_id("invitation-error")).to_contain_text("already used")

    admin.reload()
    expect(admin.get_by_test_id("member-list")).to_contain_text("Mei Chan")
    expect(admin.get_by_test_id("pending-invitations")).to_have_count(0)

    admin.get_by_role("navigation", name="Settings").get_by_role("link", name="Labels").click()
    admin.get_by_role("link", name="New label").first.click()
    admin.get_by_label("Name").fill("退貨")
    admin.get_by_label("Red").check()
    admin.get_by_label("Description").fill("Returns and exchanges")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_test_id("label-list").locator(".label.label-color-dc2626")).to_have_text("退貨")

    admin.get_by_role("navigation", name="Settings").get_by_role("link", name="Canned responses").click()
    admin.get_by_role("link", name="New canned response").click()
    admin.locator("#id_shortcut").fill("shipping")
    admin.locator("#id_title").fill("Shipping time")
    admin.locator("#id_text").fill(
        "Hi {{contact.name}}, order {{order.number}} leaves our warehouse today. {{agent.name}}"
    )
    admin.get_by_role("button", name="Update preview").click()
    expect(admin.get_by_test_id("canned-preview")).to_contain_text("Hi Chan Tai Man, order HK-1042 leaves")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_test_id("canned-list")).to_contain_text("/shipping")
    admin.get_by_role("link", name="Edit /shipping").click()
    admin.get_by_role("button", name="Update preview").click()
    expect(admin.get_by_test_id("canned-preview")).to_contain_text("Ada Wong")
    admin.screenshot(path=str(SCREENSHOTS / "settings-canned-en.png"), full_page=True)

    admin.goto(f"{base}/settings/profile/")
    admin.select_option("select[name=language]", "zh-hant")
    admin.locator("main button[type=submit]").click()
    admin.goto(f"{base}/settings/members/")
    expect(admin.locator("html")).to_have_attribute("lang", "zh-hant")
    admin.screenshot(path=str(SCREENSHOTS / "settings-members-zh-hant.png"), full_page=True)


def test_settings_fit_a_phone(browser: Browser, running_web: tuple[str, Path]) -> None:
    base, _log = running_web
    page = signed_in(browser, base, "ada@example.com")
    page.goto(f"{base}/settings/profile/")
    page.select_option("select[name=language]", "en")
    page.locator("main button[type=submit]").click()
    page.set_viewport_size({"width": 390, "height": 800})
    for path in ("/settings/members/", "/settings/teams/", "/settings/labels/", "/settings/canned-responses/"):
        page.goto(f"{base}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
    page.goto(f"{base}/settings/members/")
    # Each member is a card on a phone: their actions are on screen, not off to the right.
    page.get_by_role("button", name="Deactivate 陳寶兒").scroll_into_view_if_needed()
    box = page.get_by_role("button", name="Deactivate 陳寶兒").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    page.goto(f"{base}/settings/canned-responses/")
    expect(page.locator(".settings-nav a[aria-current=page]")).to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_be_visible()
