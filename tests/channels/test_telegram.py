"""The Telegram bot channel: webhooks with the secret-token header in, Bot API ``sendMessage`` out.

Updates are in Telegram's wire format (https://core.telegram.org/bots/api#update);
the Bot API is a real local HTTP server answering as Telegram does.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from frontdesk.channels.base import OutboundMessage, adapter_for
from frontdesk.channels.models import Channel
from frontdesk.channels.telegram.adapter import SECRET_HEADER
from frontdesk.channels.telegram.setup import create_telegram_channel
from frontdesk.contacts.models import Identity
from frontdesk.conversations import actions
from frontdesk.conversations.models import (
    Conversation,
    DeliveryAttempt,
    DeliveryStatus,
    Message,
    OutboxEntry,
    OutboxState,
)
from frontdesk.core.models import Member, Workspace
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.outbound import deliver as deliver_entry
from tests.channels.webhooks import entry_of, hook_path, messages, process_stored_events, stored
from tests.factories import make_contact, make_conversation, make_identity
from tests.fake_receiver import FakeReceiver, running_receiver

BOT_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
CHAT_ID = 1111111
_update_ids = itertools.count(10_000)
_message_ids = itertools.count(1365)

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(workspace: Workspace) -> Channel:
    return create_telegram_channel(workspace, "Support bot", BOT_TOKEN)


def sender() -> dict[str, Any]:
    return {"id": CHAT_ID, "is_bot": False, "first_name": "小明", "last_name": "陳", "username": "xiaoming"}


def telegram_message(**content: Any) -> dict[str, Any]:
    return {
        "message_id": next(_message_ids),
        "from": sender(),
        "chat": {"id": CHAT_ID, "first_name": "小明", "last_name": "陳", "username": "xiaoming", "type": "private"},
        "date": 1763888400,
        **content,
    }


def update(**content: Any) -> dict[str, Any]:
    return {"update_id": next(_update_ids), **content}


def text_update(text: str = "Hello") -> dict[str, Any]:
    return update(message=telegram_message(text=text))


def post_update(
    client: Client,
    channel: Channel,
    payload: dict[str, Any] | None = None,
    *,
    body: bytes | None = None,
    secret: str | None = None,
    process: bool = True,
) -> Any:
    """POST one Update as Telegram does, with the channel's secret token unless ``secret`` says otherwise."""
    if body is None:
        body = json.dumps(payload, ensure_ascii=False).encode()
    if secret is None:
        secret = channel.secrets["webhook_secret"]
    headers = {SECRET_HEADER: secret} if secret else {}
    response = client.generic("POST", hook_path(channel), body, content_type="application/json", headers=headers)
    if process:
        process_stored_events()
    return response


def the_message(client: Client, channel: Channel, payload: dict[str, Any]) -> Message:
    response = post_update(client, channel, payload)
    assert response.status_code == 200, response.content
    [message] = messages(channel)
    return message


def test_a_text_update_becomes_a_message_in_a_conversation_with_the_chat(client: Client, channel: Channel) -> None:
    payload = text_update("我的訂單在哪裡？")
    response = post_update(client, channel, payload)
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0}
    [message] = messages(channel)
    assert message.text == "我的訂單在哪裡？" and message.kind == "inbound"
    assert message.provider_message_id == f"{CHAT_ID}:{payload['message']['message_id']}"
    assert message.metadata["sent_at"] == "2025-11-23T09:00:00+00:00"
    conversation = message.conversation
    assert conversation.channel_id == channel.pk and conversation.last_message_preview == "我的訂單在哪裡？"
    identity = Identity.in_workspace(channel.workspace_id).get()
    assert identity.external_id == str(CHAT_ID) and identity.contact_id == conversation.contact_id
    assert conversation.contact.name == "小明 陳"
    event = InboundEvent.in_workspace(channel.workspace_id).get()
    assert event.provider_event_id == str(payload["update_id"]) and event.error == ""


@pytest.mark.parametrize("secret", ["", "wrong-secret"])
def test_a_missing_or_wrong_secret_token_is_refused_and_stores_nothing(
    client: Client, channel: Channel, secret: str
) -> None:
    response = post_update(client, channel, text_update(), secret=secret)
    assert response.status_code == 401
    expected = f"missing {SECRET_HEADER} header" if not secret else f"{SECRET_HEADER} does not match"
    assert response.json()["detail"].startswith(expected)
    assert channel.secrets["webhook_secret"] not in response.content.decode()
    assert stored(channel) == 0 and messages(channel) == []


