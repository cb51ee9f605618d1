"""Making, reading and delivering notifications. Each one is pushed to its member's tabs only."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from frontdesk.conversations.models import Conversation, Message
from frontdesk.core.models import Member
from frontdesk.notifications.delivery import push_to_member
from frontdesk.notifications.models import Notification, NotificationKind, NotificationPreferences

RECENT = 10


def notify(
    member: Member,
    kind: NotificationKind,
    conversation: Conversation,
    *,
    actor: Member | None = None,
    message: Message | None = None,
) -> Notification | None:
    """Tell ``member`` (live, on their own tabs only); None if they already were (a mention handled twice)."""
    try:
        with transaction.atomic():
            notification = Notification.all_workspaces.create(
                workspace_id=member.workspace_id,
                member=member,
                kind=kind,
                conversation=conversation,
                message=message,
                actor=actor,
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _announce(notification))
    return notification


def _announce(notification: Notification) -> None:
    member = notification.member
    preferences = preferences_for(member)
    # The text is for the member's eyes, so it is written in their language.
    with translation.override(member.user.language or member.workspace.default_language):
        push_to_member(
            member.pk,
            {
                "type": "notification.created",
                "notification": notification_out(notification),
                "unread": unread_count(member),
                "browser": preferences.browser,
                "sound": preferences.sound,
            },
        )


def notification_out(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "conversation_id": notification.conversation_id,
        "message_id": notification.message_id,
        "actor_id": notification.actor_id,
        "title": headline(notification),
        "body": summary(notification),
        "url": reverse("notifications:open", args=[notification.pk]),
        "created_at": notification.created_at.isoformat(),
    }


def headline(notification: Notification) -> str:
    """One line saying what happened, in the active language."""
    actor = notification.actor.display_name if notification.actor is not None else None
    if notification.kind == NotificationKind.MENTION:
        if actor is None:
            return _("You were mentioned in a note")
        return _("%(name)s mentioned you in a note") % {"name": actor}
    if actor is None:
        return _("A conversation was assigned to you")
    return _("%(name)s assigned you a conversation") % {"name": actor}


def summary(notification: Notification) -> str:
    """What it is about: the note's words for a mention, the conversation's subject or contact otherwise."""
    if notification.message is not None and notification.message.text:
        return Truncator(notification.message.text).chars(140)
    conversation = notification.conversation
    return conversation.subject or str(conversation.contact)


def recent(member: Member, limit: int = RECENT) -> list[Notification]:
    queryset = Notification.in_workspace(member.workspace_id).filter(member=member)
    return list(
        queryset.select_related("actor__user", "conversation__contact", "message").order_by("-created_at", "-id")[
            :limit
        ]
    )


def unread_count(member: Member) -> int:
    return Notification.in_workspace(member.workspace_id).filter(member=member, read_at__isnull=True).count()


def mark_read(notification: Notification) -> None:
    if notification.read_at is not None:
        return
    notification.read_at = timezone.now()
    notification.save(update_fields=["read_at"])
    _announce_read(notification.member)


def mark_all_read(member: Member) -> int:
    """Mark every unread notification of ``member`` read; returns how many were."""
    count = (
        Notification.in_workspace(member.workspace_id)
        .filter(member=member, read_at__isnull=True)
        .update(read_at=timezone.now())
    )
    if count:
        _announce_read(member)
    return count


def _announce_read(member: Member) -> None:
    # The member's other tabs put their bell right too.
    transaction.on_commit(
        lambda: push_to_member(member.pk, {"type": "notifications.read", "unread": unread_count(member)})
    )


def preferences_for(member: Member) -> NotificationPreferences:
    """The member's preferences; the defaults (bell only) when they never chose."""
    found = NotificationPreferences.in_workspace(member.workspace_id).filter(member=member).first()
    return found or NotificationPreferences(workspace_id=member.workspace_id, member=member)


def set_preferences(member: Member, *, browser: bool, sound: bool) -> NotificationPreferences:
    preferences, _created = NotificationPreferences.all_workspaces.update_or_create(
        workspace_id=member.workspace_id, member=member, defaults={"browser": browser, "sound": sound}
    )
    return preferences
