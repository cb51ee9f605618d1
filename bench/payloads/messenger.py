"""Messenger deliveries for ``bench/ingest.py --kind messenger``: Meta's Page webhook shape, signed as Meta signs."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frontdesk.channels.models import Channel
    from frontdesk.core.models import Workspace

PAGE_ID = "1067280970047460"
CREDENTIALS = {
    "page_access_token": "bench-page-access-token",
    "app_secret": "bench-app-secret-0123456789abcdef",
    "verify_token": "bench-verify-token",
}


def create_channel(workspace: Workspace) -> Channel:
    from frontdesk.channels.messenger.setup import create_messenger_channel

    return create_messenger_channel(workspace, "Bench Messenger", page_id=PAGE_ID, **CREDENTIALS)


def contact_id(number: int) -> str:
    """A page-scoped ID (PSID): 16 digits."""
    return f"69{number % 10**14:014d}"


def signed(app_secret: str, document: dict[str, object]) -> tuple[str, bytes, dict[str, str]]:
    """The body and the ``X-Hub-Signature-256`` header Meta sends with ``document``."""
    body = json.dumps(document, ensure_ascii=False).encode()
    signature = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return "", body, {"Content-Type": "application/json", "X-Hub-Signature-256": signature}


def delivery(secrets: dict[str, str], contact: str, text: str, sequence: int) -> tuple[str, bytes, dict[str, str]]:
    """One webhook POST carrying one text message from ``contact`` with a mid unique per ``sequence``."""
    now = int(time.time() * 1000)
    item = {
        "sender": {"id": contact},
        "recipient": {"id": PAGE_ID},
        "timestamp": now,
        "message": {"mid": f"m_BENCH{sequence:012d}Hz2Uq7tuwNEhXfYYKj8mJEM", "text": text},
    }
    document: dict[str, object] = {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": [item]}]}
    return signed(secrets["app_secret"], document)
