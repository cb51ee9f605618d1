"""WhatsApp Cloud API deliveries for ``bench/ingest.py --kind whatsapp``: Meta's webhook shape, signed as Meta signs."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frontdesk.channels.models import Channel
    from frontdesk.core.models import Workspace

PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
CREDENTIALS = {
    "access_token": "bench-access-token",
    "app_secret": "bench-app-secret-0123456789abcdef",
    "verify_token": "bench-verify-token",
}


def create_channel(workspace: Workspace) -> Channel:
    from frontdesk.channels.whatsapp.setup import create_whatsapp_channel

    return create_whatsapp_channel(
        workspace,
        "Bench WhatsApp",
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=WABA_ID,
        **CREDENTIALS,
    )


def contact_id(number: int) -> str:
    """A Hong Kong mobile number as WhatsApp writes a wa_id (country code, no plus)."""
    return f"8525{number % 10_000_000:07d}"


def delivery(secrets: dict[str, str], contact: str, text: str, sequence: int) -> tuple[str, bytes, dict[str, str]]:
    """One webhook POST carrying one text message from ``contact`` with a wamid unique per ``sequence``."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "85255550000", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": f"Customer {contact[-4:]}"}, "wa_id": contact}],
        "messages": [
            {
                "from": contact,
                "id": f"wamid.HBgLBENCH{sequence:012d}AA==",
                "timestamp": str(int(time.time())),
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    document = {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }
    body = json.dumps(document, ensure_ascii=False).encode()
    signature = "sha256=" + hmac.new(secrets["app_secret"].encode(), body, hashlib.sha256).hexdigest()
    return "", body, {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
