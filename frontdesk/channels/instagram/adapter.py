"""The Instagram messaging channel: a professional account's direct messages.

Inbound: Meta posts ``{"object": "instagram", "entry": [{"messaging": [...]}]}``
to ``/hooks/instagram/<webhook-token>``, signed with ``X-Hub-Signature-256`` like
Messenger (``frontdesk.channels.graph`` parses both). Texts, photos, videos,
voice messages, shared posts and reels, story mentions and replies to a story
(as ``instagram-media:<CDN URL>`` references), reactions, quick-reply answers
and postbacks become messages; a read receipt names the message read; echoes
are skipped.

Outbound: the Send API, see ``frontdesk.channels.instagram.outbound``.
"""

from __future__ import annotations

from frontdesk.channels.base import Capabilities, OutboundMessage, SendResult, register
from frontdesk.channels.graph import GraphAdapter
from frontdesk.channels.models import Channel, ChannelKind

MEDIA_PREFIX = "instagram-media:"


@register(ChannelKind.INSTAGRAM)
class InstagramAdapter(GraphAdapter):
    capabilities = Capabilities(
        media_kinds=frozenset({"image", "video", "audio"}),
        reply_window_hours=24,
        outside_window_content=frozenset({"tag"}),
        content_kinds=frozenset({"quick_replies", "tag"}),
    )
    webhook_object = "instagram"
    media_prefix = MEDIA_PREFIX

    def send(self, channel: Channel, message: OutboundMessage) -> SendResult:
        from frontdesk.channels.instagram.outbound import send_message
        from frontdesk.core.http_client import http_client

        with http_client() as client:
            return send_message(channel, message, client)
