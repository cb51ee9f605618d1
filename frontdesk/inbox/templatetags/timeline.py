"""Filters for the conversation timeline: channel markers, delivery icons, attachment previews, @mentions."""

from __future__ import annotations

import re

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import conditional_escape, format_html
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
# Small line icons (static/frontdesk/icons/*.svg) drawn in the text colour through a CSS mask, so they need
# no emoji font and the page carries no inline SVG markup.
ICONS = {"lock", "paperclip", "file"}


@register.filter
def channel_glyph(kind: str) -> str:
    return CHANNEL_GLYPHS.get(kind, "•")


@register.simple_tag
def icon(name: str) -> SafeString:
    """A line icon, hidden from screen readers (the text beside it says what it means)."""
    if name not in ICONS:
        raise ValueError(f"no icon {name!r}")
    return format_html('<span class="icon icon-{}" aria-hidden="true"></span>', name)


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
