"""Who is chatting in a widget: an anonymous visitor (a signed token kept in their browser) or a verified customer.

The visitor token is signed for one channel, so it cannot be forged, changed to
another visitor, or used on another business's widget. The host page may vouch
for a signed-in customer with ``user_hash = HMAC-SHA256(identity secret, user_id)``
in hex; only a matching hash makes the visitor that customer (the identity's
external id ``user:<user_id>``, the same on every device), and only then do the
name and email reach the contact. Identity is asserted on every page load and
never stored in the browser, so a customer who signs out of the site stops
being them in the widget.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from frontdesk.channels.models import Channel

SALT = "frontdesk.widget.visitor"
MAX_USER_ID = 200
MAX_NAME = 200
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class IdentityRefused(ValueError):
    """The host page's identity claim does not verify; the visitor stays anonymous."""


@dataclass(frozen=True)
class Visitor:
    channel: Channel
    # The browser's own id, from its visitor token.
    key: str
    # Set only when the host page's user_hash verified.
    user_id: str = ""
    name: str = ""
    email: str = ""
    # A name the page gave without a valid hash: shown to agents as unverified, never stored on the contact.
    unverified_name: str = ""

    @property
    def verified(self) -> bool:
        return bool(self.user_id)

    @property
    def external_id(self) -> str:
        return f"user:{self.user_id}" if self.user_id else f"visitor:{self.key}"


def new_visitor_token(channel: Channel) -> tuple[str, str]:
    """A new anonymous visitor of ``channel``: (key, token to keep in the browser)."""
    key = uuid.uuid4().hex
    return key, signing.dumps({"c": channel.pk, "v": key}, salt=SALT, compress=False)


def visitor_key(channel: Channel, token: str) -> str | None:
    """The key a visitor token carries, if it was signed by us for ``channel``."""
    try:
        value: Any = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("c") != channel.pk or not isinstance(value.get("v"), str):
        return None
    key: str = value["v"]
    return key


def user_hash(secret: str, user_id: str) -> str:
    """What the business's server computes for a signed-in customer: HMAC-SHA256(secret, user_id) in hex."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def identify(channel: Channel, key: str, claims: Any) -> Visitor:
    """The visitor behind ``key`` as the host page describes them; raises ``IdentityRefused`` for a bad claim.

    ``claims`` is ``{"user_id", "user_hash", "name", "email"}``; without a
    ``user_id`` the visitor is anonymous and a name is kept as unverified.
    """
    if not isinstance(claims, dict):
        return Visitor(channel, key)
    user_id = str(claims.get("user_id") or "").strip()
    name = str(claims.get("name") or "").strip()[:MAX_NAME]
    if not user_id:
        return Visitor(channel, key, unverified_name=name)
    secret = str((channel.secrets or {}).get("identity_secret") or "")
    presented = str(claims.get("user_hash") or "").strip().lower()
    if len(user_id) > MAX_USER_ID:
        raise IdentityRefused("user_id is longer than 200 characters")
    if not secret:
        raise IdentityRefused("the channel has no identity secret")
    if not hmac.compare_digest(user_hash(secret, user_id).encode(), presented.encode()):
        raise IdentityRefused("user_hash does not match user_id")
    email = str(claims.get("email") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        email = ""
    return Visitor(channel, key, user_id=user_id, name=name, email=email)
