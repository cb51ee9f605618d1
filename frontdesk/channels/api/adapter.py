"""The generic API channel: any system that can sign a JSON body can talk to an inbox.

Inbound: ``POST /hooks/api/<webhook-token>`` with the batch described in
``frontdesk.channels.api.schemas`` and the header
``X-Frontdesk-Signature: sha256=<hex HMAC-SHA256 of the raw body with the channel's signing secret>``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from pydantic import ValidationError

from frontdesk.channels.api.schemas import MAX_BATCH, ApiEvent, MessageEvent
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
from frontdesk.conversations.models import DeliveryStatus
from frontdesk.pipeline.inbound import AttachmentRef, ContactRef, InboundMessage, StatusUpdate

SIGNATURE_HEADER = "X-Frontdesk-Signature"
SIGNATURE_PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    """The header value a sender puts on ``body``."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def describe(error: ValidationError) -> str:
    """A validation error in one line: ``message.text: String should have at most 20000 characters``."""
    parts = []
    for item in error.errors(include_url=False)[:5]:
        # The location starts with the wrapper field and the union tag ("event", "message", …).
        location = ".".join(str(part) for part in item["loc"][2:])
        parts.append(f"{location or 'event'}: {item['msg']}")
    return "; ".join(parts)


@register(ChannelKind.API)
class ApiAdapter:
    capabilities = Capabilities(
        media_kinds=frozenset({"image", "video", "audio", "file"}), read_receipts=True, typing_indicator=False
    )

    def verify(self, channel: Channel, request: WebhookRequest) -> None:
        secret = (channel.secrets or {}).get("signing_secret")
        if not secret:
            raise SignatureInvalid("the channel has no signing secret")
        header = request.headers.get(SIGNATURE_HEADER, "")
        if not header:
            raise SignatureInvalid(f"missing {SIGNATURE_HEADER} header")
        if not header.startswith(SIGNATURE_PREFIX):
            raise SignatureInvalid(f"{SIGNATURE_HEADER} must be sha256=<hex digest>")
        if not hmac.compare_digest(sign(secret, request.body).encode(), header.strip().encode()):
            raise SignatureInvalid("signature does not match the body")

    def split(self, channel: Channel, body: bytes) -> Delivery:
        events = events_list(read_json(body), MAX_BATCH)
        delivery = Delivery()
        for index, event in enumerate(events):
            event_id = event.get("id") if isinstance(event, dict) else None
            event_id = event_id if isinstance(event_id, str) else ""
            try:
                ApiEvent.model_validate({"event": event})
            except ValidationError as error:
                delivery.rejected.append(RejectedEvent(index=index, detail=describe(error), provider_event_id=event_id))
                continue
            delivery.events.append(RawEvent(provider_event_id=event_id.strip(), payload=event))
        return delivery

    def parse(self, channel: Channel, payload: dict[str, Any]) -> list[InboundMessage | StatusUpdate]:
        try:
            event = ApiEvent.model_validate({"event": payload}).event
        except ValidationError as error:
            raise PayloadInvalid(describe(error)) from error
        if isinstance(event, MessageEvent):
            message = event.message
            return [
                InboundMessage(
                    provider_message_id=message.id,
                    contact=ContactRef(
                        external_id=event.contact.id,
                        name=event.contact.name,
                        email=event.contact.email,
                        phone=event.contact.phone,
                    ),
                    text=message.text,
                    attachments=tuple(
                        AttachmentRef(url=str(item.url), filename=item.filename, content_type=item.content_type)
                        for item in message.attachments
                    ),
                    location=message.location.model_dump() if message.location else None,
                    contact_card=message.contact_card.model_dump() if message.contact_card else None,
                    reply_to=message.reply_to,
                    interactive=message.interactive.model_dump() if message.interactive else None,
                    sent_at=event.timestamp,
                )
            ]
        return [
            StatusUpdate(
                provider_message_id=event.message_id,
                status=DeliveryStatus(event.status),
                reason=event.reason,
                at=event.timestamp,
            )
        ]

    def send(self, channel: Channel, message: OutboundMessage) -> SendResult:
        from frontdesk.channels.api.outbound import send_api_message
        from frontdesk.core.http_client import http_client

        with http_client() as client:
            return send_api_message(channel, message, str(message.metadata.get("idempotency_key", "")), client)
