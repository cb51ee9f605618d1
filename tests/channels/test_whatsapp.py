"""The WhatsApp channel both ways: Meta's signed webhooks in the Cloud API's wire format, and a fake Graph API."""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
from typing import Any

import pytest
from django.test import Client
from pytest_httpserver import HTTPServer
from werkzeug import Request

from frontdesk.channels.base import OutboundAttachment, OutboundMessage, adapter_for
from frontdesk.channels.connect import ConnectionTestFailed, connector_for
from frontdesk.channels.meta import sign
from frontdesk.channels.models import Channel
from frontdesk.channels.whatsapp.setup import API_VERSION, create_whatsapp_channel
from frontdesk.channels.whatsapp.templates import TemplateSyncFailed, sync_templates
from frontdesk.conversations import actions
from frontdesk.conversations.actions import ReplyFile
from frontdesk.conversations.models import Attachment, Conversation, DeliveryStatus, Message
from frontdesk.core.http_client import http_client
from frontdesk.core.models import Member, Workspace
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.outbound import SendFailed, deliver
from frontdesk.pipeline.tasks import download_attachments
from tests.channels.webhooks import entry_of, hook_path, messages, process_stored_events, refreshed, stored
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db

APP_SECRET = "4a8e1b7f0c2d9e3a5b6c7d8e9f0a1b2c"
VERIFY_TOKEN = "meta-verify-token-1234"
ACCESS_TOKEN = "EAAJB-system-user-token"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
WA_ID = "85255550123"
MESSAGES_PATH = f"/{API_VERSION}/{PHONE_NUMBER_ID}/messages"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
_numbers = itertools.count(1)


@pytest.fixture
def channel(workspace: Workspace, httpserver: HTTPServer, settings: Any) -> Channel:
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"{httpserver.host}:{httpserver.port}"]
    return create_whatsapp_channel(
        workspace,
        "WhatsApp +852",
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=WABA_ID,
        access_token=ACCESS_TOKEN,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        api_base_url=httpserver.url_for(""),
    )


def wamid() -> str:
    return f"wamid.HBgLODUyNTU1NTAxMjMVAgASGBQzQUZGNTc{next(_numbers):06d}AA=="


def text_message(text: str = "Hi", **fields: Any) -> dict[str, Any]:
    message = {"from": WA_ID, "id": wamid(), "timestamp": "1763888400", "type": "text", "text": {"body": text}}
    message.update(fields)
    return message


def typed(kind: str, content: Any, **fields: Any) -> dict[str, Any]:
    message = {"from": WA_ID, "id": wamid(), "timestamp": "1763888400", "type": kind, kind: content}
    message.update(fields)
    return message


