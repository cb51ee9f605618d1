"""LINE webhook deliveries for ``bench/ingest.py --kind line``: one signed message event each, as LINE sends them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frontdesk.channels.models import Channel
    from frontdesk.core.models import Workspace

CHANNEL_SECRET = "bench-line-channel-secret-0123456789ab"  # noqa: S105 (a fixed bench credential)
ACCESS_TOKEN = "bench-line-access-token"  # noqa: S105 (a fixed bench credential)


def create_channel(workspace: Workspace) -> Channel:
    from frontdesk.channels.line.setup import create_line_channel

    return create_line_channel(workspace, "LINE (bench)", CHANNEL_SECRET, ACCESS_TOKEN)


def _user_id(contact: str) -> str:
    # LINE user ids are "U" and 32 hex digits; the same contact always gets the same one.
    if re.fullmatch(r"U[0-9a-f]{32}", contact):
        return contact
    return "U" + hashlib.sha256(contact.encode()).hexdigest()[:32]


def contact_id(number: int) -> str:
    """The LINE user id of the bench's ``number``-th customer."""
    return _user_id(f"contact-{number}")


def delivery(secrets: dict[str, str], contact: str, text: str, sequence: int) -> tuple[str, bytes, dict[str, str]]:
    """(query string, body, headers) of one delivery carrying one text message from ``contact``."""
    event = {
        "type": "message",
        "message": {"type": "text", "id": str(500_000_000_000_000_000 + sequence), "quoteToken": "q", "text": text},
        "webhookEventId": f"01BENCH{sequence:019d}",
        "deliveryContext": {"isRedelivery": False},
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": _user_id(contact)},
        "replyToken": hashlib.md5(str(sequence).encode(), usedforsecurity=False).hexdigest(),
        "mode": "active",
    }
    body = json.dumps({"destination": "U" + "0" * 32, "events": [event]}, ensure_ascii=False).encode()
    digest = hmac.new(secrets["channel_secret"].encode(), body, hashlib.sha256).digest()
    headers = {"Content-Type": "application/json", "X-Line-Signature": base64.b64encode(digest).decode()}
    return "", body, headers
