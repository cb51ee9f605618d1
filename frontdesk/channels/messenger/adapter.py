"""The Messenger channel: a Facebook Page's conversations.

Inbound: Meta posts ``{"object": "page", "entry": [{"messaging": [...]}]}`` to
``/hooks/messenger/<webhook-token>``, signed with ``X-Hub-Signature-256``; the
subscription check is a ``GET`` with ``hub.challenge``. Each ``messaging`` item
is one stored event, deduped by the message's ``mid`` (or a stable id made from
a postback's, delivery's or read's fields). Texts, attachments (as
``messenger-media:<CDN URL>`` references), locations, shared links, quick-reply
answers and postbacks become messages; delivery receipts mark our messages
delivered; echoes (what the Page itself sent) are never taken for the customer's
words. ``frontdesk.channels.graph`` holds what is shared with Instagram.

Outbound: the Send API, see ``frontdesk.channels.messenger.outbound``.
"""

from __future__ import annotations

from frontdesk.channels.base import Capabilities, OutboundMessage, SendResult, register
from frontdesk.channels.graph import GraphAdapter
from frontdesk.channels.models import Channel, ChannelKind

MEDIA_PREFIX = "messenger-media:"


@register(ChannelKind.MESSENGER)
class MessengerAdapter(GraphAdapter):
    capabilities = Capabilities(
        media_kinds=frozenset({"image", "video", "audio", "file"}),
        reply_window_hours=24,
        outside_window_content=frozenset({"tag"}),
        content_kinds=frozenset({"quick_replies", "buttons", "tag"}),
    )
    webhook_object = "page"
    media_prefix = MEDIA_PREFIX

    def send(self, channel: Channel, message: OutboundMessage) -> SendResult:
        from frontdesk.channels.messenger.outbound import send_message
        from frontdesk.core.http_client import http_client

        with http_client() as client:
            return send_message(channel, message, client)
