"""Sending on a WhatsApp channel through the Cloud API.

::

    POST {api_base_url}/{version}/{phone number id}/messages
    Authorization: Bearer <access token>

    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "<wa_id>",
     "type": "text", "text": {"preview_url": false, "body": "…"}}

Meta answers ``200 {"messages": [{"id": "wamid…"}]}``. Files go by link (the
attachment's signed public URL, which Meta fetches), one message per file, the
text as the first file's caption where the kind takes one; reply buttons, lists
and templates are ``interactive`` and ``template`` messages. A refusal is read
with pywa's error classes (Meta's Cloud API error codes): the 24-hour window
(131047), an undeliverable number (131026), a customer who stopped marketing
messages (131050), template errors (132xxx) and a refused token (190) are
final with their failure code; rate limits (4, 80007, 130429, 131056), Meta's
transient errors and 5xx are retried. The Cloud API has no idempotency key: a
retry after a lost answer may send twice, which is why only refusals Meta
documents as transient are retried.
"""

from __future__ import annotations

import json
from typing import Any

from pywa import errors as wa_errors

from frontdesk.channels.base import OutboundAttachment, OutboundMessage, SendResult
from frontdesk.channels.models import Channel
from frontdesk.channels.whatsapp.setup import api_url, auth_headers, graph_error, refusal
from frontdesk.core.http_client import BlockedDestination, HttpClient, HttpClientError, Response
from frontdesk.pipeline.outbound import SendFailed

# Meta's limits (Cloud API reference, "Messages").
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
INTERACTIVE_BODY_LIMIT = 1024
MAX_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
MAX_LIST_ROWS = 10
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
MEDIA_LIMITS = {"image": 5 * 1024 * 1024, "audio": 16 * 1024 * 1024, "video": 16 * 1024 * 1024}
DOCUMENT_LIMIT = 100 * 1024 * 1024
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
AUDIO_TYPES = frozenset({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"})
VIDEO_TYPES = frozenset({"video/mp4", "video/3gpp"})

FINAL_CODES: dict[type[wa_errors.WhatsAppError], str] = {
    wa_errors.ReEngagementMessage: "window_closed",
    wa_errors.MessageUndeliverable: "invalid_recipient",
    wa_errors.RecipientNotInAllowedList: "invalid_recipient",
    wa_errors.RecipientCannotBeSender: "invalid_recipient",
    wa_errors.UserStoppedMarketingMessages: "opted_out",
    wa_errors.UnsupportedMessageType: "unsupported",
}
# Meta's "try again later" codes beyond the throttling ones: 1 unknown, 2 service, 131000 something went wrong,
# 131016 service unavailable, 133004 server temporarily unavailable.
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016, 133004})


def send_message(channel: Channel, message: OutboundMessage, client: HttpClient) -> SendResult:
    """Send ``message`` as one or more Cloud API messages; the first one's wamid identifies it."""
    if not (channel.secrets or {}).get("access_token"):
        raise SendFailed("the channel has no access token", retryable=False, code="credentials")
    phone_number_id = str((channel.config or {}).get("phone_number_id") or "")
    if not phone_number_id:
        raise SendFailed("the channel has no phone number ID", retryable=False, code="credentials")
    url = api_url(channel, phone_number_id, "messages")
    sent = [_post(channel, client, url, message.recipient, body, message.reply_to) for body in bodies(channel, message)]
    return SendResult(provider_message_id=sent[0])


def bodies(channel: Channel, message: OutboundMessage) -> list[dict[str, Any]]:
    """The Cloud API message objects (without ``to``) that carry ``message``, in sending order."""
    content = dict(message.content)
    unknown = set(content) - {"template", "buttons", "list"}
    if unknown:
        raise SendFailed(
            f"WhatsApp cannot send {', '.join(sorted(unknown))} content", retryable=False, code="unsupported"
        )
    if len(content) > 1:
        raise SendFailed("one of template, buttons or list per message", retryable=False, code="unsupported")
    if "template" in content:
        return [template_body(channel, content["template"])]
    if "buttons" in content or "list" in content:
        if message.attachments:
            raise SendFailed("WhatsApp buttons and lists cannot carry files", retryable=False, code="unsupported")
        if "buttons" in content:
            return [buttons_body(message.text, content["buttons"])]
        return [list_body(message.text, content["list"])]
    result: list[dict[str, Any]] = []
    text = message.text
    for attachment in message.attachments:
        kind = media_kind(attachment)
        media: dict[str, Any] = {"link": attachment.url}
        if kind != "audio" and text and len(text) <= CAPTION_LIMIT:
            media["caption"], text = text, ""
        if kind == "document" and attachment.filename:
            media["filename"] = attachment.filename
        result.append({"type": kind, kind: media})
    if text:
        if len(text) > TEXT_LIMIT:
            raise SendFailed(f"WhatsApp takes at most {TEXT_LIMIT} characters", retryable=False, code="too_large")
        # The text goes first, before files it could not caption.
        result.insert(0, {"type": "text", "text": {"preview_url": False, "body": text}})
    if not result:
        raise SendFailed("the message is empty", retryable=False, code="unsupported")
    return result


