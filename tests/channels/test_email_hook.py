"""The inbound-mail webhook: raw message/rfc822 posts and Mailgun-style forms, signed, fresh and used once.

Signatures are computed here with the standard library from the documented
schemes, never with the hook module's own helpers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from frontdesk.channels.email.events import raw_mime
from frontdesk.channels.email.setup import create_email_channel
from frontdesk.channels.models import Channel
from frontdesk.core.models import Workspace
from frontdesk.pipeline.models import InboundEvent
from tests.channels.webhooks import hook_path

KEY = "whsec-mail-2026-signing-key"
MAIL = (
    "From: 陳大文 <chan@example.hk>\r\nTo: support@shop.example\r\nSubject: 訂單 1234\r\n"
    "Message-ID: <hook-1@example.hk>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n請問我的包裹在哪裡？ 🙏\r\n"
).encode()


@pytest.fixture
def channel(workspace: Workspace) -> Channel:
    return create_email_channel(workspace, "Support", "support@shop.example", webhook_signing_key=KEY)


def rows() -> int:
    return InboundEvent.all_workspaces.count()


def raw_headers(body: bytes, *, key: str = KEY, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = hmac.new(key.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Frontdesk-Timestamp": stamp, "X-Frontdesk-Signature": signature}


def mailgun_fields(mime: str, *, key: str = KEY, timestamp: int | None = None, token: str = "") -> dict[str, str]:
    """What a Mailgun route posts to a forward() URL ending in "mime" (the fields we read, and a few more)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    token = token or secrets.token_hex(25)
    signature = hmac.new(key.encode(), (stamp + token).encode(), hashlib.sha256).hexdigest()
    return {
        "recipient": "support@shop.example",
        "sender": "chan@example.hk",
        "from": "陳大文 <chan@example.hk>",
        "subject": "訂單 1234",
        "body-mime": mime,
        "timestamp": stamp,
        "token": token,
        "signature": signature,
    }


def post_raw(client: Client, channel: Channel, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(hook_path(channel), body, content_type="message/rfc822", headers=headers)


def test_a_signed_raw_mail_is_stored_byte_for_byte(client: Client, channel: Channel) -> None:
    response = post_raw(client, channel, MAIL, raw_headers(MAIL))

    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 1, "duplicates": 0}
    event = InboundEvent.all_workspaces.get()
    assert event.provider_event_id == "mid:hook-1@example.hk"
    assert event.payload["source"] == "webhook"
    assert raw_mime(event.payload) == MAIL


def test_an_mbox_from_line_before_the_mail_is_left_out(client: Client, channel: Channel) -> None:
    body = b"From chan@example.hk Mon Nov 23 09:00:00 2026\n" + MAIL

    assert post_raw(client, channel, body, raw_headers(body)).status_code == 200
    assert raw_mime(InboundEvent.all_workspaces.get().payload) == MAIL


def test_the_signature_may_carry_a_sha256_prefix(client: Client, channel: Channel) -> None:
    headers = raw_headers(MAIL)
    headers["X-Frontdesk-Signature"] = "sha256=" + headers["X-Frontdesk-Signature"].upper()

    assert post_raw(client, channel, MAIL, headers).status_code == 200


@pytest.mark.parametrize(
    "case",
    ["wrong key", "missing signature", "missing timestamp", "body changed", "timestamp changed", "not hex"],
)
def test_a_raw_mail_without_a_valid_signature_is_refused_and_nothing_stored(
    client: Client, channel: Channel, case: str
) -> None:
    headers = raw_headers(MAIL, key="another key" if case == "wrong key" else KEY)
    body = MAIL
    if case == "missing signature":
        del headers["X-Frontdesk-Signature"]
    elif case == "missing timestamp":
        del headers["X-Frontdesk-Timestamp"]
    elif case == "body changed":
        body = MAIL.replace(b"1234", b"1235")
    elif case == "timestamp changed":
        headers["X-Frontdesk-Timestamp"] = str(int(headers["X-Frontdesk-Timestamp"]) - 1)
    elif case == "not hex":
        headers["X-Frontdesk-Signature"] = "é" * 64

    response = post_raw(client, channel, body, headers)

    assert response.status_code == 401
    assert rows() == 0


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_timestamp_more_than_five_minutes_away_is_refused(client: Client, channel: Channel, offset: int) -> None:
    response = post_raw(client, channel, MAIL, raw_headers(MAIL, timestamp=int(time.time()) + offset))

    assert response.status_code == 401
    assert "seconds away" in response.json()["detail"]
    assert rows() == 0