def test_the_same_update_delivered_twenty_times_stores_one_message(client: Client, channel: Channel) -> None:
    payload = text_update("only once")
    answers = [post_update(client, channel, payload).json() for _ in range(20)]
    assert answers[0] == {"accepted": 1, "duplicates": 0}
    assert answers[1:] == [{"accepted": 0, "duplicates": 1}] * 19
    assert stored(channel) == 1 and [m.text for m in messages(channel)] == ["only once"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"update_id": ', "malformed JSON"),
        (b"[]", "the body must be one Telegram Update object"),
        (b'{"message": {}}', "the Update has no integer update_id"),
        (
            b'{"update_id": 5, "message": {"message_id": 1}}',
            "update 5: message.date is missing; message.chat is missing",
        ),
        (
            b'{"update_id": 6, "message": {"message_id": 1, "date": 1, "chat": {"id": "me", "type": "private"}}}',
            "update 6: message.chat.id should be an integer",
        ),
        (
            b'{"update_id": 7, "callback_query": {"id": "", "chat_instance": "-5", "data": "yes"}}',
            "update 7: callback_query.id should be 1 to 255 characters; callback_query.from is missing",
        ),
    ],
)
def test_a_malformed_update_gets_a_400_naming_the_problem(
    client: Client, channel: Channel, body: bytes, detail: str
) -> None:
    response = post_update(client, channel, body=body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
    assert stored(channel) == 0


def test_a_photo_keeps_the_largest_size_as_a_telegram_file_reference(client: Client, channel: Channel) -> None:
    photo = [
        {"file_id": "AgAD-small", "file_unique_id": "s", "width": 90, "height": 67, "file_size": 1200},
        {"file_id": "AgAD-large", "file_unique_id": "l", "width": 1280, "height": 960, "file_size": 98000},
        {"file_id": "AgAD-medium", "file_unique_id": "m", "width": 320, "height": 240, "file_size": 14000},
    ]
    message = the_message(client, channel, update(message=telegram_message(photo=photo, caption="破了")))
    assert message.text == "破了"
    assert message.metadata["pending_attachments"] == [
        {"url": "telegram-file:AgAD-large", "filename": "photo.jpg", "content_type": "image/jpeg"}
    ]


def test_a_document_and_a_voice_note_are_file_references_never_urls(client: Client, channel: Channel) -> None:
    document = {
        "file_id": "BQAD-doc",
        "file_unique_id": "d",
        "file_name": "invoice.pdf",
        "mime_type": "application/pdf",
    }
    message = the_message(client, channel, update(message=telegram_message(document=document)))
    assert message.metadata["pending_attachments"] == [
        {"url": "telegram-file:BQAD-doc", "filename": "invoice.pdf", "content_type": "application/pdf"}
    ]
    assert message.conversation.last_message_preview == "📎 invoice.pdf"
    voice = {"file_id": "AwAD-voice", "file_unique_id": "v", "duration": 4, "mime_type": "audio/ogg"}
    post_update(client, channel, update(message=telegram_message(voice=voice)))
    assert messages(channel)[1].metadata["pending_attachments"] == [
        {"url": "telegram-file:AwAD-voice", "filename": "voice.ogg", "content_type": "audio/ogg"}
    ]


def test_video_audio_video_notes_animations_and_stickers_are_understood(client: Client, channel: Channel) -> None:
    video = {
        "file_id": "BAAD-video",
        "file_unique_id": "v",
        "width": 1280,
        "height": 720,
        "duration": 12,
        "file_name": "unboxing.mp4",
        "mime_type": "video/mp4",
    }
    audio = {"file_id": "CQAD-audio", "file_unique_id": "a", "duration": 180, "mime_type": "audio/mpeg"}
    note = {"file_id": "DQAD-note", "file_unique_id": "n", "length": 240, "duration": 5}
    animation = {"file_id": "CgAD-gif", "file_unique_id": "g", "width": 320, "height": 240, "duration": 2}
    gif_document = {
        "file_id": "CgAD-gif",
        "file_unique_id": "g",
        "file_name": "funny.gif.mp4",
        "mime_type": "video/mp4",
    }
    sticker = {
        "file_id": "CAAD-sticker",
        "file_unique_id": "s",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
        "set_name": "HotCherry",
    }
    for content in (
        {"video": video, "caption": "看這個"},
        {"audio": audio},
        {"video_note": note},
        {"animation": animation, "document": gif_document},
        {"sticker": sticker},
    ):
        post_update(client, channel, update(message=telegram_message(**content)))
    sent_video, sent_audio, sent_note, sent_gif, sent_sticker = messages(channel)
    assert sent_video.text == "看這個"
    assert sent_video.metadata["pending_attachments"] == [
        {"url": "telegram-file:BAAD-video", "filename": "unboxing.mp4", "content_type": "video/mp4"}
    ]
    assert sent_audio.metadata["pending_attachments"] == [
        {"url": "telegram-file:CQAD-audio", "filename": "audio.mp3", "content_type": "audio/mpeg"}
    ]
    assert sent_note.metadata["pending_attachments"] == [
        {"url": "telegram-file:DQAD-note", "filename": "video-note.mp4", "content_type": "video/mp4"}
    ]
    assert sent_gif.metadata["pending_attachments"] == [
        {"url": "telegram-file:CgAD-gif", "filename": "funny.gif.mp4", "content_type": "video/mp4"}
    ]
    assert sent_sticker.text == "👍"
    assert sent_sticker.metadata["provider"] == {
        "sticker": {"file_id": "CAAD-sticker", "emoji": "👍", "set_name": "HotCherry"}
    }


def test_a_location_and_a_venue_are_locations(client: Client, channel: Channel) -> None:
    location = {"latitude": 25.033964, "longitude": 121.564468}
    message = the_message(client, channel, update(message=telegram_message(location=location)))
    assert message.metadata["location"] == {**location, "name": "", "address": ""}
    venue = {"location": location, "title": "台北101", "address": "信義路五段7號"}
    post_update(client, channel, update(message=telegram_message(location=location, venue=venue)))
    assert messages(channel)[1].metadata["location"] == {**location, "name": "台北101", "address": "信義路五段7號"}


def test_a_shared_contact_is_a_contact_card(client: Client, channel: Channel) -> None:
    contact = {"phone_number": "+886912345678", "first_name": "Ada", "last_name": "Lovelace", "user_id": 2222}
    message = the_message(client, channel, update(message=telegram_message(contact=contact)))
    assert message.metadata["contact_card"] == {"name": "Ada Lovelace", "phones": ["+886912345678"], "emails": []}
    assert message.conversation.last_message_preview == "👤 Ada Lovelace"


def test_a_reply_points_at_the_quoted_message(client: Client, channel: Channel) -> None:
    quoted = telegram_message(text="earlier")
    message = the_message(client, channel, update(message=telegram_message(text="this one", reply_to_message=quoted)))
    assert message.metadata["reply_to"] == f"{CHAT_ID}:{quoted['message_id']}"


def test_a_pressed_inline_button_is_an_interactive_answer(client: Client, channel: Channel) -> None:
    keyboard = {
        "inline_keyboard": [
            [{"text": "Yes, refund me", "callback_data": "refund:yes"}],
            [{"text": "No thanks", "callback_data": "refund:no"}],
        ]
    }
    ours = telegram_message(text="Refund?", reply_markup=keyboard)
    ours["from"] = {"id": 987654321, "is_bot": True, "first_name": "Support bot"}
    query = {"id": "4382bfdwdsb323b2d9", "from": sender(), "message": ours, "chat_instance": "-5", "data": "refund:yes"}
    payload = update(callback_query=query)
    message = the_message(client, channel, payload)
    assert message.metadata["interactive"] == {"id": "refund:yes", "title": "Yes, refund me"}
    assert message.metadata["reply_to"] == f"{CHAT_ID}:{ours['message_id']}"
    assert message.provider_message_id == f"{CHAT_ID}:callback:4382bfdwdsb323b2d9"
    assert message.conversation.contact.name == "小明 陳"
    assert message.conversation.last_message_preview == "Yes, refund me"


def test_a_button_press_is_answered_in_the_webhook_response(client: Client, channel: Channel) -> None:
    ours = telegram_message(text="Refund?")
    query = {"id": "4382bfdwdsb323b2d9", "from": sender(), "message": ours, "chat_instance": "-5", "data": "refund:no"}
    response = post_update(client, channel, update(callback_query=query))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    # Telegram runs a Bot API call given as the webhook's answer: the button stops spinning.
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": "4382bfdwdsb323b2d9"}
    # A redelivery is answered the same way (a second answer is harmless) and stores nothing new.
    assert post_update(client, channel, update(callback_query=query)).json()["method"] == "answerCallbackQuery"
    assert post_update(client, channel, text_update()).json() == {"accepted": 1, "duplicates": 0}


def test_a_group_chat_is_one_conversation_with_the_member_in_each_message(client: Client, channel: Channel) -> None:
    group = {"id": -1001234567890, "title": "訂購群組", "type": "supergroup"}
    other = {"id": 2222222, "is_bot": False, "first_name": "Ada", "username": "ada"}
    first = update(message={**telegram_message(text="Hi all"), "chat": group})
    second = update(message={**telegram_message(text="Me too"), "chat": group, "from": other})
    post_update(client, channel, first)
    post_update(client, channel, second)
    one, two = messages(channel)
    assert one.conversation_id == two.conversation_id
    assert one.metadata["provider"] == {"sender": "小明 陳", "sender_id": str(CHAT_ID)}
    assert two.metadata["provider"] == {"sender": "Ada", "sender_id": "2222222"}
    assert one.provider_message_id == f"-1001234567890:{first['message']['message_id']}"
    identity = Identity.in_workspace(channel.workspace_id).get()
    assert identity.external_id == "-1001234567890" and one.conversation.contact.name == "訂購群組"


def test_edited_messages_and_other_updates_are_acknowledged_without_a_message(client: Client, channel: Channel) -> None:
    edited = update(edited_message={**telegram_message(text="typo fixed"), "edit_date": 1763888460})
    poll = update(poll={"id": "1", "question": "?", "options": [], "total_voter_count": 0})
    for payload in (edited, poll):
        assert post_update(client, channel, payload).status_code == 200
    assert stored(channel) == 2 and messages(channel) == []
    assert all(e.error == "" for e in InboundEvent.in_workspace(channel.workspace_id))


@pytest.fixture
def bot_api(settings: Any) -> Iterator[FakeReceiver]:
    with running_receiver() as receiver:
        settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [receiver.host_port]
        yield receiver


@pytest.fixture
def conversation(workspace: Workspace, bot_api: FakeReceiver) -> Conversation:
    channel = create_telegram_channel(workspace, "Support bot", BOT_TOKEN, api_base_url=bot_api.url("/"))
    contact = make_contact(workspace, name="陳小明")
    make_identity(contact, channel, external_id=str(CHAT_ID))
    return make_conversation(workspace, contact=contact, channel=channel, waiting_since=timezone.now())


def sent_message(message_id: int, text: str) -> dict[str, Any]:
    chat = {"id": CHAT_ID, "first_name": "小明", "type": "private"}
    bot = {"id": 987654321, "is_bot": True, "first_name": "Support bot", "username": "shop_support_bot"}
    return {
        "ok": True,
        "result": {"message_id": message_id, "from": bot, "chat": chat, "date": 1763888500, "text": text},
    }


def test_a_reply_is_sent_with_send_message_and_marked_sent(
    agent: Member, conversation: Conversation, bot_api: FakeReceiver
) -> None:
    bot_api.then(200, sent_message(4242, "您好，已出貨"))
    entry = entry_of(actions.reply(conversation, agent, "您好，已出貨"))
    assert deliver_entry(entry.pk).result == "sent"
    [request] = bot_api.received
    assert (request.method, request.path) == ("POST", f"/bot{BOT_TOKEN}/sendMessage")
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {"chat_id": str(CHAT_ID), "text": "您好，已出貨"}
    message = Message.all_workspaces.get(pk=entry.message_id)
    assert message.status == DeliveryStatus.SENT and message.provider_message_id == f"{CHAT_ID}:4242"


def test_a_customer_who_blocked_the_bot_fails_the_reply_at_once_with_the_reason(
    agent: Member, conversation: Conversation, bot_api: FakeReceiver
) -> None:
    bot_api.then(403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
    entry = entry_of(actions.reply(conversation, agent, "Still there?"))
    assert deliver_entry(entry.pk).result == "failed"
    message = Message.all_workspaces.get(pk=entry.message_id)
    assert message.status == DeliveryStatus.FAILED
    assert message.status_reason == (
        "The customer has blocked the bot (Telegram 403: Forbidden: bot was blocked by the user)"
    )
    assert OutboxEntry.all_workspaces.get(pk=entry.pk).state == OutboxState.FAILED
    assert BOT_TOKEN not in message.status_reason


def test_a_chat_that_is_gone_fails_the_reply_without_retrying(
    agent: Member, conversation: Conversation, bot_api: FakeReceiver
) -> None:
    bot_api.then(400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
    entry = entry_of(actions.reply(conversation, agent, "Hello"))
    assert deliver_entry(entry.pk).result == "failed"
    reason = Message.all_workspaces.get(pk=entry.message_id).status_reason
    assert reason == "The chat no longer exists for this bot (Telegram 400: Bad Request: chat not found)"


def test_flood_control_is_retried_after_the_wait_telegram_asks_for(
    agent: Member, conversation: Conversation, bot_api: FakeReceiver
) -> None:
    flood = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 35"}
    bot_api.then(429, {**flood, "parameters": {"retry_after": 35}}).then(502, b"Bad Gateway")
    bot_api.then(200, sent_message(7, "Hi"))
    entry = entry_of(actions.reply(conversation, agent, "Hi"))
    before = timezone.now()
    assert deliver_entry(entry.pk).result == "retry"
    entry.refresh_from_db()
    assert entry.state == OutboxState.PENDING and entry.next_attempt_at - before >= timedelta(seconds=34)
    assert entry.last_error == "Telegram 429: Too Many Requests: retry after 35"
    for expected in ("retry", "sent"):
        OutboxEntry.all_workspaces.filter(pk=entry.pk).update(next_attempt_at=timezone.now())
        assert deliver_entry(entry.pk).result == expected
    statuses = DeliveryAttempt.in_workspace(entry.workspace_id).values_list("outcome", "http_status")
    assert list(statuses) == [("retry", 429), ("retry", 502), ("sent", None)]
    assert len(bot_api.received) == 3


def test_an_unreachable_bot_api_is_retried_without_leaking_the_token(
    agent: Member, conversation: Conversation, bot_api: FakeReceiver
) -> None:
    bot_api.stop()
    entry = entry_of(actions.reply(conversation, agent, "Hi"))
    assert deliver_entry(entry.pk).result == "retry"
    entry.refresh_from_db()
    assert "ConnectionFailed" in entry.last_error and BOT_TOKEN not in entry.last_error


def test_buttons_become_an_inline_keyboard_and_replies_quote_the_customer(
    conversation: Conversation, bot_api: FakeReceiver
) -> None:
    bot_api.then(200, sent_message(4243, "Refund?"))
    message = OutboundMessage(
        recipient="1111111",
        text="Refund?",
        reply_to="1111111:1365",
        content={"buttons": [{"id": "refund:yes", "title": "Yes"}, {"id": "refund:no", "title": "No"}]},
    )
    adapter_for(conversation.channel).send(conversation.channel, message)
    [request] = bot_api.received
    assert request.path == f"/bot{BOT_TOKEN}/sendMessage"
    assert request.json() == {
        "chat_id": "1111111",
        "text": "Refund?",
        "reply_parameters": {"message_id": 1365, "allow_sending_without_reply": True},
        "reply_markup": {
            "inline_keyboard": [
                [{"text": "Yes", "callback_data": "refund:yes"}],
                [{"text": "No", "callback_data": "refund:no"}],
            ]
        },
    }


def test_the_channel_is_found_by_its_kind_and_keeps_its_credentials_encrypted(channel: Channel) -> None:
    assert type(adapter_for(channel)).__name__ == "TelegramAdapter"
    assert adapter_for(channel).capabilities.typing_indicator
    assert channel.secret_names() == ["bot_token", "webhook_secret"]
    assert len(channel.secrets["webhook_secret"]) >= 32
    assert channel.config == {"api_base_url": "https://api.telegram.org"}


def test_the_benchmarks_deliveries_are_accepted_as_telegrams(client: Client, workspace: Workspace) -> None:
    from bench.payloads import telegram as bench

    channel = bench.create_channel(workspace)
    for sequence in (1, 2):
        query, body, headers = bench.delivery(channel.secrets, "customer-7", f"Hello {sequence}", sequence)
        response = client.generic("POST", hook_path(channel) + query, body, headers=headers)
        assert response.json() == {"accepted": 1, "duplicates": 0}
    process_stored_events()
    assert [message.text for message in messages(channel)] == ["Hello 1", "Hello 2"]
    assert Conversation.in_workspace(workspace.pk).count() == 1
