"""The WhatsApp Business channel (Meta's Cloud API).

Inbound: Meta posts ``{"object": "whatsapp_business_account", "entry": [...]}``
to ``/hooks/whatsapp/<webhook-token>``, signed with ``X-Hub-Signature-256``
(the app secret); the callback URL is first confirmed with a ``GET`` carrying
``hub.verify_token`` (``frontdesk.channels.meta``). One delivery may carry
several messages and status callbacks in ``entry[].changes[].value``: each
becomes its own stored event in the same wire shape, narrowed to that one
message (with its sender's ``contacts`` entry) or status. The dedupe key is the
message's ``wamid``, or ``wamid:status`` for a status (a message is sent, then
delivered, then read: three events). Media is never fetched from the payload:
an attachment is ``whatsapp-media:<media id>``, resolved later through the
Graph API (``frontdesk.channels.whatsapp.media``).

Outbound: ``POST /<version>/<phone number id>/messages``, see
``frontdesk.channels.whatsapp.outbound``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from frontdesk.channels import meta
from frontdesk.channels.base import (
    Capabilities,
    Delivery,
    HookAnswer,
    OutboundMessage,
    PayloadInvalid,
    RawEvent,
    RejectedEvent,
    SendResult,
    WebhookRequest,
    register,
)
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.channels.payloads import read_json
from frontdesk.conversations.models import DeliveryStatus
from frontdesk.pipeline.inbound import AttachmentRef, ContactRef, InboundMessage, StatusUpdate

OBJECT = "whatsapp_business_account"
MEDIA_REFERENCE = "whatsapp-media:"
MAX_EVENTS = 5000
MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
}


@register(ChannelKind.WHATSAPP)
class WhatsAppAdapter:
    capabilities = Capabilities(
        media_kinds=frozenset({"image", "audio", "video", "file"}),
        templates=True,
        read_receipts=True,
        reply_window_hours=24,
        outside_window_content=frozenset({"template"}),
        content_kinds=frozenset({"template", "buttons", "list"}),
        # Cloud API throughput per business phone number (higher once Meta upgrades the number).
        send_rate_per_second=80,
    )

    def handshake(self, channel: Channel, request: WebhookRequest) -> HookAnswer:
        return meta.answer_subscription(channel, request)

    def verify(self, channel: Channel, request: WebhookRequest) -> None:
        meta.verify_signature(channel, request)

    def split(self, channel: Channel, body: bytes) -> Delivery:
        document = read_json(body)
        if not isinstance(document, dict) or not isinstance(document.get("entry"), list):
            raise PayloadInvalid('the body must be a JSON object with an "entry" list')
        if document.get("object") != OBJECT:
            raise PayloadInvalid(f'"object" must be "{OBJECT}", not {document.get("object")!r}')
        delivery = Delivery()
        index = 0
        for entry in document["entry"]:
            for change in _changes(entry):
                value = change["value"]
                for kind in ("messages", "statuses"):
                    items = value.get(kind)
                    for item in items if isinstance(items, list) else []:
                        if index >= MAX_EVENTS:
                            raise PayloadInvalid(f"at most {MAX_EVENTS} messages and statuses per delivery")
                        event_id = _event_id(kind, item)
                        if not event_id:
                            detail = f"the {kind[:-1]} has no id" + (" or status" if kind == "statuses" else "")
                            delivery.rejected.append(RejectedEvent(index=index, detail=detail))
                        else:
                            payload = _narrowed(document, entry, change, kind, item)
                            delivery.events.append(RawEvent(provider_event_id=event_id, payload=payload))
                        index += 1
        return delivery

    def parse(self, channel: Channel, payload: dict[str, Any]) -> list[InboundMessage | StatusUpdate]:
        try:
            value = payload["entry"][0]["changes"][0]["value"]
        except (KeyError, IndexError, TypeError) as error:
            raise PayloadInvalid("not a WhatsApp webhook event: no entry[0].changes[0].value") from error
        if not isinstance(value, dict):
            raise PayloadInvalid("not a WhatsApp webhook event: value is not an object")
        if isinstance(value.get("messages"), list) and value["messages"]:
            message = _message(value)
            return [message] if message is not None else []
        if isinstance(value.get("statuses"), list) and value["statuses"]:
            status = _status(value["statuses"][0])
            return [status] if status is not None else []
        return []

    def send(self, channel: Channel, message: OutboundMessage) -> SendResult:
        from frontdesk.channels.whatsapp.outbound import send_message
        from frontdesk.core.http_client import http_client

        with http_client() as client:
            return send_message(channel, message, client)


def _changes(entry: Any) -> list[dict[str, Any]]:
    """The entry's ``messages`` changes (template reviews, account updates and app echoes are other fields)."""
    changes = entry.get("changes") if isinstance(entry, dict) else None
    if not isinstance(changes, list):
        return []
    return [
        change
        for change in changes
        if isinstance(change, dict)
        and change.get("field", "messages") == "messages"
        and isinstance(change.get("value"), dict)
    ]


