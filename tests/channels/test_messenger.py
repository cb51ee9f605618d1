"""The Messenger channel both ways: signed Graph webhooks in Meta's wire format, the Send API on a fake Graph server."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_httpserver import HTTPServer

from frontdesk.channels.base import OutboundAttachment, OutboundMessage, adapter_for
from frontdesk.channels.connect import ConnectionTestFailed, connector_for
from frontdesk.channels.messenger.profile import fetch_profile
from frontdesk.channels.messenger.setup import create_messenger_channel
from frontdesk.channels.meta import sign
from frontdesk.channels.models import Channel
from frontdesk.conversations import actions
from frontdesk.conversations.models import Attachment, Conversation, DeliveryStatus, Message
from frontdesk.core.http_client import http_client
from frontdesk.core.models import Member, Workspace
from frontdesk.pipeline.media import download_attachments
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.outbound import SendFailed, deliver
from tests.channels.webhooks import entry_of, hook_path, messages, process_stored_events, refreshed, stored
from tests.factories import make_contact, make_conversation, make_identity, make_message

pytestmark = pytest.mark.django_db

APP_SECRET = "3f1c7a9e0b2d4c6e8f0a1b3c5d7e9f11"
VERIFY_TOKEN = "meta-verify-token-1234"
PAGE_TOKEN = "EAAGm0PX4ZCpsBAPageToken"
PAGE_ID = "1067280970047460"
PSID = "6913738778702587"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
_numbers = itertools.count(1)


@pytest.fixture
def graph(httpserver: HTTPServer, settings: Any) -> HTTPServer:
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"{httpserver.host}:{httpserver.port}"]
    return httpserver


def base_url(server: HTTPServer) -> str:
    return f"http://{server.host}:{server.port}"


@pytest.fixture
def channel(workspace: Workspace, graph: HTTPServer) -> Channel:
    return create_messenger_channel(
        workspace,
        "Shop Page",
        page_id=PAGE_ID,
        page_access_token=PAGE_TOKEN,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        api_base_url=base_url(graph),
    )


def proof() -> str:
    return hmac.new(APP_SECRET.encode(), PAGE_TOKEN.encode(), hashlib.sha256).hexdigest()


def text_event(text: str = "Hi", mid: str | None = None, **message: Any) -> dict[str, Any]:
    """A ``messages`` event as Meta's webhook reference shows it."""
    number = next(_numbers)
    return {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": 1732351200000 + number,
        "message": {
            "mid": mid or f"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_{number}",
            "text": text,
            **message,
        },
    }


def event(**fields: Any) -> dict[str, Any]:
    return {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": 1732351200000 + next(_numbers), **fields}


def body_of(*events: dict[str, Any]) -> bytes:
    return json.dumps(
        {"object": "page", "entry": [{"id": PAGE_ID, "time": 1732351200500, "messaging": list(events)}]}
    ).encode()


def post(client: Client, channel: Channel, body: bytes, signature: str | None = None) -> Any:
    """POST as Meta does, signed with the app secret unless ``signature`` says otherwise; then process."""
    signature = sign(APP_SECRET, body) if signature is None else signature
    headers = {"X-Hub-Signature-256": signature} if signature else {}
    response = client.generic("POST", hook_path(channel), body, content_type="application/json", headers=headers)
    process_stored_events()
    return response


# The subscription handshake.


def test_the_handshake_answers_the_challenge_with_the_right_verify_token(client: Client, channel: Channel) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = client.get(hook_path(channel), query)
    assert response.status_code == 200 and response.content == b"1158201444"


def test_the_handshake_refuses_a_wrong_verify_token(client: Client, channel: Channel) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"}
    response = client.get(hook_path(channel), query)
    assert response.status_code == 403 and b"1158201444" not in response.content


# Inbound.


def test_a_signed_text_message_lands_in_a_conversation(client: Client, channel: Channel) -> None:
    response = post(client, channel, body_of(text_event("Is my order shipped?", mid="m_order_question")))
    assert response.status_code == 200 and response.json() == {"accepted": 1, "duplicates": 0}
    [message] = messages(channel)
    assert message.text == "Is my order shipped?" and message.provider_message_id == "m_order_question"
    conversation = Conversation.in_workspace(channel.workspace_id).get()
    assert conversation.contact.identities.get().external_id == PSID


@pytest.mark.parametrize("signature", ["", "sha256=00", "wrong-secret"])
def test_a_missing_or_wrong_signature_is_a_401_and_stores_nothing(
    client: Client, channel: Channel, signature: str
) -> None:
    body = body_of(text_event())
    if signature == "wrong-secret":
        signature = sign("not-the-app-secret", body)
    assert post(client, channel, body, signature=signature).status_code == 401
    assert stored(channel) == 0 and messages(channel) == []


def test_a_redelivered_message_is_stored_once(client: Client, channel: Channel) -> None:
    body = body_of(text_event(mid="m_once"))
    answers = [post(client, channel, body).json() for _ in range(5)]
    assert answers[0] == {"accepted": 1, "duplicates": 0}
    assert answers[1:] == [{"accepted": 0, "duplicates": 1}] * 4
    assert stored(channel) == 1 and len(messages(channel)) == 1


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{not json", "malformed JSON"),
        (b'{"object": "page"}', '"entry" list'),
        (json.dumps({"object": "instagram", "entry": []}).encode(), '"object": "page"'),
    ],
)
def test_unusable_bodies_get_a_400(client: Client, channel: Channel, body: bytes, detail: str) -> None:
    response = post(client, channel, body)
    assert response.status_code == 400 and detail in response.json()["detail"]
    assert stored(channel) == 0


