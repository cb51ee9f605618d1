"""Sending on an Instagram channel: the Send API for Instagram.

::

    POST {api_base_url}/{api_version}/me/messages
    Authorization: Bearer <page access token>

    {"recipient": {"id": "<IGSID>"}, "message": {"text": "…"}}

``me`` is the Page linked to the account (or the account itself on
``graph.instagram.com``), so the same path serves both logins. Texts are cut
at Instagram's 1,000 bytes; images, videos and audio go one per message by
URL; quick replies ride on the last message. After the 24-hour window only
the ``HUMAN_AGENT`` tag is allowed (7 days). Refusals are mapped by
``frontdesk.channels.graph.send_failure``.
"""

from __future__ import annotations

from typing import Any

from frontdesk.channels.base import OutboundMessage, SendResult
from frontdesk.channels.graph import Graph, check_content, message_bodies, send_all, tag_fields
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import HttpClient

SEND_PATH = "me/messages"
TEXT_LIMIT_BYTES = 1000
CONTENT_KINDS = frozenset({"quick_replies", "tag"})
TAGS = frozenset({"HUMAN_AGENT"})
ATTACHMENT_TYPES = {"image": "image", "video": "video", "audio": "audio"}


def send_message(channel: Channel, message: OutboundMessage, client: HttpClient) -> SendResult:
    """Send ``message`` to the IGSID ``message.recipient``; raises ``SendFailed`` unless Meta took every part."""
    check_content(message, CONTENT_KINDS)
    envelope: dict[str, Any] = {"recipient": {"id": message.recipient}, **tag_fields(message, TAGS)}
    bodies = message_bodies(
        message, envelope, text_limit=TEXT_LIMIT_BYTES, count_bytes=True, attachment_types=ATTACHMENT_TYPES
    )
    return send_all(Graph(channel, client), SEND_PATH, bodies)
