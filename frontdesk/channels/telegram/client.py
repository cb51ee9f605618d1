"""Sending through the Telegram Bot API: ``sendMessage``, ``sendPhoto``, ``sendDocument`` and ``sendChatAction``.

Every call is ``POST <base>/bot<token>/<method>``: JSON for text, multipart for
files, which are uploaded from our storage rather than given as a URL, so a
Frontdesk behind a firewall can send them too. Telegram answers
``{"ok": true, "result": <Message>}`` or ``{"ok": false, "error_code": 403,
"description": "Forbidden: bot was blocked by the user", "parameters": {"retry_after": 5}}``
(https://core.telegram.org/bots/api#making-requests).

A reply is one call in the usual case (a text, or one file with the text as its
caption); text longer than a caption (1,024 characters) goes first as its own
message, text longer than 4,096 characters as several. Telegram has no
idempotency key, so a failure after the first call of a several-call reply
means a retry repeats the parts already sent.

The calls go through the project's hardened HTTP client rather than an SDK's own
session, so the private-address guard and the size and time limits hold for
Telegram too; the base URL comes from the channel's settings, so tests and a
self-hosted Bot API server can stand in.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from telegram.constants import ChatAction, InlineKeyboardButtonLimit, InlineKeyboardMarkupLimit, MessageLimit

from frontdesk.channels.base import OutboundAttachment, OutboundMessage, SendResult
from frontdesk.channels.models import Channel
from frontdesk.channels.telegram.setup import BOT_API_BASE_URL
from frontdesk.core.http_client import BlockedDestination, HttpClient, HttpClientError, Response
from frontdesk.pipeline.outbound import SendFailed

MAX_TEXT = int(MessageLimit.MAX_TEXT_LENGTH)
MAX_CAPTION = int(MessageLimit.CAPTION_LENGTH)
MAX_BUTTONS = int(InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER)
CALLBACK_DATA_BYTES = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)
# Bot API upload limits: photos 10 MB, other files 50 MB.
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
PHOTO_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_MAX_BYTES = 50 * 1024 * 1024

# Telegram's descriptions of final refusals: what they mean to an agent, and their failure code.
REFUSALS = {
    "bot was blocked by the user": ("the customer has blocked the bot", "blocked"),
    "user is deactivated": ("the customer's Telegram account is deleted", "blocked"),
    "bot was kicked": ("the bot was removed from the group", "blocked"),
    "bot is not a member": ("the bot is no longer in the group", "blocked"),
    "bot can't initiate conversation": ("the customer has not started a chat with the bot", "blocked"),
    "chat not found": ("the chat no longer exists for this bot", "invalid_recipient"),
    "file is too big": ("the file is larger than Telegram accepts", "too_large"),
    "message is too long": ("the message is longer than Telegram accepts", "too_large"),
}


def inline_keyboard(buttons: Any) -> dict[str, Any]:
    """``[{"id", "title"}]`` as an inline keyboard, one button a row; the id comes back as ``callback_data``."""
    if not isinstance(buttons, list) or not buttons or len(buttons) > MAX_BUTTONS:
        raise SendFailed(f"Telegram takes 1 to {MAX_BUTTONS} buttons", retryable=False, code="unsupported")
    rows = []
    for button in buttons:
        title = str(button.get("title") or "").strip() if isinstance(button, Mapping) else ""
        data = str(button.get("id") or "") if isinstance(button, Mapping) else ""
        if not title or not data:
            raise SendFailed("every button needs an id and a title", retryable=False, code="unsupported")
        if len(data.encode()) > CALLBACK_DATA_BYTES:
            # Cut short, the id would come back as something else when pressed.
            raise SendFailed(
                f"a Telegram button id may be at most {CALLBACK_DATA_BYTES} bytes: {data[:20]}…",
                retryable=False,
                code="unsupported",
            )
        rows.append([{"text": title, "callback_data": data}])
    return {"inline_keyboard": rows}


def reply_parameters(message: OutboundMessage) -> dict[str, Any] | None:
    """Quote the customer's message when the reply answers one in the same chat."""
    chat_id, _, message_id = message.reply_to.rpartition(":")
    if message_id.isdigit() and chat_id == message.recipient:
        return {"message_id": int(message_id), "allow_sending_without_reply": True}
    return None


def send_telegram_message(channel: Channel, message: OutboundMessage, client: HttpClient) -> SendResult:
    """Send ``message``; raises ``SendFailed`` (retryable or not) unless Telegram took every part."""
    unknown = sorted(set(message.content) - {"buttons"})
    if unknown:
        raise SendFailed(f"Telegram cannot send {', '.join(unknown)}", retryable=False, code="unsupported")
    keyboard = inline_keyboard(message.content["buttons"]) if message.content.get("buttons") else None
    for attachment in message.attachments:
        _method(attachment)
    caption = ""
    texts: list[str] = []
    if message.attachments and len(message.text) <= MAX_CAPTION:
        caption = message.text
    elif message.text:
        texts = [message.text[start : start + MAX_TEXT] for start in range(0, len(message.text), MAX_TEXT)]
    if not texts and not message.attachments:
        raise SendFailed("the message is empty", retryable=False, code="unsupported")
    api = _Api(channel, client)
    quoted = reply_parameters(message)
    parts = len(texts) + len(message.attachments)
    sent: list[str] = []
    for text in texts:
        body: dict[str, Any] = {"chat_id": message.recipient, "text": text}
        _decorate(body, quoted if not sent else None, keyboard if len(sent) == parts - 1 else None)
        sent.append(api.call_json("sendMessage", body))
    for index, attachment in enumerate(message.attachments):
        fields: dict[str, Any] = {"chat_id": message.recipient}
        if caption and index == 0:
            fields["caption"] = caption
        _decorate(fields, quoted if not sent else None, keyboard if len(sent) == parts - 1 else None)
        method, field = _method(attachment)
        sent.append(api.upload(method, fields, field, attachment))
    first = sent[0]
    return SendResult(provider_message_id=f"{message.recipient}:{first}" if first else "")