def _event_id(kind: str, item: Any) -> str:
    if not isinstance(item, dict):
        return ""
    wamid = item.get("id")
    if not isinstance(wamid, str) or not wamid.strip():
        return ""
    if kind == "messages":
        return wamid.strip()
    status = item.get("status")
    return f"{wamid.strip()}:{status}" if isinstance(status, str) and status else ""


def _narrowed(
    document: dict[str, Any], entry: dict[str, Any], change: dict[str, Any], kind: str, item: dict[str, Any]
) -> dict[str, Any]:
    """The delivery as Meta would have sent it with only ``item`` (and, for a message, its sender's contact)."""
    value = change["value"]
    narrowed: dict[str, Any] = {key: value[key] for key in ("messaging_product", "metadata") if key in value}
    if kind == "messages":
        contacts = value.get("contacts") if isinstance(value.get("contacts"), list) else []
        sender = [
            contact for contact in contacts if isinstance(contact, dict) and contact.get("wa_id") == item.get("from")
        ]
        narrowed["contacts"] = sender or contacts[:1]
    narrowed[kind] = [item]
    return {
        "object": document.get("object"),
        "entry": [{"id": entry.get("id"), "changes": [{"field": change.get("field", "messages"), "value": narrowed}]}],
    }


def object_of(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (optional parts of Meta's payloads)."""
    return value if isinstance(value, dict) else {}


def _timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _object(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise PayloadInvalid(f"not a WhatsApp {parent.get('type')} message: {key!r} is missing")
    return value


def _message(value: dict[str, Any]) -> InboundMessage | None:
    message = value["messages"][0]
    if not isinstance(message, dict):
        raise PayloadInvalid("not a WhatsApp message: not an object")
    wamid, sender, kind = message.get("id"), message.get("from"), message.get("type")
    if not isinstance(wamid, str) or not isinstance(sender, str) or not sender or not isinstance(kind, str):
        raise PayloadInvalid("not a WhatsApp message: id, from and type are required")
    contacts = value.get("contacts") or []
    name = ""
    for contact in contacts if isinstance(contacts, list) else []:
        if isinstance(contact, dict) and contact.get("wa_id") == sender:
            name = str(object_of(contact.get("profile")).get("name") or "")
    provider: dict[str, Any] = {"type": kind}
    context = object_of(message.get("context"))
    if context.get("forwarded") or context.get("frequently_forwarded"):
        provider["forwarded"] = "frequently" if context.get("frequently_forwarded") else "yes"
    if isinstance(context.get("referred_product"), dict):
        provider["referred_product"] = context["referred_product"]
    if isinstance(message.get("referral"), dict):
        # A click-to-WhatsApp ad or post: which ad brought the customer here.
        provider["referral"] = message["referral"]
    fields: dict[str, Any] = {}
    if kind == "text":
        fields["text"] = str(_object(message, "text").get("body") or "")
    elif kind in MEDIA_TYPES:
        media = _object(message, kind)
        media_id = media.get("id")
        if not isinstance(media_id, str | int) or not str(media_id).isdigit():
            raise PayloadInvalid(f"not a WhatsApp {kind} message: the media id is missing")
        filename = str(media.get("filename") or "") if kind == "document" else ""
        attachment = AttachmentRef(
            url=MEDIA_REFERENCE + str(media_id), filename=filename, content_type=str(media.get("mime_type") or "")
        )
        fields["attachments"] = (attachment,)
        fields["text"] = str(media.get("caption") or "")
        if kind == "audio" and media.get("voice"):
            provider["voice"] = True
        if kind == "sticker":
            provider["sticker"] = {"animated": bool(media.get("animated"))}
    elif kind == "location":
        location = _object(message, "location")
        fields["location"] = {
            "latitude": location.get("latitude"),
            "longitude": location.get("longitude"),
            "name": str(location.get("name") or ""),
            "address": str(location.get("address") or ""),
        }
    elif kind == "contacts":
        cards = message.get("contacts")
        if not isinstance(cards, list) or not cards or not isinstance(cards[0], dict):
            raise PayloadInvalid("not a WhatsApp contacts message: 'contacts' is missing")
        fields["contact_card"] = _contact_card(cards[0])
        if len(cards) > 1:
            provider["contacts"] = [_contact_card(card) for card in cards[1:] if isinstance(card, dict)]
    elif kind == "reaction":
        reaction = _object(message, "reaction")
        emoji = str(reaction.get("emoji") or "")
        if not emoji:
            # The customer took a reaction back: nothing for an agent to read.
            return None
        provider["reaction"] = {"emoji": emoji, "message_id": str(reaction.get("message_id") or "")}
        fields["text"] = emoji
        fields["reply_to"] = str(reaction.get("message_id") or "")
    elif kind == "interactive":
        fields["interactive"] = _interactive(_object(message, "interactive"))
    elif kind == "button":
        # A quick-reply button of a template: its payload is what the template was sent with.
        button = _object(message, "button")
        fields["interactive"] = {
            "type": "button",
            "id": str(button.get("payload") or button.get("text") or ""),
            "title": str(button.get("text") or ""),
        }
    else:
        # order, system, unsupported, request_welcome and kinds Meta adds later: skipped, not refused for good.
        return None
    if "reply_to" not in fields and isinstance(context.get("id"), str):
        fields["reply_to"] = context["id"]
    return InboundMessage(
        provider_message_id=wamid,
        contact=ContactRef(
            external_id=sender,
            name=name,
            phone="+" + sender if sender.isdigit() else "",
            verified=frozenset({"phone"}),
        ),
        sent_at=_timestamp(message.get("timestamp")),
        provider=provider,
        **fields,
    )


def _contact_card(card: dict[str, Any]) -> dict[str, Any]:
    name = object_of(card.get("name"))
    formatted = str(
        name.get("formatted_name") or " ".join(str(name.get(key) or "") for key in ("first_name", "last_name"))
    )
    phones = [str(item.get("phone") or "") for item in card.get("phones") or [] if isinstance(item, dict)]
    emails = [str(item.get("email") or "") for item in card.get("emails") or [] if isinstance(item, dict)]
    result: dict[str, Any] = {
        "name": formatted.strip(),
        "phones": [p for p in phones if p],
        "emails": [e for e in emails if e],
    }
    wa_ids = [str(item["wa_id"]) for item in card.get("phones") or [] if isinstance(item, dict) and item.get("wa_id")]
    if wa_ids:
        result["wa_ids"] = wa_ids
    org = object_of(card.get("org"))
    if org.get("company"):
        result["organization"] = str(org["company"])
    return result


def _interactive(interactive: dict[str, Any]) -> dict[str, Any]:
    kind = interactive.get("type")
    if kind in ("button_reply", "list_reply"):
        reply = _object(interactive, str(kind))
        answer = {"type": kind, "id": str(reply.get("id") or ""), "title": str(reply.get("title") or "")}
        if reply.get("description"):
            answer["description"] = str(reply["description"])
        return answer
    if kind == "nfm_reply":
        # A WhatsApp Flow's answer: the form's fields as the customer filled them in.
        reply = _object(interactive, "nfm_reply")
        return {
            "type": kind,
            "id": str(reply.get("name") or "flow"),
            "title": str(reply.get("body") or ""),
            "response_json": str(reply.get("response_json") or ""),
        }
    raise PayloadInvalid(f"unsupported WhatsApp interactive reply {kind!r}")


def _status(status: Any) -> StatusUpdate | None:
    if not isinstance(status, dict) or not isinstance(status.get("id"), str):
        raise PayloadInvalid("not a WhatsApp status: no message id")
    mapped = STATUSES.get(str(status.get("status")))
    if mapped is None:
        # "deleted", "warning" and later additions change nothing we show.
        return None
    reason = ""
    if mapped == DeliveryStatus.FAILED:
        reason = "; ".join(_error_text(error) for error in status.get("errors") or [] if isinstance(error, dict))
    return StatusUpdate(
        provider_message_id=status["id"], status=mapped, reason=reason, at=_timestamp(status.get("timestamp"))
    )


def _error_text(error: dict[str, Any]) -> str:
    """``131047 Re-engagement message: <details>``, as Meta's error object gives it."""
    details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else ""
    title = str(error.get("title") or error.get("message") or "")
    text = f"{error.get('code', '')} {title}".strip()
    return f"{text}: {details}" if details and details != title else text