def test_an_event_without_a_mid_is_refused_and_the_rest_kept(client: Client, channel: Channel) -> None:
    broken = text_event()
    del broken["message"]["mid"]
    response = post(client, channel, body_of(broken, text_event("still here")))
    assert response.status_code == 200
    assert response.json()["accepted"] == 1
    assert response.json()["rejected"][0]["index"] == 0 and "no mid" in response.json()["rejected"][0]["detail"]
    assert [message.text for message in messages(channel)] == ["still here"]


def test_an_event_of_the_wrong_shape_is_recorded_as_unparseable(client: Client, channel: Channel) -> None:
    post(client, channel, body_of(text_event(attachments=["not an object"])))
    stored_event = InboundEvent.in_workspace(channel.workspace_id).get()
    assert stored_event.processed_at is not None and "attachment is not an object" in stored_event.error
    assert messages(channel) == []


def test_every_message_kind_is_understood(client: Client, channel: Channel) -> None:
    cdn = "https://scontent.xx.fbcdn.net/v/t1.15752-9/4631_n.jpg?_nc_cat=1&oh=00_AY&oe=6765"
    events = [
        text_event("", mid="m_image", attachments=[{"type": "image", "payload": {"url": cdn}}]),
        text_event(
            "",
            mid="m_video",
            attachments=[{"type": "video", "payload": {"url": "https://video.xx.fbcdn.net/v/clip.mp4"}}],
        ),
        text_event(
            "",
            mid="m_audio",
            attachments=[{"type": "audio", "payload": {"url": "https://cdn.fbsbx.com/v/audioclip-1.mp4"}}],
        ),
        text_event(
            "",
            mid="m_file",
            attachments=[
                {"type": "file", "payload": {"url": "https://cdn.fbsbx.com/v/t59.2708-21/invoice%20May.pdf?dl=1"}}
            ],
        ),
        text_event(
            "",
            mid="m_location",
            attachments=[
                {
                    "title": "Taipei 101",
                    "url": "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.bing.com%2Fmaps",
                    "type": "location",
                    "payload": {"coordinates": {"lat": 25.033976, "long": 121.5645389}},
                }
            ],
        ),
        text_event(
            "",
            mid="m_link",
            attachments=[
                {"type": "fallback", "title": "Our spring sale", "url": "https://shop.example/sale", "payload": None}
            ],
        ),
        text_event("Red", mid="m_quick", quick_reply={"payload": "COLOR_RED"}),
        text_event("That one", mid="m_reply", reply_to={"mid": "m_earlier"}),
        event(postback={"mid": "m_postback", "title": "Talk to a person", "payload": "HUMAN"}),
    ]
    post(client, channel, body_of(*events))
    image, video, audio, file, location, link, quick, reply, postback = messages(channel)
    assert image.metadata["pending_attachments"] == [
        {"url": "messenger-media:" + cdn, "filename": "", "content_type": ""}
    ]
    assert video.metadata["pending_attachments"][0]["url"] == "messenger-media:https://video.xx.fbcdn.net/v/clip.mp4"
    assert audio.metadata["pending_attachments"][0]["url"].startswith("messenger-media:https://cdn.fbsbx.com/")
    assert file.metadata["pending_attachments"][0]["filename"] == "invoice May.pdf"
    assert location.metadata["location"] == {
        "latitude": 25.033976,
        "longitude": 121.5645389,
        "name": "Taipei 101",
        "address": "",
    }
    assert link.text == "Our spring sale https://shop.example/sale" and "pending_attachments" not in link.metadata
    assert quick.text == "Red" and quick.metadata["interactive"] == {"id": "COLOR_RED", "title": "Red"}
    assert reply.metadata["reply_to"] == "m_earlier"
    assert postback.metadata["interactive"] == {"id": "HUMAN", "title": "Talk to a person"}
    assert postback.provider_message_id == f"postback:m_postback:{PSID}"


