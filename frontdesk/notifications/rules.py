"""Who may see a notification: only the member it was made for (loaded by rules' autodiscovery)."""

from __future__ import annotations

from typing import Any

import rules

from frontdesk.core.rules import _member


@rules.predicate
def is_recipient(user: Any, notification: Any) -> bool:
    member = _member(user, notification)
    return member is not None and notification.member_id == member.pk


rules.add_perm("notifications.view_notification", is_recipient)
