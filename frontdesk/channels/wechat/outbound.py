"""Sending on a WeChat channel: customer-service messages (Official Account) or app messages (WeCom).

Official Account::

    POST {api_base_url}/cgi-bin/message/custom/send?access_token=…
    {"touser": "<OpenID>", "msgtype": "text", "text": {"content": "…"}}

allowed for 48 hours after the follower's last message (``45015`` after that).
WeCom::

    POST {api_base_url}/cgi-bin/message/send?access_token=…
    {"touser": "<UserID>", "msgtype": "text", "agentid": 1000002, "text": {"content": "…"},
     "enable_duplicate_check": 1, "duplicate_check_interval": 600}

An image is first uploaded as a temporary medium (``POST /cgi-bin/media/upload?type=image``,
multipart field ``media``) and then sent by its ``media_id``. WeChat answers
``{"errcode": 0, …}`` on success (WeCom adds ``msgid``); an expired access
token (40001/40014/42001) is fetched anew and the call made once more. The
Official Account has no idempotency key; WeCom's duplicate check drops the
same content to the same member within ten minutes, which covers our retries.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from frontdesk.channels.base import OutboundAttachment, OutboundMessage, SendResult
from frontdesk.channels.models import Channel
from frontdesk.channels.wechat.setup import is_wecom
from frontdesk.channels.wechat.token import BUSY, AccessTokenError, api_request, error_text, scrub
from frontdesk.core.http_client import BlockedDestination, HttpClient, HttpClientError
from frontdesk.pipeline.outbound import SendFailed

# WeChat cuts a text message after 2,048 bytes; longer replies go out as several messages.
TEXT_LIMIT_BYTES = 2048
MAX_TEXT_MESSAGES = 5
IMAGE_LIMIT_BYTES = 10 * 1024 * 1024
IMAGE_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/bmp": ".bmp"}
WECOM_IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
DUPLICATE_CHECK_SECONDS = 600
# errcode → failure code of a final refusal.
FINAL_CODES = {
    45015: "window_closed",  # response out of time limit: the 48-hour window has closed
    43004: "blocked",  # require subscribe: the follower unfollowed
    40003: "invalid_recipient",  # invalid openid
    60111: "invalid_recipient",  # WeCom: userid not found
    81013: "invalid_recipient",  # WeCom: every recipient invalid or out of the app's visible range
    45009: "quota",  # the daily API call quota is used up
    40009: "too_large",  # invalid image size
    40005: "unsupported",  # invalid file type
    40013: "credentials",  # invalid appid / corpid
    40125: "credentials",  # invalid appsecret
    40001: "credentials",  # still refused after a fresh token: the secret is wrong
    40014: "credentials",
    42001: "credentials",
    40164: "credentials",  # our IP address is not on the account's whitelist
    60020: "credentials",  # WeCom: our IP address is not a trusted one
}
# errcode → seconds to wait: WeChat's busy system and its rate limits clear by themselves.
RETRYABLE = {
    BUSY: 10,
    45047: 300,  # out of customer-service message count limit
    45033: 10,  # WeCom: too many concurrent calls
    45011: 10,  # API minute-quota limit
}


def send_message(channel: Channel, message: OutboundMessage, client: HttpClient) -> SendResult:
    """Send ``message``'s text, then its images; raises ``SendFailed`` (retryable or not) unless WeChat took all."""
    if message.content:
        raise SendFailed(
            f"WeChat channels cannot send {', '.join(sorted(message.content))}", retryable=False, code="unsupported"
        )
    texts = text_chunks(message.text)
    if len(texts) > MAX_TEXT_MESSAGES:
        raise SendFailed(
            f"WeChat takes at most {MAX_TEXT_MESSAGES * TEXT_LIMIT_BYTES} bytes of text",
            retryable=False,
            code="too_large",
        )
    for attachment in message.attachments:
        _check_image(channel, attachment)
    if not texts and not message.attachments:
        raise SendFailed("the message is empty", retryable=False, code="unsupported")
    api = WeChatApi(channel, client)
    sent: list[str] = []
    for chunk in texts:
        sent.append(api.send(message.recipient, {"msgtype": "text", "text": {"content": chunk}}))
    for attachment in message.attachments:
        media_id = api.upload_image(attachment)
        sent.append(api.send(message.recipient, {"msgtype": "image", "image": {"media_id": media_id}}))
    return SendResult(provider_message_id=next((item for item in sent if item), ""))