def test_a_postback_without_a_mid_gets_a_stable_id(client: Client, channel: Channel) -> None:
    postback = event(postback={"title": "Get Started", "payload": "GET_STARTED"})
    post(client, channel, body_of(postback))
    post(client, channel, body_of(postback))
    [message] = messages(channel)
    assert message.provider_message_id == f"postback:{postback['timestamp']}:{PSID}"


def test_echoes_of_the_pages_own_messages_are_never_customer_messages(client: Client, channel: Channel) -> None:
    echo = {
        "sender": {"id": PAGE_ID},
        "recipient": {"id": PSID},
        "timestamp": 1732351200000,
        "message": {"is_echo": True, "app_id": 1517776481860111, "mid": "m_echo", "text": "Sent from Business Suite"},
    }
    response = post(client, channel, body_of(echo))
    assert response.json()["accepted"] == 1
    assert messages(channel) == []
    assert InboundEvent.in_workspace(channel.workspace_id).get().processed_at is not None


@pytest.fixture
def conversation(workspace: Workspace, channel: Channel) -> Conversation:
    contact = make_contact(workspace, name="Mei Lin")
    make_identity(contact, channel, external_id=PSID)
    conversation = make_conversation(workspace, contact=contact, channel=channel, waiting_since=timezone.now())
    # The customer wrote a minute ago: the 24-hour window is open.
    make_message(conversation, provider_message_id="m_customer")
    return conversation


def sent_reply(agent: Member, conversation: Conversation, graph: HTTPServer, mid: str) -> Message:
    graph.expect_oneshot_request("/v21.0/me/messages", "POST").respond_with_json(
        {"recipient_id": PSID, "message_id": mid}
    )
    entry = entry_of(actions.reply(conversation, agent, "On its way"))
    assert deliver(entry.pk).result == "sent"
    return refreshed(entry.message)


def test_a_delivery_receipt_marks_our_message_delivered_and_a_read_watermark_changes_nothing(
    client: Client, agent: Member, conversation: Conversation, channel: Channel, graph: HTTPServer
) -> None:
    reply = sent_reply(agent, conversation, graph, "m_sent_1")
    post(client, channel, body_of(event(read={"watermark": 1732351300000})))
    assert refreshed(reply).status == DeliveryStatus.SENT
    post(client, channel, body_of(event(delivery={"mids": ["m_sent_1"], "watermark": 1732351300000})))
    assert refreshed(reply).status == DeliveryStatus.DELIVERED
    assert (
        InboundEvent.in_workspace(channel.workspace_id)
        .filter(provider_event_id=f"delivery:1732351300000:{PSID}")
        .exists()
    )


# Outbound.


def test_a_reply_goes_out_through_the_send_api(agent: Member, conversation: Conversation, graph: HTTPServer) -> None:
    reply = sent_reply(agent, conversation, graph, "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM")
    [(request, _response)] = graph.log
    assert request.method == "POST" and request.path == "/v21.0/me/messages"
    assert request.headers["Authorization"] == f"Bearer {PAGE_TOKEN}"
    assert request.args.to_dict() == {"appsecret_proof": proof()}
    assert request.get_json() == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "On its way"},
    }
    assert reply.status == DeliveryStatus.SENT and reply.provider_message_id == "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM"


def graph_error(code: int, subcode: int | None = None, message: str = "refused", **extra: Any) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbC123",
        **extra,
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


