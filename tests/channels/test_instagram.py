"""The Instagram channel both ways: signed Graph webhooks in Meta's Instagram wire format, the Send API on a fake."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_httpserver import HTTPServer

from frontdesk.channels.base import OutboundAttachment, OutboundMessage, adapter_for
from frontdesk.channels.connect import connector_for
from frontdesk.channels.instagram.profile import fetch_profile
from frontdesk.channels.instagram.setup import create_instagram_channel
from frontdesk.channels.meta import sign
from frontdesk.channels.models import Channel
from frontdesk.conversations import actions
from frontdesk.conversations.models import Conversation, DeliveryStatus, OutboxEntry
from frontdesk.core.http_client import http_client
from frontdesk.core.models import Member, Workspace
from frontdesk.pipeline.media import download_attachments
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.outbound import SendFailed, deliver
from tests.channels.webhooks import hook_path, messages, process_stored_events, refreshed
from tests.factories import make_contact, make_conversation, make_identity, make_message

pytestmark = pytest.mark.django_db

APP_SECRET = "9d1b7a2e0c4f4a6e8b0d1c3e5f7a9b22"
VERIFY_TOKEN = "ig-verify-token-5678"
PAGE_TOKEN = "EAAGm0PX4ZCpsBAInstagramPageToken"
PAGE_ID = "1067280970047460"
IG_USER_ID = "17841405822304914"
IGSID = "1254459154682919"
STORY_URL = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17895695668004550&signature=Abc"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
_numbers = itertools.count(1)


@pytest.fixture
def graph(httpserver: HTTPServer, settings: Any) -> HTTPServer:
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"{httpserver.host}:{httpserver.port}"]
    return httpserver


def base_url(server: HTTPServer) -> str:
    return f"http://{server.host}:{server.port}"


@pytest.fixture
def channel(workspace: Workspace, graph: HTTPServer) -> Channel:
    return create_instagram_channel(
        workspace,
        "@shop",
        page_id=PAGE_ID,
        ig_user_id=IG_USER_ID,
        page_access_token=PAGE_TOKEN,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        api_base_url=base_url(graph),
    )


def event(**fields: Any) -> dict[str, Any]:
    """A ``messaging`` item as Meta's Instagram webhook reference shows it."""
    return {"sender": {"id": IGSID}, "recipient": {"id": IG_USER_ID}, "timestamp": 1732351200000, **fields}


def message_event(mid: str, **message: Any) -> dict[str, Any]:
    return event(message={"mid": mid, **message})


def body_of(*events: dict[str, Any]) -> bytes:
    entry = {"id": IG_USER_ID, "time": 1732351200500, "messaging": list(events)}
    return json.dumps({"object": "instagram", "entry": [entry]}).encode()


def post(client: Client, channel: Channel, body: bytes, signature: str | None = None) -> Any:
    signature = sign(APP_SECRET, body) if signature is None else signature
    headers = {"X-Hub-Signature-256": signature} if signature else {}
    response = client.generic("POST", hook_path(channel), body, content_type="application/json", headers=headers)
    process_stored_events()
    return response


def test_the_handshake_answers_the_challenge(client: Client, channel: Channel) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "CHALLENGE_ACCEPTED"}
    assert client.get(hook_path(channel), query).content == b"CHALLENGE_ACCEPTED"
    query["hub.verify_token"] = "wrong"
    assert client.get(hook_path(channel), query).status_code == 403


def test_a_bad_signature_is_a_401(client: Client, channel: Channel) -> None:
    body = body_of(message_event("aWdfZAG1faXRlbToxOk1", text="Hi"))
    assert post(client, channel, body, signature=sign("other", body)).status_code == 401
    assert post(client, channel, body, signature="").status_code == 401
    assert InboundEvent.in_workspace(channel.workspace_id).count() == 0


def test_a_messenger_body_is_refused(client: Client, channel: Channel) -> None:
    body = json.dumps({"object": "page", "entry": []}).encode()
    response = post(client, channel, body)
    assert response.status_code == 400 and '"object": "instagram"' in response.json()["detail"]