def text_chunks(text: str) -> list[str]:
    """``text`` cut into pieces of at most ``TEXT_LIMIT_BYTES`` UTF-8 bytes, never inside a character."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for character in text:
        length = len(character.encode())
        if size + length > TEXT_LIMIT_BYTES:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(character)
        size += length
    if current:
        chunks.append("".join(current))
    return chunks


class WeChatApi:
    """Calls of one channel's API with its access token, fetched again once when WeChat says it expired."""

    def __init__(self, channel: Channel, client: HttpClient) -> None:
        self.channel = channel
        self.client = client

    def send(self, recipient: str, message: dict[str, Any]) -> str:
        """Send one message; returns WeCom's ``msgid`` (the Official Account gives none)."""
        if is_wecom(self.channel):
            path = "/cgi-bin/message/send"
            body: dict[str, Any] = {
                "touser": recipient,
                "agentid": _agent_id(self.channel),
                **message,
                "enable_duplicate_check": 1,
                "duplicate_check_interval": DUPLICATE_CHECK_SECONDS,
            }
        else:
            path = "/cgi-bin/message/custom/send"
            body = {"touser": recipient, **message}
        content = json.dumps(body, ensure_ascii=False).encode()
        document = self.call(path, {}, content, "application/json; charset=utf-8")
        invalid = document.get("invaliduser")
        if isinstance(invalid, str) and invalid:
            raise SendFailed(
                f"WeCom refused the recipient: invaliduser {invalid}", retryable=False, code="invalid_recipient"
            )
        message_id = document.get("msgid")
        return str(message_id) if isinstance(message_id, str | int) else ""

    def upload_image(self, attachment: OutboundAttachment) -> str:
        """Upload ``attachment`` as a temporary image (kept 3 days by WeChat); returns its ``media_id``."""
        boundary = uuid.uuid4().hex
        data = attachment.read()
        # A name of our own: WeChat checks the extension, and the customer's name needs no escaping this way.
        filename = "image" + IMAGE_EXTENSIONS[attachment.content_type]
        body = (
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="media"; filename="{filename}"; filelength={len(data)}\r\n'
                f"Content-Type: {attachment.content_type}\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        document = self.call(
            "/cgi-bin/media/upload", {"type": "image"}, body, f"multipart/form-data; boundary={boundary}"
        )
        media_id = document.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise SendFailed("WeChat accepted the image upload but gave no media_id", retryable=True)
        return media_id

    def call(self, path: str, params: dict[str, str], content: bytes, content_type: str) -> dict[str, Any]:
        """POST to ``path``; the answer when ``errcode`` is 0, else ``SendFailed``."""
        token = ""
        try:
            response, document, token = api_request(
                self.channel, self.client, "POST", path, params, content=content, content_type=content_type
            )
        except AccessTokenError as error:
            code = "" if error.retryable else "credentials"
            raise SendFailed(error.reason, retryable=error.retryable, code=code) from error
        except BlockedDestination as error:
            raise SendFailed(f"WeChat API address refused: {scrub(str(error), token)}", retryable=False) from error
        except HttpClientError as error:
            raise SendFailed(f"{type(error).__name__}: {scrub(str(error), token)}", retryable=True) from error
        if response.is_success and document.get("errcode", 0) == 0 and document:
            return document
        raise failure(response.status_code, document, response.text, token)


def failure(status: int, document: dict[str, Any], text: str, token: str) -> SendFailed:
    """What a refused call means: retryable (busy, rate limits, 5xx) or final with its failure code."""
    reason = scrub(error_text(document) or f"HTTP {status}: {' '.join(text.split())[:200]}", token)
    errcode = document.get("errcode")
    if status == 429 or status >= 500:
        return SendFailed(reason, retryable=True, http_status=status)
    if isinstance(errcode, int) and errcode in RETRYABLE:
        return SendFailed(reason, retryable=True, http_status=status, retry_after=timedelta(seconds=RETRYABLE[errcode]))
    code = FINAL_CODES.get(errcode, "") if isinstance(errcode, int) else ""
    return SendFailed(reason, retryable=False, http_status=status, code=code)


def _check_image(channel: Channel, attachment: OutboundAttachment) -> None:
    allowed = WECOM_IMAGE_TYPES if is_wecom(channel) else frozenset(IMAGE_EXTENSIONS)
    if attachment.content_type not in allowed:
        raise SendFailed(
            f"WeChat channels send only images ({', '.join(sorted(allowed))}), not {attachment.content_type}",
            retryable=False,
            code="unsupported",
        )
    if attachment.size > IMAGE_LIMIT_BYTES:
        raise SendFailed(
            f"{attachment.filename} is larger than WeChat's {IMAGE_LIMIT_BYTES // (1024 * 1024)} MB for images",
            retryable=False,
            code="too_large",
        )


def _agent_id(channel: Channel) -> int:
    value = str((channel.config or {}).get("agent_id") or "")
    if not value.isdigit():
        raise SendFailed("the WeCom channel has no AgentId", retryable=False, code="credentials")
    return int(value)