@pytest.mark.parametrize(
    ("status", "document", "code"),
    [
        (400, graph_error(10, 2018278, "(#10) This message is sent outside of allowed window."), "window_closed"),
        (400, graph_error(551, 1545041, "This person isn't available right now."), "blocked"),
        (400, graph_error(200, 2018108, "This person cannot receive messages at this time."), "blocked"),
        (400, graph_error(100, 2018001, "(#100) No matching user found"), "invalid_recipient"),
        (401, graph_error(190, 463, "Error validating access token: Session has expired"), "credentials"),
        (400, graph_error(100, None, "(#100) Param message[text] must be a UTF-8 encoded string"), ""),
    ],
)
def test_final_refusals_fail_the_message_with_their_code(
    agent: Member, conversation: Conversation, graph: HTTPServer, status: int, document: dict[str, Any], code: str
) -> None:
    graph.expect_oneshot_request("/v21.0/me/messages", "POST").respond_with_json(document, status=status)
    entry = entry_of(actions.reply(conversation, agent, "Hello"))
    assert deliver(entry.pk).result == "failed"
    message = refreshed(entry.message)
    assert message.status == DeliveryStatus.FAILED
    assert document["error"]["message"] in message.status_reason
    assert message.metadata.get("failure_code", "") == code
    assert PAGE_TOKEN not in message.status_reason


@pytest.mark.parametrize(
    ("status", "document"),
    [
        (400, graph_error(613, None, "(#613) Calls to this api have exceeded the rate limit.")),
        (400, graph_error(4, None, "(#4) Application request limit reached")),
        (
            500,
            graph_error(
                2, None, "An unexpected error has occurred. Please retry your request later.", is_transient=True
            ),
        ),
        (400, graph_error(1200, None, "Temporary send message failure. Please try again later.")),
        (503, {}),
    ],
)
def test_rate_limits_and_transient_errors_are_retried(
    agent: Member, conversation: Conversation, graph: HTTPServer, status: int, document: dict[str, Any]
) -> None:
    graph.expect_oneshot_request("/v21.0/me/messages", "POST").respond_with_json(document, status=status)
    entry = entry_of(actions.reply(conversation, agent, "Hello"))
    assert deliver(entry.pk).result == "retry"
    assert refreshed(entry.message).status != DeliveryStatus.FAILED


def outbound(**fields: Any) -> OutboundMessage:
    return OutboundMessage(recipient=PSID, **fields)


def attachment(name: str, content_type: str) -> OutboundAttachment:
    return OutboundAttachment(
        filename=name, content_type=content_type, size=10, url=f"https://desk.example/media/{name}", storage_name=name
    )


def send(channel: Channel, graph: HTTPServer, message: OutboundMessage, answers: int = 1) -> list[dict[str, Any]]:
    for number in range(answers):
        graph.expect_ordered_request("/v21.0/me/messages", "POST").respond_with_json(
            {"recipient_id": PSID, "message_id": f"m_{number}"}
        )
    result = adapter_for(channel).send(channel, message)
    assert result.provider_message_id == f"m_{answers - 1}"
    return [request.get_json() for request, _response in graph.log]


def test_quick_replies_buttons_and_a_tag_are_sent_as_meta_documents(channel: Channel, graph: HTTPServer) -> None:
    [body] = send(
        channel,
        graph,
        outbound(
            text="Which size?",
            content={"quick_replies": [{"id": "SIZE_S", "title": "Small"}, {"id": "SIZE_L", "title": "Large"}]},
        ),
    )
    assert body["message"] == {
        "text": "Which size?",
        "quick_replies": [
            {"content_type": "text", "title": "Small", "payload": "SIZE_S"},
            {"content_type": "text", "title": "Large", "payload": "SIZE_L"},
        ],
    }
    graph.clear_log()
    [body] = send(
        channel,
        graph,
        outbound(
            text="Your ticket was updated", content={"tag": "HUMAN_AGENT", "buttons": [{"id": "OK", "title": "Thanks"}]}
        ),
    )
    assert body == {
        "recipient": {"id": PSID},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "button",
                    "text": "Your ticket was updated",
                    "buttons": [{"type": "postback", "title": "Thanks", "payload": "OK"}],
                },
            }
        },
    }


