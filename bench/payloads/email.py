"""Inbound mail for ``bench/ingest.py --kind email``: one signed raw-MIME webhook post each.

The mail is what a customer's client sends (multipart/alternative, UTF-8,
Traditional Chinese and English), posted as ``message/rfc822`` with
``X-Frontdesk-Timestamp`` and ``X-Frontdesk-Signature`` (docs/channels/email.md).
Each mail has its own ``Message-ID``, the dedupe key of email events.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frontdesk.channels.models import Channel
    from frontdesk.core.models import Workspace

ADDRESS = "support@bench.example"
# Every customer writes under one subject, so a customer's mails join their open conversation
# (email threads by headers, reply token, then subject); the bench's probe conversations carry it.
SUBJECT = "訂單查詢 Order question"
# A fake key: the bench signs its own deliveries with it.
SIGNING_KEY = "bench-email-signing-key-0000000000000000"


def create_channel(workspace: Workspace) -> Channel:
    from frontdesk.channels.email.setup import create_email_channel

    return create_email_channel(workspace, "Bench mailbox", ADDRESS, webhook_signing_key=SIGNING_KEY)


def contact_id(number: int) -> str:
    """Customers' addresses, lower-cased as the email channel keeps them."""
    return f"customer{number}@mail.example"


def signed_headers(key: str, body: bytes) -> dict[str, str]:
    """What the sender's script adds: hex HMAC-SHA256(key, timestamp + "." + body) and the timestamp."""
    stamp = str(int(time.time()))
    signature = hmac.new(key.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Frontdesk-Timestamp": stamp, "X-Frontdesk-Signature": signature}


def delivery(secrets: dict[str, str], contact: str, text: str, sequence: int) -> tuple[str, bytes, dict[str, str]]:
    mail = EmailMessage()
    mail["From"] = f"Customer {sequence} <{contact}>"
    mail["To"] = ADDRESS
    mail["Subject"] = SUBJECT
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = f"<bench-{sequence}@mail.example>"
    mail.set_content(f"{text}\n\n-- \n從我的 iPhone 傳送\n")
    mail.add_alternative(f"<p>{text}</p><p>-- <br>從我的 iPhone 傳送</p>", subtype="html")
    body = mail.as_bytes()
    headers = {"Content-Type": "message/rfc822", **signed_headers(secrets["webhook_signing_key"], body)}
    return "", body, headers
