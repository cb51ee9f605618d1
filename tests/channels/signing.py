"""Each provider's signing algorithm, written from its documentation with the standard library.

The signature matrix signs with these, never with an adapter's own ``sign``,
so a mistake in an adapter cannot be mirrored by the test that checks it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl


def hex_hmac_sha256(secret: str, body: bytes) -> str:
    """Meta's ``X-Hub-Signature-256`` and the API channel's ``X-Frontdesk-Signature``: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def line_signature(channel_secret: str, body: bytes) -> str:
    """LINE's ``X-Line-Signature``: base64 HMAC-SHA256 of the body, no prefix."""
    return base64.b64encode(hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()).decode()


def x_signature(consumer_secret: str, data: bytes) -> str:
    """X's ``x-twitter-webhooks-signature`` (and CRC ``response_token``): ``sha256=<base64 HMAC-SHA256>``."""
    return "sha256=" + base64.b64encode(hmac.new(consumer_secret.encode(), data, hashlib.sha256).digest()).decode()


def twilio_signature(auth_token: str, url: str, body: bytes) -> str:
    """Twilio's ``X-Twilio-Signature``: base64 HMAC-SHA1 of the URL followed by each name and value, sorted."""
    fields = sorted(parse_qsl(body.decode(), keep_blank_values=True))
    data = url + "".join(name + value for name, value in fields)
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def wechat_signature(*parts: str) -> str:
    """WeChat's ``signature`` / ``msg_signature``: SHA-1 hex of the parts sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode(), usedforsecurity=False).hexdigest()
