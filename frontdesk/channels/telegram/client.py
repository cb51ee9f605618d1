"""Sending through the Telegram Bot API: ``POST <base>/bot<token>/sendMessage`` with a JSON body.

Telegram answers ``{"ok": true, "result": <Message>}`` or
``{"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user",
"parameters": {"retry_after": 5}}`` (https://core.telegram.org/bots/api#making-requests).
The call goes through the project's hardened HTTP client rather than
python-telegram-bot's own httpx session, so the private-address guard and the
size and time limits hold for Telegram too; the base URL comes from the
channel's settings, so tests and a self-hosted Bot API server can stand in.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from frontdesk.channels.base import OutboundMessage, SendResult
from frontdesk.channels.models import Channel
from frontdesk.channels.telegram.setup import BOT_API_BASE_URL
from frontdesk.core.http_client import BlockedDestination, HttpClient, HttpClientError, Response
from frontdesk.pipeline.outbound import SendFailed

MAX_TEXT = 4096
MAX_BUTTONS = 100

# Telegram's descriptions of final refusals, and what they mean to an agent.
REFUSALS = {
    "bot was blocked by the user": "the customer has blocked the bot",
    "user is deactivated": "the customer's Telegram account is deleted",
    "chat not found": "the chat no longer exists for this bot",
    "bot was kicked": "the bot was removed from the group",
    "bot can't initiate conversation": "the customer has not started a chat with the bot",
}


def request_body(message: OutboundMessage) -> dict[str, Any]:
    """The ``sendMessage`` parameters; ``metadata["buttons"]`` (``[{"id", "title"}]``) become an inline keyboard."""
    body: dict[str, Any] = {"chat_id": message.recipient, "text": message.text[:MAX_TEXT]}
    chat_id, _, message_id = message.reply_to.rpartition(":")
    if message_id.isdigit() and chat_id == message.recipient:
        body["reply_parameters"] = {"message_id": int(message_id), "allow_sending_without_reply": True}
    buttons = message.metadata.get("buttons") or []
    if buttons:
        body["reply_markup"] = {
            "inline_keyboard": [
                [{"text": str(button["title"]), "callback_data": str(button["id"])[:64]}]
                for button in buttons[:MAX_BUTTONS]
            ]
        }
    return body


def send_telegram_message(channel: Channel, message: OutboundMessage, client: HttpClient) -> SendResult:
    """Send ``message`` as a text message; raises ``SendFailed`` (retryable or not) unless Telegram took it."""
    token = str((channel.secrets or {}).get("bot_token") or "")
    if not token:
        raise SendFailed("the channel has no bot token", retryable=False)
    base_url = str((channel.config or {}).get("api_base_url") or BOT_API_BASE_URL).rstrip("/")
    body = json.dumps(request_body(message), ensure_ascii=False).encode()
    try:
        response = client.post(
            f"{base_url}/bot{token}/sendMessage", content=body, headers={"Content-Type": "application/json"}
        )
    except BlockedDestination as error:
        raise SendFailed(_hide(f"Bot API address refused: {error}", token), retryable=False) from error
    except HttpClientError as error:
        raise SendFailed(_hide(f"{type(error).__name__}: {error}", token), retryable=True) from error
    answer = _answer(response)
    if response.is_success and answer.get("ok") is True:
        result = answer.get("result") or {}
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return SendResult(provider_message_id=f"{message.recipient}:{message_id}" if message_id else "")
    raise _failure(response, answer, token)


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
    meaning = next((words for phrase, words in REFUSALS.items() if phrase in description.lower()), "")
    reason = f"{meaning} (Telegram {status}: {description})" if meaning else f"Telegram {status}: {description}"
    return SendFailed(reason[0].upper() + reason[1:], retryable=False, http_status=status)


def _hide(text: str, token: str) -> str:
    # The token is part of every Bot API URL; an error that quotes the URL must not leak it.
    return text.replace(token, "<bot token>")
