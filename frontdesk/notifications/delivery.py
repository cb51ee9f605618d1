"""Reaching one member's open tabs, and no one else's, from any process.

Each agent socket joins its member's group (``frontdesk.inbox.consumers.member_group``).
With Redis every process shares the channel layer; in embedded mode the layer
lives in the web process's memory, so other roles hand the push to it over
loopback HTTP, signed like the inbox's forwarded events.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.urls import reverse

from frontdesk.core.group_sends import send_to_groups
from frontdesk.core.http_client import Allowlist, HttpClient, HttpClientError
from frontdesk.inbox.consumers import member_group
from frontdesk.inbox.forwarding import SIGNATURE_HEADER, signature

logger = logging.getLogger(__name__)


def push_to_member(member_id: int, payload: dict[str, Any]) -> None:
    """Send ``payload`` to the member's open tabs; a failure is logged, never raised (the bell catches up on reload)."""
    if settings.FRONTDESK_EVENTS_FORWARD_URL:
        _forward({"member_id": member_id, "payload": payload})
        return
    send_to_member(member_id, payload)


def send_to_member(member_id: int, payload: dict[str, Any]) -> None:
    send_to_groups([(member_group(member_id), {"type": "member.event", "payload": payload})])


def _forward(item: dict[str, Any]) -> None:
    parts = urlsplit(settings.FRONTDESK_EVENTS_FORWARD_URL)
    url = urlunsplit((parts.scheme, parts.netloc, reverse("notifications:forwarded-push"), "", ""))
    body = json.dumps(item).encode()
    with HttpClient(allowlist=Allowlist.parse([parts.netloc]), read_timeout=5, total_timeout=5) as client:
        try:
            answer = client.post(
                url, content=body, headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature(body)}
            )
        except HttpClientError as error:
            logger.warning("Could not forward a notification to the web process: %s", error)
            return
    if answer.status_code != 204:
        logger.warning("The web process refused a forwarded notification: HTTP %s", answer.status_code)
