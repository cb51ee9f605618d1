"""Sending on an X channel: a direct message through the X API v2.

::

    POST {api_base_url}/2/dm_conversations/with/{participant_id}/messages
    Authorization: OAuth oauth_consumer_key="…", …, oauth_signature="…"   (RFC 5849, user context)
    Content-Type: application/json

    {"text": "…", "attachments": [{"media_id": "…"}]}

An image (JPEG, PNG or WebP up to 5 MB, one per DM) is uploaded first, in one
request: ``POST {api_base_url}/2/media/upload`` with ``{"media": <base64>,
"media_category": "dm_image"}``, answered with the media ``id`` the DM names.
Videos and GIFs need X's chunked upload and are refused as unsupported.

X answers ``201 {"data": {"dm_conversation_id": "…", "dm_event_id": "…"}}``;
the ``dm_event_id`` is the message's provider id, and what a later read event
names. X has no idempotency key for DMs: a request that timed out after X
took it is sent again on retry.

Refusals, as X words them (RFC 7807 problem details or ``errors``):
``429`` is a rate limit (per 15 minutes, or the account's 24-hour DM cap)
and is retried after ``x-rate-limit-reset`` / ``x-user-limit-24hour-reset``;
``403`` "You cannot send messages to this user" (the customer does not accept
DMs from the account, or blocked it) is ``blocked``, other ``403``s (the app's
permissions) and ``401`` are ``credentials``; ``400`` about the participant and
``404`` are ``invalid_recipient``; ``5xx`` and network failures are retried.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from xdk.schemas import MediaUploadRequest, MediaUploadResponse

from frontdesk.channels.base import OutboundAttachment, OutboundMessage, SendResult
from frontdesk.channels.models import Channel
from frontdesk.channels.x.oauth import Credentials, MissingCredentials, signed_headers
from frontdesk.channels.x.setup import api_base_url
from frontdesk.core.http_client import BlockedDestination, HttpClient, HttpClientError, Response
from frontdesk.pipeline.outbound import SendFailed

# X's limit on a DM's text.
TEXT_LIMIT = 10_000
REASON_LENGTH = 300
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
IMAGE_LIMIT = 5 * 1024 * 1024
BLOCKED_PHRASES = ("cannot send messages", "not following", "does not follow", "not allowed to message")


def send_direct_message(channel: Channel, message: OutboundMessage, client: HttpClient) -> SendResult:
    """Send ``message`` as a DM; raises ``SendFailed`` (retryable or not) unless X took it."""
    if message.content:
        kinds = ", ".join(sorted(message.content))
        raise SendFailed(f"X direct messages cannot carry {kinds}", retryable=False, code="unsupported")
    if len(message.attachments) > 1:
        raise SendFailed("an X direct message carries one file", retryable=False, code="unsupported")
    if not message.text and not message.attachments:
        raise SendFailed("an X direct message needs text or a file", retryable=False, code="unsupported")
    if len(message.text) > TEXT_LIMIT:
        raise SendFailed(f"X takes at most {TEXT_LIMIT} characters per message", retryable=False, code="too_large")
    if not message.recipient.isdigit() or len(message.recipient) > 19:
        raise SendFailed(f"{message.recipient!r} is not an X user id", retryable=False, code="invalid_recipient")
    for attachment in message.attachments:
        _check_image(attachment)
    try:
        credentials = Credentials.of(channel)
    except MissingCredentials as error:
        raise SendFailed(str(error), retryable=False, code="credentials") from error
    document: dict[str, Any] = {"text": message.text} if message.text else {}
    for attachment in message.attachments:
        document["attachments"] = [{"media_id": _upload(channel, credentials, attachment, client)}]
    url = f"{api_base_url(channel)}/2/dm_conversations/with/{message.recipient}/messages"
    response = _post_json(credentials, url, document, client)
    data = response.json_object().get("data")
    if response.is_success and isinstance(data, dict):
        return SendResult(provider_message_id=str(data.get("dm_event_id") or "")[:255])
    raise _refusal(response)


def _check_image(attachment: OutboundAttachment) -> None:
    if attachment.content_type not in IMAGE_TYPES:
        raise SendFailed(
            f"X direct messages take JPEG, PNG or WebP images, not {attachment.content_type or 'this file'}",
            retryable=False,
            code="unsupported",
        )
    if attachment.size > IMAGE_LIMIT:
        raise SendFailed("X takes images of at most 5 MB", retryable=False, code="too_large")


def _upload(channel: Channel, credentials: Credentials, attachment: OutboundAttachment, client: HttpClient) -> str:
    """The media id of ``attachment`` uploaded as a DM image (valid for 24 hours, so a retry uploads again)."""
    request = MediaUploadRequest(media=base64.b64encode(attachment.read()).decode(), media_category="dm_image")
    url = f"{api_base_url(channel)}/2/media/upload"
    response = _post_json(credentials, url, request.model_dump(exclude_none=True), client)
    if not response.is_success:
        raise _refusal(response, "media upload ")
    try:
        uploaded = MediaUploadResponse.model_validate(response.json())
    except (ValueError, ValidationError) as error:
        raise SendFailed("X answered the media upload without a media id", retryable=True) from error
    if uploaded.data is None:
        raise SendFailed("X answered the media upload without a media id", retryable=True)
    return str(uploaded.data.id)


def _post_json(credentials: Credentials, url: str, document: dict[str, Any], client: HttpClient) -> Response:
    body = json.dumps(document, ensure_ascii=False).encode()
    headers = signed_headers(credentials, "POST", url, **{"Content-Type": "application/json"})
    try:
        return client.post(url, content=body, headers=headers)
    except BlockedDestination as error:
        raise SendFailed(f"X API address refused: {error}", retryable=False) from error
    except HttpClientError as error:
        raise SendFailed(f"{type(error).__name__}: {error}", retryable=True) from error


def _refusal(response: Response, what: str = "") -> SendFailed:
    """The ``SendFailed`` an unsuccessful answer of X means."""
    status = response.status_code
    reason = f"{what}HTTP {status}: {_reason(response, response.json_object())}".rstrip(": ")
    if status == 429:
        return SendFailed(reason, retryable=True, http_status=status, retry_after=_retry_after(response))
    if status >= 500:
        return SendFailed(reason, retryable=True, http_status=status)
    lowered = reason.lower()
    if status == 401:
        return SendFailed(reason, retryable=False, http_status=status, code="credentials")
    if status == 403:
        code = "blocked" if any(phrase in lowered for phrase in BLOCKED_PHRASES) else "credentials"
        return SendFailed(reason, retryable=False, http_status=status, code=code)
    if status == 404 or (status == 400 and "participant" in lowered):
        return SendFailed(reason, retryable=False, http_status=status, code="invalid_recipient")
    if status == 413:
        return SendFailed(reason, retryable=False, http_status=status, code="too_large")
    return SendFailed(reason, retryable=False, http_status=status)


def _reason(response: Response, document: dict[str, Any]) -> str:
    """X's own words: the problem's title and detail, or the first error's message."""
    parts = [str(document[key]) for key in ("title", "detail") if document.get(key)]
    for error in document.get("errors") or []:
        if isinstance(error, dict):
            parts += [str(error[key]) for key in ("title", "detail", "message") if error.get(key)]
            break
    text = ": ".join(dict.fromkeys(parts)) if parts else " ".join(response.text.split())
    return text[:REASON_LENGTH]


def _retry_after(response: Response) -> timedelta | None:
    """Until the exhausted limit resets: X sends epoch seconds, not a delay."""
    headers = {name.lower(): value for name, value in response.headers.items()}
    resets = []
    if headers.get("x-user-limit-24hour-remaining", "").strip() == "0":
        resets.append(headers.get("x-user-limit-24hour-reset", ""))
    resets += [headers.get("x-rate-limit-reset", ""), headers.get("x-app-limit-24hour-reset", "")]
    for value in resets:
        value = value.strip()
        if value.isdigit():
            return timedelta(seconds=max(int(value) - int(time.time()), 1))
    return response.retry_after()
