"""Sending on an SMS channel: Twilio's Message resource, called through our guarded client.

::

    POST {api_base_url}/2010-04-01/Accounts/{AccountSid}/Messages.json
    Authorization: Basic base64(AccountSid:AuthToken)
    I-Twilio-Idempotency-Token: <the outbox entry's idempotency key, the same on every retry>
    Content-Type: application/x-www-form-urlencoded

    To=+85291234567&From=+14155550100&Body=…&MediaUrl=https://…&StatusCallback=<our hook URL>

(``MessagingServiceSid`` instead of ``From`` when the channel sends through a
Messaging Service.) Twilio answers ``201`` with the Message resource; its
``sid`` is the provider id the status callbacks name. Refusals are
``{"code": 21211, "message": "…", "more_info": "…", "status": 400}``; the code
says what they mean (``CODES``). Delivery failures after acceptance (30003,
30007, …) come later as status callbacks.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from frontdesk.channels.base import OutboundMessage, SendResult
from frontdesk.channels.models import Channel
from frontdesk.channels.sms.segments import count_segments
from frontdesk.channels.sms.setup import account_url, basic_auth
from frontdesk.core.http_client import BlockedDestination, HttpClient, HttpClientError, Response
from frontdesk.pipeline.outbound import SendFailed
from frontdesk.pipeline.webhooks import public_hook_url

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
# Twilio's limits: 1,600 characters of body, 10 media of at most 5 MB together.
BODY_LIMIT = 1600
MEDIA_LIMIT = 10
MEDIA_BYTES_LIMIT = 5 * 1024 * 1024
REASON_LENGTH = 300

# Twilio error code → (retryable, failure code); https://www.twilio.com/docs/api/errors
CODES: dict[int, tuple[bool, str]] = {
    20003: (False, "credentials"),  # authentication failed
    20005: (False, "credentials"),  # account not active
    20429: (True, ""),  # too many requests
    14107: (True, ""),  # SMS send rate limit exceeded
    21611: (True, ""),  # the From number has too many queued messages
    21610: (False, "opted_out"),  # the recipient replied STOP
    21211: (False, "invalid_recipient"),  # invalid To number
    21614: (False, "invalid_recipient"),  # To is not a mobile number
    21408: (False, "invalid_recipient"),  # sending to this region is not enabled
    21612: (False, "invalid_recipient"),  # the To number is not reachable from this sender
    21217: (False, "invalid_recipient"),  # the phone number does not appear to be valid
    21606: (False, "credentials"),  # the From number is not an SMS-capable number of the account
    21617: (False, "too_large"),  # body longer than 1,600 characters
    21620: (False, "unsupported"),  # invalid media URL
    21623: (False, "too_large"),  # too many media URLs
    30019: (False, "too_large"),  # content size exceeds carrier limit
}


def hook_url(channel: Channel) -> str:
    """The channel's webhook, as Twilio should call it for this message's delivery reports."""
    return public_hook_url(f"/hooks/{channel.kind}/{channel.webhook_token}")


def message_form(channel: Channel, message: OutboundMessage) -> list[tuple[str, str]]:
    """The Message resource's fields for ``message``; ``SendFailed`` for what Twilio cannot carry."""
    config = channel.config or {}
    if message.content:
        kinds = ", ".join(sorted(message.content))
        raise SendFailed(f"SMS cannot carry {kinds}", retryable=False, code="unsupported")
    if len(message.text) > BODY_LIMIT:
        raise SendFailed(
            f"SMS text is limited to {BODY_LIMIT} characters ({len(message.text)} given)",
            retryable=False,
            code="too_large",
        )
    if len(message.attachments) > MEDIA_LIMIT:
        raise SendFailed(f"MMS carries at most {MEDIA_LIMIT} files", retryable=False, code="too_large")
    for attachment in message.attachments:
        if not attachment.content_type.startswith("image/"):
            raise SendFailed(
                f"MMS on this channel carries images only ({attachment.filename}: {attachment.content_type})",
                retryable=False,
                code="unsupported",
            )
    if sum(attachment.size for attachment in message.attachments) > MEDIA_BYTES_LIMIT:
        raise SendFailed("MMS media may total at most 5 MB", retryable=False, code="too_large")
    if not message.text and not message.attachments:
        raise SendFailed("an SMS needs text or an image", retryable=False, code="unsupported")
    form = [("To", message.recipient)]
    service = str(config.get("messaging_service_sid") or "")
    sender = str(config.get("from_number") or "")
    if service:
        form.append(("MessagingServiceSid", service))
    elif sender:
        form.append(("From", sender))
    else:
        raise SendFailed(
            "the channel has neither a phone number nor a Messaging Service", retryable=False, code="credentials"
        )
    if message.text:
        form.append(("Body", message.text))
    form.extend(("MediaUrl", attachment.url) for attachment in message.attachments)
    form.append(("StatusCallback", hook_url(channel)))
    return form


def send_message(channel: Channel, message: OutboundMessage, idempotency_key: str, client: HttpClient) -> SendResult:
    """Create the Message at Twilio; raises ``SendFailed`` (retryable or not) unless Twilio took it."""
    authorization = basic_auth(channel)
    if authorization is None:
        raise SendFailed("the channel has no account SID or auth token", retryable=False, code="credentials")
    form = message_form(channel, message)
    headers = {"Authorization": authorization, "Content-Type": "application/x-www-form-urlencoded"}
    if idempotency_key:
        headers[IDEMPOTENCY_HEADER] = idempotency_key
    try:
        url = account_url(channel) + "/Messages.json"
        response = client.post(url, content=urlencode(form).encode(), headers=headers)
    except BlockedDestination as error:
        raise SendFailed(f"Twilio API address refused: {error}", retryable=False) from error
    except HttpClientError as error:
        raise SendFailed(f"{type(error).__name__}: {error}", retryable=True) from error
    document = response.json_object()
    if response.is_success:
        sid = str(document.get("sid") or "")[:255]
        details: dict[str, Any] = {}
        if message.text:
            segments = count_segments(message.text)
            details = {"encoding": segments.encoding, "segments": segments.segments}
            twilio_count = str(document.get("num_segments") or "")
            if twilio_count.isdigit():
                # Twilio's own count is the one it bills; ours is the estimate shown before sending.
                details["segments_billed"] = int(twilio_count)
        return SendResult(provider_message_id=sid, details=details)
    raise _failure(response, document)


def _failure(response: Response, document: dict[str, Any]) -> SendFailed:
    status = response.status_code
    code = document.get("code")
    reason = f"HTTP {status}: " + (f"Twilio error {code}: " if code else "") + _message(response, document)
    known = CODES.get(code) if isinstance(code, int) else None
    if known is not None:
        retryable, failure = known
        retry_after = response.retry_after() if retryable else None
        return SendFailed(reason, retryable=retryable, http_status=status, retry_after=retry_after, code=failure)
    if status == 429 or status >= 500:
        return SendFailed(reason, retryable=True, http_status=status, retry_after=response.retry_after())
    if status == 401:
        return SendFailed(reason, retryable=False, http_status=status, code="credentials")
    return SendFailed(reason, retryable=False, http_status=status)


def _message(response: Response, document: dict[str, Any]) -> str:
    message = document.get("message")
    if isinstance(message, str) and message:
        return message[:REASON_LENGTH]
    return " ".join(response.text.split())[:REASON_LENGTH]
