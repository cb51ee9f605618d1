"""Telegram webhook deliveries for ``bench/ingest.py --kind telegram``: one Update each, with the secret-token header."""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frontdesk.channels.models import Channel
    from frontdesk.core.models import Workspace

BOT_TOKEN = "123456789:bench-telegram-bot-token"  # noqa: S105 (a fixed bench credential)


def create_channel(workspace: Workspace) -> Channel:
    from frontdesk.channels.telegram.setup import create_telegram_channel

    return create_telegram_channel(workspace, "Telegram (bench)", BOT_TOKEN)


def contact_id(number: int) -> str:
    """The private chat id (the user's id) of the bench's ``number``-th customer."""
    return str(700_000_000 + number)


def _chat_id(contact: str) -> int:
    # Private chat ids are the user's positive integer id; the same contact always gets the same one.
    return int(contact) if contact.isdigit() else int(hashlib.sha256(contact.encode()).hexdigest()[:12], 16)


def delivery(secrets: dict[str, str], contact: str, text: str, sequence: int) -> tuple[str, bytes, dict[str, str]]:
    """(query string, body, headers) of one Update carrying one text message from ``contact``."""
    chat_id = _chat_id(contact)
    user = {"id": chat_id, "is_bot": False, "first_name": contact[:32], "language_code": "zh-hant"}
    update = {
        "update_id": 100_000_000 + sequence,
        "message": {
            "message_id": sequence,
            "from": user,
            "chat": {"id": chat_id, "first_name": contact[:32], "type": "private"},
            "date": int(time.time()),
            "text": text,
        },
    }
    body = json.dumps(update, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secrets["webhook_secret"]}
    return "", body, headers
