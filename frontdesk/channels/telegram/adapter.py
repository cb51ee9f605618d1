"""The Telegram bot channel: Bot API webhooks in, ``sendMessage`` out.

Inbound: Telegram POSTs one ``Update`` per request to ``/hooks/telegram/<webhook-token>``
with the header ``X-Telegram-Bot-Api-Secret-Token`` set to the secret given to
``setWebhook`` (see ``frontdesk.channels.telegram.setup``). Files are kept as
``telegram-file:<file_id>`` references: only the Bot API's ``getFile`` can turn
one into a download, so nothing in a payload chooses a URL we fetch.

A group or supergroup is one conversation: the chat is the identity, and who
wrote is kept in the message's ``provider`` data (``sender``, ``sender_id``).
When a customer presses an inline button, the webhook's answer is the
``answerCallbackQuery`` call, so their button stops spinning without another request.
"""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from typing import Any

from telegram import CallbackQuery, Message, User
from telegram.constants import ChatType

from frontdesk.channels.base import (
    Capabilities,
    Delivery,
    HookAnswer,
    OutboundMessage,
    PayloadInvalid,
    RawEvent,
    SendResult,
    SignatureInvalid,
    WebhookRequest,
    register,
)
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.channels.payloads import read_json
from frontdesk.channels.telegram.updates import check_update, read_update
from frontdesk.pipeline.inbound import AttachmentRef, ContactRef, InboundMessage, StatusUpdate

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name, not a secret)
FILE_REFERENCE = "telegram-file:"
GROUP_CHATS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


def file_reference(file_id: str) -> str:
    return FILE_REFERENCE + file_id


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return " ".join(part for part in (user.first_name, user.last_name) if part) or user.username or ""


def _contact(message: Message, sender: User | None) -> ContactRef:
    chat = message.chat
    if chat.type in GROUP_CHATS:
        return ContactRef(external_id=str(chat.id), name=(chat.title or "")[:200])
    name = _name(sender) or " ".join(part for part in (chat.first_name, chat.last_name) if part) or chat.title or ""
    return ContactRef(external_id=str(chat.id), name=name[:200])


def _sender(message: Message, sender: User | None) -> dict[str, Any] | None:
    """In a group chat, who of its members wrote (the conversation is with the whole group)."""
    if message.chat.type not in GROUP_CHATS or sender is None:
        return None
    return {"sender": _name(sender)[:200], "sender_id": str(sender.id)}


def _attachments(message: Message) -> tuple[AttachmentRef, ...]:
    items: list[AttachmentRef] = []
    if message.photo:
        # Telegram sends every size it made of the photo; keep the largest.
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
        items.append(
            AttachmentRef(url=file_reference(largest.file_id), filename="photo.jpg", content_type="image/jpeg")
        )
    if message.document:
        document = message.document
        items.append(
            AttachmentRef(
                url=file_reference(document.file_id),
                filename=(document.file_name or "")[:255] or "document",
                content_type=(document.mime_type or "")[:127],
            )
        )
    if message.voice:
        items.append(
            AttachmentRef(
                url=file_reference(message.voice.file_id),
                filename="voice.ogg",
                content_type=(message.voice.mime_type or "")[:127] or "audio/ogg",
            )
        )
    # An animation (GIF) also carries a "document" copy of itself: one attachment is enough.
    animation = message.animation if not message.document else None
    for media, default_name, default_type in (
        (message.video, "video.mp4", "video/mp4"),
        (message.audio, "audio.mp3", "audio/mpeg"),
        (message.video_note, "video-note.mp4", "video/mp4"),
        (animation, "animation.mp4", "video/mp4"),
    ):
        if media is not None:
            # A video note has neither a name nor a type.
            name, content_type = getattr(media, "file_name", None), getattr(media, "mime_type", None)
            items.append(
                AttachmentRef(
                    url=file_reference(media.file_id),
                    filename=(name or "")[:255] or default_name,
                    content_type=(content_type or "")[:127] or default_type,
                )
            )
    return tuple(items)


def _location(message: Message) -> dict[str, Any] | None:
    if message.venue:
        venue = message.venue
        return {
            "latitude": venue.location.latitude,
            "longitude": venue.location.longitude,
            "name": venue.title or "",
            "address": venue.address or "",
        }
    if message.location:
        point = message.location
        return {"latitude": point.latitude, "longitude": point.longitude, "name": "", "address": ""}
    return None


def _contact_card(message: Message) -> dict[str, Any] | None:
    if message.contact is None:
        return None
    card = message.contact
    name = " ".join(part for part in (card.first_name, card.last_name) if part)
    return {"name": name, "phones": [card.phone_number] if card.phone_number else [], "emails": []}