def test_text_and_attachments_go_as_one_message_each(channel: Channel, graph: HTTPServer) -> None:
    bodies = send(
        channel,
        graph,
        outbound(
            text="x" * 2500, attachments=(attachment("a.png", "image/png"), attachment("b.pdf", "application/pdf"))
        ),
        answers=4,
    )
    assert [len(body["message"].get("text", "")) for body in bodies] == [2000, 500, 0, 0]
    assert bodies[2]["message"] == {
        "attachment": {"type": "image", "payload": {"url": "https://desk.example/media/a.png", "is_reusable": False}}
    }
    assert bodies[3]["message"]["attachment"]["type"] == "file"


def test_a_failure_after_a_part_went_out_is_final(channel: Channel, graph: HTTPServer) -> None:
    graph.expect_ordered_request("/v21.0/me/messages", "POST").respond_with_json({"message_id": "m_0"})
    graph.expect_ordered_request("/v21.0/me/messages", "POST").respond_with_json(
        graph_error(2, None, "retry"), status=500
    )
    with pytest.raises(SendFailed) as failure:
        adapter_for(channel).send(
            channel, outbound(text="Invoice", attachments=(attachment("a.pdf", "application/pdf"),))
        )
    assert not failure.value.retryable and failure.value.reason.startswith("sent 1 of 2 parts, then: HTTP 500: retry")


