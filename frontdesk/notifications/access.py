from __future__ import annotations

from typing import Any

from frontdesk.core.access import get_for_member
from frontdesk.core.models import Member
from frontdesk.notifications.models import Notification


def get_notification_for_member(member: Member, notification_id: Any) -> Notification:
    """The member's own notification; another member's, like a missing one, is a 404."""
    return get_for_member(Notification, member, notification_id, "notifications.view_notification")