def _provider(message: Message) -> dict[str, Any] | None:
    provider = _sender(message, message.from_user) or {}
    if message.sticker:
        sticker = message.sticker
        provider["sticker"] = {
            "file_id": sticker.file_id,
            "emoji": sticker.emoji or "",
            "set_name": sticker.set_name or "",
        }
    return provider or None


def _sent_at(message: Message) -> datetime | None:
    # The library reads Telegram's Unix time in UTC; 0 stands for "unknown".
    date: datetime = message.date
    return date if date.timestamp() else None


def _message(message: Message) -> InboundMessage:
    chat_id = message.chat.id
    reply = message.reply_to_message
    return InboundMessage(
        provider_message_id=f"{chat_id}:{message.message_id}",
        contact=_contact(message, message.from_user),
        # A sticker shows as its emoji; which sticker it was stays in the provider data.
        text=message.text or message.caption or (message.sticker.emoji if message.sticker else "") or "",
        attachments=_attachments(message),
        location=_location(message),
        contact_card=_contact_card(message),
        reply_to=f"{chat_id}:{reply.message_id}" if reply else "",
        sent_at=_sent_at(message),
        provider=_provider(message),
    )


def _callback(query: CallbackQuery) -> InboundMessage | None:
    if query.message is None:
        # A button under an inline-mode message: there is no chat to answer in.
        return None
    message = query.message
    title = ""
    if message.reply_markup:
        pressed = (
            button.text
            for row in message.reply_markup.inline_keyboard
            for button in row
            if button.callback_data == query.data
        )
        title = next(pressed, "")
    return InboundMessage(
        provider_message_id=f"{message.chat.id}:callback:{query.id}",
        contact=_contact(message, query.from_user),
        interactive={"id": query.data or query.id, "title": title or query.data or ""},
        reply_to=f"{message.chat.id}:{message.message_id}",
        provider=_sender(message, query.from_user),
    )


@register(ChannelKind.TELEGRAM)
class TelegramAdapter:
    capabilities = Capabilities(
        media_kinds=frozenset({"image", "video", "audio", "file"}),
        # frontdesk.channels.telegram.client.send_typing
        typing_indicator=True,
        content_kinds=frozenset({"buttons"}),
        # Telegram's bot FAQ: about 30 messages a second across chats (one a second per chat).
        send_rate_per_second=30,
    )

    def verify(self, channel: Channel, request: WebhookRequest) -> None:
        secret = str((channel.secrets or {}).get("webhook_secret") or "")
        if not secret:
            raise SignatureInvalid("the channel has no webhook secret")
        given = request.headers.get(SECRET_HEADER, "")
        if not given:
            raise SignatureInvalid(f"missing {SECRET_HEADER} header")
        if not hmac.compare_digest(secret.encode(), given.encode()):
            raise SignatureInvalid(f"{SECRET_HEADER} does not match the channel's secret")

    def split(self, channel: Channel, body: bytes) -> Delivery:
        document = read_json(body)
        if not isinstance(document, dict):
            raise PayloadInvalid("the body must be one Telegram Update object")
        update_id = document.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise PayloadInvalid("the Update has no integer update_id")
        check_update(document)
        return Delivery(events=[RawEvent(provider_event_id=str(update_id), payload=document)])

    def parse(self, channel: Channel, payload: dict[str, Any]) -> list[InboundMessage | StatusUpdate]:
        update = read_update(payload)
        if update.message is not None:
            return [_message(update.message)]
        if update.callback_query is not None:
            answer = _callback(update.callback_query)
            return [answer] if answer else []
        # Edited messages, channel posts, polls, member changes…: not customer messages.
        return []

    def acknowledgement(self, channel: Channel, request: WebhookRequest) -> HookAnswer | None:
        """A button press is answered in the webhook's response: Telegram runs a method call given there."""
        if b'"callback_query"' not in request.body:
            return None
        try:
            document = json.loads(request.body)
        except ValueError:
            return None
        query = document.get("callback_query") if isinstance(document, dict) else None
        query_id = query.get("id") if isinstance(query, dict) else None
        if not isinstance(query_id, str) or not query_id:
            return None
        return HookAnswer.json(200, {"method": "answerCallbackQuery", "callback_query_id": query_id})

    def send(self, channel: Channel, message: OutboundMessage) -> SendResult:
        from frontdesk.channels.telegram.client import send_telegram_message
        from frontdesk.core.http_client import http_client

        with http_client() as client:
            return send_telegram_message(channel, message, client)
