"""The LINE channel both ways: signed webhooks in LINE's wire format, push messages to a fake Messaging API."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from frontdesk.channels.line.adapter import sign
from frontdesk.channels.line.setup import create_line_channel
from frontdesk.channels.models import Channel
from frontdesk.conversations import actions
from frontdesk.conversations.models import Conversation, DeliveryStatus, OutboxEntry
from frontdesk.core.models import Member, Workspace
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.outbound import deliver
from tests.channels.webhooks import entry_of, hook_path, messages, process_stored_events, refreshed, stored
from tests.factories import make_contact, make_conversation, make_identity
from tests.fake_receiver import FakeReceiver, running_receiver

pytestmark = pytest.mark.django_db

CHANNEL_SECRET = "8a1f0e1b7c2d4e5f8a1f0e1b7c2d4e5f"
USER_ID = "U4af4980629e2b5e1a8d2e3f9b0c4d5e6"
_numbers = itertools.count(1)


@pytest.fixture
def line_api() -> Iterator[FakeReceiver]:
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture
def channel(workspace: Workspace, line_api: FakeReceiver, settings: Any) -> Channel:
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [line_api.host_port]
    return create_line_channel(workspace, "LINE OA", CHANNEL_SECRET, "line-access-token", api_base_url=line_api.url(""))


def line_event(message: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A message event as LINE's Messaging API reference shows it."""
    number = next(_numbers)
    event: dict[str, Any] = {
        "type": "message",
        "message": message or {"type": "text", "id": f"46817{number:08d}", "quoteToken": "q3Plxr4AgKd", "text": "Hi"},
        "webhookEventId": f"01FZ74A0TDDPYRVKNK77XK{number:04d}",
        "deliveryContext": {"isRedelivery": False},
        "timestamp": 1625665242211,
        "source": {"type": "user", "userId": USER_ID},
        "replyToken": "757913772c4646b784d4b7ce46d12671",
        "mode": "active",
    }
    event.update(fields)
    return event


def body_of(events: list[dict[str, Any]]) -> bytes:
    return json.dumps({"destination": "Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "events": events}).encode()


def post(client: Client, channel: Channel, body: bytes, signature: str | None = None) -> Any:
    """POST as LINE does, signed with the channel secret unless ``signature`` says otherwise; then process."""
    headers = {}
    signature = sign(CHANNEL_SECRET, body) if signature is None else signature
    if signature:
        headers["X-Line-Signature"] = signature
    response = client.generic("POST", hook_path(channel), body, content_type="application/json", headers=headers)
    process_stored_events()
    return response


def test_a_signed_text_message_lands_in_a_conversation(client: Client, channel: Channel) -> None:
    event = line_event({"type": "text", "id": "468789577898262530", "quoteToken": "q3P", "text": "訂單在哪裡?"})
    response = post(client, channel, body_of([event]))
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0}
    [message] = messages(channel)
    assert message.text == "訂單在哪裡?" and message.provider_message_id == "468789577898262530"
    assert message.metadata["provider"] == {
        "reply_token": "757913772c4646b784d4b7ce46d12671",
        "timestamp": 1625665242211,
        "quote_token": "q3P",
    }
    assert message.metadata["sent_at"] == "2021-07-07T13:40:42.211000+00:00"
    conversation = Conversation.in_workspace(channel.workspace_id).get()
    assert conversation.channel_id == channel.pk and message.conversation_id == conversation.pk
    assert conversation.contact.identities.get().external_id == USER_ID


@pytest.mark.parametrize("signature", ["", "bm90IHRoZSBzaWduYXR1cmU=", "wrong-secret"])
def test_a_missing_or_wrong_signature_is_a_401_and_stores_nothing(
    client: Client, channel: Channel, signature: str
) -> None:
    body = body_of([line_event()])
    if signature == "wrong-secret":
        signature = sign("not-the-channel-secret", body)
    response = post(client, channel, body, signature=signature)
    assert response.status_code == 401
    assert stored(channel) == 0 and messages(channel) == []


def test_one_changed_byte_breaks_the_signature(client: Client, channel: Channel) -> None:
    body = body_of([line_event()])
    signature = sign(CHANNEL_SECRET, body)
    assert post(client, channel, body.replace(b'"Hi"', b'"Ho"'), signature=signature).status_code == 401
    assert stored(channel) == 0


def test_a_redelivered_event_twenty_times_stores_one_message(client: Client, channel: Channel) -> None:
    event = line_event()
    post(client, channel, body_of([event]))
    event["deliveryContext"] = {"isRedelivery": True}
    answers = [post(client, channel, body_of([event])).json() for _ in range(19)]
    assert answers == [{"accepted": 0, "duplicates": 1}] * 19
    assert stored(channel) == 1 and len(messages(channel)) == 1


def test_the_verify_button_with_no_events_is_acknowledged(client: Client, channel: Channel) -> None:
    response = post(client, channel, json.dumps({"destination": "U0", "events": []}).encode())
    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "duplicates": 0}
    assert stored(channel) == 0


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{not json", "malformed JSON"),
        (b'{"destination": "U0"}', '"events" list'),
        (b"[]", '"events" list'),
    ],
)
def test_malformed_bodies_get_a_400(client: Client, channel: Channel, body: bytes, detail: str) -> None:
    response = post(client, channel, body)
    assert response.status_code == 400 and detail in response.json()["detail"]
    assert stored(channel) == 0


