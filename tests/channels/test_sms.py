"""The SMS channel both ways: Twilio's signed form webhooks in, the Message resource of a fake Twilio API out."""

from __future__ import annotations

import base64
import itertools
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from frontdesk.channels.base import MediaUnavailable
from frontdesk.channels.connect import ConnectionTestFailed, connector_for
from frontdesk.channels.models import Channel
from frontdesk.channels.sms import setup as sms_setup
from frontdesk.channels.sms.adapter import sign
from frontdesk.channels.sms.media import fetch_media, media_host_allowed
from frontdesk.channels.sms.segments import count_segments
from frontdesk.channels.sms.setup import create_sms_channel
from frontdesk.conversations import actions
from frontdesk.conversations.actions import ReplyFile
from frontdesk.conversations.models import Attachment, Conversation, DeliveryStatus, Message, OutboxEntry
from frontdesk.core.http_client import http_client
from frontdesk.core.models import Member, Workspace
from frontdesk.pipeline.models import InboundEvent
from frontdesk.pipeline.outbound import deliver
from frontdesk.pipeline.tasks import download_attachments
from tests.channels.webhooks import entry_of, hook_path, messages, process_stored_events, refreshed, stored
from tests.factories import make_contact, make_conversation, make_identity

pytestmark = pytest.mark.django_db

ACCOUNT_SID = "AC" + "3f1c" * 8
AUTH_TOKEN = "12345678901234567890123456789012"
OUR_NUMBER = "+14155550100"
CUSTOMER = "+85291234567"
PUBLIC_URL = "https://frontdesk.example.com"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
_numbers = itertools.count(1)


def sid(prefix: str = "SM") -> str:
    return f"{prefix}{next(_numbers):032x}"


@pytest.fixture
def channel(workspace: Workspace, httpserver: HTTPServer, settings: Any) -> Channel:
    settings.PUBLIC_URL = PUBLIC_URL
    # pytest-httpserver's URLs name localhost.
    settings.FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [f"127.0.0.1:{httpserver.port}", f"localhost:{httpserver.port}"]
    return create_sms_channel(
        workspace, "Support line", ACCOUNT_SID, AUTH_TOKEN, from_number=OUR_NUMBER, api_base_url=httpserver.url_for("")
    )


def inbound(body: str = "Hello", **fields: str) -> dict[str, str]:
    """An incoming SMS as Twilio posts it (https://www.twilio.com/docs/messaging/guides/webhook-request)."""
    message_sid = sid()
    form = {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": message_sid,
        "NumMedia": "0",
        "ToCity": "SAN FRANCISCO",
        "FromZip": "",
        "SmsSid": message_sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "HK",
        "To": OUR_NUMBER,
        "ToZip": "94105",
        "NumSegments": "1",
        "MessageSid": message_sid,
        "AccountSid": ACCOUNT_SID,
        "From": CUSTOMER,
        "ApiVersion": "2010-04-01",
    }
    form.update(fields)
    return form


def status_callback(message_sid: str, status: str, **fields: str) -> dict[str, str]:
    """A delivery report to the message's StatusCallback URL."""
    return {
        "SmsSid": message_sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": CUSTOMER,
        "MessageSid": message_sid,
        "AccountSid": ACCOUNT_SID,
        "From": OUR_NUMBER,
        "ApiVersion": "2010-04-01",
        **fields,
    }


def post(client: Client, channel: Channel, form: dict[str, str], signature: str | None = None, query: str = "") -> Any:
    """POST the form as Twilio does, signed over the public URL with the auth token; then process."""
    path = hook_path(channel) + (f"?{query}" if query else "")
    if signature is None:
        signature = sign(AUTH_TOKEN, PUBLIC_URL + path, form)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response = client.generic(
        "POST", path, urlencode(form), content_type="application/x-www-form-urlencoded", headers=headers
    )
    process_stored_events()
    return response


# Inbound


def test_a_signed_sms_lands_in_a_conversation_and_gets_empty_twiml(client: Client, channel: Channel) -> None:
    form = inbound("我的訂單在哪裡?")
    response = post(client, channel, form)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content == b'<?xml version="1.0" encoding="UTF-8"?><Response />'
    [message] = messages(channel)
    assert message.text == "我的訂單在哪裡?" and message.provider_message_id == form["MessageSid"]
    assert message.metadata["provider"] == {"to": OUR_NUMBER}
    conversation = Conversation.in_workspace(channel.workspace_id).get()
    identity = conversation.contact.identities.get()
    assert identity.external_id == CUSTOMER


