"""Unread state: a conversation is unread for a member when the customer wrote after the member last opened it.

"The customer wrote" is read from the conversation row itself, so the list
needs no message query: while a conversation waits for an answer
(``waiting_since`` is set) its ``last_activity_at`` moves only when the
customer writes (or it wakes from a snooze); a reply clears ``waiting_since``.
So an answered conversation is never unread, and a waiting one is unread
until the member opens it after its latest activity.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from frontdesk.conversations.models import Conversation
from frontdesk.core.models import Member
from frontdesk.inbox.models import ConversationRead


def mark_read(member: Member, conversation: Conversation) -> None:
    """Remember that ``member`` has now seen everything in ``conversation`` (one upsert)."""
    ConversationRead.in_workspace(member.workspace_id).bulk_create(
        [
            ConversationRead(
                workspace_id=member.workspace_id,
                member=member,
                conversation=conversation,
                last_read_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["member", "conversation"],
        update_fields=["last_read_at"],
    )


def annotate_unread(conversations: Iterable[Conversation], member: Member) -> None:
    """Set ``is_unread`` on each conversation for ``member``, with one query for all of them."""
    conversations = list(conversations)
    waiting = [conversation.pk for conversation in conversations if conversation.waiting_since is not None]
    read_at = (
        dict(
            ConversationRead.in_workspace(member.workspace_id)
            .filter(member=member, conversation_id__in=waiting)
            .values_list("conversation_id", "last_read_at")
        )
        if waiting
        else {}
    )
    for conversation in conversations:
        seen = read_at.get(conversation.pk)
        conversation.is_unread = conversation.waiting_since is not None and (  # type: ignore[attr-defined]
            seen is None or seen < conversation.last_activity_at
        )
