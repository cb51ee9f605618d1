"""Twilio SMS webhooks for ``bench/ingest.py --kind sms``: one signed incoming-message form each.

Twilio signs the URL it called together with the form fields, so the bench
channel has a fixed webhook token and the URL is ``FRONTDESK_PUBLIC_URL`` (the
server's default when unset) + ``/hooks/sms/<token>``. ``secrets["hook_url"]``
overrides it for a server behind another public address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from frontdesk.channels.models import Channel
    from frontdesk.core.models import Workspace

# Fixed, fake credentials: the bench signs its deliveries with them and never calls Twilio.
ACCOUNT_SID = "AC" + "be4c" * 8
AUTH_TOKEN = "bench0auth0token0000000000000000"  # noqa: S105 (a fake, for the bench)
OUR_NUMBER = "+14155550100"
WEBHOOK_TOKEN = "bench-sms-hook"  # noqa: S105 (part of the hook path, not a credential)
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def create_channel(workspace: Workspace) -> Channel:
    from frontdesk.channels.sms.setup import create_sms_channel

    channel = create_sms_channel(workspace, "Bench SMS", ACCOUNT_SID, AUTH_TOKEN, from_number=OUR_NUMBER)
    channel.webhook_token = WEBHOOK_TOKEN
    channel.save(update_fields=["webhook_token"])
    return channel


def contact_id(number: int) -> str:
    """Customers' numbers in E.164, as Twilio's From field has them."""
    return f"+8526{number:07d}"


def hook_url(secrets: dict[str, str]) -> str:
    public = os.environ.get("FRONTDESK_PUBLIC_URL", DEFAULT_PUBLIC_URL).rstrip("/")
    return secrets.get("hook_url") or f"{public}/hooks/sms/{WEBHOOK_TOKEN}"


def signature(auth_token: str, url: str, fields: dict[str, str]) -> str:
    """Twilio's X-Twilio-Signature: base64 HMAC-SHA1 of the URL and each name+value, sorted by name."""
    data = url + "".join(name + fields[name] for name in sorted(fields))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def delivery(secrets: dict[str, str], contact: str, text: str, sequence: int) -> tuple[str, bytes, dict[str, str]]:
    message_sid = f"SM{sequence:032x}"
    fields = {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": message_sid,
        "NumMedia": "0",
        "ToCity": "SAN FRANCISCO",
        "FromZip": "",
        "SmsSid": message_sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": text,
        "FromCountry": "HK",
        "To": OUR_NUMBER,
        "ToZip": "94105",
        "NumSegments": "1",
        "MessageSid": message_sid,
        "AccountSid": ACCOUNT_SID,
        "From": contact,
        "ApiVersion": "2010-04-01",
    }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature(secrets["auth_token"], hook_url(secrets), fields),
    }
    return "", urlencode(fields).encode(), headers