def test_an_event_without_an_id_is_refused_and_the_rest_kept(client: Client, channel: Channel) -> None:
    broken = line_event()
    del broken["webhookEventId"]
    response = post(client, channel, body_of([broken, line_event()]))
    assert response.status_code == 200
    assert response.json()["accepted"] == 1 and response.json()["rejected"][0]["index"] == 0
    assert len(messages(channel)) == 1


def test_an_event_of_the_wrong_shape_is_recorded_as_unparseable(client: Client, channel: Channel) -> None:
    post(client, channel, body_of([line_event({"type": "text", "id": "1"})]))
    event = InboundEvent.in_workspace(channel.workspace_id).get()
    assert event.processed_at is not None and "not a LINE message event" in event.error
    assert messages(channel) == []


def test_every_message_type_is_understood(client: Client, channel: Channel) -> None:
    events = [
        line_event({"type": "image", "id": "101", "quoteToken": "q", "contentProvider": {"type": "line"}}),
        line_event(
            {
                "type": "video",
                "id": "102",
                "quoteToken": "q",
                "duration": 60000,
                "contentProvider": {"type": "external", "originalContentUrl": "https://evil.example/v.mp4"},
            }
        ),
        line_event({"type": "audio", "id": "103", "duration": 6000, "contentProvider": {"type": "line"}}),
        line_event({"type": "file", "id": "104", "fileName": "invoice.pdf", "fileSize": 2138}),
        line_event(
            {
                "type": "location",
                "id": "105",
                "title": "台北101",
                "address": "台北市信義區信義路五段7號",
                "latitude": 25.033976,
                "longitude": 121.5645389,
            }
        ),
        line_event(
            {
                "type": "sticker",
                "id": "106",
                "quoteToken": "q",
                "packageId": "446",
                "stickerId": "1988",
                "stickerResourceType": "STATIC",
                "keywords": ["happy"],
            }
        ),
    ]
    post(client, channel, body_of(events))
    image, video, audio, file, location, sticker = messages(channel)
    assert image.metadata["pending_attachments"] == [
        {"url": "line-content:101", "filename": "", "content_type": "image/jpeg"}
    ]
    # The payload's own URL is never kept: media comes from LINE's content endpoint.
    assert video.metadata["pending_attachments"][0]["url"] == "line-content:102"
    assert "evil.example" not in json.dumps(video.metadata)
    assert audio.metadata["pending_attachments"][0]["url"] == "line-content:103"
    assert file.metadata["pending_attachments"] == [
        {"url": "line-content:104", "filename": "invoice.pdf", "content_type": ""}
    ]
    assert location.metadata["location"] == {
        "latitude": 25.033976,
        "longitude": 121.5645389,
        "name": "台北101",
        "address": "台北市信義區信義路五段7號",
    }
    assert sticker.metadata["provider"]["sticker"] == {"package_id": "446", "sticker_id": "1988", "keywords": ["happy"]}
    assert [item.provider_message_id for item in messages(channel)] == ["101", "102", "103", "104", "105", "106"]


