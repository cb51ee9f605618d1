"""Notifications from domain events: a conversation given to a member, a note that mentions one."""

from __future__ import annotations

from typing import Any

from frontdesk.conversations.models import Conversation, Message
from frontdesk.core.models import Member
from frontdesk.notifications.actions import notify
from frontdesk.notifications.models import NotificationKind
from frontdesk.pipeline.events import Event, subscriber


@subscriber
def notify_members(events: list[Event]) -> None:
    for event in events:
        if event.type == "conversation.updated":
            _assigned(event)
        elif event.type == "mention.created":
            _mentioned(event)


def _assigned(event: Event) -> None:
    change = event.payload.get("changes", {}).get("assignee_id")
    if not isinstance(change, list) or len(change) != 2 or change[1] is None:
        return
    conversation_id = event.payload["conversation"]["id"]
    assignee = _active_member(event.workspace_id, change[1])
    conversation = Conversation.in_workspace(event.workspace_id).filter(pk=conversation_id).first()
    if assignee is None or conversation is None:
        return
    actor_id = event.payload.get("actor_id")
    if actor_id == assignee.pk:
        return  # members who take a conversation themselves know it
    actor = _active_member(event.workspace_id, actor_id)
    notify(assignee, NotificationKind.ASSIGNED, conversation, actor=actor)


def _mentioned(event: Event) -> None:
    mention = event.payload.get("mention") or {}
    message_id, conversation_id = mention.get("message_id"), mention.get("conversation_id")
    if not isinstance(message_id, int) or not isinstance(conversation_id, int):
        return
    if mention.get("member_id") == mention.get("author_id"):
        return  # nobody needs telling that they mentioned themselves
    member = _active_member(event.workspace_id, mention.get("member_id"))
    message = (
        Message.in_workspace(event.workspace_id)
        .filter(pk=message_id, conversation_id=conversation_id)
        .select_related("conversation")
        .first()
    )
    if member is None or message is None:
        return
    author = _active_member(event.workspace_id, mention.get("author_id"))
    notify(member, NotificationKind.MENTION, message.conversation, actor=author, message=message)


def _active_member(workspace_id: int, member_id: Any) -> Member | None:
    if not isinstance(member_id, int):
        return None
    return Member.in_workspace(workspace_id).filter(pk=member_id, is_active=True).select_related("user").first()