def test_the_rate_limit_hint_becomes_the_retry_delay(channel: Channel, graph: HTTPServer) -> None:
    usage = {PAGE_ID: [{"type": "messenger", "call_count": 100, "estimated_time_to_regain_access": 7}]}
    graph.expect_oneshot_request("/v21.0/me/messages", "POST").respond_with_json(
        graph_error(613, None, "(#613) Calls to this api have exceeded the rate limit."),
        status=400,
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
    with pytest.raises(SendFailed) as failure:
        adapter_for(channel).send(channel, outbound(text="Hi"))
    assert failure.value.retryable and failure.value.retry_after is not None
    assert failure.value.retry_after.total_seconds() == 7 * 60


@pytest.mark.parametrize(
    "message",
    [
        outbound(text="Hi", content={"template": {"name": "x", "language": "en", "parameters": {}}}),
        outbound(text="Hi", content={"tag": "MARKETING"}),
        outbound(content={"buttons": [{"id": "A", "title": "A"}]}),
        outbound(text="Hi", content={"quick_replies": [{"id": str(n), "title": str(n)} for n in range(14)]}),
        outbound(),
    ],
)
def test_content_messenger_cannot_carry_is_refused_before_calling(
    channel: Channel, graph: HTTPServer, message: OutboundMessage
) -> None:
    with pytest.raises(SendFailed) as failure:
        adapter_for(channel).send(channel, message)
    assert failure.value.code == "unsupported" and not failure.value.retryable
    assert graph.log == []


# Files, profiles, connecting.


def test_an_attachment_is_downloaded_from_an_allowed_host_only(
    channel: Channel, conversation: Conversation, graph: HTTPServer
) -> None:
    graph.expect_request("/v/t1.15752-9/photo.png").respond_with_data(PNG, content_type="image/png")
    allowed = f"messenger-media:{base_url(graph)}/v/t1.15752-9/photo.png"
    foreign = "messenger-media:https://attacker.example/photo.png"
    pending = [{"url": ref, "filename": "", "content_type": ""} for ref in (allowed, foreign)]
    message = make_message(conversation, metadata={"pending_attachments": pending})
    outcome = download_attachments(message.pk)
    assert (outcome.stored, outcome.failed) == (1, 1)
    metadata = refreshed(message).metadata
    assert metadata["fetched_attachments"][0]["url"] == allowed
    assert "not a Meta CDN address: attacker.example" in metadata["failed_attachments"][0]["error"]
    assert Attachment.all_workspaces.get(message=message).filename == "photo.png"
    assert [request.path for request, _response in graph.log] == ["/v/t1.15752-9/photo.png"]


def test_the_profile_has_the_name_and_the_picture(channel: Channel, graph: HTTPServer) -> None:
    graph.expect_request(
        f"/v21.0/{PSID}", "GET", query_string={"fields": "first_name,last_name,profile_pic", "appsecret_proof": proof()}
    ).respond_with_json(
        {"first_name": "Mei", "last_name": "Lin", "profile_pic": f"{base_url(graph)}/pic.png", "id": PSID}
    )
    graph.expect_request("/pic.png").respond_with_data(PNG, content_type="image/png")
    with http_client() as client:
        profile = fetch_profile(channel, PSID, client)
    assert profile.name == "Mei Lin"
    assert profile.avatar is not None and profile.avatar.content == PNG
    assert graph.log[0][0].headers["Authorization"] == f"Bearer {PAGE_TOKEN}"


def test_a_profile_picture_elsewhere_than_metas_cdn_is_not_fetched(channel: Channel, graph: HTTPServer) -> None:
    graph.expect_request(f"/v21.0/{PSID}").respond_with_json(
        {"first_name": "Mei", "last_name": "", "profile_pic": "https://169.254.169.254/latest/meta-data"}
    )
    with http_client() as client:
        profile = fetch_profile(channel, PSID, client)
    assert profile.name == "Mei" and profile.avatar is None
    assert len(graph.log) == 1


def test_connecting_tests_the_token_and_subscribes_the_page(channel: Channel, graph: HTTPServer) -> None:
    connector = connector_for("messenger")
    config, secrets = connector.split_values({"page_id": PAGE_ID, "page_access_token": "t", "app_secret": "s"})
    assert config == {"page_id": PAGE_ID, "api_base_url": "https://graph.facebook.com", "api_version": "v21.0"}
    assert len(secrets["verify_token"]) >= 24
    assert next(item for item in connector.fields if item.name == "verify_token").reveal

    graph.expect_oneshot_request(
        "/v21.0/me", "GET", query_string={"fields": "id,name", "appsecret_proof": proof()}
    ).respond_with_json({"id": PAGE_ID, "name": "Shop Page"})
    graph.expect_oneshot_request(
        f"/v21.0/{PAGE_ID}/subscribed_apps",
        "POST",
        query_string={
            "subscribed_fields": "messages,messaging_postbacks,message_deliveries,message_reads,message_echoes",
            "appsecret_proof": proof(),
        },
    ).respond_with_json({"success": True})
    with http_client() as client:
        assert connector.test_connection(channel, client) == f"Page Shop Page ({PAGE_ID})"
        assert connector.after_connect is not None
        assert "subscribed" in connector.after_connect(channel, client)
    graph.check_assertions()


def test_a_token_of_another_page_or_a_refused_token_fails_the_test(channel: Channel, graph: HTTPServer) -> None:
    connector = connector_for("messenger")
    graph.expect_ordered_request("/v21.0/me").respond_with_json({"id": "999", "name": "Other Page"})
    graph.expect_ordered_request("/v21.0/me").respond_with_json(
        graph_error(190, 460, "Error validating access token: The session has been invalidated"), status=401
    )
    with http_client() as client:
        with pytest.raises(ConnectionTestFailed, match="belongs to Page 999"):
            connector.test_connection(channel, client)
        with pytest.raises(ConnectionTestFailed, match="session has been invalidated"):
            connector.test_connection(channel, client)


def test_the_bench_payload_is_a_delivery_the_webhook_takes(client: Client, workspace: Workspace) -> None:
    from bench.payloads import messenger as bench

    bench_channel = bench.create_channel(workspace)
    query, body, headers = bench.delivery(bench_channel.secrets, bench.contact_id(7), "hello", 3)
    response = client.generic(
        "POST", hook_path(bench_channel) + query, body, content_type="application/json", headers=headers
    )
    process_stored_events()
    assert response.json() == {"accepted": 1, "duplicates": 0}
    [message] = messages(bench_channel)
    assert message.text == "hello" and message.conversation.contact.identities.get().external_id == bench.contact_id(7)


def test_referrals_and_watermark_only_receipts_are_kept_but_show_nothing(client: Client, channel: Channel) -> None:
    referral = event(referral={"ref": "SPRING_AD", "source": "ADS", "type": "OPEN_THREAD"})
    delivery = event(delivery={"watermark": 1732351300000})
    response = post(client, channel, body_of(referral, delivery))
    assert response.json() == {"accepted": 2, "duplicates": 0}
    ids = set(InboundEvent.in_workspace(channel.workspace_id).values_list("provider_event_id", flat=True))
    assert ids == {f"referral:{referral['timestamp']}:{PSID}", f"delivery:1732351300000:{PSID}"}
    assert messages(channel) == []
    assert InboundEvent.in_workspace(channel.workspace_id).filter(processed_at__isnull=True).count() == 0
