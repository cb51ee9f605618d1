"""OAuth 1.0a user-context signing (RFC 5849, HMAC-SHA1) for the X API.

X's DM endpoints, its user lookup and its DM media host (``ton.twitter.com``)
all accept a request signed with the app's consumer key/secret and the
account's access token/secret. xdk has a signer, but it flattens repeated
parameters, cannot be given a nonce and timestamp, and its module imports
``requests``; signing is a few lines of hashing, so it is done here and the
tests check it against X's published example and against xdk's own signer.

JSON bodies are not part of the signature (RFC 5849 §3.4.1.3.1 signs only
``application/x-www-form-urlencoded`` bodies), so a DM's JSON is sent as is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit

from frontdesk.channels.models import Channel

SECRET_NAMES = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


class MissingCredentials(ValueError):
    pass


@dataclass(frozen=True)
class Credentials:
    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str

    @classmethod
    def of(cls, channel: Channel) -> Credentials:
        """The channel's four secrets; ``MissingCredentials`` names the first one left blank."""
        stored = channel.secrets or {}
        values = {name: str(stored.get(name) or "") for name in SECRET_NAMES}
        for name, value in values.items():
            if not value:
                raise MissingCredentials(f"the channel has no {name.replace('_', ' ')}")
        return cls(**values)


def percent_encode(value: str) -> str:
    """RFC 5849 §3.6: UTF-8, then every byte but ALPHA / DIGIT / "-" / "." / "_" / "~" as %XX."""
    return quote(value.encode(), safe="~")


def base_string_uri(url: str) -> str:
    """RFC 5849 §3.4.1.2: lower-case scheme and host, default ports dropped, no query or fragment."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is not None and (scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    return f"{scheme}://{host}{parts.path or '/'}"


def signature_base_string(method: str, url: str, parameters: list[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1: method, base URI and the normalised parameters, each percent-encoded and joined by "&"."""
    encoded = sorted((percent_encode(name), percent_encode(value)) for name, value in parameters)
    normalised = "&".join(f"{name}={value}" for name, value in encoded)
    return "&".join([method.upper(), percent_encode(base_string_uri(url)), percent_encode(normalised)])


def authorization_header(
    credentials: Credentials,
    method: str,
    url: str,
    *,
    form: Mapping[str, str] | None = None,
    nonce: str | None = None,
    timestamp: int | None = None,
) -> str:
    """The ``Authorization: OAuth …`` value for one request (query parameters of ``url`` are signed too)."""
    oauth = {
        "oauth_consumer_key": credentials.consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "oauth_token": credentials.access_token,
        "oauth_version": "1.0",
    }
    parameters = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    parameters += list(oauth.items()) + list((form or {}).items())
    key = f"{percent_encode(credentials.consumer_secret)}&{percent_encode(credentials.access_token_secret)}"
    base = signature_base_string(method, url, parameters)
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    oauth["oauth_signature"] = base64.b64encode(digest).decode()
    return "OAuth " + ", ".join(f'{name}="{percent_encode(value)}"' for name, value in sorted(oauth.items()))


def signed_headers(credentials: Credentials, method: str, url: str, **extra: str) -> dict[str, str]:
    return {"Authorization": authorization_header(credentials, method, url), **extra}
