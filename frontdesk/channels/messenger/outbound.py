"""Sending on a Messenger channel: the Send API.

::

    POST {api_base_url}/{api_version}/me/messages
    Authorization: Bearer <page access token>

    {"recipient": {"id": "<PSID>"}, "messaging_type": "RESPONSE", "message": {"text": "…"}}

Meta answers ``{"recipient_id": "…", "message_id": "m_…"}``. Within 24 hours of
the customer's last message anything may be sent (``RESPONSE``); later only a
tagged message (``content["tag"]``: ``"messaging_type": "MESSAGE_TAG", "tag":
"HUMAN_AGENT"`` and the like). A text longer than 2,000 characters goes as
several messages, each attachment as its own message (by URL, which Meta
fetches), buttons as a button template, quick replies on the last message.
Refusals are mapped by ``frontdesk.channels.graph.send_failure``.
"""

from __future__ import annotations

from frontdesk.channels.base import OutboundMessage, SendResult
from frontdesk.channels.graph import Graph, check_content, message_bodies, send_all, tag_fields
from frontdesk.channels.models import Channel
from frontdesk.core.http_client import HttpClient

SEND_PATH = "me/messages"
TEXT_LIMIT = 2000
CONTENT_KINDS = frozenset({"quick_replies", "buttons", "tag"})
TAGS = frozenset({"HUMAN_AGENT", "ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE"})
ATTACHMENT_TYPES = {"image": "image", "video": "video", "audio": "audio", "*": "file"}


def send_message(channel: Channel, message: OutboundMessage, client: HttpClient) -> SendResult:
    """Send ``message`` to the PSID ``message.recipient``; raises ``SendFailed`` unless Meta took every part."""
    check_content(message, CONTENT_KINDS)
    envelope = {"recipient": {"id": message.recipient}, "messaging_type": "RESPONSE", **tag_fields(message, TAGS)}
    bodies = message_bodies(message, envelope, text_limit=TEXT_LIMIT, attachment_types=ATTACHMENT_TYPES, buttons=True)
    return send_all(Graph(channel, client), SEND_PATH, bodies)