def test_a_postback_is_an_interactive_answer(client: Client, channel: Channel) -> None:
    postback = line_event(type="postback", postback={"data": "action=buy&itemid=111", "params": {"date": "2026-12-01"}})
    del postback["message"]
    post(client, channel, body_of([postback]))
    [message] = messages(channel)
    assert message.metadata["interactive"] == {
        "id": "action=buy&itemid=111",
        "title": "",
        "params": {"date": "2026-12-01"},
    }
    assert message.provider_message_id == f"postback:{postback['webhookEventId']}"
    assert message.metadata["provider"]["reply_token"] == "757913772c4646b784d4b7ce46d12671"


def test_a_follow_opens_a_conversation_to_greet_the_new_friend_and_unfollow_is_only_acknowledged(
    client: Client, channel: Channel
) -> None:
    follow = line_event(type="follow", follow={"isUnblocked": False})
    del follow["message"]
    unblock = line_event(type="follow", follow={"isUnblocked": True}, replyToken="8cf9239d56244f4197887e939187e19e")
    del unblock["message"]
    unfollow = line_event(type="unfollow")
    del unfollow["message"], unfollow["replyToken"]
    response = post(client, channel, body_of([follow, unfollow, unblock]))
    assert response.json() == {"accepted": 3, "duplicates": 0}
    first, second = messages(channel)
    assert first.metadata["interactive"] == {"id": "line:follow", "title": "Added the account as a friend"}
    assert first.metadata["provider"] == {
        "reply_token": "757913772c4646b784d4b7ce46d12671",
        "timestamp": 1625665242211,
        "event": "follow",
        "is_unblocked": False,
    }
    assert first.provider_message_id == f"follow:{follow['webhookEventId']}"
    assert second.metadata["interactive"]["title"] == "Unblocked the account"
    conversation = Conversation.in_workspace(channel.workspace_id).get()
    assert conversation.last_message_preview == "Unblocked the account"
    assert conversation.contact.identities.get().external_id == USER_ID
    assert InboundEvent.in_workspace(channel.workspace_id).filter(processed_at__isnull=True).count() == 0
    assert all(event.error == "" for event in InboundEvent.in_workspace(channel.workspace_id))


def test_a_group_chat_is_one_conversation_with_the_member_in_each_message(client: Client, channel: Channel) -> None:
    group_id = "Ca56f94637c2b5e1a8d2e3f9b0c4d5e67"
    other = "U0123456789abcdef0123456789abcdef"
    events = [
        line_event(source={"type": "group", "groupId": group_id, "userId": USER_ID}),
        line_event(source={"type": "group", "groupId": group_id, "userId": other}),
        # A member who has not agreed to LINE's terms has no userId.
        line_event(source={"type": "group", "groupId": group_id}),
    ]
    post(client, channel, body_of(events))
    first, second, third = messages(channel)
    assert first.conversation_id == second.conversation_id == third.conversation_id
    assert first.metadata["provider"]["sender_id"] == USER_ID
    assert second.metadata["provider"]["sender_id"] == other
    assert "sender_id" not in third.metadata["provider"]
    identity = first.conversation.contact.identities.get()
    assert identity.external_id == group_id


def test_a_room_is_one_conversation_too(client: Client, channel: Channel) -> None:
    room_id = "Rb1e5d4c3b2a19f8e7d6c5b4a39281706"
    post(client, channel, body_of([line_event(source={"type": "room", "roomId": room_id, "userId": USER_ID})]))
    [message] = messages(channel)
    assert message.conversation.contact.identities.get().external_id == room_id
    assert message.metadata["provider"]["sender_id"] == USER_ID


@pytest.fixture
def conversation(workspace: Workspace, channel: Channel) -> Conversation:
    contact = make_contact(workspace, name="林小姐")
    make_identity(contact, channel, external_id=USER_ID)
    return make_conversation(workspace, contact=contact, channel=channel, waiting_since=timezone.now())


def make_due(entry: OutboxEntry) -> None:
    OutboxEntry.all_workspaces.filter(pk=entry.pk).update(next_attempt_at=timezone.now())


