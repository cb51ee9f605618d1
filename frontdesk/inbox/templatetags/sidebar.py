"""``{% customer_sidebar conversation %}``: the customer sidebar, computed here rather than by the page's view."""

from __future__ import annotations

from typing import Any

from django import template

from frontdesk.conversations.models import Conversation
from frontdesk.inbox.sidebar_views import sidebar_context

register = template.Library()


@register.inclusion_tag("inbox/_sidebar_panel.html", takes_context=True)
def customer_sidebar(context: template.Context, conversation: Conversation) -> dict[str, Any]:
    request = context["request"]
    # The page's view has just read the conversation with its contact: no need to read the contact again.
    shown = sidebar_context(request.member, conversation, contact=conversation.contact)
    return {"request": request, "csrf_token": context.get("csrf_token"), **shown}