def test_a_timestamp_within_five_minutes_is_accepted(client: Client, channel: Channel) -> None:
    response = post_raw(client, channel, MAIL, raw_headers(MAIL, timestamp=int(time.time()) - 290))

    assert response.status_code == 200


def test_a_replayed_raw_request_is_accepted_once(client: Client, channel: Channel) -> None:
    """RELIABILITY T-11: the same signed request again within the window → 401, one row."""
    headers = raw_headers(MAIL)

    assert post_raw(client, channel, MAIL, headers).status_code == 200
    replay = post_raw(client, channel, MAIL, headers)

    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]
    assert rows() == 1


def test_a_mailgun_multipart_post_is_stored_with_its_recipient(client: Client, channel: Channel) -> None:
    # Django's test client posts a dict as multipart/form-data, as Mailgun does.
    response = client.post(hook_path(channel), mailgun_fields(MAIL.decode()))

    assert response.status_code == 200, response.content
    event = InboundEvent.all_workspaces.get()
    assert event.provider_event_id == "mid:hook-1@example.hk"
    assert raw_mime(event.payload) == MAIL
    assert event.payload["envelope_to"] == ["support@shop.example"]


def test_a_mailgun_urlencoded_post_keeps_8bit_bytes_that_are_not_utf8(client: Client, channel: Channel) -> None:
    big5 = MAIL.replace(b"charset=utf-8", b"charset=big5").replace(
        "請問我的包裹在哪裡？ 🙏".encode(), "請問我的包裹在哪裡？".encode("big5")
    )
    fields = mailgun_fields("placeholder")
    body = urlencode({**{name: value.encode() for name, value in fields.items()}, "body-mime": big5}).encode()

    response = client.post(hook_path(channel), body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200, response.content
    assert raw_mime(InboundEvent.all_workspaces.get().payload) == big5


def test_a_hand_built_multipart_post_keeps_the_mail_exactly(client: Client, channel: Channel) -> None:
    fields = mailgun_fields("placeholder")
    boundary = "----mailgun" + secrets.token_hex(8)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + (MAIL if name == "body-mime" else value.encode())
        + b"\r\n"
        for name, value in fields.items()
    ]
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()

    response = client.post(hook_path(channel), body, content_type=f"multipart/form-data; boundary={boundary}")

    assert response.status_code == 200, response.content
    assert raw_mime(InboundEvent.all_workspaces.get().payload) == MAIL


@pytest.mark.parametrize("case", ["wrong key", "stale", "token changed", "no signature"])
def test_a_mailgun_post_without_a_valid_signature_is_refused(client: Client, channel: Channel, case: str) -> None:
    fields = mailgun_fields(
        MAIL.decode(),
        key="another key" if case == "wrong key" else KEY,
        timestamp=int(time.time()) - 600 if case == "stale" else None,
    )
    if case == "token changed":
        fields["token"] = secrets.token_hex(25)
    elif case == "no signature":
        del fields["signature"]

    response = client.post(hook_path(channel), fields)

    assert response.status_code == 401
    assert rows() == 0


def test_a_mailgun_token_is_accepted_once(client: Client, channel: Channel) -> None:
    fields = mailgun_fields(MAIL.decode())
    assert client.post(hook_path(channel), fields).status_code == 200

    # The same token with another mail (a captured request edited) is refused too.
    other = MAIL.replace(b"hook-1@", b"hook-2@").decode()
    replay = client.post(hook_path(channel), {**fields, "body-mime": other})

    assert replay.status_code == 401
    assert rows() == 1


def test_a_mailgun_post_without_body_mime_says_which_route_to_use(client: Client, channel: Channel) -> None:
    fields = mailgun_fields("")
    del fields["body-mime"]
    fields["body-plain"] = "請問我的包裹在哪裡？"

    response = client.post(hook_path(channel), fields)

    assert response.status_code == 400
    assert "body-mime" in response.json()["detail"]
    assert rows() == 0


def test_a_channel_without_a_signing_key_accepts_nothing(client: Client, workspace: Workspace) -> None:
    channel = create_email_channel(workspace, "Unsigned", "info@shop.example", webhook_signing_key="")

    response = post_raw(client, channel, MAIL, raw_headers(MAIL, key=""))

    assert response.status_code == 401
    assert rows() == 0


def test_a_body_that_is_no_mail_is_refused(client: Client, channel: Channel) -> None:
    body = b"\x00\x01 not a mail"

    response = post_raw(client, channel, body, raw_headers(body))

    assert response.status_code == 400
    assert rows() == 0
