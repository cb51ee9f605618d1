"""The SMS channel through Twilio Programmable Messaging (SMS and MMS).

Inbound: Twilio POSTs ``application/x-www-form-urlencoded`` fields to
``/hooks/sms/<webhook-token>``, one message or one status callback per request,
signed with ``X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + each
field name and value, sorted by name))``. The URL is the one Twilio called,
``FRONTDESK_PUBLIC_URL`` + path + query, and the check is twilio's
``RequestValidator``. A message's ``MessageSid`` is its dedupe key; a status
callback's is ``MessageSid:MessageStatus``, since Twilio sends one per status.
Twilio wants TwiML back: an empty ``<Response/>`` sends no automatic reply.

Media (MMS) is never fetched from the payload's URL: a ``MediaUrl{n}`` that is a
Media resource of the channel's Twilio API host becomes ``sms-media:<message
SID>/<media SID>``, downloaded by ``frontdesk.channels.sms.media``.

Opt-out: Twilio itself blocks a number that texts STOP (and answers it); the
message still reaches us. It is marked ``provider["opt_out"] = "stop"`` (or
``"start"`` for START/YES/UNSTOP), from Advanced Opt-Out's ``OptOutType`` field
when Twilio sends it, else from the default keywords, matched as Twilio does:
the whole body, trimmed, in any case.

Outbound: ``frontdesk.channels.sms.outbound``.
"""

from __future__ import annotations

import hmac
import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from twilio.request_validator import RequestValidator, add_port, remove_port
from twilio.twiml.messaging_response import MessagingResponse

from frontdesk.channels.base import (
    Capabilities,
    Delivery,
    HookAnswer,
    OutboundMessage,
    PayloadInvalid,
    RawEvent,
    RejectedEvent,
    SendResult,
    SignatureInvalid,
    WebhookRequest,
    register,
)
from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.channels.sms.setup import API_BASE_URL
from frontdesk.conversations.models import DeliveryStatus
from frontdesk.pipeline.inbound import AttachmentRef, ContactRef, InboundMessage, StatusUpdate

SIGNATURE_HEADER = "X-Twilio-Signature"
MEDIA_REFERENCE = "sms-media:"
# Twilio posts a few dozen fields; far more means it is not Twilio.
MAX_FIELDS = 500
# Twilio sends at most 10 media per message.
MAX_MEDIA = 10
# A Media resource of a Message: /2010-04-01/Accounts/AC…/Messages/MM…/Media/ME…
MEDIA_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-zA-Z]{32})/Messages/(?P<message>(?:MM|SM)[0-9a-zA-Z]{32})"
    r"/Media/(?P<media>ME[0-9a-zA-Z]{32})$"
)

# Twilio's status of an outbound message → ours; "read" comes only on channels with read receipts.
STATUSES = {
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.QUEUED,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
# Statuses of an inbound message, which some accounts also report.
INBOUND_STATUSES = frozenset({"receiving", "received"})

# Twilio's default keywords (https://help.twilio.com/articles/223134027); Advanced Opt-Out sends OptOutType instead.
STOP_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})

# The delivery errors agents meet most (https://www.twilio.com/docs/api/errors), so the reason says what happened.
ERROR_DESCRIPTIONS = {
    "21610": "the recipient replied STOP and has opted out",
    "30001": "queue overflow",
    "30002": "account suspended",
    "30003": "unreachable destination handset",
    "30004": "message blocked by the recipient or their carrier",
    "30005": "unknown destination handset",
    "30006": "landline or unreachable carrier",
    "30007": "message filtered by the carrier",
    "30008": "unknown error from the carrier",
    "30009": "missing segment",
    "30010": "message price exceeds the max price",
    "30019": "content size exceeds the carrier's limit",
    "30034": "message from an unregistered number (US A2P 10DLC)",
}


def form_fields(body: bytes) -> list[tuple[str, str]]:
    """The form's fields in order; ``PayloadInvalid`` when the body is not a UTF-8 form."""
    return list(_parsed_form(body))


