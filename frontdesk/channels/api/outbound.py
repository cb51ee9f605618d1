"""Sending on the API channel: a signed JSON POST to the channel's callback URL.

The receiver gets::

    POST <channel.config["callback_url"]>
    Content-Type: application/json
    X-Frontdesk-Signature: sha256=<hex HMAC-SHA256 of the raw body with the channel's signing secret>
    Idempotency-Key: <the same UUID on every retry of this message>

    {"id": 123, "conversation_id": 45, "contact": {"id": "<their id of the customer>", "name": "…"},
     "text": "…", "author": {"name": "…"}, "created_at": "2026-11-23T10:00:00+00:00"}

and answers 2xx with ``{"id": "<its id for the message>"}`` (used to match
later status callbacks). 429 and 5xx are retried; any other status fails the
message with the receiver's ``error``/``detail``/``message`` text as the reason.
"""

from __future__ import annotations

import json

from frontdesk.channels.api.adapter import sign
from frontdesk.channels.base import OutboundMessage, SendResult
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import (
    BlockedDestination,
    HttpClient,
    HttpClientError,
    Response,
)
from frontdesk.pipeline.outbound import SendFailed

SIGNATURE_HEADER = "X-Frontdesk-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REASON_LENGTH = 300


def payload(message: OutboundMessage) -> dict[str, object]:
    metadata = message.metadata
    contact = metadata.get("contact") or {}
    return {
        "id": metadata.get("message_id"),
        "conversation_id": metadata.get("conversation_id"),
        "contact": {"id": message.recipient, "name": contact.get("display_name") or contact.get("name", "")},
        "text": message.text,
        "author": metadata.get("author") or {"name": ""},
        "created_at": metadata.get("created_at"),
    }


def send_api_message(
    channel: Channel, message: OutboundMessage, idempotency_key: str, client: HttpClient
) -> SendResult:
    """POST ``message`` to the channel's receiver; raises ``SendFailed`` (retryable or not) unless it took it."""
    url = str((channel.config or {}).get("callback_url") or "")
    if not url:
        raise SendFailed("the channel has no callback URL", retryable=False)
    secret = str((channel.secrets or {}).get("signing_secret") or "")
    if not secret:
        raise SendFailed("the channel has no signing secret", retryable=False)
    body = json.dumps(payload(message), ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, body),
        IDEMPOTENCY_HEADER: idempotency_key,
    }
    try:
        response = client.post(url, content=body, headers=headers)
    except BlockedDestination as error:
        raise SendFailed(f"callback URL refused: {error}", retryable=False) from error
    except HttpClientError as error:
        raise SendFailed(f"{type(error).__name__}: {error}", retryable=True) from error
    if response.is_success:
        return SendResult(provider_message_id=_provider_id(response))
    reason = f"HTTP {response.status_code}: {_reason(response)}".rstrip(": ")
    if response.status_code == 429 or response.status_code >= 500:
        raise SendFailed(reason, retryable=True, http_status=response.status_code, retry_after=response.retry_after())
    if 300 <= response.status_code < 400:
        reason = f"HTTP {response.status_code}: redirects are not followed; set the final URL as the callback URL"
    raise SendFailed(reason, retryable=False, http_status=response.status_code)


def _provider_id(response: Response) -> str:
    try:
        document = response.json()
    except ValueError:
        return ""
    value = document.get("id") if isinstance(document, dict) else None
    return str(value)[:255] if isinstance(value, str | int) and str(value) else ""


def _reason(response: Response) -> str:
    try:
        document = response.json()
    except ValueError:
        document = None
    if isinstance(document, dict):
        for key in ("error", "detail", "message", "reason"):
            if isinstance(document.get(key), str) and document[key]:
                return str(document[key])[:REASON_LENGTH]
    return " ".join(response.text.split())[:REASON_LENGTH]