def test_every_instagram_message_kind_is_understood(client: Client, channel: Channel) -> None:
    share_url = "https://scontent.cdninstagram.com/v/t51.2885-15/post.jpg?stp=dst-jpg"
    events = [
        message_event("ig_text", text="有沒有大尺碼?"),
        message_event("ig_image", attachments=[{"type": "image", "payload": {"url": share_url}}]),
        message_event("ig_share", attachments=[{"type": "share", "payload": {"url": share_url}}]),
        message_event("ig_mention", attachments=[{"type": "story_mention", "payload": {"url": STORY_URL}}]),
        message_event("ig_story_reply", text="Love this!", reply_to={"story": {"url": STORY_URL, "id": "1795669"}}),
        message_event("ig_quick", text="Yes", quick_reply={"payload": "CONFIRM_YES"}),
        event(postback={"mid": "ig_postback", "title": "Track order", "payload": "TRACK"}),
        event(reaction={"mid": "ig_text", "action": "react", "reaction": "love", "emoji": "❤️"}),
        event(reaction={"mid": "ig_text", "action": "unreact"}),
        message_event("ig_deleted", is_deleted=True),
        message_event("ig_unsupported", is_unsupported=True),
    ]
    response = post(client, channel, body_of(*events))
    assert response.json() == {"accepted": 11, "duplicates": 0}
    text, image, share, mention, story_reply, quick, postback, reaction = messages(channel)
    assert text.text == "有沒有大尺碼?" and text.provider_message_id == "ig_text"
    assert image.metadata["pending_attachments"][0]["url"] == "instagram-media:" + share_url
    assert share.metadata["pending_attachments"][0]["url"] == "instagram-media:" + share_url
    assert mention.metadata["pending_attachments"][0]["url"] == "instagram-media:" + STORY_URL
    assert mention.metadata["provider"] == {"story_mention": True}
    assert story_reply.text == "Love this!" and story_reply.metadata["provider"] == {"story_reply": {"id": "1795669"}}
    assert story_reply.metadata["pending_attachments"] == [
        {"url": "instagram-media:" + STORY_URL, "filename": "story", "content_type": ""}
    ]
    assert quick.metadata["interactive"] == {"id": "CONFIRM_YES", "title": "Yes"}
    assert postback.metadata["interactive"] == {"id": "TRACK", "title": "Track order"}
    assert reaction.text == "❤️" and reaction.metadata["reply_to"] == "ig_text"
    assert reaction.provider_message_id == f"reaction:ig_text:react:1732351200000:{IGSID}"


def test_echoes_are_skipped(client: Client, channel: Channel) -> None:
    echo = {
        "sender": {"id": IG_USER_ID},
        "recipient": {"id": IGSID},
        "timestamp": 1732351200000,
        "message": {"mid": "ig_echo", "text": "Thanks!", "is_echo": True},
    }
    post(client, channel, body_of(echo))
    assert messages(channel) == []


@pytest.fixture
def conversation(workspace: Workspace, channel: Channel) -> Conversation:
    contact = make_contact(workspace, name="@mei.lin")
    make_identity(contact, channel, external_id=IGSID)
    conversation = make_conversation(workspace, contact=contact, channel=channel, waiting_since=timezone.now())
    make_message(conversation, provider_message_id="ig_customer")
    return conversation


