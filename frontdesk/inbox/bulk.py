"""Bulk actions on the conversations an agent checked in the list, each through the conversation actions."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from frontdesk.conversations import actions
from frontdesk.conversations.models import Conversation, ConversationStatus, Label
from frontdesk.core.models import Member

SNOOZES = {
    "hour": _("For 1 hour"),
    "tomorrow": _("Until tomorrow 09:00"),
    "monday": _("Until next Monday 09:00"),
}
MORNING = time(9, 0)


def snooze_until(choice: str, time_zone: str, now: datetime) -> datetime:
    """When a snooze chosen as ``choice`` ends, mornings read in the member's time zone."""
    if choice == "hour":
        return now + timedelta(hours=1)
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    today = now.astimezone(zone).date()
    if choice == "tomorrow":
        day = today + timedelta(days=1)
    elif choice == "monday":
        day = today + timedelta(days=7 - today.weekday())
    else:
        raise ValidationError(_("Choose how long to snooze."))
    return datetime.combine(day, MORNING, tzinfo=zone)


def apply(
    conversations: Iterable[Conversation],
    actor: Member,
    action: str,
    *,
    assignee: Member | None = None,
    label: Label | None = None,
    until: datetime | None = None,
) -> int:
    """Do ``action`` to each conversation the actor may change; how many changed (refusals are skipped, not fatal)."""
    changed = 0
    for conversation in conversations:
        if not actor.user.has_perm("conversations.change_conversation", conversation):
            continue
        try:
            if action == "assign":
                if conversation.assignee_id == (assignee.pk if assignee else None):
                    continue
                actions.assign(conversation, assignee, actor=actor)
            elif action == "label":
                if label is None:
                    raise ValidationError(_("Choose a label."))
                current = list(conversation.labels.all())
                if label in current:
                    continue
                actions.set_labels(conversation, [*current, label], actor=actor)
            elif action == "resolve":
                if conversation.status == ConversationStatus.RESOLVED:
                    continue
                actions.set_status(conversation, ConversationStatus.RESOLVED, actor=actor)
            elif action == "snooze":
                actions.set_status(conversation, ConversationStatus.SNOOZED, actor=actor, snoozed_until=until)
            else:
                raise ValidationError(_("Unknown action."))
        except PermissionDenied:
            continue
        changed += 1
    return changed
