"""Which conversation a mail belongs to, and what a bounce says about the mail it bounced.

DESIGN inbound step 5, "email by headers", in this order:

1. ``In-Reply-To`` / ``References``: the conversation holding a message with
   one of those ids on this channel of this workspace (the pipeline looks it
   up, newest id first; a customer's own earlier mail counts only for that
   customer, see ``pipeline.inbound.referenced_conversation``);
2. a reply token (``support+<token>@domain`` among the recipients, or
   ``[#<token>]`` in the subject) that verifies for this workspace and sender
   (``tokens``);
3. the sender's open conversation on this channel whose subject is the same
   once "Re:", "Fwd:", "回覆:", "答复:", "转发:"… are stripped;
4. else a new conversation whose subject is the mail's.

A bounce (a DSN) names the mail it returns by ``Original-Message-ID``, or by
the ``Message-ID`` of the returned headers; its thread hint points there, so it
lands beside the reply that failed, and ``bounce_report`` gives the reason the
outbound message is marked failed with.
"""

from __future__ import annotations

import email.policy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any

from frontdesk.channels.email.account import MailAccount
from frontdesk.channels.email.parsing import ParsedEmail
from frontdesk.channels.email.tokens import find_conversation
from frontdesk.pipeline.inbound import ThreadHint

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# A DSN's header sections are short; reading more of a hostile one is wasted work.
MAX_REPORT_BYTES = 64 * 1024
REASON_LENGTH = 300


@dataclass(frozen=True)
class BounceReport:
    """What a DSN says: the ids of the mail it returns (ours, if it was a reply) and why it failed."""

    original_ids: tuple[str, ...]
    reason: str


def thread_hint(
    parsed: ParsedEmail,
    *,
    workspace_id: int,
    account: MailAccount,
    envelope_recipients: Iterable[str] = (),
    bounce: BounceReport | None = None,
) -> ThreadHint:
    """How ``parsed`` names its conversation; ``bounce`` adds the returned mail's ids."""
    message_ids = [*parsed.references]
    if parsed.in_reply_to and _MESSAGE_ID.fullmatch(parsed.in_reply_to):
        message_ids.append(parsed.in_reply_to)
    if bounce is not None:
        message_ids.extend(bounce.original_ids)
    conversation_id = find_conversation(
        workspace_id=workspace_id,
        sender=parsed.sender.address,
        base_address=account.address,
        recipients=[*parsed.to, *parsed.cc, *envelope_recipients],
        subject=parsed.subject,
    )
    unique = list(dict.fromkeys(message_ids))
    return ThreadHint(message_ids=tuple(unique[-50:]), conversation_id=conversation_id, subject=parsed.subject)


def envelope_recipients(payload: Mapping[str, Any]) -> list[str]:
    """The recipients the relay or the webhook was given (``envelope_to`` in the stored event), if any."""
    value = payload.get("envelope_to")
    if isinstance(value, list):
        return [item for item in value[:50] if isinstance(item, str)]
    return []


def bounce_report(raw: bytes) -> BounceReport:
    """The returned mail's ids and the failure reason of a ``multipart/report`` DSN, as far as it says."""
    message = email.message_from_bytes(raw[: 4 * 1024 * 1024], policy=email.policy.compat32)
    ids: list[str] = []
    reason = ""
    for part in _parts(message):
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            fields = _status_fields(part)
            ids.extend(_MESSAGE_ID.findall(fields.get("original-message-id", "")))
            reason = reason or _reason(fields)
        elif content_type in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            headers = _returned_headers(part)
            ids.extend(_MESSAGE_ID.findall(headers.get("message-id", "")))
    return BounceReport(original_ids=tuple(dict.fromkeys(ids)), reason=reason[:REASON_LENGTH])


def _parts(message: Message) -> Iterable[Message]:
    yield message
    payload = message.get_payload()
    if isinstance(payload, list):
        for child in payload[:20]:
            if isinstance(child, Message):
                yield child


def _text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        # message/delivery-status and message/rfc822 are read by the parser as sub-messages.
        return "\n\n".join(child.as_string()[:MAX_REPORT_BYTES] for child in payload if isinstance(child, Message))
    if isinstance(payload, str):
        return payload[:MAX_REPORT_BYTES]
    return ""


def _fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    name = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line[:1] in (" ", "\t") and name:
            fields[name] += " " + line.strip()
            continue
        key, colon, value = line.partition(":")
        if colon and key.strip() and " " not in key.strip():
            name = key.strip().lower()
            fields.setdefault(name, value.strip())
        else:
            name = ""
    return fields


def _status_fields(part: Message) -> dict[str, str]:
    return _fields(_text(part))


def _returned_headers(part: Message) -> dict[str, str]:
    text = _text(part)
    return _fields(re.split(r"\r?\n\r?\n", text, maxsplit=1)[0])


def _reason(fields: Mapping[str, str]) -> str:
    diagnostic = fields.get("diagnostic-code", "")
    status = fields.get("status", "")
    action = fields.get("action", "")
    if diagnostic:
        # "smtp; 550 5.1.1 <x@y>: user unknown" → the server's words.
        return " ".join(diagnostic.partition(";")[2].split()) or diagnostic
    if status:
        return f"{action or 'failed'}: status {status}"
    return ""