def test_a_reply_without_a_fresh_reply_token_is_pushed(
    agent: Member, conversation: Conversation, line_api: FakeReceiver
) -> None:
    line_api.then(200, {"sentMessages": [{"id": "461230966842064897", "quoteToken": "IStG5h1Tz7b"}]})
    entry = entry_of(actions.reply(conversation, agent, "您好,訂單已出貨"))
    assert deliver(entry.pk).result == "sent"
    [request] = line_api.received
    assert request.method == "POST" and request.path == "/v2/bot/message/push"
    assert request.headers["Authorization"] == "Bearer line-access-token"
    assert request.headers["X-Line-Retry-Key"] == str(entry.idempotency_key)
    assert request.json() == {"to": USER_ID, "messages": [{"type": "text", "text": "您好,訂單已出貨"}]}
    message = refreshed(entry.message)
    assert message.status == DeliveryStatus.SENT and message.provider_message_id == "461230966842064897"


def test_a_retried_push_keeps_its_retry_key_and_a_409_means_already_sent(
    agent: Member, conversation: Conversation, line_api: FakeReceiver
) -> None:
    line_api.then(500, {"message": "Internal server error"})
    line_api.then(429, {"message": "The API rate limit has been exceeded. Try again later."})
    line_api.then(
        409,
        {"message": "The retry key is already accepted", "sentMessages": [{"id": "4612", "quoteToken": "x"}]},
        headers={"x-line-accepted-request-id": "abffc8e4-fd4f-4d5a-9b84-7b9f7d1c3c4e"},
    )
    entry = entry_of(actions.reply(conversation, agent, "Sorry for the wait"))
    results = []
    for _ in range(3):
        make_due(entry)
        results.append(deliver(entry.pk).result)
    assert results == ["retry", "retry", "sent"]
    assert {request.headers["X-Line-Retry-Key"] for request in line_api.received} == {str(entry.idempotency_key)}
    message = refreshed(entry.message)
    assert message.status == DeliveryStatus.SENT and message.provider_message_id == "4612"


def test_the_monthly_quota_fails_the_message_with_the_reason(
    agent: Member, conversation: Conversation, line_api: FakeReceiver
) -> None:
    line_api.then(429, {"message": "You have reached your monthly limit."})
    entry = entry_of(actions.reply(conversation, agent, "Hello"))
    assert deliver(entry.pk).result == "failed"
    message = refreshed(entry.message)
    assert message.status == DeliveryStatus.FAILED
    assert "monthly message limit" in message.status_reason
    assert len(line_api.received) == 1


def test_a_400_fails_the_message_with_lines_explanation(
    agent: Member, conversation: Conversation, line_api: FakeReceiver
) -> None:
    line_api.then(
        400,
        {
            "message": "The request body has 1 error(s)",
            "details": [{"message": "Failed to push a message to this user", "property": "to"}],
        },
    )
    entry = entry_of(actions.reply(conversation, agent, "Hello"))
    assert deliver(entry.pk).result == "failed"
    assert refreshed(entry.message).status_reason == (
        "HTTP 400: The request body has 1 error(s) (to: Failed to push a message to this user)"
    )


def test_a_long_reply_is_pushed_as_several_text_messages_in_one_request(
    agent: Member, conversation: Conversation, line_api: FakeReceiver
) -> None:
    entry = entry_of(actions.reply(conversation, agent, "好" * 12_000))
    assert deliver(entry.pk).result == "sent"
    [request] = line_api.received
    texts = [item["text"] for item in request.json()["messages"]]  # type: ignore[attr-defined]
    assert [len(text) for text in texts] == [5000, 5000, 2000]


def test_the_benchmarks_deliveries_are_accepted_as_lines(client: Client, workspace: Workspace) -> None:
    from bench.payloads import line as bench

    channel = bench.create_channel(workspace)
    for sequence in (1, 2):
        query, body, headers = bench.delivery(channel.secrets, "customer-7", f"Hello {sequence}", sequence)
        response = client.generic("POST", hook_path(channel) + query, body, headers=headers)
        assert response.json() == {"accepted": 1, "duplicates": 0}
    process_stored_events()
    assert [message.text for message in messages(channel)] == ["Hello 1", "Hello 2"]
    assert Conversation.in_workspace(workspace.pk).count() == 1
