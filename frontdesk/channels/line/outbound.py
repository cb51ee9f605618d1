"""Sending on a LINE channel: a push message through the Messaging API.

::

    POST {api_base_url}/v2/bot/message/push
    Authorization: Bearer <channel access token>
    X-Line-Retry-Key: <the outbox entry's idempotency key, the same on every retry>

    {"to": "<user id>", "messages": [{"type": "text", "text": "…"}]}

LINE answers ``200 {"sentMessages": [{"id": "…", "quoteToken": "…"}]}``. A
retry of a request LINE already accepted gets ``409`` (sent, not sent twice);
``429`` is the rate limit (retried) or the monthly message quota (final);
``5xx`` and timeouts are retried; any other status fails the message with
LINE's ``message`` and ``details`` as the reason.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from frontdesk.channels.base import OutboundMessage, SendResult
from frontdesk.channels.line.setup import API_BASE_URL
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import BlockedDestination, HttpClient, HttpClientError, Response
from frontdesk.pipeline.outbound import SendFailed

PUSH_PATH = "/v2/bot/message/push"
RETRY_KEY_HEADER = "X-Line-Retry-Key"
# LINE's limits: 5,000 characters per text message, 5 messages per request.
TEXT_LIMIT = 5000
MESSAGES_PER_REQUEST = 5
MONTHLY_LIMIT = "You have reached your monthly limit."
REASON_LENGTH = 300


def text_messages(text: str) -> list[dict[str, str]]:
    """``text`` as LINE text messages of at most ``TEXT_LIMIT`` characters each."""
    chunks = [text[start : start + TEXT_LIMIT] for start in range(0, len(text), TEXT_LIMIT)]
    return [{"type": "text", "text": chunk} for chunk in chunks]


def send_push_message(channel: Channel, message: OutboundMessage, retry_key: str, client: HttpClient) -> SendResult:
    """Push ``message`` to the user; raises ``SendFailed`` (retryable or not) unless LINE took it."""
    token = str((channel.secrets or {}).get("access_token") or "")
    if not token:
        raise SendFailed("the channel has no channel access token", retryable=False)
    messages = text_messages(message.text)
    if not messages:
        raise SendFailed("only text can be sent on LINE channels so far", retryable=False)
    if len(messages) > MESSAGES_PER_REQUEST:
        raise SendFailed(f"LINE takes at most {MESSAGES_PER_REQUEST * TEXT_LIMIT} characters", retryable=False)
    base = str((channel.config or {}).get("api_base_url") or API_BASE_URL).rstrip("/")
    body = json.dumps({"to": message.recipient, "messages": messages}, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if retry_key:
        headers[RETRY_KEY_HEADER] = retry_key
    try:
        response = client.post(base + PUSH_PATH, content=body, headers=headers)
    except BlockedDestination as error:
        raise SendFailed(f"LINE API address refused: {error}", retryable=False) from error
    except HttpClientError as error:
        raise SendFailed(f"{type(error).__name__}: {error}", retryable=True) from error
    document = _document(response)
    status = response.status_code
    # 409 answers a retry key LINE already accepted: the first attempt went out.
    if response.is_success or (status == 409 and retry_key):
        return SendResult(provider_message_id=_sent_message_id(document))
    reason = f"HTTP {status}: {_reason(response, document)}".rstrip(": ")
    if status == 429:
        if document.get("message") == MONTHLY_LIMIT:
            raise SendFailed(
                f"LINE refused: the official account has reached its monthly message limit ({reason})",
                retryable=False,
                http_status=status,
            )
        raise SendFailed(reason, retryable=True, http_status=status, retry_after=_retry_after(response))
    if status >= 500:
        raise SendFailed(reason, retryable=True, http_status=status)
    if status == 401:
        reason = f"HTTP 401: LINE refused the channel access token ({_reason(response, document)})"
    raise SendFailed(reason, retryable=False, http_status=status)


def _document(response: Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _sent_message_id(document: dict[str, Any]) -> str:
    sent = document.get("sentMessages")
    if isinstance(sent, list) and sent and isinstance(sent[0], dict):
        value = sent[0].get("id")
        if isinstance(value, str | int):
            return str(value)[:255]
    return ""


def _reason(response: Response, document: dict[str, Any]) -> str:
    message = document.get("message")
    if not isinstance(message, str) or not message:
        return " ".join(response.text.split())[:REASON_LENGTH]
    details = [
        f"{item.get('property')}: {item.get('message')}" if item.get("property") else str(item.get("message"))
        for item in document.get("details") or []
        if isinstance(item, dict)
    ]
    return (message + (" (" + "; ".join(details) + ")" if details else ""))[:REASON_LENGTH]


def _retry_after(response: Response) -> timedelta | None:
    value = response.headers.get("retry-after", "").strip()
    return timedelta(seconds=int(value)) if value.isdigit() else None