def test_a_reply_is_sent_and_its_read_receipt_applied(
    client: Client, agent: Member, conversation: Conversation, channel: Channel, graph: HTTPServer
) -> None:
    graph.expect_oneshot_request("/v21.0/me/messages", "POST").respond_with_json(
        {"recipient_id": IGSID, "message_id": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE"}
    )
    entry = OutboxEntry.all_workspaces.get(message=actions.reply(conversation, agent, "We have XL in stock"))
    assert deliver(entry.pk).result == "sent"
    [(request, _response)] = graph.log
    assert request.headers["Authorization"] == f"Bearer {PAGE_TOKEN}"
    assert request.get_json() == {"recipient": {"id": IGSID}, "message": {"text": "We have XL in stock"}}
    reply = refreshed(entry.message)
    assert reply.status == DeliveryStatus.SENT
    post(client, channel, body_of(event(read={"mid": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE"})))
    assert refreshed(reply).status == DeliveryStatus.READ


def test_the_window_error_fails_the_reply_with_its_code(
    agent: Member, conversation: Conversation, graph: HTTPServer
) -> None:
    error = {
        "message": "This message is sent outside of allowed window.",
        "type": "OAuthException",
        "code": 10,
        "error_subcode": 2534022,
        "fbtrace_id": "A1b2",
    }
    graph.expect_oneshot_request("/v21.0/me/messages", "POST").respond_with_json({"error": error}, status=400)
    entry = OutboxEntry.all_workspaces.get(message=actions.reply(conversation, agent, "Hello again"))
    assert deliver(entry.pk).result == "failed"
    message = refreshed(entry.message)
    assert message.metadata["failure_code"] == "window_closed" and "allowed window" in message.status_reason


def test_media_quick_replies_and_the_human_agent_tag(channel: Channel, graph: HTTPServer) -> None:
    for number in range(3):
        graph.expect_ordered_request("/v21.0/me/messages", "POST").respond_with_json({"message_id": f"ig_{number}"})
    photo = OutboundAttachment("p.jpg", "image/jpeg", 10, "https://desk.example/media/p.jpg", "p.jpg")
    message = OutboundMessage(
        recipient=IGSID,
        text="好" * 400,
        attachments=(photo,),
        content={"tag": "HUMAN_AGENT", "quick_replies": [{"id": "MORE", "title": "More photos"}]},
    )
    assert adapter_for(channel).send(channel, message).provider_message_id == "ig_2"
    bodies = [request.get_json() for request, _response in graph.log]
    # 400 CJK characters are 1,200 bytes: Instagram's 1,000-byte limit cuts them in two.
    assert [len(body["message"].get("text", "")) for body in bodies] == [333, 67, 0]
    assert all(body["messaging_type"] == "MESSAGE_TAG" and body["tag"] == "HUMAN_AGENT" for body in bodies)
    assert bodies[2]["message"] == {
        "attachment": {"type": "image", "payload": {"url": "https://desk.example/media/p.jpg", "is_reusable": False}},
        "quick_replies": [{"content_type": "text", "title": "More photos", "payload": "MORE"}],
    }


@pytest.mark.parametrize(
    "message",
    [
        OutboundMessage(recipient=IGSID, text="Hi", content={"buttons": [{"id": "A", "title": "A"}]}),
        OutboundMessage(recipient=IGSID, text="Hi", content={"tag": "ACCOUNT_UPDATE"}),
        OutboundMessage(
            recipient=IGSID,
            attachments=(OutboundAttachment("a.pdf", "application/pdf", 10, "https://desk.example/a.pdf", "a.pdf"),),
        ),
    ],
)
def test_what_instagram_cannot_carry_is_refused(channel: Channel, graph: HTTPServer, message: OutboundMessage) -> None:
    with pytest.raises(SendFailed) as failure:
        adapter_for(channel).send(channel, message)
    assert failure.value.code == "unsupported" and graph.log == []


def test_a_story_is_downloaded_from_the_cdn_and_nowhere_else(
    channel: Channel, conversation: Conversation, graph: HTTPServer
) -> None:
    graph.expect_request("/ig_messaging_cdn/story.jpg").respond_with_data(JPEG, content_type="image/jpeg")
    refs = [f"instagram-media:{base_url(graph)}/ig_messaging_cdn/story.jpg", "instagram-media:http://10.0.0.8/x.jpg"]
    message = make_message(
        conversation,
        metadata={"pending_attachments": [{"url": ref, "filename": "", "content_type": ""} for ref in refs]},
    )
    outcome = download_attachments(message.pk)
    assert (outcome.stored, outcome.failed) == (1, 1)
    assert "not a Meta CDN address" in refreshed(message).metadata["failed_attachments"][0]["error"]


def test_the_profile_uses_the_name_or_the_username(channel: Channel, graph: HTTPServer) -> None:
    graph.expect_ordered_request(f"/v21.0/{IGSID}", query_string=None).respond_with_json(
        {"name": "", "username": "mei.lin", "profile_pic": f"{base_url(graph)}/pic.jpg", "id": IGSID}
    )
    graph.expect_ordered_request("/pic.jpg").respond_with_data(JPEG, content_type="image/jpeg")
    with http_client() as client:
        profile = fetch_profile(channel, IGSID, client)
    assert profile.name == "@mei.lin" and profile.avatar is not None
    assert graph.log[0][0].args["fields"] == "name,username,profile_pic"


def test_connecting_reads_the_account_username(channel: Channel, graph: HTTPServer) -> None:
    connector = connector_for("instagram")
    assert "ig_user_id" in {item.name for item in connector.fields}
    graph.expect_oneshot_request(f"/v21.0/{IG_USER_ID}", "GET").respond_with_json(
        {"username": "shop", "id": IG_USER_ID}
    )
    with http_client() as client:
        assert connector.test_connection(channel, client) == "Instagram @shop"
    assert graph.log[0][0].args["fields"] == "username"


def test_the_bench_payload_is_a_delivery_the_webhook_takes(client: Client, workspace: Workspace) -> None:
    from bench.payloads import instagram as bench

    bench_channel = bench.create_channel(workspace)
    query, body, headers = bench.delivery(bench_channel.secrets, bench.contact_id(7), "hello", 3)
    response = client.generic(
        "POST", hook_path(bench_channel) + query, body, content_type="application/json", headers=headers
    )
    process_stored_events()
    assert response.json() == {"accepted": 1, "duplicates": 0}
    [message] = messages(bench_channel)
    assert message.text == "hello" and message.conversation.contact.identities.get().external_id == bench.contact_id(7)
