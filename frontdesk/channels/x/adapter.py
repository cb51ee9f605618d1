"""The X (Twitter) direct message channel, through the Account Activity API.

Inbound: X posts a JSON delivery for the subscribed account to
``/hooks/x/<webhook-token>`` with ``x-twitter-webhooks-signature: sha256=<base64
HMAC-SHA256 of the raw body, keyed with the app's consumer secret>``. Before
(and hourly while) a webhook is in use, X sends the CRC check
``GET ?crc_token=…``, answered with ``{"response_token": "sha256=<base64
HMAC-SHA256 of the token>"}``.

A delivery names the account (``for_user_id``) and carries lists of events
by kind; the ones kept are:

- ``direct_message_events``: one stored event per DM, keyed by the DM event id
  (X's own id, so a redelivery is stored once), with the ``users`` entries of
  its sender and recipient. DMs the account sent itself (``sender_id ==
  for_user_id``: our replies, or an agent writing from the X app) come back as
  echoes and are skipped.
- ``direct_message_mark_read_events``: the customer read the conversation up to
  ``last_read_event_id``. When that id is one of our replies (the DM event id X
  gave us when sending), that reply becomes "read"; earlier replies are not
  touched, because X tells only the last one.

Typing indicators, posts, likes, follows and the rest are acknowledged and not
stored. Media are never fetched from the payload as such: an attachment is
``x-media:<media URL>`` and ``media.fetch_media`` fetches it, OAuth-signed,
only from X's media hosts.

Outbound: ``frontdesk.channels.x.outbound``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from frontdesk.channels.base import (
    Capabilities,
    Delivery,
    HookAnswer,
    OutboundMessage,
    PayloadInvalid,
    RawEvent,
    RejectedEvent,
    SendResult,
    SignatureInvalid,
    WebhookRequest,
    register,
)
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.channels.payloads import read_json
from frontdesk.channels.x.schemas import DirectMessageEvent, MarkReadEvent, Media, MessageData, User
from frontdesk.conversations.models import DeliveryStatus
from frontdesk.pipeline.inbound import AttachmentRef, ContactRef, InboundMessage, StatusUpdate

# X sends a short random token; nothing with JSON's braces or quotes can be one.
CRC_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{1,256}")

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
SIGNATURE_PREFIX = "sha256="
MEDIA_REFERENCE = "x-media:"
MESSAGE_EVENTS = "direct_message_events"
READ_EVENTS = "direct_message_mark_read_events"
# Far above what X puts in one delivery.
MAX_EVENTS = 1000
CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif"}


def sign(consumer_secret: str, data: bytes) -> str:
    """``sha256=<base64 HMAC-SHA256>``: both the webhook signature and the CRC response token."""
    digest = hmac.new(consumer_secret.encode(), data, hashlib.sha256).digest()
    return SIGNATURE_PREFIX + base64.b64encode(digest).decode()


def _consumer_secret(channel: Channel) -> str:
    return str((channel.secrets or {}).get("consumer_secret") or "")


@register(ChannelKind.X)
class XAdapter:
    # X's v2 DM endpoint takes text and one uploaded image; no quick replies or buttons.
    capabilities = Capabilities(media_kinds=frozenset({"image"}), read_receipts=True)

    def handshake(self, channel: Channel, request: WebhookRequest) -> HookAnswer:
        """X's CRC check: the crc_token signed with the consumer secret proves we hold it."""
        token = request.query.get("crc_token", "")
        if not token:
            return HookAnswer.json(400, {"detail": "Expected a crc_token query parameter."})
        if not CRC_TOKEN.fullmatch(token):
            # Signing whatever we are given would sign a forged delivery body (a JSON object) with our key.
            return HookAnswer.json(400, {"detail": "The crc_token is not a token X would send."})
        secret = _consumer_secret(channel)
        if not secret:
            return HookAnswer.json(403, {"detail": "The channel has no consumer secret."})
        return HookAnswer.json(200, {"response_token": sign(secret, token.encode())})

    def verify(self, channel: Channel, request: WebhookRequest) -> None:
        secret = _consumer_secret(channel)
        if not secret:
            raise SignatureInvalid("the channel has no consumer secret")
        given = request.headers.get(SIGNATURE_HEADER, "").strip()
        if not given:
            raise SignatureInvalid(f"missing {SIGNATURE_HEADER} header")
        if not hmac.compare_digest(sign(secret, request.body).encode(), given.encode()):
            raise SignatureInvalid("signature does not match the body")

    def split(self, channel: Channel, body: bytes) -> Delivery:
        document = read_json(body)
        if not isinstance(document, dict):
            raise PayloadInvalid("the body must be a JSON object")
        messages = _event_list(document, MESSAGE_EVENTS)
        reads = _event_list(document, READ_EVENTS)
        if len(messages) + len(reads) > MAX_EVENTS:
            raise PayloadInvalid(f"at most {MAX_EVENTS} events per delivery")
        for_user_id = document.get("for_user_id")
        if (messages or reads) and not isinstance(for_user_id, str):
            raise PayloadInvalid('direct message events come with the account\'s "for_user_id"')
        # Other activity (posts, follows, an app revoke's "user_event" without for_user_id) is acknowledged.
        users = _mapping(document.get("users"))
        delivery = Delivery()
        for index, event in enumerate(messages):
            event_id = event.get("id") if isinstance(event, dict) else None
            if not isinstance(event_id, str) or not event_id.strip():
                delivery.rejected.append(RejectedEvent(index=index, detail="the direct message event has no id"))
                continue
            if not isinstance(event.get("type"), str):
                delivery.rejected.append(
                    RejectedEvent(index=index, detail="the event has no type", provider_event_id=event_id)
                )
                continue
            payload = {"for_user_id": for_user_id, "direct_message_event": event, "users": _users_of(event, users)}
            delivery.events.append(RawEvent(provider_event_id=event_id.strip(), payload=payload))
        for offset, event in enumerate(reads, start=len(messages)):
            sender = event.get("sender_id") if isinstance(event, dict) else None
            last_read = event.get("last_read_event_id") if isinstance(event, dict) else None
            if not isinstance(sender, str) or not isinstance(last_read, str) or not last_read:
                delivery.rejected.append(
                    RejectedEvent(index=offset, detail="the read event has no sender_id or last_read_event_id")
                )
                continue
            # X gives read events no id; the reader and the last DM read make one.
            payload = {"for_user_id": for_user_id, "direct_message_mark_read_event": event}
            delivery.events.append(RawEvent(provider_event_id=f"read:{sender}:{last_read}", payload=payload))
        return delivery

    def parse(self, channel: Channel, payload: dict[str, Any]) -> list[InboundMessage | StatusUpdate]:
        account = str(payload.get("for_user_id") or "")
        configured = str((channel.config or {}).get("user_id") or "")
        if configured and account != configured:
            # Another account subscribed to the same app's webhook: not this channel's conversation.
            return []
        if "direct_message_mark_read_event" in payload:
            read = _validated(MarkReadEvent, payload["direct_message_mark_read_event"], "read event")
            if read.sender_id == account:
                # The account itself read the customer's messages.
                return []
            return [
                StatusUpdate(
                    provider_message_id=read.last_read_event_id,
                    status=DeliveryStatus.READ,
                    at=_time(read.created_timestamp),
                )
            ]
        event = _validated(DirectMessageEvent, payload.get("direct_message_event"), "direct message event")
        if event.type != "message_create":
            return []
        if event.message_create is None:
            raise PayloadInvalid("not an X message_create event: it has no message_create")
        create = event.message_create
        if create.sender_id in {account, configured}:
            # Our own replies (and DMs written in the X app) come back as echoes.
            return []
        users = _mapping(payload.get("users"))
        sender = _user(users.get(create.sender_id))
        provider: dict[str, Any] = {"recipient_id": create.target.recipient_id}
        if sender.screen_name:
            provider["screen_name"] = sender.screen_name
        data = create.message_data
        media = data.attachment.media if data.attachment and data.attachment.type == "media" else None
        attachment = _attachment(media) if media else None
        interactive = None
        if data.quick_reply_response and data.quick_reply_response.metadata:
            interactive = {"id": data.quick_reply_response.metadata, "title": data.text}
        return [
            InboundMessage(
                provider_message_id=event.id,
                contact=ContactRef(external_id=create.sender_id, name=sender.name),
                text=_text(data, media),
                attachments=(attachment,) if attachment else (),
                interactive=interactive,
                sent_at=_time(event.created_timestamp),
                provider=provider,
            )
        ]

    def send(self, channel: Channel, message: OutboundMessage) -> SendResult:
        from frontdesk.channels.x.outbound import send_direct_message
        from frontdesk.core.http_client import http_client

        with http_client() as client:
            return send_direct_message(channel, message, client)