def media_kind(attachment: OutboundAttachment) -> str:
    """How WhatsApp takes the file: image, audio and video only in the formats it plays, anything else a document."""
    content_type = attachment.content_type.split(";")[0].strip().lower()
    kind = (
        "image"
        if content_type in IMAGE_TYPES
        else "audio"
        if content_type in AUDIO_TYPES
        else "video"
        if content_type in VIDEO_TYPES
        else "document"
    )
    limit = MEDIA_LIMITS.get(kind, DOCUMENT_LIMIT)
    if attachment.size > limit:
        raise SendFailed(
            f"WhatsApp takes {kind} files of at most {limit // (1024 * 1024)} MB", retryable=False, code="too_large"
        )
    return kind


def _interactive_text(text: str) -> dict[str, str]:
    if not text:
        raise SendFailed("WhatsApp buttons and lists need a message text", retryable=False, code="unsupported")
    if len(text) > INTERACTIVE_BODY_LIMIT:
        raise SendFailed(
            f"a message with buttons takes at most {INTERACTIVE_BODY_LIMIT} characters",
            retryable=False,
            code="too_large",
        )
    return {"text": text}


def _title(value: Any, limit: int, what: str) -> str:
    title = str(value or "")
    if not title or len(title) > limit:
        raise SendFailed(
            f"a WhatsApp {what} needs a title of 1 to {limit} characters", retryable=False, code="unsupported"
        )
    return title


def buttons_body(text: str, buttons: Any) -> dict[str, Any]:
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise SendFailed(f"WhatsApp takes 1 to {MAX_BUTTONS} reply buttons", retryable=False, code="unsupported")
    replies = [
        {
            "type": "reply",
            "reply": {
                "id": str(item.get("id") or ""),
                "title": _title(item.get("title"), BUTTON_TITLE_LIMIT, "button"),
            },
        }
        for item in buttons
        if isinstance(item, dict)
    ]
    return {
        "type": "interactive",
        "interactive": {"type": "button", "body": _interactive_text(text), "action": {"buttons": replies}},
    }


def list_body(text: str, menu: Any) -> dict[str, Any]:
    if not isinstance(menu, dict) or not isinstance(menu.get("sections"), list) or not menu["sections"]:
        raise SendFailed("a WhatsApp list needs sections", retryable=False, code="unsupported")
    sections = []
    rows_total = 0
    for section in menu["sections"]:
        rows = [
            {
                "id": str(row.get("id") or ""),
                "title": _title(row.get("title"), ROW_TITLE_LIMIT, "list row"),
                **({"description": str(row["description"])[:ROW_DESCRIPTION_LIMIT]} if row.get("description") else {}),
            }
            for row in (section.get("rows") or [] if isinstance(section, dict) else [])
            if isinstance(row, dict)
        ]
        rows_total += len(rows)
        entry: dict[str, Any] = {"rows": rows}
        if isinstance(section, dict) and section.get("title"):
            entry["title"] = str(section["title"])[:ROW_TITLE_LIMIT]
        sections.append(entry)
    if not 1 <= rows_total <= MAX_LIST_ROWS:
        raise SendFailed(f"a WhatsApp list takes 1 to {MAX_LIST_ROWS} rows", retryable=False, code="unsupported")
    action = {"button": _title(menu.get("button"), BUTTON_TITLE_LIMIT, "list button"), "sections": sections}
    return {"type": "interactive", "interactive": {"type": "list", "body": _interactive_text(text), "action": action}}


