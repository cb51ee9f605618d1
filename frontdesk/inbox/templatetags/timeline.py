"""Filters for the conversation timeline: channel markers, delivery icons, attachment previews, @mentions."""

from __future__ import annotations

import re

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from frontdesk.conversations.models import Attachment, Message

register = template.Library()

# A short mark per channel kind, drawn beside the channel's name (the name is what screen readers read).
CHANNEL_GLYPHS = {
    "api": "API",
    "email": "@",
    "webchat": "💬",
    "whatsapp": "WA",
    "messenger": "M",
    "instagram": "IG",
    "line": "LINE",
    "telegram": "TG",
    "wechat": "WC",
    "x": "X",
    "sms": "SMS",
}
DELIVERY_GLYPHS = {"queued": "🕓", "sent": "✓", "delivered": "✓✓", "read": "✓✓", "failed": "⚠"}
# What the browser may play or show in place; anything else is a download card.
PREVIEWABLE = {
    "image": {"image/png", "image/jpeg", "image/gif", "image/webp"},
    "audio": {"audio/mpeg", "audio/ogg"},
    "video": {"video/mp4"},
}


@register.filter
def channel_glyph(kind: str) -> str:
    return CHANNEL_GLYPHS.get(kind, "•")


@register.filter
def delivery_glyph(status: str) -> str:
    return DELIVERY_GLYPHS.get(status, "")


@register.filter
def preview_kind(attachment: Attachment) -> str:
    """image, audio or video when the browser can show it in place; otherwise file."""
    for kind, types in PREVIEWABLE.items():
        if attachment.content_type in types:
            return kind
    return "file"


@register.filter
def note_text(message: Message) -> SafeString:
    """The note's text, escaped, with each @mention of a mentioned member highlighted."""
    html = str(conditional_escape(message.text))
    names = sorted({mention.member.display_name for mention in message.mentions.all()}, key=len, reverse=True)
    if names:
        # One pass, longest name first, so "@Ana Li" is never also marked as "@Ana".
        pattern = "|".join(re.escape(str(conditional_escape("@" + name))) for name in names)
        html = re.sub(pattern, lambda match: f'<mark class="mention">{match.group(0)}</mark>', html)
    return linebreaksbr(mark_safe(html))  # noqa: S308 - built from escaped text above
