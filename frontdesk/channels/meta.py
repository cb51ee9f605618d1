"""What Meta's webhooks (WhatsApp Cloud API, Messenger, Instagram) share: the handshake and the signature.

Subscribing a callback URL, Meta sends ``GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…``
and expects the challenge back as the body when the verify token is the one
the business typed in. Every delivery is ``POST``ed with
``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the app secret>``.
Both secrets live in ``channel.secrets`` as ``verify_token`` and ``app_secret``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from frontdesk.channels.base import HookAnswer, SignatureInvalid, WebhookRequest
from frontdesk.channels.models import Channel

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="


def new_verify_token() -> str:
    return secrets.token_urlsafe(24)


def sign(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body``."""
    return SIGNATURE_PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(channel: Channel, request: WebhookRequest) -> None:
    """Raise ``SignatureInvalid`` unless the body carries the app secret's signature (compared in constant time)."""
    app_secret = str((channel.secrets or {}).get("app_secret") or "")
    if not app_secret:
        raise SignatureInvalid("the channel has no app secret")
    given = request.headers.get(SIGNATURE_HEADER, "").strip()
    if not given:
        raise SignatureInvalid(f"missing {SIGNATURE_HEADER} header")
    if not hmac.compare_digest(sign(app_secret, request.body).encode(), given.encode()):
        raise SignatureInvalid("signature does not match the body")


def answer_subscription(channel: Channel, request: WebhookRequest) -> HookAnswer:
    """Meta's subscription check: the challenge back if the verify token matches, 403 otherwise."""
    expected = str((channel.secrets or {}).get("verify_token") or "")
    given = request.query.get("hub.verify_token", "")
    if request.query.get("hub.mode") != "subscribe" or "hub.challenge" not in request.query:
        return HookAnswer.json(400, {"detail": "Expected hub.mode=subscribe with a hub.challenge."})
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        return HookAnswer.json(403, {"detail": "hub.verify_token does not match the channel's verify token."})
    return HookAnswer.text(request.query["hub.challenge"])
