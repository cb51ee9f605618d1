"""How one received mail is stored as an inbound event, whichever way it arrived.

IMAP, the SMTP relay and the inbound-mail webhook all store the raw RFC 5322
bytes the same way, so the pipeline parses every mail with the same code and
the same mail arriving twice (fetched again, or by two routes) is one event:
the event id is the mail's ``Message-ID``, or a digest of its bytes when it
has none.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any, Literal

from frontdesk.channels.base import RawEvent

type MailSource = Literal["imap", "relay", "webhook"]

_MESSAGE_ID_HEADER = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")
MAX_EVENT_ID_LENGTH = 255


def mail_event_id(raw: bytes) -> str:
    """``mid:<message-id>`` (lower-cased, without angle brackets), or ``sha256:<hex>`` when it has none."""
    end = _HEADER_END.search(raw)
    headers = raw[: end.start()] if end else raw
    found = _MESSAGE_ID_HEADER.search(headers)
    if found:
        value = found.group(1).decode("ascii", "replace")
        angle = _ANGLE_ID.search(value)
        message_id = (angle.group(1) if angle else value.strip()).lower()
        if message_id and len(message_id) + 4 <= MAX_EVENT_ID_LENGTH:
            return "mid:" + message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def mail_event(raw: bytes, source: MailSource, **details: Any) -> RawEvent:
    """The event to store for ``raw``; ``details`` (IMAP uid, envelope recipients) are kept beside it."""
    payload: dict[str, Any] = {"source": source, "mime": base64.b64encode(raw).decode("ascii")}
    payload.update(details)
    return RawEvent(provider_event_id=mail_event_id(raw), payload=payload)


def raw_mime(payload: Mapping[str, Any]) -> bytes:
    """The mail's bytes as stored by :func:`mail_event`."""
    return base64.b64decode(str(payload.get("mime") or ""), validate=False)
