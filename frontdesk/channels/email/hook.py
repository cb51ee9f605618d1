"""The inbound-mail webhook: mail POSTed to ``/hooks/email/<webhook-token>`` by a mail service or an MTA script.

Two shapes are accepted, told apart by the body itself (``split`` sees only
the body, so ``verify`` decides the same way):

* a Mailgun-style form (``application/x-www-form-urlencoded`` or
  ``multipart/form-data``) from a route's ``forward()`` to a URL ending in
  ``mime`` or a "store and notify": the whole mail in ``body-mime``, signed by
  ``signature`` = hex HMAC-SHA256(signing key, ``timestamp`` + ``token``);
* the raw mail (``Content-Type: message/rfc822``) signed with headers
  ``X-Frontdesk-Timestamp`` (Unix seconds) and ``X-Frontdesk-Signature`` = hex
  HMAC-SHA256(signing key, timestamp + ``"."`` + body), optionally ``sha256=``-prefixed.

The signing key is the channel's ``webhook_signing_key`` secret. A timestamp
more than ``TOLERANCE_SECONDS`` from our clock is refused, and a signature is
accepted once: the Mailgun token (or, for raw posts, the signature itself) is
remembered in the cache for twice the tolerance, so a captured request cannot
be replayed while its timestamp is still fresh (RELIABILITY T-11). A retry must
therefore be signed again, which Mailgun does.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from functools import lru_cache
from urllib.parse import parse_qsl

from django.core.cache import cache

from frontdesk.channels.base import Delivery, PayloadInvalid, SignatureInvalid, WebhookRequest
from frontdesk.channels.email.account import mail_account
from frontdesk.channels.email.events import mail_event
from frontdesk.channels.models import Channel

TIMESTAMP_HEADER = "X-Frontdesk-Timestamp"
SIGNATURE_HEADER = "X-Frontdesk-Signature"
# Mailgun's example code allows 2 minutes; 5 leaves room for clock drift and queues on the sender's side.
TOLERANCE_SECONDS = 300
MAX_FIELDS = 200
_SEEN_PREFIX = "email-hook-seen:"

_MULTIPART_START = re.compile(rb"\A--([^\r\n]{1,200})\r?\n")
# A form's first field name: characters a form encoder leaves as they are, then "=".
_FORM_START = re.compile(rb"\A[A-Za-z0-9_.%+*-]*=")
# A mail's first line: a header field name, then ":".
_HEADER_START = re.compile(rb"\A[!-9;-~]+:")
_FIELD_NAME = re.compile(rb'^content-disposition:[^\r\n]*?\bname="([^"]*)"', re.IGNORECASE | re.MULTILINE)


def verify_hook(channel: Channel, request: WebhookRequest) -> None:
    """Return if the request carries a fresh, unused signature by the channel's key; ``SignatureInvalid`` otherwise."""
    key = mail_account(channel).webhook_signing_key
    if not key:
        raise SignatureInvalid("the channel has no webhook signing key")
    form = _form(request.body)
    if form is not None:
        timestamp = form.get("timestamp", "").strip()
        nonce = form.get("token", "").strip()
        given = form.get("signature", "").strip().lower()
        if not timestamp or not nonce or not given:
            raise SignatureInvalid("missing timestamp, token or signature field")
        _check_fresh(timestamp)
        expected = hmac.new(key.encode(), (timestamp + nonce).encode(), hashlib.sha256).hexdigest()
    else:
        timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
        given = request.headers.get(SIGNATURE_HEADER, "").strip().lower().removeprefix("sha256=")
        if not timestamp or not given:
            raise SignatureInvalid(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
        _check_fresh(timestamp)
        expected = hmac.new(key.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
        nonce = expected
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise SignatureInvalid("signature does not match")
    if not _first_use(channel, nonce):
        raise SignatureInvalid("this signature was already used")


def split_hook(channel: Channel, body: bytes) -> Delivery:
    """The one mail a verified delivery carries, as the event :func:`mail_event` stores."""
    form = _form(body)
    if form is None:
        # A script piping a local delivery may pass the mbox "From sender date" line along.
        if body.startswith(b"From "):
            body = body.partition(b"\n")[2]
        if not _HEADER_START.match(body):
            raise PayloadInvalid("the body is neither a mail (message/rfc822) nor a form with body-mime")
        return Delivery(events=[mail_event(body, "webhook")])
    mime = form.get("body-mime", "")
    if not mime.strip():
        raise PayloadInvalid("the form has no body-mime field (use a route URL ending in mime)")
    raw = mime.encode("utf-8", "surrogateescape")
    details: dict[str, object] = {}
    recipient = form.get("recipient", "").strip()
    if recipient:
        details["envelope_to"] = [address.strip() for address in recipient.split(",") if address.strip()]
    return Delivery(events=[mail_event(raw, "webhook", **details)])


def sign_raw(key: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers a raw-MIME POST of ``body`` is signed with (for scripts forwarding mail, and tests)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = hmac.new(key.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature}


def _check_fresh(timestamp: str) -> None:
    if not timestamp.isdigit():
        raise SignatureInvalid("the timestamp is not a number of seconds")
    offset = abs(time.time() - int(timestamp))
    if offset > TOLERANCE_SECONDS:
        raise SignatureInvalid(f"the timestamp is {offset:.0f} seconds away from our clock")


def _first_use(channel: Channel, nonce: str) -> bool:
    """Remember ``nonce`` for the channel; false when it was already remembered (``cache.add`` is atomic)."""
    digest = hashlib.sha256(nonce.encode()).hexdigest()
    added: bool = cache.add(f"{_SEEN_PREFIX}{channel.pk}:{digest}", 1, timeout=2 * TOLERANCE_SECONDS)
    return added


def _form(body: bytes) -> dict[str, str] | None:
    """The body's fields when it is a form (first value of each), ``None`` when it is a raw mail."""
    if _MULTIPART_START.match(body):
        return dict(_multipart_fields(body))
    if _FORM_START.match(body):
        return dict(_urlencoded_fields(body))
    return None


@lru_cache(maxsize=8)
def _urlencoded_fields(body: bytes) -> tuple[tuple[str, str], ...]:
    # Verifying and splitting one delivery both read its form: parsed once.
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError as error:
        raise PayloadInvalid(f"a form body must be ASCII (byte {error.start})") from error
    try:
        # surrogateescape keeps a mail's 8-bit bytes as they were sent.
        fields = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="surrogateescape")
    except ValueError as error:
        raise PayloadInvalid(f"not a form body: {error}") from error
    return tuple(_first_values(fields).items())


@lru_cache(maxsize=8)
def _multipart_fields(body: bytes) -> tuple[tuple[str, str], ...]:
    """``multipart/form-data`` (RFC 7578) read by hand: each field's bytes exactly as sent, whatever they contain."""
    start = _MULTIPART_START.match(body)
    if start is None:
        raise PayloadInvalid("not a multipart form")
    newline = b"\r\n" if body[start.end() - 2 : start.end()] == b"\r\n" else b"\n"
    delimiter = newline + b"--" + start.group(1).rstrip()
    chunks = (newline + body).split(delimiter)
    if len(chunks) > MAX_FIELDS + 2:
        raise PayloadInvalid(f"the form has more than {MAX_FIELDS} fields")
    fields: list[tuple[str, str]] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        head, separator, content = chunk.removeprefix(newline).partition(newline + newline)
        name = _FIELD_NAME.search(head)
        if not separator or name is None:
            continue
        fields.append((name.group(1).decode("utf-8", "replace"), content.decode("utf-8", "surrogateescape")))
    return tuple(_first_values(fields).items())


def _first_values(fields: list[tuple[str, str]]) -> dict[str, str]:
    first: dict[str, str] = {}
    for name, value in fields:
        first.setdefault(name, value)
    return first
