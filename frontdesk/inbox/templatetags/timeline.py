"""Filters for the conversation timeline: channel markers, delivery icons, attachment previews, @mentions."""

from __future__ import annotations

import re

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from frontdesk.conversations.models import Attachment, Message
from frontdesk.conversations.reply_rules import media_kind
from frontdesk.inbox.views import INLINE_TYPES

register = template.Library()

# A short mark per channel kind, drawn beside the channel's name (the name is what screen readers read).
CHANNEL_GLYPHS = {
    "api": "API",
    "email": "@",
    "webchat": "WEB",
    "whatsapp": "WA",
    "messenger": "M",
    "instagram": "IG",
    "line": "LINE",
    "telegram": "TG",
    "wechat": "WC",
    "x": "X",
    "sms": "SMS",
}
DELIVERY_GLYPHS = {"queued": "◷", "sent": "✓", "delivered": "✓✓", "read": "✓✓", "failed": "⚠"}
# Small line icons drawn in the text colour, so they need no emoji font.
ICONS = {
    "lock": '<rect x="4" y="11" width="16" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>',
    "paperclip": (
        '<path d="M21 12.5 12.5 21a5.5 5.5 0 0 1-7.8-7.8l9-9a3.7 3.7 0 0 1 5.2 5.2l-9 9'
        ' a1.8 1.8 0 0 1-2.6-2.6l8.3-8.3"/>'
    ),
    "file": '<path d="M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z"/><path d="M14 3v6h6"/>',
}


@register.filter
def channel_glyph(kind: str) -> str:
    return CHANNEL_GLYPHS.get(kind, "•")


@register.simple_tag
def icon(name: str) -> SafeString:
    """An inline line icon, hidden from screen readers (the text beside it says what it means)."""
    return mark_safe(  # noqa: S308 - fixed markup from ICONS
        '<svg class="icon" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor"'
        f' stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">{ICONS[name]}</svg>'
    )


@register.filter
def delivery_glyph(status: str) -> str:
    return DELIVERY_GLYPHS.get(status, "")


@register.filter
def preview_kind(attachment: Attachment) -> str:
    """image, audio or video when the browser may show it in place (what downloads serve inline); otherwise file."""
    return media_kind(attachment.content_type) if attachment.content_type in INLINE_TYPES else "file"


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
