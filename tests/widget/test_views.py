"""The widget's HTTP side: the script, uploads, suggestions, call requests, files, pushes, the agent's pages."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.test import Client

from frontdesk.callbacks.models import CallbackRequest
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.channels.webchat.setup import origin_allowed
from frontdesk.contacts.models import Contact, Identity
from frontdesk.conversations.models import Message
from frontdesk.core.models import Member, Workspace
from frontdesk.inbox.forwarding import SIGNATURE_HEADER, signature
from frontdesk.pipeline.media import download_attachments
from frontdesk.widget.suggestions import Suggestion, register_suggestion_provider, unregister_suggestion_provider
from frontdesk.widget.visitors import new_visitor_token
from tests.channels.webhooks import process_stored_events
from tests.factories import make_conversation, make_member, make_message, make_workspace
from tests.widget.chat import SITE, make_webchat

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


def visitor_token(channel: Channel) -> str:
    return new_visitor_token(channel)[1]


def test_the_script_carries_its_settings_and_strings_in_every_language(client: Client, workspace: Workspace) -> None:
    channel = make_webchat(workspace, greeting="歡迎！")
    response = client.get(f"/widget/{channel.webhook_token}.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert "__FRONTDESK_WIDGET_CONFIG__" not in body
    assert f'"ws://127.0.0.1:8000/ws/widget/{channel.webhook_token}/"' in body
    assert '"zh-hant"' in body and '"zh-hans"' in body and "Chat with us" in body
    assert len(response.content) < 30 * 1024


def test_a_disabled_or_unknown_widget_script_is_refused(client: Client, workspace: Workspace) -> None:
    channel = make_webchat(workspace)
    channel.is_active = False
    channel.save()
    assert client.get(f"/widget/{channel.webhook_token}.js").status_code == 404
    assert client.get("/widget/nothing-here.js").status_code == 404


def test_a_visitor_uploads_a_file_that_becomes_an_attachment(client: Client, workspace: Workspace) -> None:
    channel = make_webchat(workspace)
    token = visitor_token(channel)
    form = {"visitor": token, "id": "upload-0001", "context": json.dumps({"order_number": "HK-9"})}
    response = client.post(
        f"/widget/{channel.webhook_token}/upload", {**form, "file": _file("receipt.png", PNG)}, headers={"Origin": SITE}
    )
    assert response.status_code == 201, response.content
    assert response["Access-Control-Allow-Origin"] == SITE
    again = client.post(f"/widget/{channel.webhook_token}/upload", {**form, "file": _file("receipt.png", PNG)})
    assert again.status_code == 200 and again.json()["duplicate"] is True
    process_stored_events()
    [message] = Message.in_workspace(workspace).filter(channel=channel)
    download_attachments(message.pk)
    [attachment] = message.attachments.all()
    assert (attachment.filename, attachment.content_type, attachment.size) == ("receipt.png", "image/png", len(PNG))


def test_uploads_are_limited_in_size_and_type_and_need_a_visitor(
    client: Client, workspace: Workspace, settings: Any
) -> None:
    channel = make_webchat(workspace)
    url = f"/widget/{channel.webhook_token}/upload"
    token = visitor_token(channel)
    html = client.post(url, {"visitor": token, "id": "upload-0002", "file": _file("x.html", b"<html><script>")})
    assert html.status_code == 415
    anonymous = client.post(url, {"visitor": "forged", "id": "upload-0003", "file": _file("a.png", PNG)})
    assert anonymous.status_code == 403
    foreign = client.post(
        url,
        {"visitor": visitor_token(make_webchat(workspace, name="Other")), "id": "upload-04", "file": _file("a", PNG)},
    )
    assert foreign.status_code == 403
    from frontdesk.widget import views

    big = b"\x89PNG" + b"0" * views.MAX_UPLOAD_BYTES
    too_large = client.post(url, {"visitor": token, "id": "upload-0005", "file": _file("big.png", big)})
    assert too_large.status_code == 413
    assert not Message.in_workspace(workspace).exists()


def _file(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_suggestions_come_from_the_registered_hook_and_only_as_web_links(client: Client, workspace: Workspace) -> None:
    channel = make_webchat(workspace)
    url = f"/widget/{channel.webhook_token}/suggestions"
    assert client.get(url, {"q": "refund"}).json() == {"results": []}

    def help_centre(found_channel: Channel, query: str, language: str) -> list[Suggestion]:
        assert found_channel.pk == channel.pk
        return [
            Suggestion(f"How refunds work ({language})", "https://help.shop.example/refunds"),
            Suggestion("Click me", "javascript:alert(1)"),
        ]

    register_suggestion_provider(help_centre)
    try:
        answer = client.get(url, {"q": "refund", "lang": "zh-hant"}, headers={"Origin": SITE})
    finally:
        unregister_suggestion_provider(help_centre)
    assert answer.json() == {
        "results": [{"title": "How refunds work (zh-hant)", "url": "https://help.shop.example/refunds"}]
    }
    assert answer["Access-Control-Allow-Origin"] == SITE
    assert "Access-Control-Allow-Origin" not in client.get(url, {"q": "x"}, headers={"Origin": "https://evil.example"})


def test_call_me_creates_a_callback_request_with_the_page_context(client: Client, workspace: Workspace) -> None:
    channel = make_webchat(workspace)
    url = f"/widget/{channel.webhook_token}/callback"
    token = visitor_token(channel)
    context = json.dumps({"order_number": "HK-1042", "page_url": "https://shop.example/orders/1042"})
    bad = client.post(url, {"visitor": token, "phone": "12", "context": context, "lang": "zh-hant"})
    assert bad.status_code == 400 and bad.json()["code"] == "phone" and bad.json()["detail"]
    made = client.post(url, {"visitor": token, "phone": "+852 9123 4567", "context": context})
    assert made.status_code == 201, made.content
    [request] = CallbackRequest.in_workspace(workspace).all()
    assert request.contact.identities.get().external_id.startswith("visitor:")
    assert "HK-1042" in json.dumps(request.context)
    assert client.post(url, {"visitor": "forged", "phone": "+85291234567"}).status_code == 403


def test_a_pushed_reply_is_accepted_only_when_signed(client: Client, workspace: Workspace) -> None:
    body = json.dumps({"channel_id": 1, "visitor": "visitor:abc", "payload": {"type": "typing", "typing": True}})
    assert client.post("/widget/internal/push/", body, content_type="application/json").status_code == 403
    forged = client.post(
        "/widget/internal/push/", body, content_type="application/json", headers={SIGNATURE_HEADER: "0" * 64}
    )
    assert forged.status_code == 403
    signed = client.post(
        "/widget/internal/push/",
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: signature(body.encode())},
    )
    assert signed.status_code == 204


def test_the_agent_sees_the_page_context_escaped_at_the_top_of_the_conversation(
    client: Client, workspace: Workspace, agent: Member
) -> None:
    channel = make_webchat(workspace)
    contact = Contact.in_workspace(workspace).create(workspace=workspace)
    Identity.in_workspace(workspace).create(workspace=workspace, contact=contact, channel=channel, external_id="v:1")
    conversation = make_conversation(workspace, contact=contact, channel=channel)
    hostile = "<img src=x onerror=alert(1)>"
    make_message(
        conversation,
        text=hostile,
        metadata={
            "provider": {
                "verified": False,
                "unverified_name": "<script>alert(2)</script>",
                "context": {"order_number": "HK-1042", "page_title": hostile, "page_url": "https://shop.example/o"},
            }
        },
    )
    client.force_login(agent.user)
    page = client.get(f"/inbox/conversations/{conversation.pk}/").content.decode()
    assert 'data-testid="widget-context"' in page
    assert 'data-testid="context-order">HK-1042<' in page
    assert hostile not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>alert(2)</script>" not in page and "&lt;script&gt;alert(2)&lt;/script&gt; (unverified)" in page
    panel = client.get(f"/widget/agent/context/{conversation.pk}/").content.decode()
    assert 'data-testid="context-order">HK-1042<' in panel and hostile not in panel
    client.force_login(make_member(make_workspace()).user)
    assert client.get(f"/widget/agent/context/{conversation.pk}/").status_code == 404


def test_agent_typing_is_only_for_members_of_the_workspace(client: Client, workspace: Workspace, agent: Member) -> None:
    channel = make_webchat(workspace)
    conversation = make_conversation(workspace, channel=channel)
    url = f"/widget/agent/typing/{conversation.pk}/"
    assert client.post(url).status_code == 302  # to the login page
    outsider = make_workspace()
    client.force_login(make_member(outsider).user)
    assert client.post(url).status_code == 404
    client.force_login(agent.user)
    assert client.post(url).status_code == 204


def test_an_admin_connects_a_web_chat_and_gets_the_script_tag(client: Client, admin: Member) -> None:
    client.force_login(admin.user)
    created = client.post(
        "/settings/channels/connect/webchat/",
        {"name": "Shop chat", "allowed_origins": "https://shop.example https://www.shop.example", "greeting": "Hi"},
    )
    assert created.status_code == 302, created.content
    channel = Channel.in_workspace(admin.workspace_id).get(kind=ChannelKind.WEBCHAT)
    assert len(channel.secrets["identity_secret"]) >= 32
    page = client.get(f"/settings/channels/{channel.pk}/").content.decode()
    assert f"/widget/{channel.webhook_token}.js" in page
    assert channel.secrets["identity_secret"] in page
    # Nothing calls a web chat's webhook address, so the page does not offer one to copy.
    assert 'data-testid="webhook-url"' not in page
    assert client.post(f"/settings/channels/{channel.pk}/test/").status_code == 302


def test_a_member_tries_the_chat_on_a_sample_page_of_frontdesk_itself(
    client: Client, workspace: Workspace, admin: Member
) -> None:
    channel = make_webchat(workspace)
    client.force_login(admin.user)
    assert f"/widget/preview/{channel.pk}/" in client.get(f"/settings/channels/{channel.pk}/").content.decode()
    page = client.get(f"/widget/preview/{channel.pk}/").content.decode()
    assert f"/widget/{channel.webhook_token}.js" in page and 'data-order-number="HS-20931"' in page
    # The sample page is on Frontdesk's own origin, which may open the widget besides the channel's sites.
    assert origin_allowed(channel, settings.PUBLIC_URL)
    assert not origin_allowed(channel, "https://evil.example")
    channel.is_active = False
    channel.save()
    assert client.get(f"/widget/preview/{channel.pk}/").status_code == 404
    other = make_webchat(make_workspace("Elsewhere"))
    assert client.get(f"/widget/preview/{other.pk}/").status_code == 404
