"""The full original of a mail in Debian's Chromium: even HTML that got past the sanitiser runs nothing and
loads nothing remote inside the sandboxed frame (RELIABILITY T-29, defence in depth)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Dialog, sync_playwright

from frontdesk.conversations.models import Message
from frontdesk.core.models import Role
from tests.channels.email_flow import customer_mail, email_channel, inbound, receive
from tests.factories import make_member, make_workspace
from tests.running import launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a sanitiser bypass would leave in a stored mail: it must still do nothing in the agent's browser.
UNSANITISED = (
    "<p>Hello from the customer</p>"
    "<script>window.top.postMessage('script ran', '*'); alert('script ran')</script>"
    "<img src='x' onerror=\"alert('handler ran')\">"
    "<img id='remote' src='{base}/remote-pixel.gif'>"
    "<form action='{base}/steal'><input name='password'><button id='send'>Send</button></form>"
)


def test_the_full_original_runs_no_script_and_loads_no_remote_picture(
    live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = make_workspace("Browser shop")
    agent = make_member(workspace, Role.AGENT)
    channel = email_channel(workspace)
    receive(channel, customer_mail("Hello", html="<p>Hello from the customer</p>"))
    [message] = inbound(channel)
    base = live_server.url
    Message.all_workspaces.filter(pk=message.pk).update(html=UNSANITISED.format(base=base))
    client = Client()
    client.force_login(agent.user)
    session = client.cookies["sessionid"].value

    # The live server answers in its own thread; the setting ends with the test.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    dialogs: list[str] = []
    answered: list[str] = []
    failed: list[tuple[str, str]] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context()
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        page = context.new_page()

        def dismiss(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", dismiss)
        # Chromium lists a request the CSP blocked (as failed); only a response means it reached a server.
        page.on("response", lambda response: answered.append(response.url))
        page.on("requestfailed", lambda request: failed.append((request.url, request.failure or "")))
        page.goto(f"{base}/inbox/messages/{message.pk}/original/")
        frame = page.frame_locator("iframe.email-body")
        frame.get_by_text("Hello from the customer").wait_for(timeout=10_000)
        page.wait_for_timeout(500)
        blocked = list(failed)
        # Once the agent asks, the picture is fetched: the policy above is what held it back.
        page.goto(f"{base}/inbox/messages/{message.pk}/original/?remote=1")
        page.frame_locator("iframe.email-body").get_by_text("Hello from the customer").wait_for(timeout=10_000)
        page.wait_for_timeout(500)
        browser.close()

    assert dialogs == []
    assert not [url for url in answered if "/steal" in url]
    assert any(url.endswith(f"/inbox/messages/{message.pk}/original/body/") for url in answered)
    # The picture was asked for and stopped by the frame's policy, not merely missing.
    assert [reason for url, reason in blocked if "remote-pixel" in url] == ["csp"]
    # The test server answers 404 (HTML), which Chromium then refuses as a picture (ORB): but it was asked for.
    allowed = [reason for url, reason in failed[len(blocked) :] if "remote-pixel" in url]
    assert allowed and "csp" not in allowed
