from __future__ import annotations

from django import template

from frontdesk.core.models import Member
from frontdesk.notifications import actions
from frontdesk.notifications.models import Notification

register = template.Library()


@register.simple_tag
def unread_notifications(member: Member | None) -> int:
    """The bell's count: the member's unread notifications."""
    return actions.unread_count(member) if member else 0


@register.filter
def headline(notification: Notification) -> str:
    return actions.headline(notification)


@register.filter
def summary(notification: Notification) -> str:
    return actions.summary(notification)
