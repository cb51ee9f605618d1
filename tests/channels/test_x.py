"""The X channel both ways: Account Activity deliveries signed as X signs them, DMs sent to a fake X API v2."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
from django.test import Client
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response
from xdk.oauth1_auth import OAuth1

from frontdesk.channels.base import OutboundAttachment, OutboundMessage
from frontdesk.channels.connect import ConnectionTestFailed, connector_for
from frontdesk.channels.models import Channel
from frontdesk.channels.x.adapter import XAdapter
from frontdesk.channels.x.oauth import Credentials, authorization_header
from frontdesk.channels.x.profile import fetch_profile
from frontdesk.channels.x.setup import create_x_channel
from frontdesk.conversations import actions
from frontdesk.conversations.models import Attachment, Conversation, DeliveryStatus, Message, OutboxEntry
from frontdesk.core.http_client import http_client
from frontdesk.core.models import Member, Workspace
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.outbound import SendFailed, deliver
from frontdesk.pipeline.tasks import download_attachments
from tests.channels.webhooks import entry_of, hook_path, messages, process_stored_events, refreshed, stored
from tests.factories import make_contact, make_conversation, make_identity, make_message

pytestmark = pytest.mark.django_db

CONSUMER_KEY = "xvz1evFS4wEEPTGEFPHBog"
CONSUMER_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
ACCESS_TOKEN = "4337869213-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"
ACCESS_TOKEN_SECRET = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
ACCOUNT_ID = "4337869213"
CUSTOMER_ID = "3001969357"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
_numbers = itertools.count(1)


@pytest.fixture
def channel(workspace: Workspace, httpserver: HTTPServer, settings: Any) -> Channel:
    # pytest-httpserver listens on "localhost"; the guarded client checks the name it is given.
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"127.0.0.1:{httpserver.port}", f"localhost:{httpserver.port}"]
    return create_x_channel(
        workspace,
        "@AcmeSupport",
        consumer_key=CONSUMER_KEY,
        consumer_secret=CONSUMER_SECRET,
        access_token=ACCESS_TOKEN,
        access_token_secret=ACCESS_TOKEN_SECRET,
        user_id=ACCOUNT_ID,
        api_base_url=httpserver.url_for(""),
    )


def x_signature(body: bytes, secret: str = CONSUMER_SECRET) -> str:
    """What X puts in x-twitter-webhooks-signature, computed here from X's description, not our code."""
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def dm_event(
    text: str = "Hello World!", sender: str = CUSTOMER_ID, message_data: dict[str, Any] | None = None, **fields: Any
) -> dict[str, Any]:
    """A direct message event as the Account Activity API reference shows it."""
    event: dict[str, Any] = {
        "type": "message_create",
        "id": f"95449183011615{next(_numbers):04d}",
        "created_timestamp": "1516403560557",
        "message_create": {
            "target": {"recipient_id": ACCOUNT_ID if sender != ACCOUNT_ID else CUSTOMER_ID},
            "sender_id": sender,
            "source_app_id": "13090192",
            "message_data": message_data
            or {"text": text, "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []}},
        },
    }
    event.update(fields)
    return event


USERS = {
    CUSTOMER_ID: {
        "id": CUSTOMER_ID,
        "created_timestamp": "1422556069340",
        "name": "Jordan Brinks",
        "screen_name": "furiouscamper",
        "location": "Boulder, CO",
        "protected": False,
        "verified": False,
        "followers_count": 22,
        "friends_count": 45,
        "statuses_count": 494,
        "profile_image_url": "null",
        "profile_image_url_https": "https://pbs.twimg.com/profile_images/851526626785480705/cW4WTi7C_normal.jpg",
    },
    ACCOUNT_ID: {
        "id": ACCOUNT_ID,
        "created_timestamp": "1448312972328",
        "name": "Acme Support",
        "screen_name": "AcmeSupport",
        "profile_image_url_https": "https://pbs.twimg.com/profile_images/1/acme_normal.png",
    },
}


def body_of(events: list[dict[str, Any]], key: str = "direct_message_events", **extra: Any) -> bytes:
    document = {
        "for_user_id": ACCOUNT_ID,
        key: events,
        "apps": {"13090192": {"id": "13090192", "name": "FuriousCamperTestApp1"}},
        "users": USERS,
        **extra,
    }
    return json.dumps(document).encode()


def post(client: Client, channel: Channel, body: bytes, signature: str | None = None) -> Any:
    headers = {}
    signature = x_signature(body) if signature is None else signature
    if signature:
        headers["x-twitter-webhooks-signature"] = signature
    response = client.generic("POST", hook_path(channel), body, content_type="application/json", headers=headers)
    process_stored_events()
    return response


# --- OAuth 1.0a -------------------------------------------------------------------------------------------


def test_the_oauth_signature_matches_xs_published_example() -> None:
    # developer.x.com "Creating a signature": the same inputs give hCtSmYh+iHYCEqBWrE7C7hYmtUk=.
    credentials = Credentials(
        CONSUMER_KEY, CONSUMER_SECRET, "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", ACCESS_TOKEN_SECRET
    )
    header = authorization_header(
        credentials,
        "POST",
        "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
        form={"status": "Hello Ladies + Gentlemen, a signed OAuth request!"},
        nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        timestamp=1318622958,
    )
    assert 'oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"' in header


def oauth_parameters(header: str) -> dict[str, str]:
    assert header.startswith("OAuth ")
    pairs = [item.strip().split("=", 1) for item in header.removeprefix("OAuth ").split(",")]
    return {name: dict(parse_qsl(f"v={value.strip('"')}"))["v"] for name, value in pairs}


def assert_signed(request: Request, method: str) -> None:
    """Check the request's OAuth 1.0a signature with xdk's independent signer, given the same nonce and time."""
    given = oauth_parameters(request.headers["Authorization"])
    assert given["oauth_consumer_key"] == CONSUMER_KEY and given["oauth_token"] == ACCESS_TOKEN
    assert abs(int(given["oauth_timestamp"]) - time.time()) < 60
    signer = OAuth1(CONSUMER_KEY, CONSUMER_SECRET, "oob", ACCESS_TOKEN, ACCESS_TOKEN_SECRET)
    signer._generate_nonce = lambda length=32: given["oauth_nonce"]  # type: ignore[method-assign]
    signer._generate_timestamp = lambda: given["oauth_timestamp"]  # type: ignore[method-assign]
    expected = oauth_parameters(signer.build_request_header(method, request.url, request.get_data(as_text=True)))
    assert given["oauth_signature"] == expected["oauth_signature"]


# --- CRC and signatures -----------------------------------------------------------------------------------


def test_the_crc_check_is_answered_with_the_signed_token(client: Client, channel: Channel) -> None:
    response = client.get(hook_path(channel), {"crc_token": "YzUzZGIyZDMtNTg0Ny00ZjM3"})
    assert response.status_code == 200
    assert response.json() == {"response_token": x_signature(b"YzUzZGIyZDMtNTg0Ny00ZjM3")}
    assert client.get(hook_path(channel)).status_code == 400


def test_a_signed_text_dm_lands_in_a_conversation(client: Client, channel: Channel) -> None:
    event = dm_event("我的訂單在哪裡?")
    response = post(client, channel, body_of([event]))
    assert response.status_code == 200 and response.json() == {"accepted": 1, "duplicates": 0}
    [message] = messages(channel)
    assert message.text == "我的訂單在哪裡?" and message.provider_message_id == event["id"]
    assert message.metadata["sent_at"] == "2018-01-19T23:12:40.557000+00:00"
    assert message.metadata["provider"] == {"recipient_id": ACCOUNT_ID, "screen_name": "furiouscamper"}
    conversation = Conversation.in_workspace(channel.workspace_id).get()
    identity = conversation.contact.identities.get()
    assert identity.external_id == CUSTOMER_ID and conversation.contact.name == "Jordan Brinks"


@pytest.mark.parametrize("signature", ["", "sha256=bm90IHRoZSBzaWduYXR1cmU=", "wrong-secret"])
def test_a_missing_or_wrong_signature_is_a_401(client: Client, channel: Channel, signature: str) -> None:
    body = body_of([dm_event()])
    if signature == "wrong-secret":
        signature = x_signature(body, "not-the-consumer-secret")
    assert post(client, channel, body, signature=signature).status_code == 401
    assert stored(channel) == 0


def test_one_changed_byte_breaks_the_signature(client: Client, channel: Channel) -> None:
    body = body_of([dm_event()])
    response = post(client, channel, body.replace(b"Hello World", b"Hello Wordl"), signature=x_signature(body))
    assert response.status_code == 401 and stored(channel) == 0


def test_a_redelivered_dm_twenty_times_stores_one_message(client: Client, channel: Channel) -> None:
    body = body_of([dm_event()])
    answers = [post(client, channel, body).json() for _ in range(20)]
    assert answers[0] == {"accepted": 1, "duplicates": 0}
    assert answers[1:] == [{"accepted": 0, "duplicates": 1}] * 19
    assert stored(channel) == 1 and len(messages(channel)) == 1


def test_our_own_dms_come_back_as_echoes_and_are_skipped(client: Client, channel: Channel) -> None:
    echo = dm_event("Thanks for writing!", sender=ACCOUNT_ID)
    assert post(client, channel, body_of([echo, dm_event("Hi")])).json()["accepted"] == 2
    assert [message.text for message in messages(channel)] == ["Hi"]
    assert InboundEvent.in_workspace(channel.workspace_id).filter(processed_at__isnull=True).count() == 0


def test_events_for_another_account_on_the_same_webhook_are_not_this_channels(client: Client, channel: Channel) -> None:
    body = json.dumps({"for_user_id": "999", "direct_message_events": [dm_event()], "users": USERS}).encode()
    post(client, channel, body)
    assert messages(channel) == []


def test_photos_videos_links_and_quick_replies(client: Client, channel: Channel) -> None:
    photo = dm_event(
        message_data={
            "text": "See this https://t.co/Hf6Vzv5sfY",
            "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
            "attachment": {
                "type": "media",
                "media": {
                    "id": 954491790140010496,
                    "id_str": "954491790140010496",
                    "media_url_https": "https://ton.twitter.com/1.1/ton/data/dm/954491806242410500/954491790140010496/ZZ0xS3ok.jpg",
                    "url": "https://t.co/Hf6Vzv5sfY",
                    "type": "photo",
                },
            },
        }
    )
    video = dm_event(
        message_data={
            "text": "https://t.co/abcVIDEO",
            "attachment": {
                "type": "media",
                "media": {
                    "id_str": "1",
                    "type": "video",
                    "url": "https://t.co/abcVIDEO",
                    "media_url_https": "https://pbs.twimg.com/dm_video_preview/1/img/thumb.jpg",
                    "video_info": {
                        "variants": [
                            {
                                "bitrate": 320000,
                                "content_type": "video/mp4",
                                "url": "https://video.twimg.com/dm_video/1/vid/320x240/low.mp4",
                            },
                            {
                                "content_type": "application/x-mpegURL",
                                "url": "https://video.twimg.com/dm_video/1/pl/list.m3u8",
                            },
                            {
                                "bitrate": 2176000,
                                "content_type": "video/mp4",
                                "url": "https://video.twimg.com/dm_video/1/vid/1280x720/high.mp4",
                            },
                        ]
                    },
                },
            },
        }
    )
    link = dm_event(
        message_data={
            "text": "Order page https://t.co/XyZ",
            "entities": {
                "urls": [
                    {"url": "https://t.co/XyZ", "expanded_url": "https://shop.example/orders/42", "indices": [11, 27]}
                ]
            },
        }
    )
    quick_reply = dm_event(
        message_data={"text": "Yes, please", "quick_reply_response": {"type": "options", "metadata": "confirm_order"}}
    )
    post(client, channel, body_of([photo, video, link, quick_reply]))
    photo_message, video_message, link_message, answer = messages(channel)
    assert photo_message.text == "See this"
    assert photo_message.metadata["pending_attachments"] == [
        {
            "url": "x-media:https://ton.twitter.com/1.1/ton/data/dm/954491806242410500/954491790140010496/ZZ0xS3ok.jpg",
            "filename": "ZZ0xS3ok.jpg",
            "content_type": "image/jpeg",
        }
    ]
    assert video_message.text == ""
    assert video_message.metadata["pending_attachments"] == [
        {
            "url": "x-media:https://video.twimg.com/dm_video/1/vid/1280x720/high.mp4",
            "filename": "high.mp4",
            "content_type": "video/mp4",
        }
    ]
    assert link_message.text == "Order page https://shop.example/orders/42"
    assert answer.metadata["interactive"] == {"id": "confirm_order", "title": "Yes, please"}


def test_typing_indicators_and_other_activity_are_acknowledged_and_not_stored(client: Client, channel: Channel) -> None:
    typing = {"created_timestamp": "1518127183443", "sender_id": CUSTOMER_ID, "target": {"recipient_id": ACCOUNT_ID}}
    response = post(client, channel, body_of([typing], key="direct_message_indicate_typing_events"))
    assert response.status_code == 200 and response.json() == {"accepted": 0, "duplicates": 0}
    follow = {
        "type": "follow",
        "created_timestamp": "1517588749178",
        "target": {"id": ACCOUNT_ID},
        "source": {"id": CUSTOMER_ID},
    }
    assert post(client, channel, body_of([follow], key="follow_events")).json() == {"accepted": 0, "duplicates": 0}
    revoke = {"user_event": {"revoke": {"date_time": "2018-05-24T09:48:12+00:00", "target": {"app_id": "13090192"}}}}
    assert post(client, channel, json.dumps(revoke).encode()).json() == {"accepted": 0, "duplicates": 0}
    assert stored(channel) == 0


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{not json", "malformed JSON"),
        (b"[]", "JSON object"),
        (b'{"direct_message_events": [{"type": "message_create", "id": "1"}]}', "for_user_id"),
        (b'{"for_user_id": "4337869213", "direct_message_events": {}}', "must be a list"),
    ],
)
def test_malformed_bodies_get_a_400(client: Client, channel: Channel, body: bytes, detail: str) -> None:
    response = post(client, channel, body)
    assert response.status_code == 400 and detail in response.json()["detail"]
    assert stored(channel) == 0


def test_an_event_without_an_id_is_refused_and_the_rest_kept(client: Client, channel: Channel) -> None:
    broken = dm_event()
    del broken["id"]
    response = post(client, channel, body_of([broken, dm_event("kept")]))
    assert response.status_code == 200
    assert response.json()["accepted"] == 1 and response.json()["rejected"][0]["index"] == 0
    assert [message.text for message in messages(channel)] == ["kept"]


def test_an_event_of_the_wrong_shape_is_recorded_as_unparseable(client: Client, channel: Channel) -> None:
    broken = dm_event()
    del broken["message_create"]["sender_id"]
    post(client, channel, body_of([broken]))
    event = InboundEvent.in_workspace(channel.workspace_id).get()
    assert event.processed_at is not None and "not an X direct message event" in event.error
    assert "sender_id" in event.error and messages(channel) == []


# --- Outbound ---------------------------------------------------------------------------------------------


@pytest.fixture
def conversation(workspace: Workspace, channel: Channel) -> Conversation:
    contact = make_contact(workspace, name="Jordan Brinks")
    make_identity(contact, channel, external_id=CUSTOMER_ID)
    return make_conversation(workspace, contact=contact, channel=channel, waiting_since=timezone.now())


DM_PATH = f"/2/dm_conversations/with/{CUSTOMER_ID}/messages"


def test_a_reply_is_sent_as_a_signed_dm_and_a_read_event_marks_it_read(
    client: Client, agent: Member, conversation: Conversation, channel: Channel, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(DM_PATH, method="POST").respond_with_json(
        {"data": {"dm_conversation_id": f"{CUSTOMER_ID}-{ACCOUNT_ID}", "dm_event_id": "1146654567674912769"}},
        status=201,
    )
    entry = entry_of(actions.reply(conversation, agent, "您好,訂單已出貨"))
    assert deliver(entry.pk).result == "sent"
    [(request, _)] = httpserver.log
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.get_data()) == {"text": "您好,訂單已出貨"}
    assert_signed(request, "POST")
    message = refreshed(entry.message)
    assert message.status == DeliveryStatus.SENT and message.provider_message_id == "1146654567674912769"

    read = {
        "created_timestamp": "1518452444662",
        "sender_id": CUSTOMER_ID,
        "target": {"recipient_id": ACCOUNT_ID},
        "last_read_event_id": "1146654567674912769",
    }
    assert post(client, channel, body_of([read], key="direct_message_mark_read_events")).json()["accepted"] == 1
    assert refreshed(entry.message).status == DeliveryStatus.READ


def test_an_image_is_uploaded_then_sent_with_the_dm(
    agent: Member, conversation: Conversation, httpserver: HTTPServer
) -> None:
    httpserver.expect_ordered_request("/2/media/upload", method="POST").respond_with_json(
        {
            "data": {
                "id": "1880028106020515840",
                "media_key": "3_1880028106020515840",
                "size": len(PNG),
                "expires_after_secs": 86400,
                "image": {"image_type": "image/png", "w": 1, "h": 1},
            }
        }
    )
    httpserver.expect_ordered_request(DM_PATH, method="POST").respond_with_json(
        {"data": {"dm_conversation_id": f"{CUSTOMER_ID}-{ACCOUNT_ID}", "dm_event_id": "1146654567674912770"}},
        status=201,
    )
    message = actions.reply(conversation, agent, "Your receipt", files=[actions.ReplyFile("receipt.png", PNG)])
    assert deliver(entry_of(message).pk).result == "sent"
    (upload, _), (dm, _) = httpserver.log
    assert json.loads(upload.get_data()) == {"media": base64.b64encode(PNG).decode(), "media_category": "dm_image"}
    assert json.loads(dm.get_data()) == {"text": "Your receipt", "attachments": [{"media_id": "1880028106020515840"}]}
    assert_signed(upload, "POST")
    assert_signed(dm, "POST")
    assert refreshed(message).provider_message_id == "1146654567674912770"


def failure(
    agent: Member,
    conversation: Conversation,
    httpserver: HTTPServer,
    status: int,
    document: dict[str, Any],
    **headers: str,
) -> tuple[str, Message, OutboxEntry]:
    httpserver.expect_request(DM_PATH, method="POST").respond_with_json(document, status=status, headers=headers)
    entry = entry_of(actions.reply(conversation, agent, "Hello"))
    result = deliver(entry.pk).result
    return result, refreshed(entry.message), OutboxEntry.all_workspaces.get(pk=entry.pk)


def test_a_rate_limit_is_retried_after_xs_reset_time(
    agent: Member, conversation: Conversation, httpserver: HTTPServer
) -> None:
    reset = int(time.time()) + 600
    result, message, entry = failure(
        agent,
        conversation,
        httpserver,
        429,
        {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
        **{"x-rate-limit-limit": "15", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
    )
    assert result == "retry" and message.status != DeliveryStatus.FAILED
    assert entry.next_attempt_at >= timezone.now() + timedelta(seconds=590)


def test_a_server_error_is_retried(agent: Member, conversation: Conversation, httpserver: HTTPServer) -> None:
    result, _, _ = failure(agent, conversation, httpserver, 503, {"title": "Service Unavailable"})
    assert result == "retry"


@pytest.mark.parametrize(
    ("status", "document", "code"),
    [
        (
            403,
            {
                "detail": "You cannot send messages to this user.",
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
            },
            "blocked",
        ),
        (401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, "credentials"),
        (
            403,
            {
                "title": "Unsupported Authentication",
                "detail": (
                    "Your client app is not configured with the appropriate oauth1 app permissions for this endpoint."
                ),
                "type": "https://api.twitter.com/2/problems/oauth1-permissions",
                "status": 403,
            },
            "credentials",
        ),
        (
            400,
            {
                "errors": [
                    {
                        "parameters": {"participant_id": ["12"]},
                        "message": "The `participant_id` query parameter value [12] is not valid",
                    }
                ],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
            "invalid_recipient",
        ),
    ],
)
def test_final_refusals_fail_the_message_with_xs_reason_and_a_code(
    agent: Member, conversation: Conversation, httpserver: HTTPServer, status: int, document: dict[str, Any], code: str
) -> None:
    result, message, _ = failure(agent, conversation, httpserver, status, document)
    assert result == "failed" and message.status == DeliveryStatus.FAILED
    assert message.metadata["failure_code"] == code
    assert message.status_reason.startswith(f"HTTP {status}: ")
    assert (document.get("detail") or "") in message.status_reason
    assert CONSUMER_SECRET not in message.status_reason and len(httpserver.log) == 1


def test_files_and_structured_content_are_refused_as_unsupported(channel: Channel, httpserver: HTTPServer) -> None:
    adapter = XAdapter()
    pdf = OutboundAttachment("a.pdf", "application/pdf", 10, "https://fd.example/media/t", "a.pdf")
    huge = OutboundAttachment("a.png", "image/png", 6 * 1024 * 1024, "https://fd.example/media/u", "a.png")
    for message in [
        OutboundMessage(recipient=CUSTOMER_ID, text="see", attachments=(pdf,)),
        OutboundMessage(recipient=CUSTOMER_ID, text="see", attachments=(huge,)),
        OutboundMessage(recipient=CUSTOMER_ID, text="see", attachments=(huge, pdf)),
        OutboundMessage(recipient=CUSTOMER_ID, text="pick", content={"quick_replies": [{"id": "a", "title": "A"}]}),
        OutboundMessage(recipient="not-an-id", text="hi"),
    ]:
        with pytest.raises(SendFailed) as raised:
            adapter.send(channel, message)
        assert raised.value.code in {"unsupported", "invalid_recipient", "too_large"} and not raised.value.retryable
    assert httpserver.log == []


# --- Media, profile, connection test ----------------------------------------------------------------------


def test_a_dm_photo_is_downloaded_with_a_signed_request(channel: Channel, httpserver: HTTPServer) -> None:
    path = "/1.1/ton/data/dm/954491806242410500/954491790140010496/ZZ0xS3ok.png"
    httpserver.expect_request(path, method="GET").respond_with_data(PNG, content_type="image/png")
    conversation = make_conversation(channel.workspace, channel=channel)
    refs = [f"x-media:{httpserver.url_for(path)}", "x-media:https://evil.example/dm/1.png"]
    pending = [{"url": ref, "filename": "ZZ0xS3ok.png", "content_type": ""} for ref in refs]
    message = make_message(conversation, metadata={"pending_attachments": pending})

    download_attachments.call(message.pk)

    [(request, _)] = httpserver.log
    assert_signed(request, "GET")
    [attachment] = Attachment.all_workspaces.filter(message=message)
    assert attachment.content_type == "image/png" and attachment.file.read() == PNG
    [failed] = refreshed(message).metadata["failed_attachments"]
    assert failed["url"] == "x-media:https://evil.example/dm/1.png"


def test_the_profile_gives_the_name_and_the_large_picture(channel: Channel, httpserver: HTTPServer) -> None:
    picture = httpserver.url_for("/profile_images/851526626785480705/cW4WTi7C_normal.jpg")
    httpserver.expect_request(
        f"/2/users/{CUSTOMER_ID}", query_string="user.fields=profile_image_url%2Cname"
    ).respond_with_json(
        {
            "data": {
                "id": CUSTOMER_ID,
                "name": "Jordan Brinks",
                "username": "furiouscamper",
                "profile_image_url": picture,
            }
        }
    )
    httpserver.expect_request("/profile_images/851526626785480705/cW4WTi7C_400x400.jpg").respond_with_data(
        PNG, content_type="image/png"
    )
    with http_client() as client:
        profile = fetch_profile(channel, CUSTOMER_ID, client)
    assert profile.name == "Jordan Brinks"
    assert profile.avatar is not None and profile.avatar.content == PNG
    assert_signed(httpserver.log[0][0], "GET")


def test_a_profile_picture_elsewhere_is_not_fetched(channel: Channel, httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/2/users/{CUSTOMER_ID}").respond_with_json(
        {"data": {"id": CUSTOMER_ID, "name": "Jordan", "profile_image_url": "https://evil.example/a_normal.jpg"}}
    )
    with http_client() as client:
        profile = fetch_profile(channel, CUSTOMER_ID, client)
    assert profile.name == "Jordan" and profile.avatar is None and len(httpserver.log) == 1


def test_the_connection_test_names_the_account(channel: Channel, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/2/users/me").respond_with_json(
        {"data": {"id": ACCOUNT_ID, "name": "Acme Support", "username": "AcmeSupport"}}
    )
    with http_client() as client:
        assert connector_for("x").test_connection(channel, client) == "@AcmeSupport"
    assert_signed(httpserver.log[0][0], "GET")


def test_the_connection_test_reports_refused_credentials_and_a_wrong_account(
    channel: Channel, httpserver: HTTPServer
) -> None:
    def answer(request: Request) -> Response:
        if len(httpserver.log) == 0:
            return Response(json.dumps({"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}), 401)
        return Response(json.dumps({"data": {"id": "1", "username": "someone"}}), 200, content_type="application/json")

    httpserver.expect_request("/2/users/me").respond_with_handler(answer)
    with http_client() as client:
        with pytest.raises(ConnectionTestFailed, match="HTTP 401: Unauthorized"):
            connector_for("x").test_connection(channel, client)
        with pytest.raises(ConnectionTestFailed, match="@someone"):
            connector_for("x").test_connection(channel, client)


def test_the_connector_stores_the_oauth_credentials_as_secrets() -> None:
    config, secrets = connector_for("x").split_values(
        {"consumer_key": "k", "consumer_secret": "s", "access_token": "t", "access_token_secret": "ts", "user_id": "1"}
    )
    assert config == {"user_id": "1", "api_base_url": "https://api.x.com"}
    assert set(secrets) == {"consumer_key", "consumer_secret", "access_token", "access_token_secret"}


def test_the_bench_payload_is_a_delivery_x_would_sign(workspace: Workspace, client: Client) -> None:
    from bench.payloads import x as bench

    channel = bench.create_channel(workspace)
    for sequence in range(2):
        _, body, headers = bench.delivery(channel.secrets, bench.contact_id(sequence), f"hi {sequence}", sequence)
        response = client.generic("POST", hook_path(channel), body, content_type="application/json", headers=headers)
        assert response.json() == {"accepted": 1, "duplicates": 0}
    process_stored_events()
    assert [message.text for message in messages(channel)] == ["hi 0", "hi 1"]
