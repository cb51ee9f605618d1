"""Reaching a visitor's open widgets, from any process.

Every socket of one visitor on one channel joins ``visitor_group``. With Redis
every process shares the channel layer; in embedded mode the layer lives in
the web process's memory, so the worker hands the push to it over loopback
HTTP, signed like the inbox's forwarded events (``frontdesk.inbox.forwarding``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.urls import reverse

from frontdesk.core.group_sends import send_to_groups
from frontdesk.core.http_client import Allowlist, HttpClient, HttpClientError
from frontdesk.inbox.forwarding import SIGNATURE_HEADER, signature


class PushFailed(Exception):
    """The web process could not be handed the push (embedded mode); sending again later may work."""


def visitor_group(channel_id: int, external_id: str) -> str:
    # Group names are limited to ASCII letters, digits, "-", "_" and "."; an external id may hold anything.
    digest = hashlib.sha256(external_id.encode()).hexdigest()[:32]
    return f"widget.{channel_id}.{digest}"


def push_to_visitor(channel_id: int, external_id: str, payload: dict[str, Any]) -> None:
    """Send ``payload`` to every open widget of the visitor; raises ``PushFailed`` if it could not be handed on."""
    if settings.FRONTDESK_EVENTS_FORWARD_URL:
        _forward({"channel_id": channel_id, "visitor": external_id, "payload": payload})
        return
    send_to_group(visitor_group(channel_id, external_id), payload)


def send_to_group(group: str, payload: dict[str, Any]) -> None:
    send_to_groups([(group, {"type": "widget.push", "payload": payload})])


def forward_url() -> str:
    """The web process's push endpoint, beside the inbox's event endpoint on the same loopback address."""
    parts = urlsplit(settings.FRONTDESK_EVENTS_FORWARD_URL)
    return urlunsplit((parts.scheme, parts.netloc, reverse("widget:forwarded-push"), "", ""))


def _forward(item: dict[str, Any]) -> None:
    url = forward_url()
    body = json.dumps(item).encode()
    with HttpClient(allowlist=Allowlist.parse([urlsplit(url).netloc]), read_timeout=5, total_timeout=5) as client:
        try:
            answer = client.post(
                url, content=body, headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature(body)}
            )
        except HttpClientError as error:
            raise PushFailed(f"the web process could not be reached: {error}") from error
    if answer.status_code != 204:
        raise PushFailed(f"the web process refused the push: HTTP {answer.status_code}")