def template_body(channel: Channel, template: Any) -> dict[str, Any]:
    """A ``template`` message: header, body and button parameters as Meta's components."""
    if not isinstance(template, dict) or not template.get("name") or not template.get("language"):
        raise SendFailed("a template needs a name and a language", retryable=False, code="template")
    parameters = template.get("parameters") or {}
    if not isinstance(parameters, dict) or not all(
        isinstance(parameters.get(part) or [], list) for part in ("header", "body", "buttons")
    ):
        raise SendFailed(
            "template parameters must be lists of header, body and button texts", retryable=False, code="template"
        )
    components: list[dict[str, Any]] = []
    for part in ("header", "body"):
        values = parameters.get(part) or []
        if values:
            components.append({"type": part, "parameters": [{"type": "text", "text": str(v)} for v in values]})
    kinds = _button_kinds(channel, str(template["name"]), str(template["language"]))
    for index, value in enumerate(parameters.get("buttons") or []):
        # A quick-reply button carries the payload its press sends back; a URL button the URL's variable suffix.
        if kinds.get(index) == "QUICK_REPLY":
            button = {
                "type": "button",
                "sub_type": "quick_reply",
                "index": str(index),
                "parameters": [{"type": "payload", "payload": str(value)}],
            }
        else:
            button = {
                "type": "button",
                "sub_type": "url",
                "index": str(index),
                "parameters": [{"type": "text", "text": str(value)}],
            }
        components.append(button)
    body: dict[str, Any] = {"name": str(template["name"]), "language": {"code": str(template["language"])}}
    if components:
        body["components"] = components
    return {"type": "template", "template": body}


def _button_kinds(channel: Channel, name: str, language: str) -> dict[int, str]:
    """Button types by index of the synced template (``templates.sync_templates``), if we know it."""
    for known in (channel.config or {}).get("templates") or []:
        if isinstance(known, dict) and known.get("name") == name and known.get("language") == language:
            return {index: str(button.get("type")) for index, button in enumerate(known.get("buttons") or [])}
    return {}


def _post(channel: Channel, client: HttpClient, url: str, recipient: str, body: dict[str, Any], reply_to: str) -> str:
    document: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient,
        **body,
    }
    if reply_to:
        document["context"] = {"message_id": reply_to}
    headers = {"Content-Type": "application/json", **auth_headers(channel)}
    try:
        response = client.post(url, content=json.dumps(document, ensure_ascii=False).encode(), headers=headers)
    except BlockedDestination as error:
        raise SendFailed(f"Graph API address refused: {error}", retryable=False) from error
    except HttpClientError as error:
        raise SendFailed(f"{type(error).__name__}: {error}", retryable=True) from error
    if response.is_success:
        return _message_id(response)
    raise failure(response)


def _message_id(response: Response) -> str:
    try:
        messages = response.json().get("messages")
        return str(messages[0]["id"])[:255]
    except (ValueError, AttributeError, LookupError, TypeError):
        return ""


def failure(response: Response) -> SendFailed:
    """The ``SendFailed`` for a refused request: retryable or final with its failure code."""
    status = response.status_code
    reason = refusal(response)
    raw = graph_error(response)
    error: wa_errors.WhatsAppError | None = None
    if isinstance(raw.get("code"), int) and isinstance(raw.get("message"), str):
        error = wa_errors.WhatsAppError.from_dict(raw)
    retry_after = response.retry_after()
    if error is not None and (
        isinstance(error, wa_errors.ThrottlingError) and not isinstance(error, wa_errors.SpamRateLimitHit)
    ):
        return SendFailed(reason, retryable=True, http_status=status, retry_after=retry_after)
    if error is not None and (error.code in TRANSIENT_CODES or error.is_transient):
        return SendFailed(reason, retryable=True, http_status=status, retry_after=retry_after)
    if status == 429 or status >= 500:
        return SendFailed(reason, retryable=True, http_status=status, retry_after=retry_after)
    return SendFailed(reason, retryable=False, http_status=status, code=_code(error, status))


def _code(error: wa_errors.WhatsAppError | None, status: int) -> str:
    if error is not None:
        for kind, code in FINAL_CODES.items():
            if isinstance(error, kind):
                return code
        if 132000 <= error.code < 133000:
            return "template"
        if isinstance(error, wa_errors.AuthorizationError) or error.code == 190:
            return "credentials"
    return "credentials" if status == 401 else ""