def send_typing(channel: Channel, recipient: str, client: HttpClient) -> None:
    """Show "typing…" in the customer's chat (for 5 seconds or until our next message); raises ``SendFailed``."""
    _Api(channel, client).call_json("sendChatAction", {"chat_id": recipient, "action": str(ChatAction.TYPING)})


def _decorate(body: dict[str, Any], quoted: dict[str, Any] | None, keyboard: dict[str, Any] | None) -> None:
    if quoted:
        body["reply_parameters"] = quoted
    if keyboard:
        body["reply_markup"] = keyboard


def _method(attachment: OutboundAttachment) -> tuple[str, str]:
    """The Bot API method and file field for ``attachment``; refuses what Telegram would not take."""
    content_type = attachment.content_type.split(";")[0].strip().lower()
    name = attachment.filename or "the file"
    if content_type in PHOTO_TYPES and attachment.size <= PHOTO_MAX_BYTES:
        return "sendPhoto", "photo"
    if attachment.size > DOCUMENT_MAX_BYTES:
        raise SendFailed(f"{name}: Telegram bots send files of at most 50 MB", retryable=False, code="too_large")
    # Larger images go as files, uncompressed.
    return "sendDocument", "document"


class _Api:
    def __init__(self, channel: Channel, client: HttpClient) -> None:
        self.token = str((channel.secrets or {}).get("bot_token") or "")
        if not self.token:
            raise SendFailed("the channel has no bot token", retryable=False, code="credentials")
        self.base_url = str((channel.config or {}).get("api_base_url") or BOT_API_BASE_URL).rstrip("/")
        self.client = client

    def call_json(self, method: str, body: dict[str, Any]) -> str:
        content = json.dumps(body, ensure_ascii=False).encode()
        return self._post(method, content, "application/json")

    def upload(self, method: str, fields: dict[str, Any], field: str, attachment: OutboundAttachment) -> str:
        boundary = "frontdesk-" + secrets.token_hex(16)
        parts = []
        for name, value in fields.items():
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + text.encode()
                + b"\r\n"
            )
        filename = (attachment.filename or "file").replace('"', "").replace("\r", "").replace("\n", "")
        content_type = attachment.content_type or "application/octet-stream"
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            + attachment.read()
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self._post(method, body, f"multipart/form-data; boundary={boundary}")

    def _post(self, method: str, content: bytes, content_type: str) -> str:
        """Call ``method``; the sent message's id (``""`` for calls that answer ``true``)."""
        try:
            response = self.client.post(
                f"{self.base_url}/bot{self.token}/{method}", content=content, headers={"Content-Type": content_type}
            )
        except BlockedDestination as error:
            raise SendFailed(self._hide(f"Bot API address refused: {error}"), retryable=False) from error
        except HttpClientError as error:
            raise SendFailed(self._hide(f"{type(error).__name__}: {error}"), retryable=True) from error
        answer = _answer(response)
        if response.is_success and answer.get("ok") is True:
            result = answer.get("result")
            message_id = result.get("message_id") if isinstance(result, dict) else None
            return str(message_id) if isinstance(message_id, int) else ""
        raise _failure(response, answer, self.token)

    def _hide(self, text: str) -> str:
        return _hide(text, self.token)


def _answer(response: Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _failure(response: Response, answer: dict[str, Any], token: str) -> SendFailed:
    status = int(answer.get("error_code") or response.status_code)
    description = str(answer.get("description") or " ".join(response.text.split()) or f"HTTP {status}")
    description = _hide(description, token)
    parameters = answer.get("parameters") if isinstance(answer.get("parameters"), dict) else {}
    retry_after = parameters.get("retry_after") if parameters else None
    if status == 429 or status >= 500:
        wait = timedelta(seconds=retry_after) if isinstance(retry_after, int) and retry_after >= 0 else None
        return SendFailed(f"Telegram {status}: {description}", retryable=True, http_status=status, retry_after=wait)
    meaning, code = next((found for phrase, found in REFUSALS.items() if phrase in description.lower()), ("", ""))
    if status == 401:
        meaning, code = "Telegram refused the bot token", "credentials"
    elif status == 413:
        meaning, code = "the file is larger than Telegram accepts", "too_large"
    reason = f"{meaning} (Telegram {status}: {description})" if meaning else f"Telegram {status}: {description}"
    return SendFailed(reason[0].upper() + reason[1:], retryable=False, http_status=status, code=code)


def _hide(text: str, token: str) -> str:
    # The token is part of every Bot API URL; an error that quotes the URL must not leak it.
    return text.replace(token, "<bot token>")
