"""The LINE Official Account channel (Messaging API).

Inbound: LINE posts ``{"destination": "<bot user id>", "events": [...]}`` to
``/hooks/line/<webhook-token>`` with ``X-Line-Signature: <base64 HMAC-SHA256 of
the raw body with the channel secret>``. Each event's ``webhookEventId`` is the
dedupe key, so a redelivery (``deliveryContext.isRedelivery``) is stored once.
Events are read with line-bot-sdk's webhook models. Media is never fetched from
the payload: an attachment is ``line-content:<message id>``, to be downloaded
from LINE's content endpoint with the channel's token.

Outbound: a reply with the event's reply token while it is fresh, else a push
message, see ``frontdesk.channels.line.outbound``.

Group chats and rooms are one conversation each: the group (``source.groupId``)
or room (``source.roomId``) is the identity, and the member who wrote is kept in
the message's ``provider`` data (``sender_id``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

from linebot.v3.webhooks import (
    AudioMessageContent,
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    StickerMessageContent,
    TextMessageContent,
    VideoMessageContent,
)

from frontdesk.channels.base import (
    Capabilities,
    Delivery,
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
from frontdesk.channels.payloads import events_list, read_json
from frontdesk.pipeline.inbound import AttachmentRef, ContactRef, InboundMessage, StatusUpdate

SIGNATURE_HEADER = "X-Line-Signature"
CONTENT_REFERENCE = "line-content:"
MAX_EVENTS = 5000
MESSAGE_TYPES = frozenset({"text", "image", "video", "audio", "file", "location", "sticker"})
MEDIA_CONTENT_TYPES = {"image": "image/jpeg", "video": "video/mp4", "audio": "audio/m4a"}
# What a follow event shows the agent: the customer added (or unblocked) the account.
FOLLOW_ID = "line:follow"
FOLLOW_TITLE = "Added the account as a friend"
UNBLOCK_TITLE = "Unblocked the account"


def sign(channel_secret: str, body: bytes) -> str:
    """The ``X-Line-Signature`` LINE puts on ``body``."""
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@register(ChannelKind.LINE)
class LineAdapter:
    # Outbound: LINE bots send images by URL, stickers, Flex messages and quick replies; no files.
    capabilities = Capabilities(
        media_kinds=frozenset({"image"}), content_kinds=frozenset({"sticker", "flex", "quick_replies"})
    )

    def verify(self, channel: Channel, request: WebhookRequest) -> None:
        secret = str((channel.secrets or {}).get("channel_secret") or "")
        if not secret:
            raise SignatureInvalid("the channel has no channel secret")
        header = request.headers.get(SIGNATURE_HEADER, "").strip()
        if not header:
            raise SignatureInvalid(f"missing {SIGNATURE_HEADER} header")
        if not hmac.compare_digest(sign(secret, request.body).encode(), header.encode()):
            raise SignatureInvalid("signature does not match the body")

    def split(self, channel: Channel, body: bytes) -> Delivery:
        events = events_list(read_json(body), MAX_EVENTS)
        # An empty list is LINE's "Verify" button: acknowledged, nothing stored.
        delivery = Delivery()
        for index, event in enumerate(events):
            event_id = event.get("webhookEventId") if isinstance(event, dict) else None
            if not isinstance(event_id, str) or not event_id.strip():
                delivery.rejected.append(RejectedEvent(index=index, detail="the event has no webhookEventId"))
                continue
            if not isinstance(event.get("type"), str):
                delivery.rejected.append(
                    RejectedEvent(index=index, detail="the event has no type", provider_event_id=event_id)
                )
                continue
            delivery.events.append(RawEvent(provider_event_id=event_id.strip(), payload=event))
        return delivery

    def parse(self, channel: Channel, payload: dict[str, Any]) -> list[InboundMessage | StatusUpdate]:
        kind = payload.get("type")
        if kind == "message":
            message = payload.get("message")
            # Message kinds LINE adds later are skipped rather than refused for good.
            if not isinstance(message, dict) or message.get("type") not in MESSAGE_TYPES:
                return []
            event = _event(MessageEvent, payload)
        elif kind == "postback":
            event = _event(PostbackEvent, payload)
        elif kind == "follow":
            event = _event(FollowEvent, payload)
        else:
            # unfollow (the customer blocked the account: nobody to answer), unsend, join, leave, …
            return []
        contact, sender_id = _source(event.source)
        if contact is None:
            return []
        provider: dict[str, Any] = {"reply_token": event.reply_token or "", "timestamp": event.timestamp}
        if sender_id:
            provider["sender_id"] = sender_id
        common: dict[str, Any] = {
            "contact": contact,
            "sent_at": datetime.fromtimestamp(event.timestamp / 1000, UTC),
        }
        if isinstance(event, FollowEvent):
            # A new friend opens a conversation, so an agent can greet them with the free reply token.
            unblocked = bool(event.follow and event.follow.is_unblocked)
            return [
                InboundMessage(
                    provider_message_id=f"follow:{event.webhook_event_id}",
                    interactive={"id": FOLLOW_ID, "title": UNBLOCK_TITLE if unblocked else FOLLOW_TITLE},
                    provider={**provider, "event": "follow", "is_unblocked": unblocked},
                    **common,
                )
            ]
        if isinstance(event, PostbackEvent):
            params = event.postback.params or {}
            return [
                InboundMessage(
                    provider_message_id=f"postback:{event.webhook_event_id}",
                    interactive={"id": event.postback.data, "title": "", **({"params": params} if params else {})},
                    provider=provider,
                    **common,
                )
            ]
        return [_message(event.message, provider, common)]

    def send(self, channel: Channel, message: OutboundMessage) -> SendResult:
        from frontdesk.channels.line.outbound import send_line_message
        from frontdesk.core.http_client import http_client

        with http_client() as client:
            return send_line_message(channel, message, client)


def _event(model: Any, payload: dict[str, Any]) -> Any:
    try:
        return model.from_dict(payload)
    except (ValueError, TypeError) as error:
        detail = " ".join(str(error).split())
        raise PayloadInvalid(f"not a LINE {payload.get('type')} event: {detail}"[:500]) from error


def _source(source: Any) -> tuple[ContactRef | None, str]:
    """Who the conversation is with (the user, or the whole group or room) and which member wrote."""
    user_id = str(getattr(source, "user_id", None) or "")
    if isinstance(source, GroupSource) and source.group_id:
        return ContactRef(external_id=source.group_id), user_id
    if isinstance(source, RoomSource) and source.room_id:
        return ContactRef(external_id=source.room_id), user_id
    if user_id and getattr(source, "type", "") == "user":
        return ContactRef(external_id=user_id), ""
    return None, ""


def _message(content: Any, provider: dict[str, Any], common: dict[str, Any]) -> InboundMessage:
    message_id = str(content.id)
    if isinstance(content, TextMessageContent):
        if content.quote_token:
            provider["quote_token"] = content.quote_token
        return InboundMessage(
            provider_message_id=message_id,
            text=content.text,
            reply_to=content.quoted_message_id or "",
            provider=provider,
            **common,
        )
    if isinstance(content, ImageMessageContent | VideoMessageContent | AudioMessageContent | FileMessageContent):
        filename = content.file_name if isinstance(content, FileMessageContent) else ""
        attachment = AttachmentRef(
            url=CONTENT_REFERENCE + message_id,
            filename=filename,
            content_type=MEDIA_CONTENT_TYPES.get(content.type, ""),
        )
        return InboundMessage(provider_message_id=message_id, attachments=(attachment,), provider=provider, **common)
    if isinstance(content, LocationMessageContent):
        location = {
            "latitude": content.latitude,
            "longitude": content.longitude,
            "name": content.title or "",
            "address": content.address or "",
        }
        return InboundMessage(provider_message_id=message_id, location=location, provider=provider, **common)
    if isinstance(content, StickerMessageContent):
        provider["sticker"] = {
            "package_id": content.package_id,
            "sticker_id": content.sticker_id,
            "keywords": list(content.keywords or []),
        }
        # A sticker sent with a message text ("text" on message stickers) keeps it.
        return InboundMessage(provider_message_id=message_id, text=content.text or "", provider=provider, **common)
    raise PayloadInvalid(f"unsupported LINE message type {content.type}")