def _event_list(document: dict[str, Any], key: str) -> list[Any]:
    events = document.get(key, [])
    if not isinstance(events, list):
        raise PayloadInvalid(f'"{key}" must be a list')
    return events


def _users_of(event: Any, users: dict[str, Any]) -> dict[str, Any]:
    """The ``users`` entries of the event's sender and recipient: what parse needs of the delivery."""
    create = event.get("message_create") if isinstance(event, dict) else None
    if not isinstance(create, dict):
        return {}
    target = _mapping(create.get("target"))
    ids = [create.get("sender_id"), target.get("recipient_id")]
    return {key: users[key] for key in ids if isinstance(key, str) and key in users}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _validated[M: BaseModel](model: type[M], value: Any, what: str) -> M:
    try:
        return model.model_validate(value)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'event'}: {item['msg']}" for item in error.errors()
        )
        raise PayloadInvalid(f"not an X {what}: {problems}"[:500]) from error


def _user(value: Any) -> User:
    try:
        return User.model_validate(value or {})
    except ValidationError:
        # A names table of another shape costs the name, not the message.
        return User()


def _time(milliseconds: str) -> datetime | None:
    return datetime.fromtimestamp(int(milliseconds) / 1000, UTC) if milliseconds.isdigit() else None


def _text(data: MessageData, media: Media | None) -> str:
    """The DM's text with t.co links expanded and the attachment's own link (X appends it) removed."""
    text = data.text
    if media and media.url:
        text = text.replace(media.url, "").strip()
    for link in data.entities.urls if data.entities else []:
        if link.expanded_url:
            text = text.replace(link.url, link.expanded_url)
    return text


def _attachment(media: Media) -> AttachmentRef | None:
    """Photos at ``media_url_https``; videos and GIFs (MP4s) at their best MP4 variant."""
    url = media.media_url_https
    content_type = ""
    if media.type in {"video", "animated_gif"} and media.video_info:
        variants = [item for item in media.video_info.variants if item.content_type == "video/mp4"]
        if variants:
            url = max(variants, key=lambda item: item.bitrate).url
            content_type = "video/mp4"
    if not url:
        return None
    name = PurePosixPath(urlsplit(url).path).name
    content_type = content_type or CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "")
    return AttachmentRef(url=MEDIA_REFERENCE + url, filename=name, content_type=content_type)
