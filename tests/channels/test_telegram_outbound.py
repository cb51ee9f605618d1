"""Telegram files, keyboards, refusals, typing, profiles and connecting, against a fake Bot API.

The fake is a real HTTP server answering as https://core.telegram.org/bots/api shows;
uploads are read back as the multipart/form-data Telegram parses.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.message import Message as MimeMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from pytest_httpserver import HTTPServer

from frontdesk.channels.base import (
    MediaUnavailable,
    OutboundAttachment,
    OutboundMessage,
    SendResult,
    adapter_for,
    profile_fetcher_for,
)
from frontdesk.channels.connect import ConnectionTestFailed, connector_for
from frontdesk.channels.models import Channel
from frontdesk.channels.telegram.adapter import SECRET_HEADER
from frontdesk.channels.telegram.client import send_typing
from frontdesk.channels.telegram.setup import create_telegram_channel
from frontdesk.conversations.models import Attachment, Message
from frontdesk.core.http_client import http_client
from frontdesk.core.models import Workspace
from frontdesk.pipeline.outbound import SendFailed
from frontdesk.pipeline.tasks import download_attachments
from tests.channels.webhooks import hook_path, process_stored_events
from tests.fake_receiver import FakeReceiver, Received, running_receiver

pytestmark = pytest.mark.django_db

BOT_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
CHAT_ID = "1111111"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"0" * 300


@pytest.fixture
def bot_api(settings: Any) -> Iterator[FakeReceiver]:
    with running_receiver() as receiver:
        settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [receiver.host_port]
        yield receiver


@pytest.fixture
def channel(workspace: Workspace, bot_api: FakeReceiver) -> Channel:
    return create_telegram_channel(workspace, "Support bot", BOT_TOKEN, api_base_url=bot_api.url(""))


def sent(message_id: int) -> dict[str, object]:
    chat = {"id": int(CHAT_ID), "first_name": "小明", "type": "private"}
    return {"ok": True, "result": {"message_id": message_id, "chat": chat, "date": 1763888500}}


def stored_file(name: str, data: bytes, content_type: str, size: int | None = None) -> OutboundAttachment:
    storage_name = default_storage.save(f"tests/telegram/{name}", ContentFile(data))
    return OutboundAttachment(
        filename=name,
        content_type=content_type,
        size=len(data) if size is None else size,
        url=f"https://desk.example.com/media/{name}",
        storage_name=storage_name,
    )


def send(channel: Channel, **fields: Any) -> SendResult:
    fields.setdefault("recipient", CHAT_ID)
    return adapter_for(channel).send(channel, OutboundMessage(**fields))


def refusal(channel: Channel, **fields: Any) -> SendFailed:
    with pytest.raises(SendFailed) as caught:
        send(channel, **fields)
    return caught.value


def form(request: Received) -> dict[str, MimeMessage]:
    """The multipart/form-data fields of ``request`` by name."""
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    document = BytesParser(policy=HTTP).parsebytes(head + request.body)
    assert document.is_multipart()
    return {str(part.get_param("name", header="content-disposition")): part for part in document.iter_parts()}


def value(part: MimeMessage) -> str:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_a_photo_is_uploaded_with_the_text_as_its_caption_and_the_buttons(
    channel: Channel, bot_api: FakeReceiver
) -> None:
    bot_api.then(200, sent(51))
    result = send(
        channel,
        text="收據如下",
        attachments=(stored_file("receipt.png", PNG, "image/png"),),
        content={"buttons": [{"id": "ok", "title": "Looks right"}]},
        reply_to=f"{CHAT_ID}:1365",
    )
    [request] = bot_api.received
    assert (request.method, request.path) == ("POST", f"/bot{BOT_TOKEN}/sendPhoto")
    fields = form(request)
    assert value(fields["chat_id"]) == CHAT_ID and value(fields["caption"]) == "收據如下"
    assert value(fields["reply_markup"]) == '{"inline_keyboard": [[{"text": "Looks right", "callback_data": "ok"}]]}'
    assert value(fields["reply_parameters"]) == '{"message_id": 1365, "allow_sending_without_reply": true}'
    photo = fields["photo"]
    assert photo.get_filename() == "receipt.png" and photo.get_content_type() == "image/png"
    assert photo.get_payload(decode=True) == PNG
    assert result.provider_message_id == f"{CHAT_ID}:51"


def test_a_long_text_goes_first_and_other_files_as_documents(channel: Channel, bot_api: FakeReceiver) -> None:
    bot_api.then(200, sent(60)).then(200, sent(61)).then(200, sent(62))
    text = "說明" * 600
    big_photo = stored_file("scan.jpg", PNG, "image/jpeg", size=12 * 1024 * 1024)
    result = send(
        channel,
        text=text,
        attachments=(stored_file("invoice.pdf", PDF, "application/pdf"), big_photo),
        content={"buttons": [{"id": "paid", "title": "Paid"}]},
    )
    first, second, third = bot_api.received
    assert first.path == f"/bot{BOT_TOKEN}/sendMessage"
    assert first.json() == {"chat_id": CHAT_ID, "text": text}
    assert second.path == f"/bot{BOT_TOKEN}/sendDocument" and "caption" not in form(second)
    assert form(second)["document"].get_payload(decode=True) == PDF
    # A photo over Telegram's 10 MB goes as a file; the keyboard is on the last message.
    assert third.path == f"/bot{BOT_TOKEN}/sendDocument"
    assert set(form(third)) == {"chat_id", "reply_markup", "document"}
    assert result.provider_message_id == f"{CHAT_ID}:60"


def test_text_over_4096_characters_is_split(channel: Channel, bot_api: FakeReceiver) -> None:
    bot_api.then(200, sent(70)).then(200, sent(71))
    send(channel, text="a" * 5000)
    assert [len(str(request.json()["text"])) for request in bot_api.received] == [4096, 904]


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        ({"text": "x", "content": {"buttons": [{"id": "€" * 30, "title": "Too long"}]}}, "unsupported", "64 bytes"),
        ({"text": "x", "content": {"buttons": [{"id": "a", "title": ""}]}}, "unsupported", "id and a title"),
        ({"text": "x", "content": {"sticker": {"package_id": "1", "sticker_id": "2"}}}, "unsupported", "sticker"),
        ({"text": ""}, "unsupported", "empty"),
    ],
)
def test_what_telegram_cannot_take_fails_before_calling_it(
    channel: Channel, bot_api: FakeReceiver, fields: dict[str, Any], code: str, words: str
) -> None:
    failure = refusal(channel, **fields)
    assert not failure.retryable and failure.code == code and words in failure.reason
    assert bot_api.received == []


def test_a_file_over_50_mb_is_too_large(channel: Channel, bot_api: FakeReceiver) -> None:
    failure = refusal(channel, attachments=(stored_file("video.mp4", b"0", "video/mp4", size=60 * 1024 * 1024),))
    assert failure.code == "too_large" and bot_api.received == []


@pytest.mark.parametrize(
    ("status", "description", "code", "retryable"),
    [
        (403, "Forbidden: bot was blocked by the user", "blocked", False),
        (403, "Forbidden: user is deactivated", "blocked", False),
        (400, "Bad Request: chat not found", "invalid_recipient", False),
        (401, "Unauthorized", "credentials", False),
        (413, "Request Entity Too Large", "too_large", False),
        (400, "Bad Request: file is too big", "too_large", False),
        (429, "Too Many Requests: retry after 7", "", True),
        (400, "Bad Request: can't parse entities", "", False),
    ],
)
def test_telegrams_refusals_carry_their_meaning(
    channel: Channel, bot_api: FakeReceiver, status: int, description: str, code: str, retryable: bool
) -> None:
    answer: dict[str, object] = {"ok": False, "error_code": status, "description": description}
    if status == 429:
        answer["parameters"] = {"retry_after": 7}
    bot_api.then(status, answer)
    failure = refusal(channel, text="Hello")
    assert (failure.code, failure.retryable, failure.http_status) == (code, retryable, status)
    assert description in failure.reason and BOT_TOKEN not in failure.reason
    if status == 429:
        assert failure.retry_after is not None and failure.retry_after.total_seconds() == 7


def test_typing_is_shown_with_send_chat_action(channel: Channel, bot_api: FakeReceiver) -> None:
    bot_api.then(200, {"ok": True, "result": True})
    with http_client() as client:
        send_typing(channel, CHAT_ID, client)
    [request] = bot_api.received
    assert request.path == f"/bot{BOT_TOKEN}/sendChatAction"
    assert request.json() == {"chat_id": CHAT_ID, "action": "typing"}
    bot_api.then(403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
    with http_client() as client, pytest.raises(SendFailed) as caught:
        send_typing(channel, CHAT_ID, client)
    assert caught.value.code == "blocked"


def test_the_profile_picture_comes_through_get_file(channel: Channel, bot_api: FakeReceiver) -> None:
    sizes = [
        {"file_id": "AgAD-160", "file_unique_id": "a", "width": 160, "height": 160, "file_size": 9000},
        {"file_id": "AgAD-640", "file_unique_id": "b", "width": 640, "height": 640, "file_size": 60000},
    ]
    bot_api.then(200, {"ok": True, "result": {"total_count": 3, "photos": [sizes]}})
    bot_api.then(200, {"ok": True, "result": {"file_id": "AgAD-640", "file_path": "profile_photos/file_3.jpg"}})
    bot_api.then(200, PNG, headers={"Content-Type": "image/png"})
    fetch = profile_fetcher_for(channel)
    assert fetch is not None
    with http_client() as client:
        profile = fetch(channel, CHAT_ID, client)
    assert [request.path for request in bot_api.received] == [
        f"/bot{BOT_TOKEN}/getUserProfilePhotos?user_id={CHAT_ID}&limit=1",
        f"/bot{BOT_TOKEN}/getFile?file_id=AgAD-640",
        f"/file/bot{BOT_TOKEN}/profile_photos/file_3.jpg",
    ]
    assert profile.name == "" and profile.avatar is not None and profile.avatar.content == PNG


def test_a_group_has_its_title_and_photo_and_no_photo_is_no_avatar(channel: Channel, bot_api: FakeReceiver) -> None:
    chat = {"id": -1001234567890, "type": "supergroup", "title": "訂購群組"}
    bot_api.then(200, {"ok": True, "result": {**chat, "photo": {"small_file_id": "s", "big_file_id": "AQAD-big"}}})
    bot_api.then(200, {"ok": True, "result": {"file_id": "AQAD-big", "file_path": "profile_photos/g.jpg"}})
    bot_api.then(200, PNG)
    bot_api.then(200, {"ok": True, "result": {"total_count": 0, "photos": []}})
    fetch = profile_fetcher_for(channel)
    assert fetch is not None
    with http_client() as client:
        group = fetch(channel, "-1001234567890", client)
        assert group.name == "訂購群組" and group.avatar is not None
        assert bot_api.received[0].path == f"/bot{BOT_TOKEN}/getChat?chat_id=-1001234567890"
        assert fetch(channel, CHAT_ID, client).avatar is None
        with pytest.raises(MediaUnavailable):
            fetch(channel, "../getMe", client)
    assert len(bot_api.received) == 4


def test_connecting_checks_the_token_and_registers_the_webhook_with_its_secret(
    workspace: Workspace, httpserver: HTTPServer, settings: Any
) -> None:
    settings.PUBLIC_URL = "https://desk.example.com"
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"127.0.0.1:{httpserver.port}"]
    connector = connector_for("telegram")
    config, secrets = connector.split_values({"bot_token": BOT_TOKEN})
    assert config == {"api_base_url": "https://api.telegram.org"}
    assert set(secrets) == {"bot_token", "webhook_secret"} and len(secrets["webhook_secret"]) >= 32
    assert not any(item.reveal for item in connector.fields)
    channel = create_telegram_channel(
        workspace, "Support bot", BOT_TOKEN, api_base_url=f"http://127.0.0.1:{httpserver.port}"
    )
    me = {"id": 987654321, "is_bot": True, "first_name": "Support bot", "username": "shop_support_bot"}
    httpserver.expect_ordered_request(f"/bot{BOT_TOKEN}/getMe", method="POST").respond_with_json(
        {"ok": True, "result": me}
    )
    url = f"https://desk.example.com/hooks/telegram/{channel.webhook_token}"
    registration = {
        "url": url,
        "secret_token": channel.secrets["webhook_secret"],
        "allowed_updates": ["message", "callback_query"],
    }
    httpserver.expect_ordered_request(
        f"/bot{BOT_TOKEN}/setWebhook", method="POST", json=registration
    ).respond_with_json({"ok": True, "result": True, "description": "Webhook was set"})
    with http_client() as client:
        assert connector.test_connection(channel, client) == "@shop_support_bot"
        assert connector.after_connect is not None
        note = connector.after_connect(channel, client)
    httpserver.check_assertions()
    assert url in note and channel.secrets["webhook_secret"] not in note


def test_a_refused_token_fails_the_connection_test_without_showing_it(channel: Channel, bot_api: FakeReceiver) -> None:
    bot_api.then(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    bot_api.then(
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
        },
    )
    connector = connector_for("telegram")
    with http_client() as client:
        with pytest.raises(ConnectionTestFailed) as refused:
            connector.test_connection(channel, client)
        assert "refused the bot token" in refused.value.reason
        assert connector.after_connect is not None
        with pytest.raises(ConnectionTestFailed) as bad:
            connector.after_connect(channel, client)
    assert "An HTTPS URL must be provided" in bad.value.reason and BOT_TOKEN not in bad.value.reason


def test_a_photo_from_a_webhook_ends_up_stored(client: Client, channel: Channel, bot_api: FakeReceiver) -> None:
    photo = [{"file_id": "AgACAgQ-photo", "file_unique_id": "p", "width": 800, "height": 600, "file_size": 4000}]
    chat = {"id": int(CHAT_ID), "first_name": "小明", "type": "private"}
    user = {"id": int(CHAT_ID), "is_bot": False, "first_name": "小明"}
    update = {
        "update_id": 90001,
        "message": {"message_id": 9, "from": user, "chat": chat, "date": 1763888400, "photo": photo},
    }
    headers = {SECRET_HEADER: channel.secrets["webhook_secret"]}
    client.generic(
        "POST", hook_path(channel), json.dumps(update).encode(), content_type="application/json", headers=headers
    )
    process_stored_events()
    [message] = Message.in_workspace(channel.workspace_id).filter(channel=channel)
    bot_api.then(200, {"ok": True, "result": {"file_id": "AgACAgQ-photo", "file_path": "photos/file_9.jpg"}})
    bot_api.then(200, PNG, headers={"Content-Type": "image/png"})
    download_attachments.call(message.pk)
    assert [request.path for request in bot_api.received] == [
        f"/bot{BOT_TOKEN}/getFile?file_id=AgACAgQ-photo",
        f"/file/bot{BOT_TOKEN}/photos/file_9.jpg",
    ]
    [attachment] = Attachment.all_workspaces.filter(message=message)
    assert attachment.content_type == "image/png" and attachment.file.read() == PNG
