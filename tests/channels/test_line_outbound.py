"""LINE outbound content, reply tokens, refusals, profiles and connecting, against a fake Messaging API.

The fake is a real HTTP server answering as LINE's reference shows
(https://developers.line.biz/en/reference/messaging-api/); requests are asserted as LINE documents them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_httpserver import HTTPServer

from frontdesk.channels.base import (
    LastInbound,
    MediaUnavailable,
    OutboundAttachment,
    OutboundMessage,
    SendResult,
    adapter_for,
    profile_fetcher_for,
)
from frontdesk.channels.connect import ConnectionTestFailed, connector_for
from frontdesk.channels.line.adapter import sign
from frontdesk.channels.line.setup import create_line_channel
from frontdesk.channels.models import Channel
from frontdesk.conversations import actions
from frontdesk.conversations.models import Attachment, Conversation, Message
from frontdesk.core.http_client import http_client
from frontdesk.core.models import Member, Workspace
from frontdesk.pipeline.outbound import SendFailed, deliver
from frontdesk.pipeline.tasks import download_attachments
from tests.channels.webhooks import hook_path, process_stored_events
from tests.fake_receiver import FakeReceiver, running_receiver

pytestmark = pytest.mark.django_db

CHANNEL_SECRET = "8a1f0e1b7c2d4e5f8a1f0e1b7c2d4e5f"
USER_ID = "U4af4980629e2b5e1a8d2e3f9b0c4d5e6"
GROUP_ID = "Ca56f94637c2b5e1a8d2e3f9b0c4d5e67"
REPLY_TOKEN = "b60d432864f44d079f6d8efe86cf404b"
SENT: dict[str, object] = {"sentMessages": [{"id": "461230966842064897", "quoteToken": "IStG5h1Tz7b"}]}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200


@pytest.fixture
def line_api(settings: Any) -> Iterator[FakeReceiver]:
    with running_receiver() as receiver:
        settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [receiver.host_port]
        yield receiver


@pytest.fixture
def channel(workspace: Workspace, line_api: FakeReceiver) -> Channel:
    return create_line_channel(workspace, "LINE OA", CHANNEL_SECRET, "line-access-token", api_base_url=line_api.url(""))


def send(channel: Channel, **fields: Any) -> SendResult:
    fields.setdefault("recipient", USER_ID)
    fields.setdefault("metadata", {"idempotency_key": "6f1c1f0e-0b7e-4a43-9d1c-3a1b2f9e8d7c"})
    return adapter_for(channel).send(channel, OutboundMessage(**fields))


def refusal(channel: Channel, **fields: Any) -> SendFailed:
    with pytest.raises(SendFailed) as caught:
        send(channel, **fields)
    return caught.value


def last_inbound(seconds_ago: float, token: str = REPLY_TOKEN) -> LastInbound:
    return LastInbound(
        provider_message_id="468789577898262530",
        received_at=timezone.now() - timedelta(seconds=seconds_ago),
        provider={"reply_token": token, "timestamp": 1625665242211},
    )


def image(content_type: str = "image/jpeg", size: int = 120_000, url: str = "") -> OutboundAttachment:
    return OutboundAttachment(
        filename="receipt.jpg" if content_type == "image/jpeg" else "file",
        content_type=content_type,
        size=size,
        url=url or "https://desk.example.com/media/eyJhIjoxfQ.sig",
        storage_name="attachments/receipt.jpg",
    )


def test_a_fresh_reply_token_is_used_and_costs_no_push(channel: Channel, line_api: FakeReceiver) -> None:
    line_api.then(200, SENT)
    result = send(channel, text="您好", last_inbound=last_inbound(5))
    [request] = line_api.received
    assert (request.method, request.path) == ("POST", "/v2/bot/message/reply")
    assert request.headers["Authorization"] == "Bearer line-access-token"
    # The reply API has no retry key: a reply token is its own one-time key.
    assert "X-Line-Retry-Key" not in request.headers
    assert request.json() == {"replyToken": REPLY_TOKEN, "messages": [{"type": "text", "text": "您好"}]}
    assert result.provider_message_id == "461230966842064897"


def test_an_old_reply_token_is_not_tried(channel: Channel, line_api: FakeReceiver) -> None:
    line_api.then(200, SENT)
    send(channel, text="Hello", last_inbound=last_inbound(55))
    [request] = line_api.received
    assert request.path == "/v2/bot/message/push"
    assert request.json() == {"to": USER_ID, "messages": [{"type": "text", "text": "Hello"}]}
    assert request.headers["X-Line-Retry-Key"] == "6f1c1f0e-0b7e-4a43-9d1c-3a1b2f9e8d7c"


def test_an_invalid_reply_token_falls_back_to_a_push_in_the_same_send(channel: Channel, line_api: FakeReceiver) -> None:
    line_api.then(400, {"message": "Invalid reply token"}).then(
        200, {"sentMessages": [{"id": "77", "quoteToken": "x"}]}
    )
    result = send(channel, text="Second answer", last_inbound=last_inbound(3))
    reply, push = line_api.received
    assert reply.path == "/v2/bot/message/reply" and push.path == "/v2/bot/message/push"
    assert push.json() == {"to": USER_ID, "messages": [{"type": "text", "text": "Second answer"}]}
    assert result.provider_message_id == "77"


def test_a_reply_refused_for_another_reason_is_not_pushed(channel: Channel, line_api: FakeReceiver) -> None:
    line_api.then(500, {"message": "Internal server error"})
    failure = refusal(channel, text="Hello", last_inbound=last_inbound(3))
    assert failure.retryable and failure.http_status == 500
    assert len(line_api.received) == 1


def test_images_stickers_and_flex_go_in_one_request_with_quick_replies_on_the_last(
    channel: Channel, line_api: FakeReceiver
) -> None:
    flex = {
        "alt_text": "Your order",
        "contents": {
            "type": "bubble",
            "body": {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": "Order #1024"}]},
        },
    }
    quick_replies = [{"id": "track:1024", "title": "Track my parcel"}, {"id": "", "title": "Talk to a human"}]
    send(
        channel,
        text="Here it is",
        attachments=(image(), image("image/png")),
        content={"sticker": {"package_id": "446", "sticker_id": "1988"}, "flex": flex, "quick_replies": quick_replies},
    )
    [request] = line_api.received
    url = "https://desk.example.com/media/eyJhIjoxfQ.sig"
    assert request.json()["messages"] == [
        {"type": "text", "text": "Here it is"},
        {"type": "image", "originalContentUrl": url, "previewImageUrl": url},
        {"type": "image", "originalContentUrl": url, "previewImageUrl": url},
        {"type": "sticker", "packageId": "446", "stickerId": "1988"},
        {
            "type": "flex",
            "altText": "Your order",
            "contents": flex["contents"],
            "quickReply": {
                "items": [
                    {
                        "type": "action",
                        "action": {
                            "type": "postback",
                            "label": "Track my parcel",
                            "data": "track:1024",
                            "displayText": "Track my parcel",
                        },
                    },
                    {
                        "type": "action",
                        "action": {"type": "message", "label": "Talk to a human", "text": "Talk to a human"},
                    },
                ]
            },
        },
    ]


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        ({"attachments": (image("application/pdf"),)}, "unsupported", "LINE bots cannot send files"),
        ({"attachments": (image("image/gif"),)}, "unsupported", "only JPEG and PNG"),
        ({"attachments": (image(size=11 * 1024 * 1024),)}, "too_large", "at most 10 MB"),
        ({"attachments": (image(url="http://127.0.0.1:8000/media/x"),)}, "unsupported", "https"),
        ({"text": "x" * 30_000}, "too_large", "at most 5 messages"),
        ({"content": {"template": {"name": "hello"}}}, "unsupported", "LINE cannot send template"),
        ({"content": {"flex": {"alt_text": "a", "contents": {"type": "poster"}}}}, "unsupported", "not valid"),
        ({"content": {"sticker": {"package_id": "446"}}}, "unsupported", "sticker_id"),
        (
            {"text": "a", "content": {"quick_replies": [{"id": "x", "title": str(n)} for n in range(14)]}},
            "unsupported",
            "13",
        ),
    ],
)
def test_content_line_cannot_take_fails_before_calling_it(
    channel: Channel, line_api: FakeReceiver, fields: dict[str, Any], code: str, words: str
) -> None:
    failure = refusal(channel, **fields)
    assert not failure.retryable and failure.code == code and words in failure.reason
    assert line_api.received == []


@pytest.mark.parametrize(
    ("status", "body", "code", "retryable"),
    [
        (429, {"message": "You have reached your monthly limit."}, "quota", False),
        (429, {"message": "The API rate limit has been exceeded. Try again later."}, "", True),
        (401, {"message": "Authentication failed due to the following reason: invalid token."}, "credentials", False),
        (400, {"message": "Failed to send messages"}, "invalid_recipient", False),
        (413, {"message": "Request Entity Too Large"}, "too_large", False),
        (503, b"Service Unavailable", "", True),
    ],
)
def test_lines_refusals_carry_their_meaning(
    channel: Channel, line_api: FakeReceiver, status: int, body: Any, code: str, retryable: bool
) -> None:
    line_api.then(status, body)
    failure = refusal(channel, text="Hello")
    assert (failure.code, failure.retryable, failure.http_status) == (code, retryable, status)
    assert "line-access-token" not in failure.reason


def test_a_group_is_pushed_to_by_its_id(channel: Channel, line_api: FakeReceiver) -> None:
    send(channel, recipient=GROUP_ID, text="Hello all")
    assert line_api.received[0].json()["to"] == GROUP_ID


def test_the_profile_gives_the_name_and_the_picture_from_lines_host(channel: Channel, line_api: FakeReceiver) -> None:
    picture = line_api.url("/picture/0h6bS5oJpKXf")
    line_api.then(
        200,
        {"displayName": "林小姐", "userId": USER_ID, "language": "zh-TW", "pictureUrl": picture, "statusMessage": "Hi"},
    ).then(200, PNG, headers={"Content-Type": "image/png"})
    fetch = profile_fetcher_for(channel)
    assert fetch is not None
    with http_client() as client:
        profile = fetch(channel, USER_ID, client)
    first, second = line_api.received
    assert first.path == f"/v2/bot/profile/{USER_ID}" and first.headers["Authorization"] == "Bearer line-access-token"
    assert second.path == "/picture/0h6bS5oJpKXf"
    assert profile.name == "林小姐" and profile.avatar is not None and profile.avatar.content == PNG


def test_a_picture_elsewhere_is_never_fetched_and_a_group_has_a_summary(
    channel: Channel, line_api: FakeReceiver
) -> None:
    line_api.then(200, {"groupId": GROUP_ID, "groupName": "VIP 群組", "pictureUrl": "https://evil.example/p.png"})
    fetch = profile_fetcher_for(channel)
    assert fetch is not None
    with http_client() as client:
        profile = fetch(channel, GROUP_ID, client)
        assert profile.name == "VIP 群組" and profile.avatar is None
        assert [request.path for request in line_api.received] == [f"/v2/bot/group/{GROUP_ID}/summary"]
        line_api.then(404, {"message": "Not found"})
        with pytest.raises(MediaUnavailable) as caught:
            fetch(channel, USER_ID, client)
        assert not caught.value.retryable
        with pytest.raises(MediaUnavailable):
            fetch(channel, "../v2/bot/info", client)
    assert len(line_api.received) == 2


def test_connecting_tests_the_token_and_sets_the_webhook_url(
    workspace: Workspace, httpserver: HTTPServer, settings: Any
) -> None:
    settings.PUBLIC_URL = "https://desk.example.com"
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"127.0.0.1:{httpserver.port}"]
    channel = create_line_channel(
        workspace, "LINE OA", CHANNEL_SECRET, "line-access-token", f"http://127.0.0.1:{httpserver.port}"
    )
    connector = connector_for("line")
    assert [item.name for item in connector.fields if item.secret] == ["channel_secret", "access_token"]
    assert connector.split_values({"channel_secret": "s", "access_token": "t"}) == (
        {"api_base_url": "https://api.line.me", "content_base_url": "https://api-data.line.me"},
        {"channel_secret": "s", "access_token": "t"},
    )
    bearer = {"Authorization": "Bearer line-access-token"}
    info = {
        "userId": "Ub9952f8c1e2b5e1a8d2e3f9b0c4d5e6",
        "basicId": "@216ru...",
        "displayName": "Acme 客服",
        "chatMode": "chat",
        "markAsReadMode": "manual",
    }
    httpserver.expect_ordered_request("/v2/bot/info", method="GET", headers=bearer).respond_with_json(info)
    url = f"https://desk.example.com/hooks/line/{channel.webhook_token}"
    httpserver.expect_ordered_request(
        "/v2/bot/channel/webhook/endpoint", method="PUT", headers=bearer, json={"endpoint": url}
    ).respond_with_json({})
    with http_client() as client:
        assert connector.test_connection(channel, client) == "Acme 客服 (@216ru...)"
        assert connector.after_connect is not None
        note = connector.after_connect(channel, client)
    httpserver.check_assertions()
    assert url in note


def test_a_refused_token_fails_the_connection_test(channel: Channel, line_api: FakeReceiver) -> None:
    line_api.then(
        401, {"message": "Authentication failed. Confirm that the access token in the authorization header is valid."}
    )
    with http_client() as client, pytest.raises(ConnectionTestFailed) as caught:
        connector_for("line").test_connection(channel, client)
    assert "refused the channel access token" in caught.value.reason


def test_an_image_from_a_webhook_ends_up_stored(client: Client, channel: Channel, line_api: FakeReceiver) -> None:
    channel.config["content_base_url"] = line_api.url("")
    channel.save(update_fields=["config"])
    event = {
        "type": "message",
        "message": {
            "type": "image",
            "id": "354718705033693859",
            "quoteToken": "q",
            "contentProvider": {"type": "line"},
        },
        "webhookEventId": "01FZ74A0TDDPYRVKNK77XKIMG1",
        "deliveryContext": {"isRedelivery": False},
        "timestamp": 1625665242211,
        "source": {"type": "user", "userId": USER_ID},
        "replyToken": REPLY_TOKEN,
        "mode": "active",
    }
    body = json.dumps({"destination": "U0", "events": [event]}).encode()
    headers = {"X-Line-Signature": sign(CHANNEL_SECRET, body)}
    client.generic("POST", hook_path(channel), body, content_type="application/json", headers=headers)
    process_stored_events()
    [message] = Message.in_workspace(channel.workspace_id).filter(channel=channel)
    line_api.then(200, PNG, headers={"Content-Type": "image/png"})
    download_attachments.call(message.pk)
    assert line_api.received[0].path == "/v2/bot/message/354718705033693859/content"
    [attachment] = Attachment.all_workspaces.filter(message=message)
    assert attachment.content_type == "image/png" and attachment.file.read() == PNG


def test_an_agents_answer_to_a_fresh_message_uses_its_reply_token_and_a_later_one_is_pushed(
    client: Client, channel: Channel, line_api: FakeReceiver, agent: Member, settings: Any
) -> None:
    """End to end: webhook → stored message with its reply token → agent's reply → outbox → LINE's reply API."""
    event = {
        "type": "message",
        "message": {
            "type": "text",
            "id": "468789577898262530",
            "quoteToken": "q3Plxr4AgKd",
            "text": "請問可以改期嗎？",
        },
        "webhookEventId": "01FZ74A0TDDPYRVKNK77XKREPLY",
        "deliveryContext": {"isRedelivery": False},
        "timestamp": 1625665242211,
        "source": {"type": "user", "userId": USER_ID},
        "replyToken": REPLY_TOKEN,
        "mode": "active",
    }
    body = json.dumps({"destination": "U0", "events": [event]}).encode()
    headers = {"X-Line-Signature": sign(CHANNEL_SECRET, body)}
    client.generic("POST", hook_path(channel), body, content_type="application/json", headers=headers)
    process_stored_events()
    conversation = Conversation.in_workspace(channel.workspace_id).get(channel=channel)

    line_api.then(200, SENT)
    first = actions.reply(conversation, agent, "可以，請提供訂單編號。")
    assert deliver(first.outbox_entry.pk).result == "sent"
    [request] = line_api.received
    assert request.path == "/v2/bot/message/reply"
    assert request.json()["replyToken"] == REPLY_TOKEN

    # A minute later the token has expired: the next answer is pushed.
    Message.all_workspaces.filter(kind="inbound").update(created_at=timezone.now() - timedelta(minutes=1))
    line_api.then(200, SENT)
    second = actions.reply(conversation, agent, "已為你改期。")
    assert deliver(second.outbox_entry.pk).result == "sent"
    assert line_api.received[-1].path == "/v2/bot/message/push"