def test_the_signature_covers_the_query_string_as_twilio_saw_it(client: Client, channel: Channel) -> None:
    assert post(client, channel, inbound(), query="region=hk").status_code == 200
    assert len(messages(channel)) == 1


def test_a_signature_made_over_the_url_with_its_default_port_is_accepted(client: Client, channel: Channel) -> None:
    form = inbound()
    url = PUBLIC_URL.replace(".com", ".com:443") + hook_path(channel)
    assert post(client, channel, form, signature=sign(AUTH_TOKEN, url, form)).status_code == 200


@pytest.mark.parametrize("case", ["missing", "garbage", "wrong-token", "other-url", "changed-field"])
def test_a_bad_signature_is_a_401_and_stores_nothing(client: Client, channel: Channel, case: str) -> None:
    form = inbound()
    url = PUBLIC_URL + hook_path(channel)
    signature = {
        "missing": "",
        "garbage": "bm90IHRoZSBzaWduYXR1cmU=",
        "wrong-token": sign("0" * 32, url, form),
        "other-url": sign(AUTH_TOKEN, "https://attacker.example" + hook_path(channel), form),
        "changed-field": sign(AUTH_TOKEN, url, {**form, "Body": "Something else"}),
    }[case]
    response = post(client, channel, form, signature=signature)
    assert response.status_code == 401
    assert stored(channel) == 0 and messages(channel) == []


def test_twilio_has_no_get_handshake(client: Client, channel: Channel) -> None:
    response = client.get(hook_path(channel))
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_a_retried_webhook_twenty_times_stores_one_message(client: Client, channel: Channel) -> None:
    form = inbound()
    answers = [post(client, channel, form).status_code for _ in range(20)]
    assert answers == [200] * 20
    assert stored(channel) == 1 and len(messages(channel)) == 1


def test_a_form_without_a_message_sid_is_refused_with_a_clear_reason(client: Client, channel: Channel) -> None:
    form = inbound()
    for name in ("MessageSid", "SmsSid", "SmsMessageSid"):
        del form[name]
    response = post(client, channel, form)
    assert response.status_code == 400
    assert response.json()["rejected"][0]["detail"] == "the request has no MessageSid"
    assert stored(channel) == 0


def test_a_body_that_is_not_a_utf8_form_is_a_400(client: Client, channel: Channel) -> None:
    path = hook_path(channel)
    body = b"Body=\xff\xfe"
    signature = sign(AUTH_TOKEN, PUBLIC_URL + path, {})
    response = client.generic(
        "POST", path, body, content_type="application/x-www-form-urlencoded", headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 400 and "UTF-8" in response.json()["detail"]


def test_a_stored_event_of_the_wrong_shape_is_recorded_as_unparseable(client: Client, channel: Channel) -> None:
    post(client, channel, inbound(NumMedia="two"))
    event = InboundEvent.in_workspace(channel.workspace_id).get()
    assert event.processed_at is not None and "NumMedia is not a number" in event.error
    assert messages(channel) == []


def test_an_mms_keeps_twilio_media_as_references_and_never_a_foreign_url(client: Client, channel: Channel) -> None:
    message_sid = sid("MM")
    media = [sid("ME"), sid("ME")]
    base = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message_sid}/Media"
    form = inbound(
        "",
        MessageSid=message_sid,
        SmsSid=message_sid,
        SmsMessageSid=message_sid,
        NumMedia="3",
        MediaUrl0=f"{base}/{media[0]}",
        MediaContentType0="image/jpeg",
        MediaUrl1=f"{base}/{media[1]}",
        MediaContentType1="image/png",
        MediaUrl2="https://evil.example/steal",
        MediaContentType2="image/gif",
    )
    post(client, channel, form)
    [message] = messages(channel)
    assert message.metadata["pending_attachments"] == [
        {"url": f"sms-media:{message_sid}/{media[0]}", "filename": "", "content_type": "image/jpeg"},
        {"url": f"sms-media:{message_sid}/{media[1]}", "filename": "", "content_type": "image/png"},
    ]
    assert message.metadata["provider"]["refused_media"] == ["https://evil.example/steal"]