@lru_cache(maxsize=16)
def _parsed_form(body: bytes) -> tuple[tuple[str, str], ...]:
    # Verifying and splitting one delivery both read its form: parsed once (a few bodies of at most 1 MB kept).
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PayloadInvalid(f"the body is not valid UTF-8 (byte {error.start})") from error
    try:
        return tuple(parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FIELDS))
    except ValueError as error:
        raise PayloadInvalid(f"not a form body: {error}") from error


# Empty TwiML: Twilio sends no automatic reply.
EMPTY_TWIML = str(MessagingResponse()).encode()


class _Form(dict[str, list[str]]):
    """Field name → values, with the ``getlist`` RequestValidator uses to sign repeated fields."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


def _multi(fields: list[tuple[str, str]]) -> _Form:
    form = _Form()
    for name, value in fields:
        form.setdefault(name, []).append(value)
    return form


def sign(auth_token: str, url: str, fields: dict[str, str] | list[tuple[str, str]]) -> str:
    """The ``X-Twilio-Signature`` Twilio puts on a POST of ``fields`` to ``url``."""
    items = list(fields.items()) if isinstance(fields, dict) else fields
    signature: str = RequestValidator(auth_token).compute_signature(url, _multi(items))
    return signature


def media_reference(channel: Channel, url: str) -> str:
    """``sms-media:<message SID>/<media SID>`` for a Media URL of the channel's Twilio API host, else ``""``."""
    parts = urlsplit(url)
    configured = urlsplit(str((channel.config or {}).get("api_base_url") or API_BASE_URL))
    hosts = {urlsplit(API_BASE_URL).netloc, configured.netloc}
    match = MEDIA_PATH.match(parts.path)
    if parts.scheme not in ("https", configured.scheme) or parts.netloc not in hosts or match is None:
        return ""
    if parts.query or parts.fragment:
        return ""
    account = str((channel.config or {}).get("account_sid") or "")
    if account and match["account"] != account:
        return ""
    return f"{MEDIA_REFERENCE}{match['message']}/{match['media']}"


def opt_out_marker(fields: dict[str, Any]) -> str:
    """``"stop"`` or ``"start"`` when the message changes the sender's opt-out state at Twilio, else ``""``."""
    kind = str(fields.get("OptOutType") or "").strip().upper()
    if kind:
        # Advanced Opt-Out matched one of the service's own keywords (HELP changes nothing).
        return {"STOP": "stop", "START": "start"}.get(kind, "")
    word = str(fields.get("Body") or "").strip().upper()
    if word in STOP_KEYWORDS:
        return "stop"
    if word in START_KEYWORDS:
        return "start"
    return ""


def _status(fields: dict[str, Any]) -> str:
    return str(fields.get("MessageStatus") or "").strip().lower()


def _message_sid(fields: dict[str, Any]) -> str:
    return str(fields.get("MessageSid") or fields.get("SmsSid") or "").strip()


