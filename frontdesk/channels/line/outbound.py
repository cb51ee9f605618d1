"""Sending on a LINE channel: a reply while the reply token is fresh, otherwise a push message.

::

    POST {api_base_url}/v2/bot/message/reply
    Authorization: Bearer <channel access token>

    {"replyToken": "<from the customer's last event>", "messages": [...]}

    POST {api_base_url}/v2/bot/message/push
    Authorization: Bearer <channel access token>
    X-Line-Retry-Key: <the outbox entry's idempotency key, the same on every retry>

    {"to": "<user, group or room id>", "messages": [...]}

A reply costs nothing against the monthly quota, but its token is single-use
and LINE only guarantees it for one minute after the webhook
(https://developers.line.biz/en/reference/messaging-api/#send-reply-message), so
it is used within ``REPLY_TOKEN_SECONDS`` of receipt; "Invalid reply token" (used
already, or expired early) falls back to a push in the same send.

LINE answers ``200 {"sentMessages": [{"id": "…", "quoteToken": "…"}]}``. A
retried push LINE already accepted gets ``409`` (sent, not sent twice);
``429`` is the rate limit (retried) or the monthly message quota (final);
``5xx`` and timeouts are retried; any other status fails the message with
LINE's ``message`` and ``details`` as the reason. A user who blocked the
account cannot be told apart: LINE answers 200 and delivers nothing
(https://developers.line.biz/en/faq/tags/message/).

The message objects are built and checked with line-bot-sdk's models; the
request itself goes through our guarded HTTP client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone
from linebot.v3.messaging import (
    FlexContainer,
    ImageMessage,
    MessageAction,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    StickerMessage,
)

from frontdesk.channels.base import LastInbound, OutboundAttachment, OutboundMessage, SendResult
from frontdesk.channels.line.setup import API_BASE_URL
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import BlockedDestination, HttpClient, HttpClientError, Response
from frontdesk.pipeline.outbound import SendFailed

PUSH_PATH = "/v2/bot/message/push"
REPLY_PATH = "/v2/bot/message/reply"
RETRY_KEY_HEADER = "X-Line-Retry-Key"
# LINE guarantees a reply token for one minute; ten seconds spare for the request itself and clock drift.
REPLY_TOKEN_SECONDS = 50
INVALID_REPLY_TOKEN = "Invalid reply token"  # noqa: S105 (LINE's error message)
# LINE's limits: 5,000 characters per text message, 5 messages per request.
TEXT_LIMIT = 5000
MESSAGES_PER_REQUEST = 5
# Images LINE shows: JPEG or PNG, at most 10 MB, at an https URL (its servers fetch it).
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
IMAGE_MAX_BYTES = 10 * 1024 * 1024
URL_LIMIT = 2000
# Quick replies: at most 13 buttons, labels of 20 characters, postback data of 300.
QUICK_REPLY_ITEMS = 13
QUICK_REPLY_LABEL = 20
POSTBACK_DATA = 300
ALT_TEXT_LIMIT = 1500
MONTHLY_LIMIT = "You have reached your monthly limit."
UNKNOWN_RECIPIENT = "Failed to send messages"
REASON_LENGTH = 300


def text_messages(text: str) -> list[dict[str, Any]]:
    """``text`` as LINE text messages of at most ``TEXT_LIMIT`` characters each."""
    chunks = [text[start : start + TEXT_LIMIT] for start in range(0, len(text), TEXT_LIMIT)]
    return [{"type": "text", "text": chunk} for chunk in chunks]


def line_messages(message: OutboundMessage) -> list[dict[str, Any]]:
    """The message objects of one request: text, images, a sticker or a Flex message, quick replies on the last."""
    messages = text_messages(message.text)
    messages += [_image(attachment) for attachment in message.attachments]
    content = message.content
    unknown = sorted(set(content) - {"sticker", "flex", "quick_replies"})
    if unknown:
        raise SendFailed(f"LINE cannot send {', '.join(unknown)}", retryable=False, code="unsupported")
    if "sticker" in content:
        messages.append(_sticker(content["sticker"]))
    if "flex" in content:
        messages.append(_flex(content["flex"]))
    if not messages:
        raise SendFailed("the message is empty", retryable=False, code="unsupported")
    if len(messages) > MESSAGES_PER_REQUEST:
        raise SendFailed(
            f"LINE takes at most {MESSAGES_PER_REQUEST} messages at once (texts of up to {TEXT_LIMIT} "
            f"characters, images, a sticker or a Flex message); this needs {len(messages)}",
            retryable=False,
            code="too_large",
        )
    if content.get("quick_replies"):
        messages[-1] = {**messages[-1], "quickReply": _quick_reply(content["quick_replies"])}
    return messages


def send_line_message(channel: Channel, message: OutboundMessage, client: HttpClient) -> SendResult:
    """Reply with the customer's fresh reply token, or push; raises ``SendFailed`` unless LINE took it."""
    token = str((channel.secrets or {}).get("access_token") or "")
    if not token:
        raise SendFailed("the channel has no channel access token", retryable=False, code="credentials")
    messages = line_messages(message)
    base = str((channel.config or {}).get("api_base_url") or API_BASE_URL).rstrip("/")
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    reply_token = usable_reply_token(message.last_inbound, timezone.now())
    if reply_token:
        body = {"replyToken": reply_token, "messages": messages}
        response, document = _post(client, base + REPLY_PATH, body, headers)
        if response.is_success:
            return SendResult(provider_message_id=_sent_message_id(document))
        if not (response.status_code == 400 and document.get("message") == INVALID_REPLY_TOKEN):
            raise _failure(response, document)
        # Used already (an earlier reply) or expired early: nothing was sent, so push instead.
    retry_key = str(message.metadata.get("idempotency_key") or "")
    if retry_key:
        headers[RETRY_KEY_HEADER] = retry_key
    response, document = _post(client, base + PUSH_PATH, {"to": message.recipient, "messages": messages}, headers)
    # 409 answers a retry key LINE already accepted: the first attempt went out.
    if response.is_success or (response.status_code == 409 and retry_key):
        return SendResult(provider_message_id=_sent_message_id(document))
    raise _failure(response, document)


