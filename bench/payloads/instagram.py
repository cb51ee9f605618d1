"""Instagram deliveries for ``bench/ingest.py --kind instagram``: Meta's Instagram webhook shape, signed as Meta signs."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bench.payloads.messenger import CREDENTIALS, PAGE_ID, signed

if TYPE_CHECKING:
    from frontdesk.channels.models import Channel
    from frontdesk.core.models import Workspace

IG_USER_ID = "17841405822304914"


def create_channel(workspace: Workspace) -> Channel:
    from frontdesk.channels.instagram.setup import create_instagram_channel

    return create_instagram_channel(workspace, "Bench Instagram", page_id=PAGE_ID, ig_user_id=IG_USER_ID, **CREDENTIALS)


def contact_id(number: int) -> str:
    """An Instagram-scoped ID (IGSID): 16 digits."""
    return f"12{number % 10**14:014d}"


def delivery(secrets: dict[str, str], contact: str, text: str, sequence: int) -> tuple[str, bytes, dict[str, str]]:
    """One webhook POST carrying one text message from ``contact`` with a mid unique per ``sequence``."""
    now = int(time.time() * 1000)
    item = {
        "sender": {"id": contact},
        "recipient": {"id": IG_USER_ID},
        "timestamp": now,
        "message": {"mid": f"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlBENCH{sequence:012d}", "text": text},
    }
    document: dict[str, object] = {
        "object": "instagram",
        "entry": [{"id": IG_USER_ID, "time": now, "messaging": [item]}],
    }
    return signed(secrets["app_secret"], document)
