"""X (Account Activity API) deliveries for ``bench/ingest.py --kind x``: one signed direct message event each."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frontdesk.channels.models import Channel
    from frontdesk.core.models import Workspace

ACCOUNT_ID = "4337869213"
# Fixed, fake credentials: the bench signs its deliveries with them and never calls X.
CREDENTIALS = {
    "consumer_key": "bench-consumer-key",
    "consumer_secret": "bench-consumer-secret-0123456789abcdef",
    "access_token": f"{ACCOUNT_ID}-bench-access-token",
    "access_token_secret": "bench-access-token-secret",
}


def create_channel(workspace: Workspace) -> Channel:
    from frontdesk.channels.x.setup import create_x_channel

    return create_x_channel(
        workspace,
        "@BenchSupport",
        user_id=ACCOUNT_ID,
        **CREDENTIALS,
    )


def contact_id(number: int) -> str:
    """X user ids are numeric strings."""
    return str(3_000_000_000 + number)


def delivery(secrets: dict[str, str], contact: str, text: str, sequence: int) -> tuple[str, bytes, dict[str, str]]:
    event: dict[str, Any] = {
        "type": "message_create",
        "id": str(1_900_000_000_000_000_000 + sequence),
        "created_timestamp": str(int(time.time() * 1000)),
        "message_create": {
            "target": {"recipient_id": ACCOUNT_ID},
            "sender_id": contact,
            "source_app_id": "268278",
            "message_data": {
                "text": text,
                "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
            },
        },
    }
    document = {
        "for_user_id": ACCOUNT_ID,
        "direct_message_events": [event],
        "users": {
            contact: {"id": contact, "name": f"Customer {contact}", "screen_name": f"customer{contact}"},
            ACCOUNT_ID: {"id": ACCOUNT_ID, "name": "Bench Support", "screen_name": "BenchSupport"},
        },
    }
    body = json.dumps(document).encode()
    digest = hmac.new(secrets["consumer_secret"].encode(), body, hashlib.sha256).digest()
    headers = {
        "Content-Type": "application/json",
        "x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode(),
    }
    return "", body, headers
