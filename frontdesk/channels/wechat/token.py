"""The channel's API access token, fetched with its secret and kept in Django's cache.

Official Account: ``GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…``;
WeCom: ``GET /cgi-bin/gettoken?corpid=…&corpsecret=…``. Both answer
``{"access_token": "…", "expires_in": 7200}`` or ``{"errcode": …, "errmsg": "…"}``.
A token lives two hours and fetching a new one invalidates nothing on WeCom but
counts against a daily quota on the Official Account, so every process shares
one cached token per channel and asks again only when it expires or WeChat
says it is no longer valid (``TOKEN_ERRORS``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache

from frontdesk.channels.models import Channel
from frontdesk.channels.wechat.setup import api_url, is_wecom, receive_id
from frontdesk.core.http_client import HttpClient, HttpClientError, Response

# 40001 invalid credential / access token, 40014 invalid access token, 42001 access token expired.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# WeChat's system is busy: asking again later works.
BUSY = -1
# Refreshed this long before WeChat's own expiry, so a token is never used in its last minutes.
EXPIRY_MARGIN_SECONDS = 300
REASON_LENGTH = 300


class AccessTokenError(Exception):
    """WeChat gave no access token; ``reason`` never contains the secret."""

    def __init__(self, reason: str, *, retryable: bool, errcode: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason[:REASON_LENGTH]
        self.retryable = retryable
        self.errcode = errcode


def access_token(channel: Channel, client: HttpClient, *, refresh: bool = False) -> str:
    """A valid access token for ``channel``: the cached one, or a new one when ``refresh`` or none is cached."""
    key = _cache_key(channel)
    if not refresh:
        cached = cache.get(key)
        if isinstance(cached, str) and cached:
            return cached
    secret = str((channel.secrets or {}).get("app_secret") or "")
    if not secret or not receive_id(channel):
        raise AccessTokenError("the channel has no app id and secret", retryable=False)
    if is_wecom(channel):
        url = f"{api_url(channel)}/cgi-bin/gettoken?" + urlencode({"corpid": receive_id(channel), "corpsecret": secret})
    else:
        query = {"grant_type": "client_credential", "appid": receive_id(channel), "secret": secret}
        url = f"{api_url(channel)}/cgi-bin/token?" + urlencode(query)
    try:
        response = client.get(url)
    except HttpClientError as error:
        raise AccessTokenError(
            f"WeChat's token endpoint did not answer: {scrub(str(error), secret)}", retryable=True
        ) from error
    document = json_document(response.content)
    token = document.get("access_token")
    if response.is_success and isinstance(token, str) and token:
        expires_in = document.get("expires_in")
        lifetime = expires_in if isinstance(expires_in, int) and expires_in > 0 else 7200
        cache.set(key, token, max(lifetime - EXPIRY_MARGIN_SECONDS, 60))
        return token
    errcode = document.get("errcode")
    retryable = errcode == BUSY or response.status_code == 429 or response.status_code >= 500
    reason = error_text(document) or f"HTTP {response.status_code}"
    raise AccessTokenError(
        f"WeChat refused the access token request: {scrub(reason, secret)}",
        retryable=retryable,
        errcode=errcode if isinstance(errcode, int) else None,
    )


def forget_access_token(channel: Channel) -> None:
    cache.delete(_cache_key(channel))


def json_document(content: bytes) -> dict[str, Any]:
    """The JSON object WeChat answered, or ``{}`` for anything else (a file, HTML from a proxy)."""
    try:
        document = json.loads(content)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def error_text(document: dict[str, Any]) -> str:
    """``"errcode 45015: response out of time limit rid: …"`` from a WeChat error answer, or ``""``."""
    errcode = document.get("errcode")
    if errcode is None:
        return ""
    return f"errcode {errcode}: {document.get('errmsg') or ''}".strip().rstrip(":")[:REASON_LENGTH]


def scrub(text: str, *secrets: str) -> str:
    """``text`` with every credential replaced, for reasons shown to people."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "…")
    return text


def _cache_key(channel: Channel) -> str:
    # The credentials are part of the key: a channel given a new secret never reuses the old account's token.
    fingerprint = hashlib.sha256(
        "\n".join(
            [receive_id(channel), str((channel.secrets or {}).get("app_secret") or ""), api_url(channel)]
        ).encode()
    ).hexdigest()[:16]
    return f"wechat:access-token:{channel.pk}:{fingerprint}"


def api_request(
    channel: Channel,
    client: HttpClient,
    method: str,
    path: str,
    params: dict[str, str] | None = None,
    *,
    content: bytes = b"",
    content_type: str = "",
) -> tuple[Response, dict[str, Any], str]:
    """One API call with the access token, made once more with a new token if WeChat says it expired.

    Returns the response, its JSON object (``{}`` for a file) and the token used (to scrub from reasons).
    Raises ``AccessTokenError`` or ``HttpClientError``.
    """
    refresh = False
    while True:
        token = access_token(channel, client, refresh=refresh)
        query = urlencode({"access_token": token, **(params or {})})
        headers = {"Content-Type": content_type} if content_type else {}
        try:
            response = client.request(method, f"{api_url(channel)}{path}?{query}", content=content, headers=headers)
        except HttpClientError as error:
            # The same kind of error, without the token the URL carried.
            raise type(error)(scrub(str(error), token)) from error
        document = json_document(response.content) if _is_json(response) else {}
        if document.get("errcode") in TOKEN_ERRORS and not refresh:
            forget_access_token(channel)
            refresh = True
            continue
        return response, document, token


def _is_json(response: Response) -> bool:
    content_type = response.headers.get("content-type", "")
    return "json" in content_type or "text/plain" in content_type or response.content[:1] == b"{"