def usable_reply_token(last_inbound: LastInbound | None, now: datetime) -> str:
    """The reply token of the customer's last event if it is still young enough to be accepted, else ``""``."""
    if last_inbound is None:
        return ""
    token = last_inbound.provider.get("reply_token")
    if not isinstance(token, str) or not token:
        return ""
    age = now - last_inbound.received_at
    return token if timedelta(0) <= age <= timedelta(seconds=REPLY_TOKEN_SECONDS) else ""


def _post(
    client: HttpClient, url: str, body: dict[str, Any], headers: dict[str, str]
) -> tuple[Response, dict[str, Any]]:
    try:
        response = client.post(url, content=json.dumps(body, ensure_ascii=False).encode(), headers=headers)
    except BlockedDestination as error:
        raise SendFailed(f"LINE API address refused: {error}", retryable=False) from error
    except HttpClientError as error:
        raise SendFailed(f"{type(error).__name__}: {error}", retryable=True) from error
    return response, response.json_object()


def _failure(response: Response, document: dict[str, Any]) -> SendFailed:
    status = response.status_code
    detail = _reason(response, document)
    reason = f"HTTP {status}: {detail}".rstrip(": ")
    if status == 429:
        if document.get("message") == MONTHLY_LIMIT:
            return SendFailed(
                f"LINE refused: the official account has reached its monthly message limit ({reason})",
                retryable=False,
                http_status=status,
                code="quota",
            )
        return SendFailed(reason, retryable=True, http_status=status, retry_after=response.retry_after())
    if status >= 500:
        return SendFailed(reason, retryable=True, http_status=status)
    if status == 401:
        return SendFailed(
            f"HTTP 401: LINE refused the channel access token ({detail})",
            retryable=False,
            http_status=status,
            code="credentials",
        )
    if status == 413:
        return SendFailed(reason, retryable=False, http_status=status, code="too_large")
    if status == 400 and document.get("message") == UNKNOWN_RECIPIENT:
        # LINE's answer for a user, group or room id it does not know for this channel.
        return SendFailed(reason, retryable=False, http_status=status, code="invalid_recipient")
    return SendFailed(reason, retryable=False, http_status=status)