def test_media_of_another_account_is_not_referenced(client: Client, channel: Channel) -> None:
    message_sid = sid("MM")
    other = "AC" + "9" * 32
    url = f"https://api.twilio.com/2010-04-01/Accounts/{other}/Messages/{message_sid}/Media/{sid('ME')}"
    post(client, channel, inbound("", NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg"))
    [message] = messages(channel)
    assert "pending_attachments" not in message.metadata


@pytest.mark.parametrize(
    ("body", "fields", "marker"),
    [
        ("STOP", {}, "stop"),
        ("  stopall ", {}, "stop"),
        ("Unsubscribe", {}, "stop"),
        ("cancel", {}, "stop"),
        ("END", {}, "stop"),
        ("quit", {}, "stop"),
        ("start", {}, "start"),
        ("YES", {}, "start"),
        ("Unstop", {}, "start"),
        ("stop please", {}, None),
        ("HELP", {}, None),
        ("ARRET", {"OptOutType": "STOP"}, "stop"),
        ("REPRENDRE", {"OptOutType": "START"}, "start"),
        ("STOP", {"OptOutType": "HELP"}, None),
    ],
)
def test_opt_out_keywords_are_marked(
    client: Client, channel: Channel, body: str, fields: dict[str, str], marker: str | None
) -> None:
    post(client, channel, inbound(body, **fields))
    [message] = messages(channel)
    assert message.metadata["provider"].get("opt_out") == marker


def test_replies_are_refused_after_stop_and_allowed_again_after_start(
    client: Client, channel: Channel, agent: Member
) -> None:
    post(client, channel, inbound("STOP"))
    conversation = Conversation.in_workspace(channel.workspace_id).get()
    with pytest.raises(ValidationError, match="opted out"):
        actions.reply(conversation, agent, "Are you sure?")
    post(client, channel, inbound("START"))
    assert actions.reply(conversation, agent, "Welcome back").status == DeliveryStatus.QUEUED


# Outbound


@pytest.fixture
def conversation(workspace: Workspace, channel: Channel) -> Conversation:
    contact = make_contact(workspace, name="陳先生")
    make_identity(contact, channel, external_id=CUSTOMER)
    return make_conversation(workspace, contact=contact, channel=channel, waiting_since=timezone.now())


def make_due(entry: OutboxEntry) -> None:
    OutboxEntry.all_workspaces.filter(pk=entry.pk).update(next_attempt_at=timezone.now())


def messages_path() -> str:
    return f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def twilio_message(message_sid: str, body: str = "", segments: str = "1") -> dict[str, Any]:
    """The Message resource Twilio answers a create with (201)."""
    return {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": "Mon, 23 Nov 2026 14:00:00 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": OUR_NUMBER,
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": segments,
        "sid": message_sid,
        "status": "queued",
        "to": CUSTOMER,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message_sid}.json",
    }


def twilio_error(code: int, message: str, status: int = 400) -> dict[str, Any]:
    """Twilio's error document (https://www.twilio.com/docs/usage/twilios-response)."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def form_of(request: Request) -> dict[str, list[str]]:
    return parse_qs(request.get_data(as_text=True), keep_blank_values=True)


def test_a_reply_creates_a_twilio_message_and_delivery_reports_update_it(
    client: Client, agent: Member, conversation: Conversation, channel: Channel, httpserver: HTTPServer
) -> None:
    message_sid = sid()
    httpserver.expect_oneshot_request(messages_path(), method="POST").respond_with_json(
        twilio_message(message_sid, "您好,訂單已出貨"), status=201
    )
    entry = entry_of(actions.reply(conversation, agent, "您好,訂單已出貨"))
    assert deliver(entry.pk).result == "sent"
    [(request, _)] = httpserver.log
    expected_auth = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == expected_auth
    assert request.headers["I-Twilio-Idempotency-Token"] == str(entry.idempotency_key)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form_of(request) == {
        "To": [CUSTOMER],
        "From": [OUR_NUMBER],
        "Body": ["您好,訂單已出貨"],
        "StatusCallback": [f"{PUBLIC_URL}/hooks/sms/{channel.webhook_token}"],
    }
    message = refreshed(entry.message)
    assert message.status == DeliveryStatus.SENT and message.provider_message_id == message_sid
    # Chinese needs UCS-2: eight characters are one segment; Twilio's billed count is kept beside ours.
    assert message.metadata["sent"] == {"encoding": "UCS-2", "segments": 1, "segments_billed": 1}

    post(client, channel, status_callback(message_sid, "sent"))
    post(client, channel, status_callback(message_sid, "delivered", RawDlrDoneDate="2611231400"))
    assert refreshed(message).status == DeliveryStatus.DELIVERED
    # The same report again is a duplicate, not a second event.
    post(client, channel, status_callback(message_sid, "delivered", RawDlrDoneDate="2611231400"))
    assert stored(channel) == 2


def test_a_carrier_filtered_message_fails_with_twilios_error(
    client: Client, agent: Member, conversation: Conversation, channel: Channel, httpserver: HTTPServer
) -> None:
    message_sid = sid()
    httpserver.expect_oneshot_request(messages_path(), method="POST").respond_with_json(
        twilio_message(message_sid), status=201
    )
    entry = entry_of(actions.reply(conversation, agent, "Your code is 123456"))
    deliver(entry.pk)
    post(client, channel, status_callback(message_sid, "undelivered", ErrorCode="30007"))
    message = refreshed(entry.message)
    assert message.status == DeliveryStatus.FAILED
    assert message.status_reason == "Twilio error 30007: message filtered by the carrier"


def test_a_messaging_service_sends_instead_of_a_number(
    agent: Member, conversation: Conversation, channel: Channel, httpserver: HTTPServer
) -> None:
    service = "MG" + "a" * 32
    channel.config = {**channel.config, "messaging_service_sid": service}
    channel.save(update_fields=["config"])
    httpserver.expect_oneshot_request(messages_path(), method="POST").respond_with_json(
        twilio_message(sid()), status=201
    )
    deliver(entry_of(actions.reply(conversation, agent, "Hi")).pk)
    [(request, _)] = httpserver.log
    form = form_of(request)
    assert form["MessagingServiceSid"] == [service] and "From" not in form


def test_an_image_is_sent_as_mms_by_its_signed_url(
    agent: Member, conversation: Conversation, channel: Channel, httpserver: HTTPServer
) -> None:
    httpserver.expect_oneshot_request(messages_path(), method="POST").respond_with_json(
        twilio_message(sid("MM")), status=201
    )
    reply = actions.reply(conversation, agent, "Here is the receipt", files=[ReplyFile("receipt.png", PNG)])
    assert deliver(entry_of(reply).pk).result == "sent"
    [(request, _)] = httpserver.log
    [url] = form_of(request)["MediaUrl"]
    assert url.startswith(f"{PUBLIC_URL}/media/")


@pytest.mark.parametrize(
    ("status", "document", "result", "code"),
    [
        (400, twilio_error(21610, "Attempt to send to unsubscribed recipient"), "failed", "opted_out"),
        (400, twilio_error(21211, "The 'To' number +8529 is not a valid phone number."), "failed", "invalid_recipient"),
        (400, twilio_error(21614, "'To' number is not a valid mobile number"), "failed", "invalid_recipient"),
        (400, twilio_error(21408, "Permission to send an SMS has not been enabled"), "failed", "invalid_recipient"),
        (400, twilio_error(21612, "The 'To' phone number is not currently reachable"), "failed", "invalid_recipient"),
        (401, twilio_error(20003, "Authenticate", 401), "failed", "credentials"),
        (429, twilio_error(20429, "Too Many Requests", 429), "retry", ""),
        (503, {"message": "Service Unavailable"}, "retry", ""),
        (400, twilio_error(21617, "The concatenated message body exceeds the 1600 limit"), "failed", "too_large"),
    ],
)
def test_twilio_refusals_are_classified(
    agent: Member,
    conversation: Conversation,
    httpserver: HTTPServer,
    status: int,
    document: dict[str, Any],
    result: str,
    code: str,
) -> None:
    httpserver.expect_oneshot_request(messages_path(), method="POST").respond_with_json(
        document, status=status, headers={"Retry-After": "7"}
    )
    entry = entry_of(actions.reply(conversation, agent, "Hello"))
    assert deliver(entry.pk).result == result
    refreshed_entry = OutboxEntry.all_workspaces.get(pk=entry.pk)
    message = refreshed(entry.message)
    if result == "failed":
        assert message.status == DeliveryStatus.FAILED
        assert message.status_reason.startswith(f"HTTP {status}: Twilio error {document['code']}: ")
        assert message.metadata.get("failure_code", "") == code
    else:
        assert refreshed_entry.next_attempt_at >= timezone.now() + timedelta(seconds=6)


def test_a_retry_sends_the_same_idempotency_token(
    agent: Member, conversation: Conversation, httpserver: HTTPServer
) -> None:
    httpserver.expect_ordered_request(messages_path(), method="POST").respond_with_json(
        {"message": "Internal Server Error"}, status=500
    )
    httpserver.expect_ordered_request(messages_path(), method="POST").respond_with_json(
        twilio_message("SM" + "b" * 32), status=201
    )
    entry = entry_of(actions.reply(conversation, agent, "Sorry for the wait"))
    results = []
    for _ in range(2):
        make_due(entry)
        results.append(deliver(entry.pk).result)
    assert results == ["retry", "sent"]
    tokens = {request.headers["I-Twilio-Idempotency-Token"] for request, _ in httpserver.log}
    assert tokens == {str(entry.idempotency_key)}


def test_a_channel_without_a_sender_fails_without_calling_twilio(
    agent: Member, conversation: Conversation, channel: Channel, httpserver: HTTPServer
) -> None:
    channel.config = {key: value for key, value in channel.config.items() if key != "from_number"}
    channel.save(update_fields=["config"])
    entry = entry_of(actions.reply(conversation, agent, "Hi"))
    assert deliver(entry.pk).result == "failed"
    assert "neither a phone number nor a Messaging Service" in refreshed(entry.message).status_reason
    assert httpserver.log == []


# Media download


def media_path(message_sid: str, media_sid: str) -> str:
    return f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message_sid}/Media/{media_sid}"


def mms(client: Client, channel: Channel) -> tuple[Message, str]:
    message_sid, media_sid = sid("MM"), sid("ME")
    url = "https://api.twilio.com" + media_path(message_sid, media_sid)
    post(client, channel, inbound("", NumMedia="1", MediaUrl0=url, MediaContentType0="image/png"))
    [message] = messages(channel)
    return message, media_path(message_sid, media_sid)


def test_mms_media_is_downloaded_from_twilio_with_basic_auth_following_its_redirect(
    client: Client, channel: Channel, httpserver: HTTPServer
) -> None:
    message, path = mms(client, channel)
    cdn_path = f"/{ACCOUNT_SID}/0123456789abcdef0123456789abcdef"
    httpserver.expect_oneshot_request(path, method="GET").respond_with_data(
        "", status=307, headers={"Location": httpserver.url_for(cdn_path)}
    )
    httpserver.expect_oneshot_request(cdn_path, method="GET").respond_with_data(PNG, content_type="image/png")

    download_attachments.call(message.pk)

    first, second = (request for request, _ in httpserver.log)
    assert first.headers["Authorization"].startswith("Basic ")
    assert second.path == cdn_path
    [attachment] = Attachment.all_workspaces.filter(message=message)
    assert attachment.content_type == "image/png" and attachment.file.read() == PNG
    assert "pending_attachments" not in refreshed(message).metadata


def test_a_redirect_off_twilios_media_hosts_is_refused(
    client: Client, channel: Channel, httpserver: HTTPServer
) -> None:
    message, path = mms(client, channel)
    httpserver.expect_oneshot_request(path, method="GET").respond_with_data(
        "", status=302, headers={"Location": "https://evil.example/file.png"}
    )
    download_attachments.call(message.pk)
    [failure] = refreshed(message).metadata["failed_attachments"]
    assert "not a Twilio media host (evil.example)" in failure["error"]
    assert Attachment.all_workspaces.filter(message=message).count() == 0


def test_deleted_media_is_recorded_and_not_retried(client: Client, channel: Channel, httpserver: HTTPServer) -> None:
    message, path = mms(client, channel)
    httpserver.expect_oneshot_request(path, method="GET").respond_with_json(
        twilio_error(20404, "The requested resource was not found", 404), status=404
    )
    download_attachments.call(message.pk)
    [failure] = refreshed(message).metadata["failed_attachments"]
    assert failure["error"] == "Twilio said 404"


def test_endless_redirects_stop(channel: Channel, httpserver: HTTPServer) -> None:
    def again(request: Request) -> Response:
        return Response("", status=302, headers={"Location": request.path})

    path = media_path("MM" + "1" * 32, "ME" + "2" * 32)
    httpserver.expect_request(path).respond_with_handler(again)
    with http_client() as client, pytest.raises(MediaUnavailable, match="redirected more than 2 times"):
        fetch_media(channel, f"sms-media:{'MM' + '1' * 32}/{'ME' + '2' * 32}", client)
    assert len(httpserver.log) == 3


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://mms.twiliocdn.com/AC1/abc", True),
        ("https://media.twiliocdn.com/AC1/abc", True),
        ("https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC1/abc", True),
        ("https://s3-external-1.amazonaws.com/other-bucket/abc", False),
        ("http://mms.twiliocdn.com/AC1/abc", False),
        ("https://mms.twiliocdn.com:8443/AC1/abc", False),
        ("https://twiliocdn.com.evil.example/abc", False),
        ("https://user:pw@mms.twiliocdn.com/abc", False),
        ("https://169.254.169.254/latest/meta-data", False),
        ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", True),
    ],
)
def test_the_media_redirect_allow_list_is_tight(url: str, allowed: bool) -> None:
    assert media_host_allowed(url, "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1") is allowed


@pytest.mark.parametrize(
    "ref", ["sms-media:../../etc", "line-content:1", "sms-media:MM1/ME2", "https://api.twilio.com/x"]
)
def test_references_that_are_not_twilio_media_are_refused(channel: Channel, ref: str) -> None:
    with http_client() as client, pytest.raises(MediaUnavailable, match="not a Twilio media reference"):
        fetch_media(channel, ref, client)


# Connecting


def test_test_connection_describes_the_account(channel: Channel, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(f"/2010-04-01/Accounts/{ACCOUNT_SID}.json", method="GET").respond_with_json(
        {"sid": ACCOUNT_SID, "friendly_name": "Acme support", "status": "active", "type": "Full"}
    )
    with http_client() as client:
        assert sms_setup.test_connection(channel, client) == "Acme support (active)"
    [(request, _)] = httpserver.log
    assert request.headers["Authorization"].startswith("Basic ")


def test_test_connection_reports_refused_credentials(channel: Channel, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(f"/2010-04-01/Accounts/{ACCOUNT_SID}.json").respond_with_json(
        twilio_error(20003, "Authenticate", 401), status=401
    )
    with http_client() as client, pytest.raises(ConnectionTestFailed, match="Authenticate"):
        sms_setup.test_connection(channel, client)


def test_test_connection_wants_an_e164_number(channel: Channel) -> None:
    channel.config["from_number"] = "4155550100"
    with http_client() as client, pytest.raises(ConnectionTestFailed, match=r"E\.164"):
        sms_setup.test_connection(channel, client)


def test_the_connector_keeps_the_token_secret_and_the_rest_in_settings() -> None:
    connector = connector_for("sms")
    config, secrets = connector.split_values(
        {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": OUR_NUMBER}
    )
    assert secrets == {"auth_token": AUTH_TOKEN}
    assert config == {"account_sid": ACCOUNT_SID, "from_number": OUR_NUMBER, "api_base_url": "https://api.twilio.com"}


# Segments


@pytest.mark.parametrize(
    ("text", "encoding", "segments", "characters"),
    [
        ("", "GSM-7", 0, 0),
        ("Hello", "GSM-7", 1, 5),
        ("a" * 160, "GSM-7", 1, 160),
        ("a" * 161, "GSM-7", 2, 161),
        ("a" * 306, "GSM-7", 2, 306),
        ("a" * 307, "GSM-7", 3, 307),
        ("€" * 80, "GSM-7", 1, 160),
        ("€" * 81, "GSM-7", 2, 162),
        # An escape pair is never split: 152 septets then "€" does not fit in the first part's 153.
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 3, 306),
        ("Ça coûte 5 €", "UCS-2", 1, 12),
        ("您好" * 35, "UCS-2", 1, 70),
        ("您好" * 35 + "!", "UCS-2", 2, 71),
        ("好" * 134, "UCS-2", 2, 134),
        ("好" * 135, "UCS-2", 3, 135),
        ("😀" * 35, "UCS-2", 1, 70),
        ("😀" * 36, "UCS-2", 2, 72),
        # A surrogate pair is never split: 66 units then "😀" starts the second part.
        ("a" * 66 + "😀" + "a" * 66, "UCS-2", 3, 134),
    ],
)
def test_segments_are_counted_as_carriers_count_them(text: str, encoding: str, segments: int, characters: int) -> None:
    count = count_segments(text)
    assert (count.encoding, count.segments, count.characters) == (encoding, segments, characters)


# Benchmark payloads


def test_the_bench_payload_is_a_delivery_twilio_would_sign(
    workspace: Workspace, client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench.payloads import sms as bench

    settings.PUBLIC_URL = PUBLIC_URL
    monkeypatch.setenv("FRONTDESK_PUBLIC_URL", PUBLIC_URL)
    channel = bench.create_channel(workspace)
    for sequence in range(2):
        _, body, headers = bench.delivery(channel.secrets, bench.contact_id(sequence), f"hi {sequence}", sequence)
        response = client.generic(
            "POST", hook_path(channel), body, content_type=headers["Content-Type"], headers=headers
        )
        assert response.status_code == 200
    process_stored_events()
    assert [message.text for message in messages(channel)] == ["hi 0", "hi 1"]
