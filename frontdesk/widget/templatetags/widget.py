from __future__ import annotations

from typing import Any

from django import template

from frontdesk.channels.models import Channel, ChannelKind
from frontdesk.conversations.models import Conversation
from frontdesk.widget.conversation import context_of

register = template.Library()

# Context keys shown with a label of their own; others are shown under their own name.
KNOWN_KEYS = ("order_number", "page_title", "page_url")


@register.simple_tag
def widget_context(conversation: Conversation) -> dict[str, Any]:
    """What the web-chat widget told about ``conversation`` (empty for other channels)."""
    if conversation.channel.kind != ChannelKind.WEBCHAT:
        return {}
    found = context_of(conversation)
    if found:
        latest = found["latest"]
        found["extra"] = [(key, value) for key, value in latest.items() if key not in KNOWN_KEYS]
    found["webchat"] = True
    return found


@register.simple_tag
def widget_script_url(channel: Channel) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.PUBLIC_URL + reverse("widget:script", args=[channel.webhook_token])
