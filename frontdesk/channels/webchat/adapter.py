"""The web-chat widget as a channel: its messages come over the widget's socket, never over a provider webhook.

The widget (``frontdesk.widget``) stores each customer message as an inbound
event of this channel, keyed by the message id the browser made up, so a
message sent again after a reconnect is stored once. The events have the shape
``parse`` reads below; ``/hooks/webchat/<token>`` refuses every request.

Replies are pushed to the visitor's open widget (``outbound.py``).
"""

from __future__ import annotations

from typing import Any

from frontdesk.channels.base import (
    Capabilities,
    Delivery,
    OutboundMessage,
    PayloadInvalid,
    SendResult,
    SignatureInvalid,
    WebhookRequest,
    register,
)
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.pipeline.inbound import AttachmentRef, ContactRef, InboundMessage, StatusUpdate

# ``AttachmentRef.url`` of a file the visitor uploaded: the storage name follows (see ``media.py``).
UPLOAD_REFERENCE = "widget-upload:"
# The external id of a visitor the business vouched for; what follows is its own id for the customer.
VERIFIED_VISITOR = "user:"


@register(ChannelKind.WEBCHAT)
class WebchatAdapter:
    capabilities = Capabilities(
        media_kinds=frozenset({"image", "video", "audio", "file"}),
        typing_indicator=True,
        read_receipts=True,
        content_kinds=frozenset(),
    )

    def verify(self, channel: Channel, request: WebhookRequest) -> None:
        raise SignatureInvalid("web-chat messages arrive through the widget, not through this webhook")

    def split(self, channel: Channel, body: bytes) -> Delivery:
        return Delivery()

    def parse(self, channel: Channel, payload: dict[str, Any]) -> list[InboundMessage | StatusUpdate]:
        """One widget message: ``{"type": "message", "id", "visitor", "text", "verified", "name", "email",
        "context", "attachments": [{"ref", "filename", "content_type"}], "offline": {...}}``."""
        if payload.get("type") != "message":
            raise PayloadInvalid("a web-chat event is a message")
        message_id = payload.get("id")
        visitor = payload.get("visitor")
        if not isinstance(message_id, str) or not message_id or not isinstance(visitor, str) or not visitor:
            raise PayloadInvalid("a web-chat message needs an id and a visitor")
        verified = payload.get("verified") is True
        attachments = tuple(
            AttachmentRef(
                url=UPLOAD_REFERENCE + str(item.get("ref", "")),
                filename=str(item.get("filename", "")),
                content_type=str(item.get("content_type", "")),
            )
            for item in payload.get("attachments") or []
            if isinstance(item, dict)
        )
        provider: dict[str, Any] = {"verified": verified}
        for key in ("context", "offline", "unverified_name"):
            if payload.get(key):
                provider[key] = payload[key]
        return [
            InboundMessage(
                provider_message_id=message_id,
                # Only a name and email the business vouched for (a verified identity) reach the contact.
                contact=ContactRef(
                    external_id=visitor,
                    name=str(payload.get("name") or "") if verified else "",
                    email=str(payload.get("email") or "") if verified else "",
                    # A signed-in customer's visitor is "user:<the business's id>" (see widget.visitors).
                    customer_id=visitor.removeprefix(VERIFIED_VISITOR)
                    if verified and visitor.startswith(VERIFIED_VISITOR)
                    else "",
                ),
                text=str(payload.get("text") or ""),
                attachments=attachments,
                provider=provider,
            )
        ]

    def send(self, channel: Channel, message: OutboundMessage) -> SendResult:
        from frontdesk.channels.webchat.outbound import send_to_visitor

        return send_to_visitor(channel, message)