def _image(attachment: OutboundAttachment) -> dict[str, Any]:
    content_type = attachment.content_type.split(";")[0].strip().lower()
    if not content_type.startswith("image/"):
        raise SendFailed(
            f"{attachment.filename or 'the file'}: LINE bots cannot send files, only JPEG and PNG images",
            retryable=False,
            code="unsupported",
        )
    if content_type not in IMAGE_TYPES:
        raise SendFailed(
            f"{attachment.filename or 'the image'}: LINE shows only JPEG and PNG images, not {content_type}",
            retryable=False,
            code="unsupported",
        )
    if attachment.size > IMAGE_MAX_BYTES:
        raise SendFailed(
            f"{attachment.filename or 'the image'}: LINE takes images of at most 10 MB",
            retryable=False,
            code="too_large",
        )
    if urlsplit(attachment.url).scheme != "https" or len(attachment.url) > URL_LIMIT:
        # LINE's servers fetch the image themselves, and only over https.
        raise SendFailed(
            "LINE fetches images from an https address; set FRONTDESK_PUBLIC_URL to this server's https address",
            retryable=False,
            code="unsupported",
        )
    image: dict[str, Any] = ImageMessage(
        original_content_url=attachment.url, preview_image_url=attachment.url
    ).to_dict()
    return image


def _sticker(sticker: Any) -> dict[str, Any]:
    if not isinstance(sticker, Mapping) or not sticker.get("package_id") or not sticker.get("sticker_id"):
        raise SendFailed("a LINE sticker needs a package_id and a sticker_id", retryable=False, code="unsupported")
    built: dict[str, Any] = StickerMessage(
        package_id=str(sticker["package_id"]), sticker_id=str(sticker["sticker_id"])
    ).to_dict()
    return built


def _flex(flex: Any) -> dict[str, Any]:
    if not isinstance(flex, Mapping) or not isinstance(flex.get("contents"), Mapping):
        raise SendFailed(
            "a Flex message needs its contents (a bubble or a carousel)", retryable=False, code="unsupported"
        )
    alt_text = str(flex.get("alt_text") or "").strip()
    if not alt_text:
        raise SendFailed("a Flex message needs an alt_text", retryable=False, code="unsupported")
    contents = dict(flex["contents"])
    try:
        # Checked with the SDK's model; sent as written, so properties newer than the SDK survive.
        FlexContainer.from_dict(contents)
    except (ValueError, TypeError) as error:
        detail = " ".join(str(error).split())[:200]
        raise SendFailed(f"the Flex message is not valid: {detail}", retryable=False, code="unsupported") from error
    return {"type": "flex", "altText": alt_text[:ALT_TEXT_LIMIT], "contents": contents}


def _quick_reply(options: Any) -> dict[str, Any]:
    if not isinstance(options, list) or len(options) > QUICK_REPLY_ITEMS:
        raise SendFailed(f"LINE shows at most {QUICK_REPLY_ITEMS} quick replies", retryable=False, code="unsupported")
    items = []
    for option in options:
        title = str(option.get("title") or "").strip() if isinstance(option, Mapping) else ""
        if not title:
            raise SendFailed("every quick reply needs a title", retryable=False, code="unsupported")
        data = str(option.get("id") or "")
        label = title[:QUICK_REPLY_LABEL]
        if len(data) > POSTBACK_DATA:
            raise SendFailed(
                f"a quick reply id may be at most {POSTBACK_DATA} characters", retryable=False, code="unsupported"
            )
        # With an id, the tap comes back as a postback carrying it (and shows the title in the chat);
        # without one, the customer simply sends the title as a message.
        action: PostbackAction | MessageAction = (
            PostbackAction(label=label, data=data, display_text=title[:POSTBACK_DATA])
            if data
            else MessageAction(label=label, text=title)
        )
        items.append(QuickReplyItem(action=action))
    built: dict[str, Any] = QuickReply(items=items).to_dict()
    return built


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