def body_of(
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    contacts: list[dict[str, Any]] | None = None,
) -> bytes:
    """A delivery as the Cloud API webhook reference shows it."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "85255550000", "phone_number_id": PHONE_NUMBER_ID},
    }
    if messages is not None:
        value["contacts"] = contacts or [{"profile": {"name": "陳大文"}, "wa_id": WA_ID}]
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    document = {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }
    return json.dumps(document, ensure_ascii=False).encode()


def post(client: Client, channel: Channel, body: bytes, signature: str | None = None) -> Any:
    """POST as Meta does, signed with the app secret unless ``signature`` says otherwise; then process."""
    signature = sign(APP_SECRET, body) if signature is None else signature
    headers = {"X-Hub-Signature-256": signature} if signature else {}
    response = client.generic("POST", hook_path(channel), body, content_type="application/json", headers=headers)
    process_stored_events()
    return response


# Inbound


def test_the_subscription_handshake_echoes_the_challenge(client: Client, channel: Channel) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = client.get(hook_path(channel), query)
    assert response.status_code == 200 and response.content == b"1158201444"
    assert client.get(hook_path(channel), {**query, "hub.verify_token": "guess"}).status_code == 403
    assert client.get(hook_path(channel), {"hub.challenge": "1"}).status_code == 400


def test_a_signed_text_message_lands_in_a_conversation(client: Client, channel: Channel) -> None:
    message = text_message("請問訂單幾時到?")
    response = post(client, channel, body_of([message]))
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0}
    [stored_message] = messages(channel)
    assert stored_message.text == "請問訂單幾時到?" and stored_message.provider_message_id == message["id"]
    assert stored_message.metadata["sent_at"] == "2025-11-23T09:00:00+00:00"
    assert stored_message.metadata["provider"] == {"type": "text"}
    conversation = Conversation.in_workspace(channel.workspace_id).get()
    identity = conversation.contact.identities.get()
    assert identity.external_id == WA_ID
    assert conversation.contact.name == "陳大文" and conversation.contact.phone == "+85255550123"


@pytest.mark.parametrize("signature", ["", "sha256=00", "wrong-secret"])
def test_a_missing_or_wrong_signature_is_a_401_and_stores_nothing(
    client: Client, channel: Channel, signature: str
) -> None:
    body = body_of([text_message()])
    if signature == "wrong-secret":
        signature = sign("not-the-app-secret", body)
    assert post(client, channel, body, signature=signature).status_code == 401
    assert stored(channel) == 0 and messages(channel) == []


def test_one_changed_byte_breaks_the_signature(client: Client, channel: Channel) -> None:
    body = body_of([text_message("Hi")])
    assert post(client, channel, body.replace(b'"Hi"', b'"Ho"'), signature=sign(APP_SECRET, body)).status_code == 401
    assert stored(channel) == 0


def test_a_redelivered_message_twenty_times_stores_one_message(client: Client, channel: Channel) -> None:
    body = body_of([text_message()])
    answers = [post(client, channel, body).json() for _ in range(20)]
    assert answers[0] == {"accepted": 1, "duplicates": 0}
    assert answers[1:] == [{"accepted": 0, "duplicates": 1}] * 19
    assert stored(channel) == 1 and len(messages(channel)) == 1


def test_one_delivery_with_two_customers_is_split_into_one_event_each(client: Client, channel: Channel) -> None:
    first, second = text_message("one"), text_message("two", **{"from": "85266660000"})
    contacts = [
        {"profile": {"name": "Ada"}, "wa_id": WA_ID},
        {"profile": {"name": "Grace"}, "wa_id": "85266660000"},
    ]
    response = post(client, channel, body_of([first, second], contacts=contacts))
    assert response.json() == {"accepted": 2, "duplicates": 0}
    events = InboundEvent.in_workspace(channel.workspace_id).order_by("pk")
    assert [event.provider_event_id for event in events] == [first["id"], second["id"]]
    value = events[1].payload["entry"][0]["changes"][0]["value"]
    assert value["contacts"] == [contacts[1]] and value["messages"] == [second]
    names = sorted(message.conversation.contact.name for message in messages(channel))
    assert names == ["Ada", "Grace"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{not json", "malformed JSON"),
        (b'{"object": "whatsapp_business_account"}', '"entry" list'),
        (b'{"object": "page", "entry": []}', '"object" must be'),
    ],
)
def test_malformed_bodies_get_a_400(client: Client, channel: Channel, body: bytes, detail: str) -> None:
    response = post(client, channel, body)
    assert response.status_code == 400 and detail in response.json()["detail"]
    assert stored(channel) == 0


def test_a_message_without_an_id_is_refused_and_the_rest_kept(client: Client, channel: Channel) -> None:
    broken = text_message()
    del broken["id"]
    response = post(client, channel, body_of([broken, text_message("kept")]))
    assert response.status_code == 200
    assert response.json()["accepted"] == 1 and response.json()["rejected"][0]["index"] == 0
    assert [message.text for message in messages(channel)] == ["kept"]


def test_a_message_of_the_wrong_shape_is_recorded_as_unparseable(client: Client, channel: Channel) -> None:
    post(client, channel, body_of([typed("image", {"mime_type": "image/jpeg"}), text_message("kept")]))
    broken = InboundEvent.in_workspace(channel.workspace_id).order_by("pk").first()
    assert broken is not None and broken.processed_at is not None
    assert "not a WhatsApp image message: the media id is missing" in broken.error
    assert [message.text for message in messages(channel)] == ["kept"]


def test_every_message_kind_is_understood(client: Client, channel: Channel) -> None:
    original = wamid()
    incoming = [
        typed(
            "image",
            {"caption": "這個壞了", "mime_type": "image/jpeg", "sha256": "abc", "id": "1479537139650973"},
            context={"from": "85255550000", "id": original},
        ),
        typed("audio", {"mime_type": "audio/ogg; codecs=opus", "sha256": "d", "id": "1003383421387256", "voice": True}),
        typed("video", {"mime_type": "video/mp4", "sha256": "e", "id": "1200429694477577"}),
        typed(
            "document",
            {"caption": "發票", "filename": "invoice.pdf", "mime_type": "application/pdf", "sha256": "f", "id": "3"},
        ),
        typed("sticker", {"mime_type": "image/webp", "sha256": "g", "id": "4", "animated": False}),
        typed(
            "location",
            {"latitude": 22.2793, "longitude": 114.1628, "name": "IFC", "address": "8 Finance St, Central"},
        ),
        typed(
            "contacts",
            [
                {
                    "name": {"formatted_name": "Mary Chan", "first_name": "Mary", "last_name": "Chan"},
                    "phones": [{"phone": "+852 6123 4567", "type": "CELL", "wa_id": "85261234567"}],
                    "emails": [{"email": "mary@example.com", "type": "WORK"}],
                    "org": {"company": "Acme HK"},
                }
            ],
        ),
        typed("reaction", {"message_id": original, "emoji": "\U0001f44d"}),
        typed("interactive", {"type": "button_reply", "button_reply": {"id": "track", "title": "Track order"}}),
        typed(
            "interactive",
            {"type": "list_reply", "list_reply": {"id": "hk", "title": "Hong Kong", "description": "Next day"}},
        ),
        typed("button", {"payload": "STOP_PROMO", "text": "Stop promotions"}, context={"id": original}),
        text_message(
            "Hi, is this still available?",
            referral={
                "source_url": "https://fb.me/2ZulEu42P",
                "source_id": "120210000000000000",
                "source_type": "ad",
                "headline": "Winter sale",
                "body": "50% off",
                "media_type": "image",
                "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ",
            },
        ),
        typed("reaction", {"message_id": original}),
        typed("unsupported", {}, errors=[{"code": 131051, "title": "Message type unknown"}]),
    ]
    response = post(client, channel, body_of(incoming))
    assert response.json() == {"accepted": len(incoming), "duplicates": 0}
    assert InboundEvent.in_workspace(channel.workspace_id).filter(error="").count() == len(incoming)
    (image, audio, video, document, sticker, location, card, reaction, button, row, quick, referred) = messages(channel)
    assert image.text == "這個壞了" and image.metadata["reply_to"] == original
    assert image.metadata["pending_attachments"] == [
        {"url": "whatsapp-media:1479537139650973", "filename": "", "content_type": "image/jpeg"}
    ]
    assert audio.metadata["pending_attachments"][0]["url"] == "whatsapp-media:1003383421387256"
    assert audio.metadata["provider"] == {"type": "audio", "voice": True}
    assert video.metadata["pending_attachments"][0]["content_type"] == "video/mp4"
    assert document.text == "發票"
    assert document.metadata["pending_attachments"] == [
        {"url": "whatsapp-media:3", "filename": "invoice.pdf", "content_type": "application/pdf"}
    ]
    assert sticker.metadata["pending_attachments"][0]["url"] == "whatsapp-media:4"
    assert location.metadata["location"] == {
        "latitude": 22.2793,
        "longitude": 114.1628,
        "name": "IFC",
        "address": "8 Finance St, Central",
    }
    assert card.metadata["contact_card"] == {
        "name": "Mary Chan",
        "phones": ["+852 6123 4567"],
        "emails": ["mary@example.com"],
        "wa_ids": ["85261234567"],
        "organization": "Acme HK",
    }
    assert reaction.text == "\U0001f44d" and reaction.metadata["reply_to"] == original
    assert reaction.metadata["provider"]["reaction"] == {"emoji": "\U0001f44d", "message_id": original}
    assert button.metadata["interactive"] == {"type": "button_reply", "id": "track", "title": "Track order"}
    assert row.metadata["interactive"] == {
        "type": "list_reply",
        "id": "hk",
        "title": "Hong Kong",
        "description": "Next day",
    }
    assert quick.metadata["interactive"] == {"type": "button", "id": "STOP_PROMO", "title": "Stop promotions"}
    assert quick.metadata["reply_to"] == original
    assert referred.metadata["provider"]["referral"]["ctwa_clid"] == "ARAkLkA8rmlFeiCktEJQ"
    assert referred.metadata["provider"]["referral"]["source_type"] == "ad"


# Outbound


@pytest.fixture
def conversation(client: Client, channel: Channel) -> Conversation:
    """The customer wrote first, which opens the 24-hour window."""
    post(client, channel, body_of([text_message("我想查訂單")]))
    return Conversation.in_workspace(channel.workspace_id).get()


def expect_send(httpserver: HTTPServer, status: int = 200, document: dict[str, Any] | None = None) -> None:
    answer = document or {
        "messaging_product": "whatsapp",
        "contacts": [{"input": WA_ID, "wa_id": WA_ID}],
        "messages": [{"id": "wamid.HBgLODUyNTU1NTAxMjMVAgARGBI0RjA1"}],
    }
    httpserver.expect_ordered_request(MESSAGES_PATH, method="POST").respond_with_json(answer, status=status)


def sent_requests(httpserver: HTTPServer) -> list[Request]:
    return [request for request, _answer in httpserver.log if request.path == MESSAGES_PATH]


def test_a_reply_is_sent_through_the_cloud_api(
    agent: Member, conversation: Conversation, httpserver: HTTPServer
) -> None:
    expect_send(httpserver)
    entry = entry_of(actions.reply(conversation, agent, "您好,已經出貨了"))
    assert deliver(entry.pk).result == "sent"
    [request] = sent_requests(httpserver)
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.get_json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "text",
        "text": {"preview_url": False, "body": "您好,已經出貨了"},
    }
    message = refreshed(entry.message)
    assert message.status == DeliveryStatus.SENT
    assert message.provider_message_id == "wamid.HBgLODUyNTU1NTAxMjMVAgARGBI0RjA1"


def test_status_callbacks_move_the_reply_to_delivered_read_and_failed(
    client: Client, agent: Member, conversation: Conversation, httpserver: HTTPServer
) -> None:
    expect_send(httpserver)
    entry = entry_of(actions.reply(conversation, agent, "Hello"))
    deliver(entry.pk)
    sent_id = refreshed(entry.message).provider_message_id

    def status(name: str, **extra: Any) -> dict[str, Any]:
        return {"id": sent_id, "status": name, "timestamp": "1763888460", "recipient_id": WA_ID, **extra}

    pricing = {"billable": True, "pricing_model": "PMP", "category": "service"}
    response = post(client, channel_of(conversation), body_of(statuses=[status("sent"), status("delivered")]))
    assert response.json() == {"accepted": 2, "duplicates": 0}
    assert refreshed(entry.message).status == DeliveryStatus.DELIVERED
    post(client, channel_of(conversation), body_of(statuses=[status("read", pricing=pricing)]))
    assert refreshed(entry.message).status == DeliveryStatus.READ
    events = InboundEvent.in_workspace(conversation.workspace_id).order_by("pk")
    assert [event.provider_event_id for event in events][-3:] == [
        f"{sent_id}:sent",
        f"{sent_id}:delivered",
        f"{sent_id}:read",
    ]


def channel_of(conversation: Conversation) -> Channel:
    assert conversation.channel is not None
    return conversation.channel


def test_a_failed_status_carries_metas_error_as_the_reason(
    client: Client, agent: Member, conversation: Conversation, httpserver: HTTPServer
) -> None:
    expect_send(httpserver)
    entry = entry_of(actions.reply(conversation, agent, "Hello"))
    deliver(entry.pk)
    sent_id = refreshed(entry.message).provider_message_id
    failed = {
        "id": sent_id,
        "status": "failed",
        "timestamp": "1763888460",
        "recipient_id": WA_ID,
        "errors": [
            {
                "code": 131047,
                "title": "Re-engagement message",
                "message": "Re-engagement message",
                "error_data": {"details": "Message failed to send because more than 24 hours have passed"},
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
            }
        ],
    }
    post(client, channel_of(conversation), body_of(statuses=[failed]))
    message = refreshed(entry.message)
    assert message.status == DeliveryStatus.FAILED
    assert message.status_reason == (
        "131047 Re-engagement message: Message failed to send because more than 24 hours have passed"
    )


def test_a_file_goes_by_link_with_the_text_as_caption(
    agent: Member, conversation: Conversation, httpserver: HTTPServer
) -> None:
    expect_send(httpserver)
    message = actions.reply(conversation, agent, "收據", files=[ReplyFile("receipt.png", PNG)])
    assert deliver(entry_of(message).pk).result == "sent"
    [request] = sent_requests(httpserver)
    body = request.get_json()
    assert body["type"] == "image" and body["image"]["caption"] == "收據"
    attachment = Attachment.all_workspaces.get(message=message)
    assert body["image"]["link"].startswith("http") and "/media/" in body["image"]["link"]
    assert attachment.content_type == "image/png"


def test_reply_buttons_and_a_list_are_interactive_messages(
    agent: Member, conversation: Conversation, httpserver: HTTPServer
) -> None:
    expect_send(httpserver)
    expect_send(httpserver)
    buttons = [{"id": "yes", "title": "Yes"}, {"id": "no", "title": "No"}]
    menu = {
        "button": "Choose",
        "sections": [{"title": "Delivery", "rows": [{"id": "hk", "title": "Hong Kong", "description": "Next day"}]}],
    }
    for content in ({"buttons": buttons}, {"list": menu}):
        assert deliver(entry_of(actions.reply(conversation, agent, "Confirm?", content=content)).pk).result == "sent"
    first, second = (request.get_json() for request in sent_requests(httpserver))
    assert first["interactive"] == {
        "type": "button",
        "body": {"text": "Confirm?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                {"type": "reply", "reply": {"id": "no", "title": "No"}},
            ]
        },
    }
    assert second["interactive"] == {
        "type": "list",
        "body": {"text": "Confirm?"},
        "action": {
            "button": "Choose",
            "sections": [
                {"title": "Delivery", "rows": [{"id": "hk", "title": "Hong Kong", "description": "Next day"}]}
            ],
        },
    }


def test_a_template_with_parameters_is_sent_with_its_components(
    agent: Member, conversation: Conversation, httpserver: HTTPServer
) -> None:
    channel = channel_of(conversation)
    channel.config["templates"] = [
        {"name": "order_update", "language": "zh_HK", "buttons": [{"type": "QUICK_REPLY", "text": "OK"}]}
    ]
    channel.save(update_fields=["config"])
    expect_send(httpserver)
    template = {
        "name": "order_update",
        "language": "zh_HK",
        "parameters": {"header": ["A123"], "body": ["陳先生", "A123"], "buttons": ["ack-A123"]},
    }
    entry = entry_of(actions.reply(conversation, agent, "", content={"template": template}))
    assert deliver(entry.pk).result == "sent"
    [request] = sent_requests(httpserver)
    assert request.get_json()["template"] == {
        "name": "order_update",
        "language": {"code": "zh_HK"},
        "components": [
            {"type": "header", "parameters": [{"type": "text", "text": "A123"}]},
            {"type": "body", "parameters": [{"type": "text", "text": "陳先生"}, {"type": "text", "text": "A123"}]},
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": "0",
                "parameters": [{"type": "payload", "payload": "ack-A123"}],
            },
        ],
    }


def meta_error(code: int, message: str, details: str = "", kind: str = "OAuthException") -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "AvBYQ8cnNBtBE_w1tw0h"}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


@pytest.mark.parametrize(
    ("status", "code", "retryable", "failure_code"),
    [
        (400, 131047, False, "window_closed"),
        (400, 131026, False, "invalid_recipient"),
        (400, 131050, False, "opted_out"),
        (400, 132001, False, "template"),
        (400, 132000, False, "template"),
        (401, 190, False, "credentials"),
        (400, 130429, True, ""),
        (400, 131056, True, ""),
        (400, 80007, True, ""),
        (400, 4, True, ""),
        (500, 131000, True, ""),
        (503, 0, True, ""),
    ],
)
def test_metas_error_codes_are_final_with_a_code_or_retried(
    channel: Channel, httpserver: HTTPServer, status: int, code: int, retryable: bool, failure_code: str
) -> None:
    document = meta_error(code, f"(#{code}) Meta says no", "more details") if code else {"error": {}}
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(document, status=status)
    with pytest.raises(SendFailed) as raised:
        adapter_for(channel).send(channel, OutboundMessage(recipient=WA_ID, text="Hi"))
    assert (raised.value.retryable, raised.value.code, raised.value.http_status) == (retryable, failure_code, status)
    if code:
        assert raised.value.reason == f"HTTP {status}: (#{code}) Meta says no (more details)"
    assert ACCESS_TOKEN not in raised.value.reason


def test_the_closed_window_fails_the_reply_with_its_code(
    agent: Member, conversation: Conversation, httpserver: HTTPServer
) -> None:
    details = "Message failed to send because more than 24 hours have passed since the customer last replied."
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_json(
        meta_error(131047, "(#131047) Re-engagement message", details), status=400
    )
    entry = entry_of(actions.reply(conversation, agent, "Are you there?"))
    assert deliver(entry.pk).result == "failed"
    message = refreshed(entry.message)
    assert message.status == DeliveryStatus.FAILED
    assert message.metadata["failure_code"] == "window_closed"
    assert message.status_reason.startswith("HTTP 400: (#131047) Re-engagement message")


@pytest.mark.parametrize(
    "content",
    [
        {"sticker": {"package_id": "1", "sticker_id": "2"}},
        {"buttons": [{"id": str(n), "title": f"Option {n}"} for n in range(4)]},
        {"buttons": [{"id": "x", "title": "A title far longer than twenty"}]},
    ],
)
def test_content_whatsapp_cannot_carry_is_refused_without_calling_meta(
    channel: Channel, httpserver: HTTPServer, content: dict[str, Any]
) -> None:
    with pytest.raises(SendFailed) as raised:
        adapter_for(channel).send(channel, OutboundMessage(recipient=WA_ID, text="Pick", content=content))
    assert not raised.value.retryable and raised.value.code == "unsupported"
    assert httpserver.log == []


def test_a_reply_quotes_the_message_it_answers(channel: Channel, httpserver: HTTPServer) -> None:
    expect_send(httpserver)
    adapter_for(channel).send(channel, OutboundMessage(recipient=WA_ID, text="Yes", reply_to="wamid.Q"))
    assert sent_requests(httpserver)[0].get_json()["context"] == {"message_id": "wamid.Q"}


# Media


def test_an_inbound_image_is_downloaded_from_metas_media_url(
    client: Client, channel: Channel, httpserver: HTTPServer
) -> None:
    media_url = httpserver.url_for("/whatsapp_business/attachments/") + "?mid=1479537139650973"
    httpserver.expect_request(f"/{API_VERSION}/1479537139650973").respond_with_json(
        {
            "messaging_product": "whatsapp",
            "url": media_url,
            "mime_type": "image/png",
            "sha256": hashlib.sha256(PNG).hexdigest(),
            "file_size": len(PNG),
            "id": "1479537139650973",
        }
    )
    httpserver.expect_request("/whatsapp_business/attachments/").respond_with_data(PNG, content_type="image/png")
    post(
        client, channel, body_of([typed("image", {"mime_type": "image/png", "sha256": "x", "id": "1479537139650973"})])
    )
    [message] = messages(channel)

    download_attachments.call(message.pk)

    lookup, download = (request for request, _answer in httpserver.log)
    assert lookup.args["phone_number_id"] == PHONE_NUMBER_ID
    assert lookup.headers["Authorization"] == download.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert download.args["mid"] == "1479537139650973"
    [attachment] = Attachment.all_workspaces.filter(message=message)
    assert attachment.content_type == "image/png" and attachment.file.read() == PNG


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/x.jpg", "http://lookaside.fbsbx.com/x", "https://fbsbx.com.evil.example/x"],
)
def test_a_media_url_off_metas_hosts_is_never_fetched(
    channel: Channel, httpserver: HTTPServer, url: str, workspace: Workspace
) -> None:
    httpserver.expect_request(f"/{API_VERSION}/77").respond_with_json({"url": url, "mime_type": "image/jpeg"})
    message = pending_media(workspace, channel, "77")

    download_attachments.call(message.pk)

    [failure] = refreshed(message).metadata["failed_attachments"]
    assert "not on a Meta media host" in failure["error"]
    assert len(httpserver.log) == 1


# Set-up and templates


def test_the_connection_test_names_the_verified_number(channel: Channel, httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        f"/{API_VERSION}/{PHONE_NUMBER_ID}",
        query_string={"fields": "display_phone_number,verified_name"},
        headers={"Authorization": f"Bearer {ACCESS_TOKEN}"},
    ).respond_with_json({"verified_name": "Acme HK", "display_phone_number": "+852 5555 0000", "id": PHONE_NUMBER_ID})
    connector = connector_for("whatsapp")
    with http_client() as http:
        assert connector.test_connection(channel, http) == "Acme HK (+852 5555 0000)"


def test_a_refused_token_fails_the_connection_test_with_metas_words(channel: Channel, httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/{API_VERSION}/{PHONE_NUMBER_ID}").respond_with_json(
        meta_error(190, "Error validating access token: Session has expired."), status=401
    )
    with http_client() as http, pytest.raises(ConnectionTestFailed) as raised:
        connector_for("whatsapp").test_connection(channel, http)
    assert raised.value.reason == "HTTP 401: Error validating access token: Session has expired."


def test_connecting_generates_a_verify_token_and_subscribes_the_app(channel: Channel, httpserver: HTTPServer) -> None:
    connector = connector_for("whatsapp")
    config, secrets = connector.split_values(
        {"phone_number_id": PHONE_NUMBER_ID, "access_token": "t", "app_secret": "s"}
    )
    assert config == {
        "phone_number_id": PHONE_NUMBER_ID,
        "api_base_url": "https://graph.facebook.com",
        "api_version": API_VERSION,
    }
    assert len(secrets["verify_token"]) >= 24
    httpserver.expect_request(f"/{API_VERSION}/{WABA_ID}/subscribed_apps", method="POST").respond_with_json(
        {"success": True}
    )
    assert connector.after_connect is not None
    with http_client() as http:
        assert "subscribed" in connector.after_connect(channel, http)


def template(name: str, status: str = "APPROVED", language: str = "en_US") -> dict[str, Any]:
    return {
        "name": name,
        "language": language,
        "status": status,
        "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
            {"type": "BODY", "text": "Hi {{1}}, order {{2}} ships today. {{1}}, thanks!"},
            {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Track", "url": "https://x.example/{{1}}"}]},
        ],
        "id": f"{next(_numbers)}",
    }


def test_approved_templates_are_synced_page_by_page(channel: Channel, httpserver: HTTPServer) -> None:
    path = f"/{API_VERSION}/{WABA_ID}/message_templates"
    fields = "name,language,status,category,components"
    httpserver.expect_ordered_request(
        path, query_string={"fields": fields, "limit": "100"}, headers={"Authorization": f"Bearer {ACCESS_TOKEN}"}
    ).respond_with_json(
        {
            "data": [template("shipping_update"), template("promo", status="REJECTED")],
            "paging": {"cursors": {"before": "MAZDZD", "after": "MjQZD"}, "next": "https://evil.example/next"},
        }
    )
    httpserver.expect_ordered_request(
        path, query_string={"fields": fields, "limit": "100", "after": "MjQZD"}
    ).respond_with_json(
        {"data": [template("shipping_update", language="zh_HK")], "paging": {"cursors": {"before": "a", "after": "b"}}}
    )
    with http_client() as http:
        assert sync_templates(channel, http) == 2
    channel.refresh_from_db()
    assert channel.config["templates"][1] == {
        "name": "shipping_update",
        "language": "zh_HK",
        "category": "UTILITY",
        "body": "Hi {{1}}, order {{2}} ships today. {{1}}, thanks!",
        "parameters": 2,
        "buttons": [{"type": "URL", "text": "Track"}],
    }
    assert channel.config["templates_synced_at"]
    assert len(httpserver.log) == 2


def test_a_refused_template_sync_says_why(channel: Channel, httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/{API_VERSION}/{WABA_ID}/message_templates").respond_with_json(
        meta_error(200, "(#200) Requires whatsapp_business_management permission"), status=403
    )
    with http_client() as http, pytest.raises(TemplateSyncFailed) as raised:
        sync_templates(channel, http)
    assert "whatsapp_business_management" in raised.value.reason


def test_the_benchmark_delivery_is_a_valid_signed_webhook(client: Client, workspace: Workspace) -> None:
    # Imported as bench/ingest.py does: bench/payloads is a directory of plain modules, not a package.
    bench = importlib.import_module("bench.payloads.whatsapp")
    channel = bench.create_channel(workspace)
    query, body, headers = bench.delivery(channel.secrets, bench.contact_id(7), "hello", 3)
    response = client.generic(
        "POST", hook_path(channel) + query, body, content_type="application/json", headers=headers
    )
    process_stored_events()
    assert response.json() == {"accepted": 1, "duplicates": 0}
    [message] = messages(channel)
    assert message.text == "hello" and message.conversation.contact.identities.get().external_id == "85250000007"


def test_several_files_go_one_per_message_with_the_caption_where_it_fits(
    channel: Channel, httpserver: HTTPServer
) -> None:
    for _ in range(3):
        expect_send(httpserver)
    files = (
        OutboundAttachment("note.ogg", "audio/ogg", 2048, "https://fd.example/media/a", "a"),
        OutboundAttachment("quote.pdf", "application/pdf", 4096, "https://fd.example/media/b", "b"),
        OutboundAttachment("clip.webm", "video/webm", 4096, "https://fd.example/media/c", "c"),
    )
    adapter_for(channel).send(channel, OutboundMessage(recipient=WA_ID, text="報價單", attachments=files))
    bodies = [request.get_json() for request in sent_requests(httpserver)]
    assert [(body["type"], body[body["type"]]) for body in bodies] == [
        ("audio", {"link": "https://fd.example/media/a"}),
        ("document", {"link": "https://fd.example/media/b", "caption": "報價單", "filename": "quote.pdf"}),
        ("document", {"link": "https://fd.example/media/c", "filename": "clip.webm"}),
    ]


def test_an_image_over_five_megabytes_is_refused_as_too_large(channel: Channel, httpserver: HTTPServer) -> None:
    big = OutboundAttachment("big.jpg", "image/jpeg", 6 * 1024 * 1024, "https://fd.example/media/d", "d")
    with pytest.raises(SendFailed) as raised:
        adapter_for(channel).send(channel, OutboundMessage(recipient=WA_ID, attachments=(big,)))
    assert raised.value.code == "too_large" and httpserver.log == []


def pending_media(workspace: Workspace, channel: Channel, media_id: str) -> Message:
    conversation = make_conversation(workspace, channel=channel)
    pending = [{"url": f"whatsapp-media:{media_id}", "filename": "", "content_type": ""}]
    return make_message(conversation, metadata={"pending_attachments": pending})


def test_a_file_that_does_not_match_its_sha256_is_tried_again(
    workspace: Workspace, channel: Channel, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(f"/{API_VERSION}/88").respond_with_json(
        {"url": httpserver.url_for("/media/88"), "mime_type": "image/png", "sha256": "0" * 64}
    )
    httpserver.expect_request("/media/88").respond_with_data(PNG)
    message = pending_media(workspace, channel, "88")

    download_attachments.call(message.pk)

    metadata = refreshed(message).metadata
    assert metadata["pending_attachments"][0]["attempts"] == 1
    assert Attachment.all_workspaces.filter(message=message).count() == 0


def test_media_meta_no_longer_has_is_recorded_as_failed(
    workspace: Workspace, channel: Channel, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(f"/{API_VERSION}/99").respond_with_json(
        meta_error(100, "Unsupported get request. Object with ID '99' does not exist", kind="GraphMethodException"),
        status=400,
    )
    message = pending_media(workspace, channel, "99")

    download_attachments.call(message.pk)

    [failure] = refreshed(message).metadata["failed_attachments"]
    assert failure["error"].startswith("WhatsApp refused the media lookup: HTTP 400: Unsupported get request")


def test_an_admin_syncs_templates_from_the_channel_page_and_reads_a_refusal(
    client: Client, channel: Channel, httpserver: HTTPServer, admin: Member
) -> None:
    client.force_login(admin.user)
    page = f"/settings/channels/{channel.pk}/"
    assert "sync-templates" in client.get(page).content.decode()

    path = f"/{API_VERSION}/{WABA_ID}/message_templates"
    httpserver.expect_oneshot_request(path).respond_with_json({"data": [template("shipping_update")], "paging": {}})
    answer = client.post(page + "sync-templates/", follow=True)
    assert "1 message template synced." in answer.content.decode()
    channel.refresh_from_db()
    assert [item["name"] for item in channel.config["templates"]] == ["shipping_update"]

    httpserver.expect_oneshot_request(path).respond_with_json(
        meta_error(200, "(#200) Requires whatsapp_business_management permission"), status=403
    )
    answer = client.post(page + "sync-templates/", follow=True)
    assert "whatsapp_business_management" in answer.content.decode()
