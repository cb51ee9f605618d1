"""Embedded mode: events raised in the worker or the scheduler reach agents connected to the web process.

With Redis every process shares the channel layer. Without it the layer lives
in the web process's memory, so the other roles hand their events to it over
loopback HTTP, signed with a key derived from the secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from frontdesk.core.http_client import Allowlist, HttpClient, HttpClientError

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Frontdesk-Event-Signature"


def _key() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"frontdesk-event-forwarding", hashlib.sha256).digest()


def signature(body: bytes) -> str:
    return hmac.new(_key(), body, hashlib.sha256).hexdigest()


def is_signed(body: bytes, presented: str) -> bool:
    return hmac.compare_digest(signature(body), presented)


def forward(items: list[tuple[int, dict[str, Any]]]) -> None:
    """Hand (workspace id, payload) events to the web process in one request; a failure is logged, never raised."""
    url = settings.FRONTDESK_EVENTS_FORWARD_URL
    body = json.dumps(
        {"events": [{"workspace_id": workspace_id, "payload": payload} for workspace_id, payload in items]}
    ).encode()
    # The web process is on loopback by construction: allow exactly that address.
    with HttpClient(allowlist=Allowlist.parse([urlsplit(url).netloc]), read_timeout=5, total_timeout=5) as client:
        try:
            answer = client.post(
                url, content=body, headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature(body)}
            )
        except HttpClientError as error:
            logger.warning("Could not forward %s event(s) to the web process: %s", len(items), error)
            return
    if answer.status_code != 204:
        logger.warning("The web process refused %s forwarded event(s): HTTP %s", len(items), answer.status_code)