@register(ChannelKind.SMS)
class SmsAdapter:
    capabilities = Capabilities(media_kinds=frozenset({"image"}), opt_out_keywords=True)

    def verify(self, channel: Channel, request: WebhookRequest) -> None:
        token = str((channel.secrets or {}).get("auth_token") or "")
        if not token:
            raise SignatureInvalid("the channel has no auth token")
        header = request.headers.get(SIGNATURE_HEADER, "").strip()
        if not header:
            raise SignatureInvalid(f"missing {SIGNATURE_HEADER} header")
        if not request.url:
            raise SignatureInvalid("the request's public URL is unknown")
        validator = RequestValidator(token)
        form = _multi(form_fields(request.body))
        parsed = urlsplit(request.url)
        # Twilio signs the URL as configured, with or without the default port; RequestValidator checks both.
        candidates = {remove_port(parsed), add_port(parsed)}  # type: ignore[arg-type]
        # Each comparison is constant-time; stopping at the first match tells only which spelling of the URL matched.
        matches = (
            hmac.compare_digest(validator.compute_signature(candidate, form).encode(), header.encode())
            for candidate in sorted(candidates, key=lambda candidate: candidate != request.url)
        )
        if not any(matches):
            raise SignatureInvalid("signature does not match the URL and fields")

    def split(self, channel: Channel, body: bytes) -> Delivery:
        fields = dict(form_fields(body))
        if not fields:
            raise PayloadInvalid("the body has no form fields")
        sid = _message_sid(fields)
        if not sid:
            return Delivery(rejected=[RejectedEvent(index=0, detail="the request has no MessageSid")])
        status = _status(fields)
        if status and status not in INBOUND_STATUSES:
            return Delivery(events=[RawEvent(provider_event_id=f"{sid}:{status}", payload=fields)])
        if not str(fields.get("From") or "").strip():
            return Delivery(rejected=[RejectedEvent(index=0, detail="the message has no From", provider_event_id=sid)])
        return Delivery(events=[RawEvent(provider_event_id=sid, payload=fields)])

    def acknowledgement(self, channel: Channel, request: WebhookRequest) -> HookAnswer:
        return HookAnswer(200, EMPTY_TWIML, "text/xml")

    def parse(self, channel: Channel, payload: dict[str, Any]) -> list[InboundMessage | StatusUpdate]:
        sid = _message_sid(payload)
        if not sid:
            raise PayloadInvalid("not a Twilio message: no MessageSid")
        status = _status(payload)
        if status and status not in INBOUND_STATUSES:
            if status not in STATUSES:
                # A status Twilio adds later (partially_delivered, …) is skipped rather than refused for good.
                return []
            return [StatusUpdate(provider_message_id=sid, status=STATUSES[status], reason=_reason(status, payload))]
        sender = str(payload.get("From") or "").strip()
        if not sender:
            raise PayloadInvalid("not a Twilio message: no From")
        provider: dict[str, Any] = {"to": str(payload.get("To") or "")}
        marker = opt_out_marker(payload)
        if marker:
            provider["opt_out"] = marker
        attachments, refused = _media(channel, payload)
        if refused:
            provider["refused_media"] = refused
        return [
            InboundMessage(
                provider_message_id=sid,
                contact=ContactRef(
                    external_id=sender,
                    phone=sender if sender.startswith("+") else "",
                    verified=frozenset({"phone"}),
                ),
                text=str(payload.get("Body") or ""),
                attachments=attachments,
                provider=provider,
            )
        ]

    def send(self, channel: Channel, message: OutboundMessage) -> SendResult:
        from frontdesk.channels.sms.outbound import send_message
        from frontdesk.core.http_client import http_client

        with http_client() as client:
            return send_message(channel, message, str(message.metadata.get("idempotency_key", "")), client)


def _media(channel: Channel, payload: dict[str, Any]) -> tuple[tuple[AttachmentRef, ...], list[str]]:
    """The message's MMS media as references, and the media URLs that are not Twilio's (kept, never fetched)."""
    try:
        count = int(str(payload.get("NumMedia") or "0"))
    except ValueError as error:
        raise PayloadInvalid("NumMedia is not a number") from error
    attachments: list[AttachmentRef] = []
    refused: list[str] = []
    for index in range(min(max(count, 0), MAX_MEDIA)):
        url = str(payload.get(f"MediaUrl{index}") or "")
        reference = media_reference(channel, url)
        if not reference:
            if url:
                refused.append(url[:500])
            continue
        content_type = str(payload.get(f"MediaContentType{index}") or "")
        attachments.append(AttachmentRef(url=reference, content_type=content_type))
    return tuple(attachments), refused


def _reason(status: str, payload: dict[str, Any]) -> str:
    code = str(payload.get("ErrorCode") or "").strip()
    if not code:
        return "canceled before sending" if status == "canceled" else ""
    description = str(payload.get("ErrorMessage") or "").strip() or ERROR_DESCRIPTIONS.get(code, "")
    return f"Twilio error {code}" + (f": {description}" if description else "")
